"""matching: the sensor fires on rows that match, never on a count alone."""

from __future__ import annotations

import pytest

from intacct_provider.core.matching import RecordMatch
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctProtocolError, IntacctValidationError

PAID = QuerySpec.build("bill", ["key"], {"state": "paid"})


def page(keys, total):
    return {"ia::result": [{"key": k} for k in keys], "ia::meta": {"totalCount": total}}


def test_fires_on_rows():
    match = RecordMatch.build(PAID, "2")
    assert match.body()["orderBy"] == [{"key": "asc"}] and match.body()["size"] == 100
    assert match.outcome(page(["1"], 1)) == (False, {"rows": [{"key": "1"}], "count": 1})
    assert match.outcome(page(["1", "2"], 2)) == (True, {"rows": [{"key": "1"}, {"key": "2"}], "count": 2})


@pytest.mark.parametrize(("keys", "total"), [([], 5), (["1"], 0), (["1"], 3)])
def test_a_count_that_contradicts_the_rows_is_an_error(keys, total):
    with pytest.raises(IntacctProtocolError, match="fires on rows"):
        RecordMatch.build(PAID, 1).outcome(page(keys, total))


@pytest.mark.parametrize(("spec", "min_count", "parameter"), [(PAID, 0, "min_count"), (PAID, "²", "min_count"),
                                                               (QuerySpec.build("bill"), 1, "filters")])  # fmt: skip
def test_bad_arguments(spec, min_count, parameter):
    with pytest.raises(IntacctValidationError) as info:
        RecordMatch.build(spec, min_count)
    assert info.value.parameter == parameter

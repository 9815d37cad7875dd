"""matching: the sensor fires on rows that match, never on a count alone."""

from __future__ import annotations

from decimal import Decimal

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


def test_the_rows_handed_on_carry_numbers_as_exact_text():
    """They become XCom or a trigger event, where Airflow would turn a Decimal into a float."""
    rows = [{"key": "1", "nsp::COST": Decimal("12345678901234567.89"), "lines": [{"rate": Decimal("0.10")}]}]
    done, outcome = RecordMatch.build(PAID).outcome({"ia::result": rows, "ia::meta": {"totalCount": 1}})
    assert done and outcome["rows"] == [{"key": "1", "nsp::COST": "12345678901234567.89", "lines": [{"rate": "0.10"}]}]


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

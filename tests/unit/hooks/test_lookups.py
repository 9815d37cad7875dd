"""hooks.lookups: a batch GET's answer is matched to the keys asked by each record's own key."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from intacct_provider.catalog.identity import NaturalKey
from intacct_provider.catalog.registry import BILL
from intacct_provider.exceptions import IntacctProtocolError
from intacct_provider.hooks.lookups import Lookups

PATH = "accounts-payable/bill"


class Answers:
    """A channel that answers every GET with the records given, whatever was asked."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.paths: list[str] = []

    def send(self, method: str, path: str, **_kwargs: Any) -> SimpleNamespace:
        self.paths.append(path)
        result: Any = self.records[0] if "," not in path.rsplit("/", 1)[-1] else self.records
        return SimpleNamespace(status_code=200, text=json.dumps({"ia::result": result}), headers={})


def lookups(records: list[dict[str, Any]]) -> Lookups:
    return Lookups(Answers(records), PATH, NaturalKey(BILL.natural_key), lambda _n: None)  # type: ignore[arg-type]


def bill(key: str) -> dict[str, Any]:
    return {"key": key, "id": f"B-{key}", "billNumber": f"N-{key}"}


def test_records_come_back_in_the_order_asked_whatever_order_intacct_answers_in():
    got = lookups([bill("3"), bill("1"), bill("2")]).get_many(["1", "2", "3"])
    assert [record["key"] for record in got] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("answered", "asked", "problem"),
    [
        ([bill("1"), bill("9")], ["1", "2"], "no record with key 2; a record with key 9 that was not asked for"),
        ([bill("1"), bill("1")], ["1", "2"], "no record with key 2; the same key twice"),
        ([bill("9")], ["1"], "no record with key 1; a record with key 9"),  # a GET by one key
    ],
    ids=["another-key", "twice", "single"],
)
def test_an_answer_that_is_not_the_records_asked_for_is_an_error_naming_the_call(answered, asked, problem):
    with pytest.raises(IntacctProtocolError, match=problem) as raised:
        lookups(answered).get_many(asked)
    assert raised.value.method == "GET" and raised.value.path == f"/objects/{PATH}/{','.join(asked)}"

"""The settle rule of a lost batch's records with a natural key: the single create's, record by record."""

from __future__ import annotations

from intacct_provider.catalog.payloads import bill_payload, journal_entry_payload
from intacct_provider.catalog.registry import BILL, JOURNAL_ENTRY
from intacct_provider.core.settle import judge, newest_first

JE_LINES = [
    {"glaccountno": "1000", "amount": "5", "tr_type": "debit"},
    {"glaccountno": "2000", "amount": "5", "tr_type": "credit"},
]
JE = journal_entry_payload("GJ", "2026-11-02", JE_LINES, description="accrual")


def record(body, key, **changes):
    return {**body, **changes, "key": key}


def other_lines(key):
    lines = [{**line, "txnAmount": "7"} for line in JE["lines"]]
    return record(JE, key, lines=lines)


def test_a_shared_natural_key_adopts_the_one_identical_record():
    """Journal entries share journal, date and description: the one with our lines is ours."""
    verdict = judge(JOURNAL_ENTRY.path, JE, [other_lines("12"), record(JE, "11")], set())
    assert verdict.key == "11" and verdict.error is None


def test_several_identical_records_cannot_be_told_apart():
    verdict = judge(JOURNAL_ENTRY.path, JE, newest_first([record(JE, "9"), record(JE, "11")]), set())
    assert verdict.key is None
    assert verdict.error.startswith("2 existing general-ledger/journal-entry records are identical to it (11, 9)")
    assert "check Intacct" in verdict.error


def test_a_record_this_task_already_has_is_not_adopted_again():
    verdict = judge(JOURNAL_ENTRY.path, JE, [record(JE, "11"), record(JE, "12")], {"12"})
    assert verdict.key == "11"


def test_a_natural_key_held_by_a_different_record_is_a_conflict():
    body = bill_payload("V1", "2026-11-02", "2026-12-02", [{"glaccountno": "6700", "amount": "1"}], "B-1")
    verdict = judge(BILL.path, body, [record(body, "5", dueDate="2027-01-01")], set())
    assert verdict.error == (
        "accounts-payable/bill key 5 already has this natural key but differs in dueDate: it was not created by "
        "this task; use another number/id or update it"
    )


def test_no_record_holding_the_key_means_missing():
    verdict = judge(JOURNAL_ENTRY.path, JE, [], set())
    assert verdict.key is None and verdict.error is None


def test_a_record_already_this_tasks_is_no_candidate():
    verdict = judge(JOURNAL_ENTRY.path, JE, [record(JE, "11")], {"11"})
    assert verdict.key is None and verdict.error is None


def test_newest_first_orders_numeric_keys_by_value():
    assert [r["key"] for r in newest_first([{"key": "9"}, {"key": "11"}, {"key": "10"}])] == ["11", "10", "9"]

"""core.settle: what a write does after each answer, and what a look-up proves, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intacct_provider.catalog.payloads import bill_payload, journal_entry_payload
from intacct_provider.catalog.registry import BILL, JOURNAL_ENTRY
from intacct_provider.core.batch_answers import ItemAnswer, UnreadableAnswer
from intacct_provider.core.settle import (
    CLOCK_MARGIN,
    Adopted,
    Found,
    Next,
    Row,
    after_failure,
    after_item,
    changed_fields,
    content_filters,
    is_recent,
    judge_by_content,
    judge_by_key,
    newest_first,
    open_rows,
    page_reaches_back,
    who_made,
    window_start,
)
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctAuthError,
    IntacctConflictError,
    IntacctError,
    IntacctNotFoundError,
    IntacctProtocolError,
    IntacctRateLimitError,
    IntacctRequestError,
    IntacctServerError,
    IntacctTransportError,
)

ANSWERED = "Sat, 28 Nov 2026 10:00:30 GMT"
AT_ANSWER = datetime(2026, 11, 28, 10, 0, 30, tzinfo=UTC)
SINCE = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)
JE_LINES = [
    {"glaccountno": "1000", "amount": "5", "tr_type": "debit"},
    {"glaccountno": "2000", "amount": "5", "tr_type": "credit"},
]
JE = journal_entry_payload("GJ", "2026-11-02", JE_LINES, description="accrual")
BILL_BODY = bill_payload("V1", "2026-11-02", "2026-12-02", [{"glaccountno": "6700", "amount": "1"}], "B-1")


def je_differences(body, record):
    return JOURNAL_ENTRY.differences(body, record)


def bill_differences(body, record):
    return BILL.differences(body, record)


def record(body, key, created=None, **changes):
    made = {**body, **changes, "key": key, "id": f"DOC-{key}", "href": f"/objects/x/{key}"}
    if created is not None:
        made["audit"] = {"createdDateTime": created}
    return made


def other_lines(key):
    return record(JE, key, lines=[{**line, "txnAmount": "7"} for line in JE["lines"]])


# ------------------------------------------------------------------ after a send
@pytest.mark.parametrize(
    ("error", "step"),
    [
        (IntacctAmbiguousWriteError("lost"), Next.SETTLE),  # a lost answer, a 5xx to a create
        (IntacctServerError("500", status=500), Next.SETTLE),
        (IntacctProtocolError("cut short", status=201), Next.SETTLE),
        (UnreadableAnswer("lists 3 results", status=207), Next.SETTLE),
        (IntacctConflictError("already used", status=409), Next.CONFLICT),
        (IntacctRateLimitError("throttled", status=429), Next.RESEND),  # provably nothing written
        (IntacctTransportError("refused"), Next.RESEND),  # never sent
        (IntacctRequestError("bad field", status=400), Next.INVALID),
        (IntacctRequestError("business rule", status=422), Next.INVALID),
        (IntacctAuthError("forbidden", status=403), Next.FATAL),
        (IntacctNotFoundError("no such path", status=404), Next.FATAL),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value.name,
)
def test_only_answers_that_prove_nothing_was_written_are_resent_without_a_look_up(error, step):
    assert after_failure(error) is step


@pytest.mark.parametrize(
    ("answer", "step"),
    [
        (ItemAnswer(ok=True, result={"key": "1"}), Next.DONE),
        (ItemAnswer(ok=False, status=429), Next.RESEND),
        (ItemAnswer(ok=False, status=500), Next.SETTLE),
        (ItemAnswer(ok=False, status=503), Next.SETTLE),
        (ItemAnswer(ok=False, status=409), Next.CONFLICT),
        (ItemAnswer(ok=False, status=422), Next.FAILED),
        (ItemAnswer(ok=False, status=None), Next.FAILED),
    ],
)
def test_a_records_own_answer_in_a_207_follows_the_same_rule(answer, step):
    assert after_item(answer) is step


# ------------------------------------------------------------------ the window
def test_window_reaches_back_to_the_first_post_on_the_servers_clock():
    assert window_start(ANSWERED, elapsed=20.0) == AT_ANSWER - timedelta(seconds=20.0 + CLOCK_MARGIN)


@pytest.mark.parametrize(
    ("date", "elapsed"),
    [(None, 1.0), ("", 1.0), ("yesterday-ish", 1.0), ("Sat, 28 Nov 2026 10:00:30 GMT", None)],
    ids=["no-date", "empty-date", "unparseable-date", "no-post-in-this-try"],
)
def test_no_window_without_a_server_clock_or_a_first_post(date, elapsed):
    assert window_start(date, elapsed) is None


def test_a_date_without_a_zone_is_read_as_utc():
    assert window_start("Sat, 28 Nov 2026 10:00:30 -0000", 0.0) == AT_ANSWER - timedelta(seconds=CLOCK_MARGIN)


@pytest.mark.parametrize(
    ("stamp", "recent"),
    [
        ("2026-11-28T10:00:00Z", True),  # the instant the window opens
        ("2026-11-28T10:00:05Z", True),
        ("2026-11-28T09:59:59Z", False),  # one second before it: an older twin, never ours
        ("2026-11-28T11:00:00+01:00", True),  # the same instant with an offset
        (None, None),
        ("", None),
        ("not a time", None),
        (20261128, None),
    ],
)
def test_is_recent_tells_in_window_older_and_unknown_apart(stamp, recent):
    assert is_recent(stamp, SINCE) is recent


def test_is_recent_without_a_window_cannot_tell():
    assert is_recent("2026-11-28T10:00:00Z", None) is None


def test_content_filters_compare_scalars_and_references_not_lines():
    body = {"vendor": {"id": "V-1"}, "createdDate": "2026-11-01", "currency": {"txnCurrency": "USD"}, "lines": []}
    assert content_filters(body) == [{"$eq": {"vendor.id": "V-1"}}, {"$eq": {"createdDate": "2026-11-01"}}]


def test_content_filters_leave_out_write_only_fields():
    """A payment's ``paymentDate`` is writeOnly: Intacct never returns it, so no look-up filters on it."""
    body = {
        "vendor": {"id": "VEND-100"},
        "paymentMethod": "Printed Check",
        "paymentDate": "2026-11-15",
        "financialEntity": {"entityId": "BOA"},
    }
    filters = content_filters(body, frozenset({"paymentDate"}))
    assert filters == [{"$eq": {"vendor.id": "VEND-100"}}, {"$eq": {"paymentMethod": "Printed Check"}}]
    assert {"$eq": {"paymentDate": "2026-11-15"}} in content_filters(body)  # nothing hidden


# ------------------------------------------------------------------ by natural key
def test_a_shared_natural_key_adopts_the_one_identical_record():
    """Journal entries share journal, date and description: the one with our lines is ours."""
    verdict = judge_by_key("je", JE, [other_lines("12"), record(JE, "11")], je_differences)
    assert [adopted.reference for adopted in verdict.adopted] == [
        {"key": "11", "id": "DOC-11", "href": "/objects/x/11"}
    ]
    assert verdict.conflict is None and verdict.doubt is None


@pytest.mark.parametrize(
    ("created", "older"),
    [("2026-11-28T09:00:00Z", True), ("2026-11-28T10:00:01Z", False), (None, None)],
    ids=["before-the-window", "inside-it", "no-stamp"],
)
def test_an_adopted_record_says_whether_it_predates_the_window(created, older):
    verdict = judge_by_key("bill", BILL_BODY, [record(BILL_BODY, "5", created)], bill_differences, since=SINCE)
    assert verdict.adopted[0].older is older


def test_several_identical_records_cannot_be_told_apart():
    verdict = judge_by_key("je", JE, newest_first([record(JE, "9"), record(JE, "11")]), je_differences)
    assert not verdict.adopted
    assert verdict.doubt == (
        "2 existing je records are identical to it (keys 11, 9): which one, if any, this task created cannot be told"
    )


def test_a_record_this_task_already_has_is_not_adopted_again():
    verdict = judge_by_key("je", JE, [record(JE, "11"), record(JE, "12")], je_differences, claimed={"12"})
    assert verdict.adopted[0].reference["key"] == "11"
    assert judge_by_key("je", JE, [record(JE, "11")], je_differences, claimed={"11"}) == judge_by_key(
        "je", JE, [], je_differences
    )


def test_a_natural_key_held_by_a_different_record_is_a_conflict():
    verdict = judge_by_key("AP bill", BILL_BODY, [record(BILL_BODY, "5", dueDate="2027-01-01")], bill_differences)
    assert verdict.conflict == (
        "AP bill 'DOC-5' (key 5) already has its natural key and differs from this create in dueDate: it was not "
        "created by this task; use another number/id, or update that record instead"
    )


def test_no_record_holding_the_key_means_missing():
    verdict = judge_by_key("je", JE, [], je_differences)
    assert verdict.adopted == () and verdict.conflict is None and verdict.doubt is None


# ------------------------------------------------------------------ by content
def row(key, created):
    return {"key": key, "id": f"DOC-{key}", "href": f"/objects/x/{key}", "audit.createdDateTime": created}


RECENT, OLD = "2026-11-28T10:00:10Z", "2026-11-28T09:00:00Z"


def test_open_rows_leave_out_older_and_claimed_rows():
    rows = [row("3", RECENT), row("2", None), row("1", OLD)]
    assert open_rows(rows, SINCE, claimed=set()) == [Row(rows[0], True), Row(rows[1], None)]
    assert open_rows(rows, SINCE, claimed={"3"}) == [Row(rows[1], None)]
    assert open_rows(rows, None, claimed=set()) == [Row(r, None) for r in rows]  # no window: every age unknown


def test_a_full_page_reaches_back_unless_its_last_row_is_older():
    assert page_reaches_back([row("2", RECENT), row("1", RECENT)], 2, SINCE)
    assert not page_reaches_back([row("2", RECENT), row("1", OLD)], 2, SINCE)
    assert not page_reaches_back([row("2", RECENT)], 2, SINCE)  # not full: nothing after it


def content(bodies, rows, records, *, since=SINCE, more=False):
    return judge_by_content(bodies, rows, records, bill_differences, since=since, more=more)


def test_content_adopts_up_to_one_record_per_identical_copy():
    rows = [Row(row("8", RECENT), True), Row(row("7", RECENT), True)]
    records = [record(BILL_BODY, "8"), record(BILL_BODY, "7")]
    (two,) = content([(BILL_BODY, 2)], rows, records)
    assert [a.reference["key"] for a in two.adopted] == ["8", "7"] and all(a.older is False for a in two.adopted)
    (three,) = content([(BILL_BODY, 3)], rows, records)  # the third copy is missing: sent again
    assert len(three.adopted) == 2 and three.doubt is None
    (one,) = content([(BILL_BODY, 1)], rows, records)
    assert one.doubt.startswith("2 records identical to it were created since it began (keys 8, 7)")


def test_content_without_an_identical_record_means_missing():
    other = record(BILL_BODY, "8", dueDate="2027-01-01")
    assert content([(BILL_BODY, 1)], [Row(row("8", RECENT), True)], [other]) == content([(BILL_BODY, 1)], [], [])


def test_content_of_unknown_age_or_shared_by_two_bodies_is_a_doubt():
    (unknown,) = content([(BILL_BODY, 1)], [Row(row("8", None), None)], [record(BILL_BODY, "8")], since=None)
    assert "whether one of them is its own cannot be told" in unknown.doubt
    twin = {**BILL_BODY, "description": None}  # compared fields only: both bodies match the same record
    shared = content([(BILL_BODY, 1), (twin, 1)], [Row(row("8", RECENT), True)], [record(BILL_BODY, "8")])
    assert all("identical to another record sent with it" in verdict.doubt for verdict in shared)


def test_candidates_left_unread_are_a_doubt():
    (verdict,) = content([(BILL_BODY, 1)], [Row(row("8", RECENT), True)], [record(BILL_BODY, "8")], more=True)
    assert verdict.doubt == "1 or more records with its fields were created since it began"


# ------------------------------------------------------------------ who made it
@pytest.mark.parametrize(
    ("older", "sent_unsure", "found"),
    [
        (False, True, Found.BY_THIS_TASK),  # its lost send committed
        (None, True, Found.BY_THIS_TASK),  # no stamp: sent and lost, so taken for this task's
        (True, True, Found.BEFORE),  # sent and lost, but the record is older than the send: an earlier run's
        (False, False, Found.BEFORE),  # "already exists" to its first send: not made by this task
        (None, False, Found.BEFORE),
    ],
)
def test_who_made_an_adopted_record(older, sent_unsure, found):
    assert who_made(Adopted({"key": "1"}, older), sent_unsure=sent_unsure) is found


# ------------------------------------------------------------------ upserts and order
def test_changed_fields_compare_every_field_the_body_sets_amounts_as_decimals():
    have = record(BILL_BODY, "5", referenceNumber="R-1")
    assert changed_fields(BILL.path, BILL_BODY, have) == set()
    assert changed_fields(BILL.path, {**BILL_BODY, "description": "new"}, have) == {"description"}
    lines = [{**BILL_BODY["lines"][0], "txnAmount": "1.00"}]
    assert changed_fields(BILL.path, {**BILL_BODY, "lines": lines}, have) == set()  # 1 == 1.00
    assert changed_fields(BILL.path, {**BILL_BODY, "dueDate": "2027-01-01"}, have) == {"dueDate"}


def test_newest_first_orders_numeric_keys_by_value():
    assert [r["key"] for r in newest_first([{"key": "9"}, {"key": "11"}, {"key": "10"}])] == ["11", "10", "9"]


def test_every_error_is_classified():
    assert after_failure(IntacctError("plain", status=None)) is Next.FATAL

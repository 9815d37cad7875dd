"""Fault matrix for bulk creates: every record created exactly once and every failure reported.

Each scenario runs under both readings of a repeated ``Idempotency-Key`` (the sandbox replays
the first answer, or refuses it with 409 as Sage documents), with bills that carry a number
(found again by vendor + number) and, where it matters, bills left to Intacct's numbering
(only the idempotency key protects those).
"""

from __future__ import annotations

import pytest
from bulk_helpers import BILL, BILL_POST, MemoryStore, bill_posts, bills, context, copies, fast_backoff, read_results  # noqa: F401 - fast_backoff is an autouse fixture

from intacct_provider.bulk.checkpoint import STATE_KEY
from intacct_provider.exceptions import IntacctAuthError
from intacct_provider.operators import IntacctBulkCreateOperator

COUNT = 60  # six batches of ten


@pytest.fixture(params=[True, False], ids=["replay", "conflict"])
def replay(request, intacct_sandbox):
    intacct_sandbox.idempotency = "replay" if request.param else "conflict"
    return request.param


def run(tmp_path, records, store=None, try_number=1, **kwargs):
    kwargs.setdefault("batch_size", 10)
    kwargs.setdefault("max_concurrency", 2)
    out = tmp_path / f"results-{try_number}.jsonl"
    op = IntacctBulkCreateOperator(
        task_id="bulk", object="bill", records=records, on_error="continue", output_path=str(out), **kwargs
    )
    return op.execute(context(store, try_number)), read_results(out)


def assert_exactly_once(sandbox, tag, rows, count=COUNT):
    """One bill per record, and each created row names the bill holding that record."""
    held = copies(sandbox, tag)
    assert all(n == 1 for n in held.values()), {d: n for d, n in held.items() if n > 1}
    assert sorted(rows) == list(range(count))
    for index, row in rows.items():
        if row["status"] == "created":
            assert held[f"{tag}-{index}"] == 1
            assert sandbox.get_record("accounts-payable/bill", row["key"])["description"] == f"{tag}-{index}"
        else:
            assert row["status"] == "failed" and row["error"]


def test_committed_then_dropped_batch_is_looked_up_not_reposted(intacct_sandbox, intacct_conn, tmp_path, replay):
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=2)
    summary, rows = run(tmp_path, bills(COUNT, "drop"))
    assert summary["created"] == COUNT and summary["failed"] == 0
    assert_exactly_once(intacct_sandbox, "drop", rows)
    assert len(bill_posts(intacct_sandbox)) == 6  # the dropped batch was found, not sent again


def test_dropped_batch_without_numbers_is_settled_by_its_idempotency_key_or_content(
    intacct_sandbox, intacct_conn, tmp_path, replay
):
    """Replayed, the key answers; refused (409), each record is found by its content, as a single create is."""
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=1)
    summary, rows = run(tmp_path, bills(COUNT, "nonum", numbered=False))
    assert_exactly_once(intacct_sandbox, "nonum", rows)
    assert len(copies(intacct_sandbox, "nonum")) == COUNT  # the dropped batch was created, once
    assert summary["created"] == COUNT and summary["failed"] == 0
    content_queries = [r for r in intacct_sandbox.requests if r["path"].endswith("/query")]
    assert len(content_queries) == (0 if replay else 10)  # one look-up per record of the dropped batch
    assert len(bill_posts(intacct_sandbox)) == 7  # six batches and the one replay, nothing re-created


def test_gateway_errors_and_resets_on_batches(intacct_sandbox, intacct_conn, tmp_path, replay):
    intacct_sandbox.inject("status", status=503, method="POST", path=BILL_POST, after=1)
    intacct_sandbox.inject("reset", method="POST", path=BILL_POST, after=3)
    intacct_sandbox.inject("status", status=502, html=True, method="POST", path=BILL_POST, after=4)
    summary, rows = run(tmp_path, bills(COUNT, "gw"))
    assert summary["created"] == COUNT
    assert_exactly_once(intacct_sandbox, "gw", rows)


def test_429_storm_mid_run(intacct_sandbox, intacct_conn, tmp_path, replay):
    intacct_sandbox.inject("status", status=429, retry_after=0.02, count=8, method="POST", path=BILL_POST, after=2)
    summary, rows = run(tmp_path, bills(COUNT, "storm", numbered=False))
    assert summary["created"] == COUNT
    assert_exactly_once(intacct_sandbox, "storm", rows)
    statuses = [p["status"] for p in bill_posts(intacct_sandbox)]
    assert statuses.count(429) == 8 and statuses.count(201) == 6


def test_token_expiry_mid_run(intacct_sandbox, intacct_conn, tmp_path, replay):
    intacct_sandbox.inject("expire_token", method="POST", path=BILL_POST, after=2)
    summary, rows = run(tmp_path, bills(COUNT, "tok", numbered=False))
    assert summary["created"] == COUNT
    assert_exactly_once(intacct_sandbox, "tok", rows)


def test_one_record_of_a_batch_fails(intacct_sandbox, intacct_conn, tmp_path, replay):
    intacct_sandbox.inject("item_status", status=503, method="POST", path=BILL_POST, item=3, after=1)
    intacct_sandbox.inject("item_status", status=422, method="POST", path=BILL_POST, item=0, after=3)
    summary, rows = run(tmp_path, bills(COUNT, "item", numbered=False))
    assert_exactly_once(intacct_sandbox, "item", rows)
    assert (summary["created"], summary["failed"]) == (COUNT - 1, 1)  # the 503 record was sent again
    (failed,) = [row for row in rows.values() if row["status"] == "failed"]
    assert "injected by the sandbox" in failed["error"]


@pytest.mark.parametrize("numbered", [True, False], ids=["numbered", "unnumbered"])
def test_task_killed_mid_run_resumes_from_its_checkpoint(intacct_sandbox, intacct_conn, tmp_path, replay, numbered):
    records = bills(COUNT, "kill", numbered=numbered)
    store = MemoryStore()
    intacct_sandbox.inject("status", status=403, method="POST", path=BILL_POST, after=3)
    with pytest.raises(IntacctAuthError):
        run(tmp_path, records, store=store)
    done = store[STATE_KEY]["done"]
    assert 2 <= len(done) < 6
    first_try_posts = len(bill_posts(intacct_sandbox))
    summary, rows = run(tmp_path, records, store=store, try_number=2)
    assert summary["created"] == COUNT and summary["failed"] == 0
    assert_exactly_once(intacct_sandbox, "kill", rows)
    assert len(copies(intacct_sandbox, "kill")) == COUNT
    # The retry sent only the batches without a checkpoint, each looked up first.
    assert len(bill_posts(intacct_sandbox)) - first_try_posts <= 6 - len(done)


def test_task_killed_mid_run_without_task_state_store(intacct_sandbox, intacct_conn, tmp_path, replay):
    """Airflow < 3.3: no checkpoint, so the retry looks every batch up by natural key first."""
    records = bills(COUNT, "nostore")
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=2)
    intacct_sandbox.inject("status", status=403, method="POST", path=BILL_POST, after=3)
    with pytest.raises(IntacctAuthError):
        run(tmp_path, records)
    summary, rows = run(tmp_path, records, try_number=2)
    assert summary["created"] == COUNT
    assert_exactly_once(intacct_sandbox, "nostore", rows)
    assert len(copies(intacct_sandbox, "nostore")) == COUNT


def test_identical_records_without_numbers_in_a_dropped_batch(intacct_sandbox, intacct_conn, tmp_path, replay):
    """Two identical bills cannot be told apart by content: after a 409 both fail, saying why; never re-sent."""
    records = bills(10, "twin", numbered=False)
    records[1] = dict(records[0])
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=0)
    summary, rows = run(tmp_path, records, max_concurrency=1)
    assert copies(intacct_sandbox, "twin")["twin-0"] == 2 and len(copies(intacct_sandbox, "twin")) == 9
    assert len(bill_posts(intacct_sandbox)) == 2  # the batch and its replay
    if replay:
        assert summary["created"] == 10
        assert rows[0]["key"] != rows[1]["key"]
    else:
        assert (summary["created"], summary["failed"]) == (8, 2)
        for index in (0, 1):
            assert "2 existing accounts-payable/bill records are identical to it" in rows[index]["error"]
            assert "and 2 identical records in this input" in rows[index]["error"]
            assert "check Intacct" in rows[index]["error"]


def test_lost_batch_records_without_numbers_confirmed_missing_are_sent_again(intacct_sandbox, intacct_conn):
    """The content look-up adopts the records that exist and returns only the missing ones to send."""
    from intacct_provider.bulk.records import Preparer
    from intacct_provider.bulk.writer import BatchWriter, Pacer
    from intacct_provider.hooks.intacct import IntacctHook
    from intacct_provider.objects import BILL as BILL_OBJECT

    preparer = Preparer(BILL_OBJECT, ())
    items = [preparer.prepare(i, record) for i, record in enumerate(bills(4, "half", numbered=False))]
    hook = IntacctHook()
    writer = BatchWriter(hook, BILL, (), idempotency_base="t", max_rounds=2, pacer=Pacer())
    answer = hook.send("POST", f"/objects/{BILL}", json_body=[items[0].body, items[2].body], resend_safe=False)
    made = [row["key"] for row in answer.json()["ia::result"]]
    results: dict = {}
    missing = writer._settle(items, results, by_content=True, why="the answer was lost")
    assert [item.index for item in missing] == [1, 3]
    assert {index: (r.status, r.key) for index, r in results.items()} == {
        0: ("created", made[0]),
        2: ("created", made[1]),
    }
    hook.close()


def test_journal_entry_sharing_its_natural_key_is_settled_by_its_lines(intacct_sandbox, intacct_conn, tmp_path, replay):
    """Journal, date and description are not unique: after a lost answer the one identical entry is adopted."""

    def entry(amount: str) -> dict:
        lines = [
            {"glaccountno": "6700", "amount": amount, "tr_type": "debit"},
            {"glaccountno": "1000", "amount": amount, "tr_type": "credit"},
        ]
        return {"journal_id": "GJ", "posting_date": "2026-11-02", "lines": lines, "description": "shared accrual"}

    first = IntacctBulkCreateOperator(task_id="je1", object="journal_entry", records=[entry("10.00")])
    assert first.execute(context(task_id="je1"))["created"] == 1
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/general-ledger/journal-entry$")
    out = tmp_path / "je.jsonl"
    second = IntacctBulkCreateOperator(
        task_id="je2", object="journal_entry", records=[entry("20.00")], output_path=str(out)
    )
    assert second.execute(context(task_id="je2"))["created"] == 1
    shared = [
        r for r in intacct_sandbox.records("general-ledger/journal-entry") if r["description"] == "shared accrual"
    ]
    assert len(shared) == 2  # the first task's and ours, nothing twice
    ours = next(r for r in shared if str(r["lines"][0]["txnAmount"]).startswith("20"))
    assert read_results(out)[0]["key"] == str(ours["key"])

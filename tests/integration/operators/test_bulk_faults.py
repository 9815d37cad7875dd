"""Fault matrix for bulk creates: every record created exactly once and every failure reported.

Each scenario runs under two rows of sandbox readings that take every switch both ways: a
repeated ``Idempotency-Key`` replays the first answer or is refused with 409 as Sage documents,
document numbers are required (no sequencing) or generated, ``id`` is the key or the number, bills
need approval or not... with bills that carry a number (found again by vendor + number) and, where
it matters, bills left to Intacct's numbering (``keyless``: a company with document sequencing;
found again by content, among the bills created since their batch's first POST began; the key is
not trusted, so a server ignoring it -- simulated by never sending it -- gets no twin).
"""

from __future__ import annotations

import time

import pytest
from bulk_helpers import BILL, BILL_POST, MemoryStore, bill_posts, bills, context, copies, fast_backoff, read_results  # noqa: F401 - fast_backoff is an autouse fixture

from intacct_provider.exceptions import IntacctAuthError
from intacct_provider.operators import IntacctBulkCreateOperator
from intacct_provider.operators.execute.bulk.checkpoint import STATE_KEY

COUNT = 60  # six batches of ten


#: Two rows of readings, each switch both ways between them; ``conflict`` is the sandbox's default.
READINGS = {
    "replay": dict(idempotency="replay", require_document_numbers=False, id_semantics="number", bill_approval=False,
                   bill_approve_state="posted", payment_flow="direct"),
    "conflict": dict(idempotency="conflict", require_document_numbers=True, id_semantics="key", bill_approval=True,
                     bill_approve_state="approved", payment_flow="print"),
}  # fmt: skip


@pytest.fixture(params=list(READINGS))
def replay(request, intacct_sandbox):
    """Run under one row of readings; the value says whether a reused key is replayed."""
    intacct_sandbox.state.update(**READINGS[request.param])
    return request.param == "replay"


@pytest.fixture
def keyless(request, intacct_sandbox):
    """Bills without numbers exist only in a company with document sequencing (after the row of
    readings, when the test has one)."""
    if "replay" in request.fixturenames:
        request.getfixturevalue("replay")
    intacct_sandbox.require_document_numbers = False


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


def test_dropped_batch_without_numbers_is_looked_up_by_content_before_any_resend(
    intacct_sandbox, intacct_conn, tmp_path, replay, keyless
):
    """Each bill of the committed-then-dropped batch is found by content: none is sent again, under either setting."""
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=1)
    summary, rows = run(tmp_path, bills(COUNT, "nonum", numbered=False))
    assert_exactly_once(intacct_sandbox, "nonum", rows)
    assert len(copies(intacct_sandbox, "nonum")) == COUNT  # the dropped batch was created, once
    assert summary["created"] == COUNT and summary["failed"] == 0
    content_queries = [r for r in intacct_sandbox.requests if r["path"].endswith("/query")]
    assert len(content_queries) == 10  # one look-up per record of the dropped batch
    assert all(q["body"]["orderBy"][0] == {"audit.createdDateTime": "desc"} for q in content_queries)
    assert len(bill_posts(intacct_sandbox)) == 6  # six batches; the dropped one was not sent again


@pytest.fixture
def key_ignored(monkeypatch):
    """A server that ignores ``Idempotency-Key``: the sandbox never sees one, so a repeat creates again."""
    from intacct_provider.hooks.intacct import IntacctHook

    send = IntacctHook.send

    def without_key(self, method, path, *, headers=None, **kwargs):
        kept = {name: value for name, value in (headers or {}).items() if name.lower() != "idempotency-key"}
        return send(self, method, path, headers=kept or None, **kwargs)

    monkeypatch.setattr(IntacctHook, "send", without_key)


def test_dropped_batch_without_numbers_on_a_server_ignoring_the_key(
    intacct_sandbox, intacct_conn, tmp_path, key_ignored, keyless
):
    """Replaying the request would create every bill of the batch twice; the look-up adopts them instead."""
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=1)
    summary, rows = run(tmp_path, bills(COUNT, "nokey", numbered=False))
    assert "Idempotency-Key" not in bill_posts(intacct_sandbox)[0]["headers"]
    assert_exactly_once(intacct_sandbox, "nokey", rows)
    assert summary["created"] == COUNT and summary["failed"] == 0
    assert len(bill_posts(intacct_sandbox)) == 6


def twin_an_hour_ago(sandbox, record, task_id="earlier"):
    """Create ``record`` as an earlier run would have, its audit stamp an hour before now."""
    sandbox.freeze_time(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)))
    try:
        made = IntacctBulkCreateOperator(task_id=task_id, object="bill", records=[record])
        assert made.execute(context(task_id=task_id))["created"] == 1
    finally:
        sandbox.unfreeze_time()
    (twin,) = [r for r in sandbox.records(BILL) if r.get("description") == record["description"]]
    return str(twin["key"])


@pytest.mark.parametrize("fault", ["commit_then_drop", "504"])
def test_an_identical_bill_from_before_the_batch_began_is_not_adopted(
    intacct_sandbox, intacct_conn, tmp_path, replay, fault, keyless
):
    """An earlier run's twin is older than the batch's first POST: never taken for the lost bill.

    Committed then dropped, the batch's own bill is the one inside the window and is adopted; lost
    before it committed (504), nothing is inside the window, so the bill is sent again and a second,
    new bill exists beside the twin.
    """
    records = bills(10, f"old{fault}", numbered=False)
    twin = twin_an_hour_ago(intacct_sandbox, records[3])
    if fault == "504":
        intacct_sandbox.inject("status", status=504, method="POST", path=BILL_POST)
    else:
        intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    summary, rows = run(tmp_path, records)
    assert summary["created"] == 10 and summary["failed"] == 0
    assert copies(intacct_sandbox, f"old{fault}")[f"old{fault}-3"] == 2  # the twin and this run's bill
    assert rows[3]["key"] != twin
    del rows[3]
    for index in rows:
        assert copies(intacct_sandbox, f"old{fault}")[f"old{fault}-{index}"] == 1, index
    posts = bill_posts(intacct_sandbox)
    assert len(posts) == (3 if fault == "504" else 2)  # with the twin's own POST
    if fault == "504":  # all of the lost send was missing: the same request again, with its own key
        assert posts[1]["headers"]["Idempotency-Key"] == posts[2]["headers"]["Idempotency-Key"]


def test_a_batch_committing_after_the_client_gave_up_is_not_doubled(
    intacct_sandbox, intacct_conn, tmp_path, replay, keyless
):
    """Read timeout at 1 s, commit at 1.5 s: the look-up finds nothing yet, so the same request goes again.

    Sent with the lost request's own key, whichever of the two the sandbox handles second is replayed
    (``replay``) or refused (``conflict``): one bill per record. A new key would have made two.
    """
    intacct_conn(timeout=1)
    intacct_sandbox.inject("latency", method="POST", path=BILL_POST, latency_ms=1500)
    summary, rows = run(tmp_path, bills(5, "late", numbered=False))
    deadline = time.monotonic() + 10
    while any(r["status"] is None for r in bill_posts(intacct_sandbox)) and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow first POST is still being served: count once it has committed
    assert_exactly_once(intacct_sandbox, "late", rows, count=5)
    assert len(copies(intacct_sandbox, "late")) == 5 and summary["created"] == 5
    posts = bill_posts(intacct_sandbox)
    assert len({p["headers"]["Idempotency-Key"] for p in posts}) == 1


def test_identical_records_without_numbers_in_a_dropped_batch(intacct_sandbox, intacct_conn, tmp_path, replay, keyless):
    """Two identical bills sent together are judged together: the two recent identical bills are theirs."""
    records = bills(10, "twin", numbered=False)
    records[1] = dict(records[0])
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=0)
    summary, rows = run(tmp_path, records, max_concurrency=1)
    assert copies(intacct_sandbox, "twin")["twin-0"] == 2 and len(copies(intacct_sandbox, "twin")) == 9
    assert len(bill_posts(intacct_sandbox)) == 1  # found, not sent again
    assert summary["created"] == 10
    made = {r["key"] for r in intacct_sandbox.records(BILL) if r.get("description") == "twin-0"}
    assert {rows[0]["key"], rows[1]["key"]} == made


def test_identical_records_beside_an_older_twin_in_a_batch_lost_before_commit(
    intacct_sandbox, intacct_conn, tmp_path, replay, keyless
):
    """Two identical bills, an older third one, the batch lost uncommitted: both are created, the twin is left."""
    records = bills(4, "pair", numbered=False)
    records[1] = dict(records[0])
    twin = twin_an_hour_ago(intacct_sandbox, records[0])
    intacct_sandbox.inject("status", status=504, method="POST", path=BILL_POST)
    summary, rows = run(tmp_path, records)
    assert summary["created"] == 4
    assert copies(intacct_sandbox, "pair")["pair-0"] == 3
    assert twin not in {rows[0]["key"], rows[1]["key"]} and rows[0]["key"] != rows[1]["key"]


def test_more_identical_recent_bills_than_records_fail_loudly(intacct_sandbox, intacct_conn, tmp_path, replay, keyless):
    """Someone else made the same bill while ours was lost: which one is ours cannot be told, nothing is sent."""
    from intacct_provider.hooks.intacct import IntacctHook

    records = bills(3, "race", numbered=False)
    other = IntacctHook()
    lost = {"done": False}
    send = IntacctHook.send

    def racing(self, method, path, **kwargs):
        try:
            return send(self, method, path, **kwargs)
        finally:
            if path == f"/objects/{BILL}" and method == "POST" and not lost["done"]:
                lost["done"] = True  # another client's identical bill lands inside our window
                send(other, "POST", f"/objects/{BILL}", json_body=kwargs["json_body"][2:], resend_safe=False)

    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(IntacctHook, "send", racing)
        summary, rows = run(tmp_path, records)
    other.close()
    assert (summary["created"], summary["failed"]) == (2, 1)
    assert copies(intacct_sandbox, "race") == {"race-0": 1, "race-1": 1, "race-2": 2}
    assert "2 records identical to it were created since it began" in rows[2]["error"]
    assert "it was not sent again: check Intacct" in rows[2]["error"]


def test_gateway_errors_and_resets_on_batches(intacct_sandbox, intacct_conn, tmp_path, replay):
    intacct_sandbox.inject("status", status=503, method="POST", path=BILL_POST, after=1)
    intacct_sandbox.inject("reset", method="POST", path=BILL_POST, after=3)
    intacct_sandbox.inject("status", status=502, html=True, method="POST", path=BILL_POST, after=4)
    summary, rows = run(tmp_path, bills(COUNT, "gw"))
    assert summary["created"] == COUNT
    assert_exactly_once(intacct_sandbox, "gw", rows)


def test_429_storm_mid_run(intacct_sandbox, intacct_conn, tmp_path, replay, keyless):
    intacct_sandbox.inject("status", status=429, retry_after=0.02, count=8, method="POST", path=BILL_POST, after=2)
    summary, rows = run(tmp_path, bills(COUNT, "storm", numbered=False))
    assert summary["created"] == COUNT
    assert_exactly_once(intacct_sandbox, "storm", rows)
    statuses = [p["status"] for p in bill_posts(intacct_sandbox)]
    assert statuses.count(429) == 8 and statuses.count(201) == 6


def test_token_expiry_mid_run(intacct_sandbox, intacct_conn, tmp_path, replay, keyless):
    intacct_sandbox.inject("expire_token", method="POST", path=BILL_POST, after=2)
    summary, rows = run(tmp_path, bills(COUNT, "tok", numbered=False))
    assert summary["created"] == COUNT
    assert_exactly_once(intacct_sandbox, "tok", rows)


def test_one_record_of_a_batch_fails(intacct_sandbox, intacct_conn, tmp_path, replay, keyless):
    intacct_sandbox.inject("item_status", status=503, method="POST", path=BILL_POST, item=3, after=1)
    intacct_sandbox.inject("item_status", status=422, method="POST", path=BILL_POST, item=0, after=3)
    summary, rows = run(tmp_path, bills(COUNT, "item", numbered=False))
    assert_exactly_once(intacct_sandbox, "item", rows)
    assert (summary["created"], summary["failed"]) == (COUNT - 1, 1)  # the 503 record was sent again
    (failed,) = [row for row in rows.values() if row["status"] == "failed"]
    assert "injected by the sandbox" in failed["error"]


@pytest.mark.parametrize("numbered", [True, False], ids=["numbered", "unnumbered"])
def test_task_killed_mid_run_resumes_from_its_checkpoint(intacct_sandbox, intacct_conn, tmp_path, replay, numbered):
    if not numbered:
        intacct_sandbox.require_document_numbers = False  # a company with document sequencing
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


def test_retry_settles_a_dropped_batch_without_numbers_within_the_window_its_first_try_stored(
    intacct_sandbox, intacct_conn, tmp_path, replay, keyless
):
    """Try 1 dies looking its dropped batch up; try 2 adopts those bills (created since the stored start), posts none."""
    records = bills(COUNT, "again", numbered=False)
    twin = twin_an_hour_ago(intacct_sandbox, records[25])  # in the dropped batch: older, never adopted
    store = MemoryStore()
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=2)  # batch 2
    intacct_sandbox.inject("status", status=403, method="POST", path="/services/core/query$")
    with pytest.raises(IntacctAuthError):
        run(tmp_path, records, store=store, max_concurrency=1)
    assert "2" in store[STATE_KEY]["started"] and 2 not in store[STATE_KEY]["done"]
    summary, rows = run(tmp_path, records, store=store, try_number=2, max_concurrency=1)
    assert summary["created"] == COUNT and summary["failed"] == 0
    assert copies(intacct_sandbox, "again")["again-25"] == 2 and rows[25]["key"] != twin
    del rows[25]
    for index in rows:
        assert copies(intacct_sandbox, "again")[f"again-{index}"] == 1, index
    assert len(bill_posts(intacct_sandbox)) == 1 + 6  # the twin's, then each batch once: batch 2 was not re-sent


def test_retry_without_a_store_fails_a_bill_it_cannot_tell_from_an_older_twin(
    intacct_sandbox, intacct_conn, tmp_path, replay, keyless
):
    """Airflow < 3.3: the retry does not know when try 1 posted, so an identical bill could be either: fail, loudly."""
    records = bills(10, "blind", numbered=False)
    twin_an_hour_ago(intacct_sandbox, records[4])
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    intacct_sandbox.inject("status", status=403, method="POST", path="/services/core/query$")
    with pytest.raises(IntacctAuthError):
        run(tmp_path, records)
    summary, rows = run(tmp_path, records, try_number=2)
    held = copies(intacct_sandbox, "blind")
    assert held["blind-4"] == 2 and all(n == 1 for d, n in held.items() if d != "blind-4")  # nothing twice
    assert rows[4]["status"] == "failed"
    assert "an earlier try of this task may have sent it" in rows[4]["error"]
    assert "whether one of them is its own cannot be told" in rows[4]["error"]
    assert "check Intacct" in rows[4]["error"]
    # Bills try 1 made, and no older twin: without a window they cannot be told from an older twin either.
    assert summary["failed"] == 10 and len(bill_posts(intacct_sandbox)) == 1 + 1


def test_lost_batch_records_without_numbers_confirmed_missing_are_sent_again(intacct_sandbox, intacct_conn, keyless):
    """The content look-up adopts the records that exist and sends only the missing ones, in one request."""
    from intacct_provider.catalog.bulk_records import Preparer
    from intacct_provider.catalog.registry import BILL as BILL_OBJECT
    from intacct_provider.hooks.intacct import IntacctHook
    from intacct_provider.hooks.writes import How, WriteEngine

    preparer = Preparer(BILL_OBJECT, ())
    items = [preparer.prepare(i, record) for i, record in enumerate(bills(4, "half", numbered=False))]
    hook = IntacctHook()
    engine = WriteEngine(hook, BILL, (), rounds=2)
    began = time.time()  # an earlier try began posting the batch; two of its records were created
    answer = hook.send("POST", f"/objects/{BILL}", json_body=[items[0].body, items[2].body], resend_safe=False)
    made = [row["key"] for row in answer.json()["ia::result"]]
    intacct_sandbox.clear_requests()
    written = engine.create(items, lambda _round, _sent: "half-key", resumed=True, posted_at=began)
    hook.close()
    assert [(w.status, w.how) for w in written] == [
        ("created", How.EARLIER_TRY),
        ("created", How.ANSWERED),
        ("created", How.EARLIER_TRY),
        ("created", How.ANSWERED),
    ]
    assert [written[0].reference["key"], written[2].reference["key"]] == made
    (post,) = bill_posts(intacct_sandbox)
    assert [body["description"] for body in post["body"]] == ["half-1", "half-3"]
    assert copies(intacct_sandbox, "half") == {f"half-{i}": 1 for i in range(4)}


def test_a_bill_found_while_an_identical_one_of_another_batch_is_in_flight_is_not_taken(
    intacct_sandbox, intacct_conn, monkeypatch, keyless
):
    """Batch B's bill is committed but its answer not yet read when batch A's lost bill is looked up.

    The bill found may be B's: A's record fails, saying so, rather than take it (which would leave
    one bill for two records) or send it again blindly; B keeps its own bill.
    """
    import threading

    from intacct_provider.catalog.bulk_records import Preparer
    from intacct_provider.catalog.registry import BILL as BILL_OBJECT
    from intacct_provider.hooks.intacct import IntacctHook
    from intacct_provider.hooks.writes import WriteEngine

    preparer = Preparer(BILL_OBJECT, ())
    (record,) = bills(1, "inflight", numbered=False)
    first, second = preparer.prepare(0, record), preparer.prepare(1, record)
    hook = IntacctHook()
    writer = WriteEngine(hook, BILL, (), rounds=2)
    answered, release = threading.Event(), threading.Event()
    send = IntacctHook.send

    def holding(self, method, path, **kwargs):
        response = send(self, method, path, **kwargs)
        if threading.current_thread().name == "batch-b" and (method, path) == ("POST", f"/objects/{BILL}"):
            answered.set()
            release.wait(60)
        return response

    monkeypatch.setattr(IntacctHook, "send", holding)
    out: dict = {}
    batch_b = threading.Thread(target=lambda: out.update(b=writer.create([second], lambda r, s: "b")), name="batch-b")
    batch_b.start()
    assert answered.wait(60)
    intacct_sandbox.inject("status", status=504, method="POST", path=BILL_POST)  # A's POST: lost, not committed
    try:
        (result_a,) = writer.create([first], lambda r, s: "a")
    finally:
        release.set()
        batch_b.join(60)
    hook.close()
    (result_b,) = out["b"]
    assert result_b.status == "created"
    assert result_a.status == "failed" and result_a.reference is None
    assert "identical records of other batches of this task were being sent" in str(result_a.error)
    assert copies(intacct_sandbox, "inflight")["inflight-0"] == 1


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


# ------------------------------------------------------ a batch committed, then answered 500 (issue 19)


@pytest.mark.parametrize("numbered", [True, False], ids=["numbered", "unnumbered"])
def test_a_batch_committed_then_answered_500_is_looked_up_not_sent_again(
    intacct_sandbox, intacct_conn, tmp_path, key_reading, numbered
):
    """A 500 does not prove the server did nothing: every record exists once and is reported created."""
    tag = f"c500{'n' if numbered else 'u'}"
    intacct_sandbox.require_document_numbers = numbered  # bills without numbers: a company with sequencing
    intacct_sandbox.inject("commit_then_status", status=500, method="POST", path=BILL_POST, after=2)
    summary, rows = run(tmp_path, bills(COUNT, tag, numbered=numbered))
    assert (summary["created"], summary["exists"], summary["failed"]) == (COUNT, 0, 0)
    assert_exactly_once(intacct_sandbox, tag, rows)
    assert len(copies(intacct_sandbox, tag)) == COUNT
    assert {row["status"] for row in rows.values()} == {"created"}
    posts = bill_posts(intacct_sandbox)
    assert len(posts) == 6 and [p["status"] for p in posts].count(500) == 1  # found, not sent again


@pytest.mark.parametrize("numbered", [True, False], ids=["numbered", "unnumbered"])
def test_two_thousand_bills_in_batches_of_100_with_the_first_batch_answered_500(
    intacct_sandbox, intacct_conn, tmp_path, numbered
):
    """Issue 19's reproduction: 2,000 bills, batch 100, one refused bill in the first batch, which committed and
    was answered 500. Before, 100 bills were created twice (no numbers) or 99 reported failed (numbers)."""
    tag = f"i19{'n' if numbered else 'u'}"
    intacct_sandbox.require_document_numbers = numbered  # bills without numbers: a company with sequencing
    records = bills(2000, tag, numbered=numbered)
    records[7]["vendor_id"] = "VEND-NOPE"  # refused by Intacct, not by the pre-flight
    intacct_sandbox.inject("commit_then_status", status=500, method="POST", path=BILL_POST)
    summary, rows = run(tmp_path, records, batch_size=100, max_concurrency=1)  # the first POST is batch 0's
    held = copies(intacct_sandbox, tag)
    assert len(held) == 1999 and set(held.values()) == {1}  # every valid bill once, none twice
    assert (summary["created"], summary["exists"], summary["failed"]) == (1999, 0, 1)
    assert rows[7]["status"] == "failed" and "VEND-NOPE" in rows[7]["error"]
    for index, row in rows.items():
        if index != 7:
            assert row["status"] == "created" and row["key"], (index, row)
    first_batch = [p for p in bill_posts(intacct_sandbox) if p["body"][0]["description"] == f"{tag}-0"]
    assert [len(p["body"]) for p in first_batch] == [100]  # only the missing (refused) bill went out again
    resent = [p for p in bill_posts(intacct_sandbox) if len(p["body"]) == 1]
    assert [p["body"][0]["description"] for p in resent] == [f"{tag}-7"]


# ------------------------------------------------------ a re-run of the same file (issue 23)
def test_a_rerun_of_an_identical_file_reports_its_records_as_already_there(
    intacct_sandbox, intacct_conn, tmp_path, replay, caplog
):
    """A new run (new keys) of a file already loaded: each bill "already exists", is found identical, and is
    reported ``exists`` with its key -- not created twice, not a failure -- in the file, XCom and asset event."""
    import logging

    from airflow.sdk.execution_time.context import OutletEventAccessors

    records = bills(25, "again-file")
    first, first_rows = run(tmp_path, records)
    assert first["created"] == 25
    out = tmp_path / "rerun.jsonl"
    operator = IntacctBulkCreateOperator(
        task_id="bulk", object="bill", records=records, batch_size=10, output_path=str(out), emit_asset=True,
        asset_company_id="SANDBOX-CO",
    )  # fmt: skip
    ctx = context()
    ctx["ti"].run_id = "run-2"  # another run: other idempotency keys
    ctx["outlet_events"] = OutletEventAccessors()
    caplog.set_level(logging.INFO, logger="intacct_provider.operators.execute.bulk.run")
    summary = operator.execute(ctx)
    assert summary == {"created": 0, "exists": 25, "failed": 0, "skipped": 0, "results_path": str(out)}
    rows = read_results(out)
    assert {row["status"] for row in rows.values()} == {"exists"}
    assert {i: row["key"] for i, row in rows.items()} == {i: row["key"] for i, row in first_rows.items()}
    assert rows[3]["natural_key"] == {"vendor.id": "VEND-100", "billNumber": "again-file-3"}
    assert len(copies(intacct_sandbox, "again-file")) == 25 and set(copies(intacct_sandbox, "again-file").values()) == {
        1
    }
    extra = ctx["outlet_events"][operator.outlets[0]].extra
    assert (extra["count"], extra["exists"], extra["failed"], extra["keys"]) == (0, 25, 0, [])
    assert "Bulk create of 25 records: {'exists': 25}" in [r.getMessage() for r in caplog.records]


def test_failed_records_are_named_in_the_log(intacct_sandbox, intacct_conn, tmp_path, caplog):
    import logging

    records = bills(12, "named")
    for bad in (2, 5, 6, 8, 9, 10, 11):
        records[bad]["vendor_id"] = "VEND-NOPE"
    caplog.set_level(logging.INFO, logger="intacct_provider.operators.execute.bulk.run")
    summary, _rows = run(tmp_path, records)
    assert summary["failed"] == 7
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Failed ")]
    assert line.startswith("Failed 7 of 12 records (refused by Intacct or not settled): record 2 (vendor.id=VEND-NOPE")
    assert "; and 2 more; every record's result is in " in line  # the first five, then a count
    assert "record 9 " in line and "record 10 " not in line

"""A batch whose lost request commits late: the write engine's key rules over HTTP against the sandbox.

The ``commit_late`` fault is a server that commits *after* the client gave up on it: the batch's
POST gets no answer, the look-up that follows finds nothing, and the sandbox performs the request
only just before the ``hold``-th later bill POST arrives; until then a request reusing its
``Idempotency-Key`` is refused with 409, the request being still in process. It is the one
condition in which a re-send of the lost batch under a *new* key creates every record twice (the
late commit, and the re-send), so these tests assert, beside the results, which keys were sent.

* The lost batch keeps its key until Intacct answers for it: re-sent at once, or after a 429 or a
  connection never made, it goes out under the same key, so the late commit and the re-send are one
  request to Intacct (replayed, or refused with 409 and then found).
* A 409 to that key while the records are still not found (the request is being processed) fails
  them as a conflict, naming the key: they are never sent again, under that key or another, and
  the late commit makes each record exactly once.

Every test runs under each reading of what the contract leaves open (a reused key replayed or
refused; ``id`` the key or the number), with bills that carry a number (found by vendor + number)
and bills left to Intacct's numbering (a company with document sequencing; found by content).
"""

from __future__ import annotations

from typing import Any

import pytest
from bulk_helpers import (  # noqa: F401 - fast_backoff is an autouse fixture
    BILL,
    BILL_POST,
    MemoryStore,
    bill_posts,
    bills,
    context,
    copies,
    fast_backoff,
    read_results,
)
from refused_connections import refused_send

from intacct_provider.operators import IntacctBulkCreateOperator

#: The connection's ``max_retries`` in these tests: each send of the engine is this + 1 HTTP attempts.
MAX_RETRIES = 2
ATTEMPTS = MAX_RETRIES + 1
COUNT = 5  # one batch


@pytest.fixture
def setting(key_reading, intacct_conn):
    """A reading of each unknown (:data:`KEY_READINGS`), and a connection with ``MAX_RETRIES``; the value is the
    idempotency reading."""
    intacct_conn(max_retries=MAX_RETRIES)
    return key_reading


@pytest.fixture(params=[True, False], ids=["numbered", "unnumbered"])
def numbered(request, intacct_sandbox):
    """Bills with numbers, or without (which exist only in a company with document sequencing)."""
    intacct_sandbox.require_document_numbers = request.param
    return request.param


def run(tmp_path, records, store=None, try_number=1, **kwargs):
    out = tmp_path / f"results-{try_number}.jsonl"
    kwargs.setdefault("max_concurrency", 1)
    operator = IntacctBulkCreateOperator(
        task_id="bulk", object="bill", records=records, on_error="continue", output_path=str(out),
        batch_size=10, **kwargs,
    )  # fmt: skip
    return operator.execute(context(store, try_number)), read_results(out)


def sent_keys(sandbox) -> list[str | None]:
    return [post["headers"].get("Idempotency-Key") for post in bill_posts(sandbox)]


def statuses(sandbox) -> list[int | None]:
    return [post["status"] for post in bill_posts(sandbox)]


def another_bill(sandbox) -> None:
    """A later bill POST of someone else: the server gets to the held request just before it."""
    from intacct_provider.hooks.intacct import IntacctHook

    hook = IntacctHook()
    try:
        hook.create_record("bill", {**_api_bill("another"), "billNumber": "ANOTHER-1"})
    finally:
        hook.close()
    assert copies(sandbox, "another")["another-0"] == 1


def _api_bill(tag: str) -> dict[str, Any]:
    return {
        "vendor": {"id": "VEND-200"},
        "description": f"{tag}-0",
        "createdDate": "2026-11-02",
        "dueDate": "2026-12-02",
        "currency": {"txnCurrency": "USD"},
        "lines": [{"glAccount": {"id": "6700"}, "txnAmount": "1.00", "dimensions": {"location": {"id": "US"}}}],
    }


def assert_never_connected(seen) -> None:
    """The engine's second send met a connection never made, every attempt of it: nothing reached Intacct."""
    from intacct_provider.exceptions import IntacctTransportError

    (error,) = seen.raised
    assert isinstance(error, IntacctTransportError)
    assert f"no answer from Intacct after {ATTEMPTS} attempts" in str(error) and "ConnectionError" in str(error)


def assert_created_once(sandbox, tag, rows, count=COUNT):
    """Every record exists exactly once, reported ``created`` with the key of the bill holding it."""
    assert copies(sandbox, tag) == {f"{tag}-{i}": 1 for i in range(count)}
    for index, row in rows.items():
        assert row["status"] == "created", row
        assert sandbox.get_record(BILL, row["key"])["description"] == f"{tag}-{index}"


# ------------------------------------------------------ the lost batch's key, until a definite answer
@pytest.mark.parametrize("meanwhile", ["nothing", "429", "no_connection"])
def test_a_lost_batch_committing_late_goes_out_again_under_its_own_key_only(
    intacct_sandbox, tmp_path, monkeypatch, setting, numbered, meanwhile
):
    """Lost, looked up (nothing yet), re-sent: the late commit lands before that re-send reaches Intacct.

    ``429``: the re-send is throttled (every attempt of it), and the late commit lands as it arrives;
    ``no_connection``: the re-send's connections are refused, and the late commit lands as the next
    one arrives. Either way the engine's next send carries the lost batch's key, so Intacct replays
    its answer (``replay``) or refuses it (409) and the look-up finds the bills: one bill per record.
    Under a new key that send would have created all five again.
    """
    tag = f"late{meanwhile}{'n' if numbered else 'u'}"
    intacct_sandbox.inject("commit_late", method="POST", path=BILL_POST)  # performed before the next bill POST
    if meanwhile == "429":
        intacct_sandbox.inject("status", status=429, retry_after=0, count=ATTEMPTS, method="POST", path=BILL_POST)
    if meanwhile == "no_connection":
        with refused_send(monkeypatch, "POST", f"/objects/{BILL}", nth=2) as seen:
            summary, rows = run(tmp_path, bills(COUNT, tag, numbered=numbered))
        assert_never_connected(seen)
    else:
        summary, rows = run(tmp_path, bills(COUNT, tag, numbered=numbered))
    assert (summary["created"], summary["exists"], summary["failed"]) == (COUNT, 0, 0)
    assert_created_once(intacct_sandbox, tag, rows)
    keys = sent_keys(intacct_sandbox)
    assert len(set(keys)) == 1 and keys[0], keys  # one key for every send of the batch
    throttled = [429] * ATTEMPTS if meanwhile == "429" else []
    answered = 201 if setting == "replay" else 409  # the lost request's answer replayed, or its key refused
    assert statuses(intacct_sandbox) == [None, *throttled, answered]


# ------------------------------------------------------ a 409 to the lost key, nothing found
#: The later bill POSTs that reach the sandbox before the engine's send that meets the held key.
BEFORE_REFUSAL = {"at_once": 0, "after_a_429": ATTEMPTS, "after_no_connection": 0}


@pytest.mark.parametrize("before", list(BEFORE_REFUSAL))
def test_a_lost_batchs_key_refused_while_nothing_is_found_is_never_sent_again(
    intacct_sandbox, tmp_path, monkeypatch, setting, numbered, before
):
    """The lost request is still being processed when its key comes back: 409, and the look-up finds nothing.

    The refusal proves the lost request reached Intacct, so the bills may be committing right now:
    each fails as a conflict naming the key, and nothing is sent again (under a new key the late
    commit would make every bill twice). Then the server gets to the held request: each bill once.
    """
    tag = f"refused{before.replace('_', '')}{'n' if numbered else 'u'}"
    hold = BEFORE_REFUSAL[before] + 2  # the engine's send under the held key is refused, the next POST commits it
    intacct_sandbox.inject("commit_late", method="POST", path=BILL_POST, hold=hold)
    if before == "after_a_429":
        intacct_sandbox.inject("status", status=429, retry_after=0, count=ATTEMPTS, method="POST", path=BILL_POST)
    if before == "after_no_connection":
        with refused_send(monkeypatch, "POST", f"/objects/{BILL}", nth=2) as seen:
            summary, rows = run(tmp_path, bills(COUNT, tag, numbered=numbered))
        assert_never_connected(seen)
    else:
        summary, rows = run(tmp_path, bills(COUNT, tag, numbered=numbered))
    assert (summary["created"], summary["exists"], summary["failed"]) == (0, 0, COUNT)
    keys = sent_keys(intacct_sandbox)
    assert len(set(keys)) == 1 and keys[0], keys
    assert statuses(intacct_sandbox) == [None, *([429] * BEFORE_REFUSAL[before]), 409]  # never sent after the 409
    for index, row in rows.items():
        error = row["error"]
        assert row["status"] == "failed" and row["key"] is None
        assert f"the answer to a request with Idempotency-Key {keys[0]!r} was lost" in error
        assert "Intacct refused it as already used" in error and "still being processed" in error
        found_by = f"by vendor.id=VEND-100, billNumber={tag}-{index}" if numbered else "by content"
        assert f"looked up {found_by} this record was not found" in error
        assert "may still be committing it; it was not sent again" in error and "check Intacct" in error
    assert copies(intacct_sandbox, tag) == {}  # still being processed
    another_bill(intacct_sandbox)
    assert copies(intacct_sandbox, tag) == {f"{tag}-{i}": 1 for i in range(COUNT)}  # the late commit: each once


# ------------------------------------------------------ a late commit landing in the middle of the look-up
@pytest.mark.parametrize("queries", [1, 3], ids=["after_1_query", "after_3_queries"])
def test_a_late_commit_landing_while_the_batch_is_looked_up_is_found_not_sent_again(
    intacct_sandbox, tmp_path, setting, queries
):
    """Bills without numbers are looked up by content, a query each; the lost batch commits between two of them.

    The first records' queries found nothing, the others' found their bills: the request reached
    Intacct and was committing while it was looked up, so the records not found are looked up once
    more before any is sent -- and found. Sent again (a subset: under a new key), they were made twice.
    """
    intacct_sandbox.require_document_numbers = False
    tag = f"torn{queries}"
    # The fault matches the bill POSTs and the look-up's queries: the held batch commits before query n+1.
    intacct_sandbox.inject("commit_late", method="POST", path=f"{BILL_POST}|/services/core/query$", hold=queries + 1)
    summary, rows = run(tmp_path, bills(COUNT, tag, numbered=False))
    assert (summary["created"], summary["exists"], summary["failed"]) == (COUNT, 0, 0)
    assert_created_once(intacct_sandbox, tag, rows)
    assert statuses(intacct_sandbox) == [None]  # found, every one: nothing was sent again


# ------------------------------------------------------ a late batch with a record Intacct refuses
@pytest.mark.parametrize("shape", ["composite", "bare", "atomic"])
@pytest.mark.parametrize("idempotency", ["conflict", "replay"])
def test_a_late_batch_holding_a_refused_record_under_each_207_shape(
    intacct_sandbox, intacct_conn, tmp_path, idempotency, shape
):
    """One bill of the late batch is refused by Intacct; the others exist once, the refused one is never made.

    ``composite``/``bare``: the late commit makes three bills and refuses one; the re-send under the
    lost key gets that answer replayed, or a 409 (the three are found; the refused one, not found after
    Intacct refused its key, fails as a conflict). ``atomic``: the late commit refuses the whole
    batch and remembers no key; the re-send under it is refused whole again and split until the bad
    bill stands alone.
    """
    intacct_sandbox.state.update(idempotency=idempotency, bulk_result_shape=shape)
    intacct_conn(max_retries=MAX_RETRIES)
    tag = f"mixed{idempotency}{shape}"
    records = bills(4, tag)
    records[2]["vendor_id"] = "VEND-NOPE"  # refused by Intacct, not by the pre-flight
    intacct_sandbox.inject("commit_late", method="POST", path=BILL_POST)
    intacct_sandbox.inject("status", status=429, retry_after=0, count=ATTEMPTS, method="POST", path=BILL_POST)
    summary, rows = run(tmp_path, records)
    assert (summary["created"], summary["failed"]) == (3, 1)
    assert copies(intacct_sandbox, tag) == {f"{tag}-{i}": 1 for i in (0, 1, 3)}
    for index in (0, 1, 3):
        assert rows[index]["status"] == "created"
        assert intacct_sandbox.get_record(BILL, rows[index]["key"])["description"] == f"{tag}-{index}"
    assert rows[2]["status"] == "failed"
    keys = sent_keys(intacct_sandbox)
    lost_key_sends = 1 + ATTEMPTS + 1
    assert len(set(keys[:lost_key_sends])) == 1  # the lost key, until Intacct answered for it
    if shape != "atomic" and idempotency == "conflict":
        assert "may still be committing it; it was not sent again" in rows[2]["error"]
        assert len(keys) == lost_key_sends
    else:
        assert "VEND-NOPE" in rows[2]["error"]  # Intacct's own reason
    if shape == "atomic":  # split in halves under new keys: [0, 1], [2, 3], then [2] and [3]
        assert len(keys) == lost_key_sends + 4 and keys[0] not in keys[lost_key_sends:]


# ------------------------------------------------------ an Airflow retry meeting its earlier try's request
@pytest.mark.parametrize("store", [True, False], ids=["task_state_store", "no_store"])
@pytest.mark.parametrize("commits", ["as_the_retry_sends", "after_the_retry_sends"])
def test_a_retry_meeting_its_earlier_trys_request_in_process_never_doubles_it(
    intacct_sandbox, tmp_path, setting, numbered, store, commits
):
    """Try 1's batch is still being processed when try 2 sends it under the key both tries derive.

    Try 1 posts the batch (no answer: the server holds it) and cannot look it up (the query service
    answers 503, every attempt): the task fails, to be retried by Airflow. Try 2 settles it first
    (nothing yet), then sends it under the same key. ``as_the_retry_sends``: the server gets to try 1's
    request just before, so try 2's is replayed, or refused and the bills found: created, once.
    ``after_the_retry_sends``: try 2's is refused while nothing can be found: that request reached
    Intacct and may be committing right now, so the bills fail as a conflict and are not sent again
    (under a new key the late commit would make each twice); then the server gets to it: each once.
    """
    from intacct_provider.exceptions import IntacctServerError

    tag = f"retry{'s' if store else 'n'}{'n' if numbered else 'u'}{len(commits)}"
    records = bills(COUNT, tag, numbered=numbered)
    memory = MemoryStore() if store else None
    late = commits == "after_the_retry_sends"
    intacct_sandbox.inject("commit_late", method="POST", path=BILL_POST, hold=2 if late else 1)
    intacct_sandbox.inject("status", status=503, count=ATTEMPTS, method="POST", path="/services/core/query$")
    with pytest.raises(IntacctServerError):
        run(tmp_path, records, store=memory)
    summary, rows = run(tmp_path, records, store=memory, try_number=2)
    keys = sent_keys(intacct_sandbox)
    assert len(set(keys)) == 1 and keys[0], keys
    if not late:
        assert statuses(intacct_sandbox) == [None, 201 if setting == "replay" else 409]
        assert (summary["created"], summary["exists"], summary["failed"]) == (COUNT, 0, 0)
        assert_created_once(intacct_sandbox, tag, rows)
        return
    assert statuses(intacct_sandbox) == [None, 409]
    assert (summary["created"], summary["exists"], summary["failed"]) == (0, 0, COUNT)
    for row in rows.values():
        assert row["status"] == "failed" and f"Idempotency-Key {keys[0]!r}" in row["error"]
        assert "an earlier try of this task" in row["error"] and "may still be committing it" in row["error"]
    assert copies(intacct_sandbox, tag) == {}
    another_bill(intacct_sandbox)
    assert copies(intacct_sandbox, tag) == {f"{tag}-{i}": 1 for i in range(COUNT)}


# ------------------------------------------------------ a whole run, two workers
def test_a_late_commit_mid_run_with_two_workers(intacct_sandbox, tmp_path, setting, numbered):
    """Sixty bills, batches of ten, two in flight; the third batch's POST commits late, whichever worker's
    POST comes next: every bill once, each reported created, and every batch's sends under one key."""
    tag = f"run{'n' if numbered else 'u'}"
    intacct_sandbox.inject("commit_late", method="POST", path=BILL_POST, after=2)
    summary, rows = run(tmp_path, bills(60, tag, numbered=numbered), max_concurrency=2)
    assert (summary["created"], summary["exists"], summary["failed"]) == (60, 0, 0)
    assert_created_once(intacct_sandbox, tag, rows, count=60)
    by_batch: dict[str, set] = {}
    for post in bill_posts(intacct_sandbox):
        by_batch.setdefault(post["body"][0]["description"], set()).add(post["headers"]["Idempotency-Key"])
    assert len(by_batch) == 6 and all(len(keys) == 1 for keys in by_batch.values()), by_batch

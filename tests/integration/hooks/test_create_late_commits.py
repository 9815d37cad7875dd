"""A single create whose answer does not prove what happened, over HTTP against the sandbox.

``IntacctHook.create_or_find`` (behind every ``IntacctCreate*Operator``) runs the same write engine
as the bulk operators, with the create's one fixed key. Against a server that commits late
(``commit_late``: no answer, the request performed just before a later POST) and one that fails
after writing (``commit_then_status``: the bill is made, the answer is a 500), under each reading of
a reused key and of ``id``, with a bill number (found by vendor + number) and without one (a
company with document sequencing; found by content): the bill exists exactly once, and the create
says truly whether it made it.
"""

from __future__ import annotations

import pytest
from bulk_helpers import BILL, BILL_POST, bill_posts, fast_backoff  # noqa: F401 - fast_backoff is an autouse fixture
from refused_connections import refused_send

from intacct_provider.exceptions import IntacctAmbiguousWriteError, IntacctConflictError, IntacctTransportError
from intacct_provider.hooks.intacct import IntacctHook
from intacct_provider.hooks.writes import How

MAX_RETRIES = 2
ATTEMPTS = MAX_RETRIES + 1


@pytest.fixture(params=[True, False], ids=["numbered", "unnumbered"])
def numbered(request, intacct_sandbox):
    """A bill with a number, or without (which exists only in a company with document sequencing)."""
    intacct_sandbox.require_document_numbers = request.param
    return request.param


@pytest.fixture
def hook(intacct_conn):
    intacct_conn(max_retries=MAX_RETRIES)
    made = IntacctHook()
    yield made
    made.close()


def bill(tag: str, numbered: bool) -> dict:
    body = {
        "vendor": {"id": "VEND-100"},
        "description": tag,
        "createdDate": "2026-11-02",
        "dueDate": "2026-12-02",
        "currency": {"txnCurrency": "USD"},
        "lines": [{"glAccount": {"id": "6700"}, "txnAmount": "77.10", "dimensions": {"location": {"id": "US"}}}],
    }
    return {**body, "billNumber": tag} if numbered else body


def held(sandbox, tag: str) -> list[str]:
    """The keys of the bills holding this test's description."""
    return [str(r["key"]) for r in sandbox.records(BILL) if r.get("description") == tag]


def another_bill(hook) -> None:
    """A later bill POST: the server gets to a held request just before it."""
    hook.create_record("bill", {**bill("another", True), "vendor": {"id": "VEND-200"}})


# ------------------------------------------------------ a create committing late
@pytest.mark.parametrize("meanwhile", ["nothing", "429", "no_connection"])
def test_a_create_committing_late_is_found_or_replayed_under_its_key(
    intacct_sandbox, hook, monkeypatch, key_reading, numbered, meanwhile
):
    tag = f"one-late-{meanwhile}-{numbered}"
    intacct_sandbox.inject("commit_late", method="POST", path=BILL_POST)  # performed before the next bill POST
    if meanwhile == "429":
        intacct_sandbox.inject("status", status=429, retry_after=0, count=ATTEMPTS, method="POST", path=BILL_POST)
    if meanwhile == "no_connection":
        with refused_send(monkeypatch, "POST", f"/objects/{BILL}", nth=2) as seen:
            written = hook.create_or_find("bill", bill(tag, numbered), idempotency_key="ORDER-LATE")
        (error,) = seen.raised
        assert isinstance(error, IntacctTransportError)
    else:
        written = hook.create_or_find("bill", bill(tag, numbered), idempotency_key="ORDER-LATE")
    assert held(intacct_sandbox, tag) == [written.reference["key"]]
    assert written.status == "created"
    assert written.how is (How.ANSWERED if key_reading == "replay" else How.FOUND)  # replayed, or refused then found
    posts = bill_posts(intacct_sandbox)
    assert {p["headers"]["Idempotency-Key"] for p in posts} == {"ORDER-LATE"}
    throttled = [429] * ATTEMPTS if meanwhile == "429" else []
    assert [p["status"] for p in posts] == [None, *throttled, 201 if key_reading == "replay" else 409]


def test_a_create_whose_key_is_refused_while_it_is_processed_fails_and_is_never_sent_again(
    intacct_sandbox, hook, key_reading, numbered
):
    tag = f"one-refused-{numbered}"
    intacct_sandbox.inject("commit_late", method="POST", path=BILL_POST, hold=2)
    with pytest.raises(IntacctConflictError) as raised:
        hook.create_or_find("bill", bill(tag, numbered), idempotency_key="ORDER-HELD")
    text = str(raised.value)
    assert "the answer to a request with Idempotency-Key 'ORDER-HELD' was lost" in text
    assert "still being processed" in text and "may still be committing it; it was not sent again" in text
    assert raised.value.status == 409
    assert [p["status"] for p in bill_posts(intacct_sandbox)] == [None, 409]
    assert held(intacct_sandbox, tag) == []
    another_bill(hook)
    assert len(held(intacct_sandbox, tag)) == 1  # the late commit made it, once


def test_a_create_without_a_key_committing_late_is_not_sent_again(intacct_sandbox, hook, numbered):
    """Without a key nothing could catch the late commit of a re-send: it fails, and the late commit makes the bill."""
    tag = f"one-unkeyed-{numbered}"
    intacct_sandbox.inject("commit_late", method="POST", path=BILL_POST)
    with pytest.raises(IntacctAmbiguousWriteError) as raised:
        hook.create_or_find("bill", bill(tag, numbered))
    text = str(raised.value)
    assert "without an idempotency key a late commit of the lost request could not be caught" in text
    assert "it does not exist" in text and "check Intacct before creating it again" in text
    assert len(bill_posts(intacct_sandbox)) == 1 and held(intacct_sandbox, tag) == []
    another_bill(hook)
    assert len(held(intacct_sandbox, tag)) == 1  # a re-send would have been the second


# ------------------------------------------------------ a create committed, then answered 500
def test_a_create_committed_then_answered_500_is_found_not_sent_again(intacct_sandbox, hook, key_reading, numbered):
    tag = f"one-500-{numbered}"
    intacct_sandbox.inject("commit_then_status", status=500, method="POST", path=BILL_POST)
    written = hook.create_or_find("bill", bill(tag, numbered), idempotency_key="ORDER-500")
    assert (written.status, written.how) == ("created", How.FOUND)
    assert held(intacct_sandbox, tag) == [written.reference["key"]]
    assert [p["status"] for p in bill_posts(intacct_sandbox)] == [500]

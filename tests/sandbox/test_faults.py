"""Scripted faults, observed the way a client sees them over a real socket."""

from __future__ import annotations

import time

import pytest
import requests
from sandbox_helpers import BILL, VENDOR, Client, bill_body, error_of, fetch_token, token_form

from intacct_provider.sandbox import IntacctSandbox

BILLS = f"^/objects/{BILL}$"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_status_faults_answer_json_errors(intacct_sandbox: IntacctSandbox, api: Client, status: int) -> None:
    intacct_sandbox.inject("status", status=status)
    response = api.get(f"/objects/{VENDOR}")
    assert response.status_code == status
    assert error_of(response)["supportId"]
    assert api.get(f"/objects/{VENDOR}").status_code == 200  # count=1: the next one is fine


def test_429_carries_retry_after(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("status", status=429, retry_after=2)
    response = api.get(f"/objects/{VENDOR}")
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    intacct_sandbox.inject("status", status=429)
    assert api.get(f"/objects/{VENDOR}").headers["Retry-After"] == "1"


def test_429_with_a_vendor_specific_retry_header(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("status", status=429, retry_after=3, retry_header="x-ia-throttle-limit-retry-after")
    response = api.get(f"/objects/{VENDOR}")
    assert response.headers["x-ia-throttle-limit-retry-after"] == "3"
    assert "Retry-After" not in response.headers


def test_html_gateway_page(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("status", status=502, html=True)
    response = api.get(f"/objects/{VENDOR}")
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>") and "502 Bad Gateway" in response.text


def test_faults_match_count_method_and_path(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("status", status=503, count=2, method="post", path=BILLS)
    assert api.get(f"/objects/{BILL}").status_code == 200
    assert api.post("/services/core/query", json={"object": BILL}).status_code == 200
    assert api.create(BILL, bill_body()).status_code == 503
    assert api.create(BILL, bill_body()).status_code == 503
    assert api.create(BILL, bill_body()).status_code == 201
    log = [(e["method"], e["path"], e["status"], e["fault"]) for e in intacct_sandbox.requests]
    assert log[-3:] == [
        ("POST", f"/objects/{BILL}", 503, "status"),
        ("POST", f"/objects/{BILL}", 503, "status"),
        ("POST", f"/objects/{BILL}", 201, None),
    ]


def test_reset_is_a_connection_error(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("reset", path=BILLS)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.create(BILL, bill_body(billNumber="RST-1"))
    rows = api.rows(object=BILL, filters=[{"$eq": {"billNumber": "RST-1"}}])
    assert rows == []  # nothing was written
    assert intacct_sandbox.requests[-2]["fault"] == "reset" and intacct_sandbox.requests[-2]["status"] is None


def test_commit_then_drop_writes_exactly_once(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILLS)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.create(BILL, bill_body(billNumber="CTD-1"))
    rows = api.rows(object=BILL, fields=["key", "billNumber"], filters=[{"$eq": {"billNumber": "CTD-1"}}])
    assert len(rows) == 1
    assert api.create(BILL, bill_body(billNumber="CTD-1")).status_code == 409  # a blind retry duplicates


@pytest.mark.parametrize(("mode", "status"), [("replay", 201), ("conflict", 409)])
def test_commit_then_drop_then_the_same_idempotency_key(
    intacct_sandbox: IntacctSandbox, api: Client, mode: str, status: int
) -> None:
    """A lost answer retried under the same key: replayed (``replay``) or refused (``conflict``,
    the default) -- either way the bill exists exactly once."""
    intacct_sandbox.idempotency = mode
    intacct_sandbox.inject("commit_then_drop", path=BILLS)
    headers = {"Idempotency-Key": "ambiguous"}
    with pytest.raises(requests.exceptions.ConnectionError):
        api.create(BILL, bill_body(billNumber="CTD-2"), headers=headers)
    retry = api.create(BILL, bill_body(billNumber="CTD-2"), headers=headers)
    assert retry.status_code == status
    assert [b["billNumber"] for b in intacct_sandbox.records(BILL)].count("CTD-2") == 1


@pytest.fixture
def held(intacct_sandbox: IntacctSandbox):
    """How many bills hold a number (the sandbox's own view, not a request)."""
    return lambda number: [b.get("billNumber") for b in intacct_sandbox.records(BILL)].count(number)


def test_commit_late_drops_the_answer_and_commits_before_the_next_matching_request(
    intacct_sandbox: IntacctSandbox, api: Client, held
) -> None:
    intacct_sandbox.inject("commit_late", method="POST", path=BILLS)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.create(BILL, bill_body(billNumber="LATE-1"))
    assert held("LATE-1") == 0  # not yet: the server is still processing it
    assert api.rows(object=BILL, filters=[{"$eq": {"billNumber": "LATE-1"}}]) == []  # a query does not match BILLS
    assert held("LATE-1") == 0
    assert api.create(BILL, bill_body(billNumber="LATE-2")).status_code == 201
    assert (held("LATE-1"), held("LATE-2")) == (1, 1)  # committed just before the next bill POST was handled
    dropped = [e for e in intacct_sandbox.requests if e["fault"] == "commit_late"]
    assert len(dropped) == 1 and dropped[0]["status"] is None  # no answer was ever sent


def test_commit_late_waits_for_the_hold_th_matching_request_whatever_that_request_meets(
    intacct_sandbox: IntacctSandbox, api: Client, held
) -> None:
    intacct_sandbox.inject("commit_late", method="POST", path=BILLS, hold=3)
    intacct_sandbox.inject("status", status=429, retry_after=0, method="POST", path=BILLS, count=2)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.create(BILL, bill_body(billNumber="LATE-3"))
    assert api.create(BILL, bill_body(billNumber="LATE-4")).status_code == 429
    assert held("LATE-3") == 0
    assert api.create(BILL, bill_body(billNumber="LATE-4")).status_code == 429
    assert held("LATE-3") == 0
    assert api.create(BILL, bill_body(billNumber="LATE-4")).status_code == 201  # the third: it committed first
    assert (held("LATE-3"), held("LATE-4")) == (1, 1)


@pytest.mark.parametrize(("mode", "after"), [("replay", 201), ("conflict", 409)])
def test_commit_late_refuses_its_key_while_it_is_being_processed_under_either_reading(
    intacct_sandbox: IntacctSandbox, api: Client, held, mode: str, after: int
) -> None:
    """No answer exists yet to replay: a reuse of its key is a 409, then answered by the reading once committed."""
    intacct_sandbox.idempotency = mode
    intacct_sandbox.inject("commit_late", method="POST", path=BILLS, hold=2)
    body, headers = bill_body(billNumber="LATE-5"), {"Idempotency-Key": "late-5"}
    with pytest.raises(requests.exceptions.ConnectionError):
        api.create(BILL, body, headers=headers)
    refused = api.create(BILL, body, headers=headers)  # the first later request: it is still held
    assert refused.status_code == 409
    assert error_of(refused)["details"][0]["code"] == "duplicateIdempotencyKey"
    assert "still being processed" in error_of(refused)["message"]
    assert held("LATE-5") == 0
    assert api.create(BILL, bill_body(billNumber="LATE-6")).status_code == 201  # the second: it commits first
    assert held("LATE-5") == 1
    assert api.create(BILL, body, headers=headers).status_code == after  # now the key is a processed request's
    assert held("LATE-5") == 1


def test_commit_late_of_an_array_commits_every_record(intacct_sandbox: IntacctSandbox, api: Client, held) -> None:
    intacct_sandbox.inject("commit_late", method="POST", path=BILLS)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(f"/objects/{BILL}", json=[bill_body(billNumber="LATE-7"), bill_body(billNumber="LATE-8")])
    assert (held("LATE-7"), held("LATE-8")) == (0, 0)
    api.create(BILL, bill_body(billNumber="LATE-9"))
    assert (held("LATE-7"), held("LATE-8")) == (1, 1)


def test_reset_drops_a_held_request_unperformed(intacct_sandbox: IntacctSandbox, api: Client, held) -> None:
    intacct_sandbox.inject("commit_late", method="POST", path=BILLS)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.create(BILL, bill_body(billNumber="LATE-10"), headers={"Idempotency-Key": "late-10"})
    intacct_sandbox.clear_faults()
    retry = api.create(BILL, bill_body(billNumber="LATE-10"), headers={"Idempotency-Key": "late-10"})
    assert retry.status_code == 201 and held("LATE-10") == 1  # never performed: the key is free, one bill


def test_latency_fault_delays_matching_requests(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("latency", latency_ms=300, count=1, path="^/objects/")
    started = time.monotonic()
    assert api.get(f"/objects/{VENDOR}").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.get(f"/objects/{VENDOR}")
    assert time.monotonic() - started < 0.25


def test_set_latency_delays_every_request(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.set_latency(150)
    started = time.monotonic()
    api.get(f"/objects/{VENDOR}")
    api.get(f"/objects/{VENDOR}")
    assert time.monotonic() - started >= 0.3


def test_expire_token_fault_revokes_the_bearer(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("expire_token", path="/services/core/query")
    assert api.get(f"/objects/{VENDOR}").status_code == 200
    assert api.query(object=VENDOR).status_code == 401
    assert api.get(f"/objects/{VENDOR}").status_code == 401  # that token stays dead
    assert Client(intacct_sandbox).get(f"/objects/{VENDOR}").status_code == 200


def test_token_endpoint_faults_when_the_path_says_so(intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.inject("status", status=503, path="^/oauth2/token$")
    url = f"{intacct_sandbox.base_url}/oauth2/token"
    assert requests.post(url, data=token_form(intacct_sandbox), timeout=10).status_code == 503
    assert fetch_token(intacct_sandbox)["access_token"]


def test_faults_never_match_admin_routes(intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.inject("reset")
    assert requests.get(f"{intacct_sandbox.base_url}/sandbox/faults", timeout=10).status_code == 200
    assert len(intacct_sandbox.state.pending_faults()) == 1


def test_clear_faults_and_reset_drop_pending_faults(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.inject("status", status=500, count=5)
    intacct_sandbox.clear_faults()
    assert api.get(f"/objects/{VENDOR}").status_code == 200
    intacct_sandbox.inject("status", status=500, count=5)
    intacct_sandbox.reset()
    assert api.get(f"/objects/{VENDOR}").status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "explode"},
        {"kind": "status"},
        {"kind": "status", "status": 200},
        {"kind": "latency"},
        {"kind": "reset", "count": 0},
        {"kind": "reset", "path": "("},
        {"kind": "commit_late", "hold": 0},
        {"kind": "commit_late", "hold": True},
    ],
)
def test_nonsense_faults_are_refused(intacct_sandbox: IntacctSandbox, kwargs: dict) -> None:
    with pytest.raises(ValueError, match=r"."):
        intacct_sandbox.inject(**kwargs)

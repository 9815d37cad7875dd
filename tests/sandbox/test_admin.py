"""Admin routes under /sandbox/: the handle's controls for a sandbox running in another process."""

from __future__ import annotations

from typing import Any

import requests
from sandbox_helpers import BILL, VENDOR, Client, bill_body

from intacct_provider.sandbox import IntacctSandbox


def _admin(sb: IntacctSandbox, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{sb.base_url}/sandbox/{path}", json=body, timeout=10)


def test_faults_over_http(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    response = _admin(intacct_sandbox, "POST", "faults", {"kind": "status", "status": 503, "path": "vendor"})
    assert response.status_code == 201 and response.json()["fault"]["status"] == 503
    assert _admin(intacct_sandbox, "GET", "faults").json()["faults"][0]["kind"] == "status"
    assert api.get(f"/objects/{VENDOR}").status_code == 503
    _admin(intacct_sandbox, "POST", "faults", {"kind": "reset"})
    assert _admin(intacct_sandbox, "DELETE", "faults").status_code == 204
    assert api.get(f"/objects/{VENDOR}").status_code == 200
    assert _admin(intacct_sandbox, "POST", "faults", {"kind": "nope"}).status_code == 400


def test_request_log_over_http_masks_the_bearer(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    api.get(f"/objects/{VENDOR}")
    entries = _admin(intacct_sandbox, "GET", "requests").json()["requests"]
    assert entries[-1]["path"] == f"/objects/{VENDOR}" and entries[-1]["headers"]["Authorization"] == "***"
    assert all(not e["path"].startswith("/sandbox") for e in entries)
    assert _admin(intacct_sandbox, "DELETE", "requests").status_code == 204
    assert intacct_sandbox.requests == []


def test_tokens_clock_payments_reset_over_http(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    assert _admin(intacct_sandbox, "POST", "expire-tokens").status_code == 204
    assert api.get(f"/objects/{VENDOR}").status_code == 401
    now = _admin(intacct_sandbox, "POST", "clock", {"freeze": "2026-11-26T10:00:00Z", "advance": 60}).json()
    assert now == {"now": "2026-11-26T10:01:00Z"}
    paid = _admin(intacct_sandbox, "POST", "payments", {"object": BILL, "key": "2001", "amount": "100.00"}).json()
    assert paid["ia::result"]["paymentInformation"]["totalTxnAmountPaid"] == "100.00"
    assert paid["ia::result"]["audit"]["modifiedDateTime"] == "2026-11-26T10:01:00Z"
    assert (
        _admin(intacct_sandbox, "POST", "payments", {"object": BILL, "key": "2001", "amount": "1e9"}).status_code == 400
    )
    assert _admin(intacct_sandbox, "POST", "reset", {"seed": "empty"}).status_code == 204
    assert Client(intacct_sandbox).get(f"/objects/{VENDOR}").json()["ia::meta"]["totalCount"] == 0
    assert _admin(intacct_sandbox, "POST", "clock", {"unfreeze": True}).json()["now"] != "2026-11-26T10:01:00Z"


def test_settings_over_http(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    assert _admin(intacct_sandbox, "GET", "settings").json()["error_envelope"] == "nested"
    changed = _admin(intacct_sandbox, "PATCH", "settings", {"error_envelope": "plain", "latency_ms": 0})
    assert changed.json()["error_envelope"] == "plain"
    assert "error" in api.get(f"/objects/{BILL}/1").json()
    assert _admin(intacct_sandbox, "PATCH", "settings", {"client_secret": "x"}).status_code == 400
    assert _admin(intacct_sandbox, "PATCH", "settings", {"error_envelope": "xml"}).status_code == 400
    switched = _admin(intacct_sandbox, "POST", "settings", {"idempotency": "replay", "id_semantics": "number"}).json()
    assert (switched["idempotency"], switched["id_semantics"]) == ("replay", "number")
    assert intacct_sandbox.get_record(BILL, "2001")["id"] == "BILL-100"
    assert _admin(intacct_sandbox, "POST", "settings", {"id_semantics": "guid"}).status_code == 400
    readings = {"payment_flow": "direct", "bill_approve_state": "posted", "bill_approval": False}
    assert {k: v for k, v in _admin(intacct_sandbox, "POST", "settings", readings).json().items() if k in readings} == (
        readings
    )
    assert intacct_sandbox.state.store.readings.payment_flow == "direct"  # the records follow at once
    assert _admin(intacct_sandbox, "POST", "settings", {"payment_flow": "cash"}).status_code == 400


def test_unknown_admin_route_and_bad_body(intacct_sandbox: IntacctSandbox) -> None:
    assert _admin(intacct_sandbox, "GET", "nothing").status_code == 404
    raw = requests.post(f"{intacct_sandbox.base_url}/sandbox/faults", data=b"[1]", timeout=10)
    assert raw.status_code == 400


def test_admin_routes_need_no_token_and_bypass_throttling(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.max_concurrency = 1
    api.create(BILL, bill_body())
    assert _admin(intacct_sandbox, "GET", "requests").status_code == 200

"""Admin routes under /ia/api/v1/sandbox/: the handle's controls for a sandbox running in another process."""

from __future__ import annotations

from typing import Any

import pytest
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
    assert _admin(intacct_sandbox, "POST", "clock", {"advance": 1.5}).json() == {"now": "2026-11-26T10:01:01Z"}
    assert _admin(intacct_sandbox, "POST", "clock", {"advance": 0.5}).json() == {"now": "2026-11-26T10:01:02Z"}
    assert _admin(intacct_sandbox, "POST", "clock", {"advance": -2}).json() == now  # seconds, not money
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
    readings = {
        "payment_flow": "direct",
        "bill_approve_state": "posted",
        "bill_approval": False,
        "payment_reverse_state": "reversed",
    }
    assert {k: v for k, v in _admin(intacct_sandbox, "POST", "settings", readings).json().items() if k in readings} == (
        readings
    )
    assert intacct_sandbox.state.store.readings.payment_flow == "direct"  # the records follow at once
    assert intacct_sandbox.state.store.readings.payment_reverse_state == "reversed"
    assert _admin(intacct_sandbox, "POST", "settings", {"payment_flow": "cash"}).status_code == 400
    assert _admin(intacct_sandbox, "POST", "settings", {"payment_reverse_state": "approved"}).status_code == 400


def test_unknown_admin_route_and_bad_body(intacct_sandbox: IntacctSandbox) -> None:
    assert _admin(intacct_sandbox, "GET", "nothing").status_code == 404
    raw = requests.post(f"{intacct_sandbox.base_url}/sandbox/faults", data=b"[1]", timeout=10)
    assert raw.status_code == 400


def test_admin_routes_need_no_token_and_bypass_throttling(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.max_concurrency = 1
    api.create(BILL, bill_body())
    assert _admin(intacct_sandbox, "GET", "requests").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("payments", {}, "POST /ia/api/v1/sandbox/payments: missing field 'object' (the bill or invoice: "),
        ("payments", {"object": "bill"}, "POST /ia/api/v1/sandbox/payments: missing field 'key' "),
        ("payments", {"object": "bill", "key": "2001", "amont": "1.00"}, "unknown field 'amont' (this route takes: "),
        ("payments", {"object": "bill", "key": "2001", "amount": 1.5}, "field 'amount' must be string"),
        ("payments", {"object": "bils", "key": "2001"}, "unknown object 'bils': expected a name (vendor, "),
        ("payments", {"object": "bill", "key": "99999"}, "with key '99999' was not found"),
        ("faults", {}, "POST /ia/api/v1/sandbox/faults: missing field 'kind' (status, reset, "),
        ("faults", {"kind": "status", "count": "2", "status": 503}, "field 'count' must be integer"),
        ("faults", {"kind": "status", "statu": 503}, "unknown field 'statu'"),
        ("clock", {"freeze": "yesterday"}, "POST /ia/api/v1/sandbox/clock: "),
        ("reset", {"seed": "full"}, "POST /ia/api/v1/sandbox/reset: seed must be one of demo, empty"),
        (
            "settings",
            {"latency_ms": "slow"},
            "POST /ia/api/v1/sandbox/settings: a setting has a value of the wrong type",
        ),
    ],
)
def test_a_bad_body_is_a_400_naming_the_route_and_the_field(
    intacct_sandbox: IntacctSandbox, path, body, message
) -> None:
    response = _admin(intacct_sandbox, "POST", path, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert message in error
    assert error.startswith(f"POST /ia/api/v1/sandbox/{path}: ")  # never a bare exception text like "'object'"


@pytest.mark.parametrize("name", ["bill", "accounts-payable/bill", "/objects/accounts-payable/bill"])
def test_payments_take_names_like_the_operators(intacct_sandbox: IntacctSandbox, name: str) -> None:
    paid = _admin(intacct_sandbox, "POST", "payments", {"object": name, "key": 2001, "amount": "100.00"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["ia::result"]["paymentInformation"]["totalTxnAmountPaid"] == "100.00"
    assert intacct_sandbox.get_record("bill", "2001")["state"] == "partiallyPaid"  # the handle takes names too


def test_the_index_lists_every_route_with_its_body(intacct_sandbox: IntacctSandbox) -> None:
    routes = _admin(intacct_sandbox, "GET", "").json()["routes"]
    names = {(r["method"], r["path"]) for r in routes}
    assert ("POST", "/ia/api/v1/sandbox/payments") in names and ("GET", "/ia/api/v1/sandbox/requests") in names
    payments = next(r for r in routes if r["path"].endswith("/payments"))
    assert {name for name, field in payments["body"].items() if field["required"]} == {"object", "key"}
    missing = _admin(intacct_sandbox, "GET", "nothing").json()["error"]
    assert missing.startswith("no admin route GET /ia/api/v1/sandbox/nothing; the routes are: GET /ia/api/v1/sandbox/;")


def test_the_docs_page_shows_every_route_and_field() -> None:
    """``docs/sandbox-admin.md`` names each route by its full path and each body field."""
    from pathlib import Path

    from intacct_provider.sandbox.admin import ROUTES

    page = (Path(__file__).resolve().parents[2] / "docs" / "sandbox-admin.md").read_text()
    for route in ROUTES:
        assert f"`{route.name}`" in page, route.name
        for field in route.fields:
            assert f"`{field.name}`" in page, (route.name, field.name)


def test_records_with_a_web_url_link_to_their_page(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    """Sage's schemas give bills (vendors, payments...) a webURL; the sandbox's leads to a page of the record."""
    created = api.create(BILL, bill_body()).json()["ia::result"]
    bill = api.get(f"/objects/{BILL}/{created['key']}").json()["ia::result"]
    assert bill["webURL"] == f"{intacct_sandbox.base_url}/sandbox/records/{BILL}/{created['key']}"
    page = requests.get(bill["webURL"], timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f"(key {created['key']})" in page.text and "&quot;" in page.text  # the fields, escaped
    seeded = api.get(f"/objects/{VENDOR}/33").json()["ia::result"]
    assert seeded["webURL"].endswith(f"/sandbox/records/{VENDOR}/33")
    rows = api.query(object=BILL, fields=["key", "webURL"], filters=[{"$eq": {"key": "2001"}}]).json()["ia::result"]
    assert rows == [{"key": "2001", "webURL": f"{intacct_sandbox.base_url}/sandbox/records/{BILL}/2001"}]
    assert "webURL" not in intacct_sandbox.get_record("gl_account", "1")  # not in Sage's schema: no link
    assert requests.get(f"{intacct_sandbox.base_url}/sandbox/records/{BILL}/99999", timeout=10).status_code == 404
    intacct_sandbox.reset()
    assert intacct_sandbox.get_record("bill", "2001")["webURL"] == bill["webURL"].rsplit("/", 1)[0] + "/2001"

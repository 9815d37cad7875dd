"""The in-process handle: connection helpers, request log, payments, clock, records and reset."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sandbox_helpers import BILL, INVOICE, VENDOR, Client, bill_body, fetch_token, token_form

from intacct_provider.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, IntacctSandbox
from intacct_provider.sandbox.seed import RECENT_BILLS


def test_defaults_and_base_url(intacct_sandbox: IntacctSandbox) -> None:
    sb = intacct_sandbox
    assert (sb.client_id, sb.client_secret) == (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    assert (sb.company_id, sb.user_id) == ("SANDBOX-CO", "sandbox-api-user")
    assert sb.base_url == f"http://127.0.0.1:{sb.port}/ia/api/v1"


def test_connection_dict_and_json(intacct_sandbox: IntacctSandbox) -> None:
    conn = intacct_sandbox.connection(entity_id="US", timeout=5)
    assert conn == {
        "conn_type": "sage_intacct",
        "host": intacct_sandbox.base_url,
        "login": "sandbox-client-id",
        "password": "sandbox-client-secret",
        "extra": {"company_id": "SANDBOX-CO", "user_id": "sandbox-api-user", "entity_id": "US", "timeout": 5},
    }
    assert json.loads(intacct_sandbox.connection_json()) == intacct_sandbox.connection()
    env = intacct_sandbox.airflow_env("my_conn", entity_id="UK")
    assert list(env) == ["AIRFLOW_CONN_MY_CONN"]
    assert json.loads(env["AIRFLOW_CONN_MY_CONN"])["extra"]["entity_id"] == "UK"


def test_connection_uri_parses_back_in_airflow(intacct_sandbox: IntacctSandbox) -> None:
    connection_module = pytest.importorskip("airflow.models.connection")
    uri = intacct_sandbox.connection_uri(entity_id="US", retries=3)
    conn = connection_module.Connection(conn_id="x", uri=uri)
    assert conn.conn_type == "sage_intacct"
    assert conn.host == intacct_sandbox.base_url
    assert (conn.login, conn.password) == (intacct_sandbox.client_id, intacct_sandbox.client_secret)
    assert conn.extra_dejson == {
        "company_id": "SANDBOX-CO",
        "user_id": "sandbox-api-user",
        "entity_id": "US",
        "retries": 3,
    }


def test_request_log_masks_secrets(intacct_sandbox: IntacctSandbox) -> None:
    answer = fetch_token(intacct_sandbox)
    client = Client(intacct_sandbox, entity="US")
    body = bill_body()
    client.create(BILL, body, params={"trace": "1"})
    token_entry = intacct_sandbox.requests[0]
    assert token_entry["body"]["client_secret"] == "***" and token_entry["body"]["client_id"] == DEFAULT_CLIENT_ID
    import requests

    form = {
        "grant_type": "refresh_token",
        "refresh_token": answer["refresh_token"],
        "client_id": intacct_sandbox.client_id,
        "client_secret": intacct_sandbox.client_secret,
    }
    requests.post(f"{intacct_sandbox.base_url}/oauth2/token", data=form, timeout=10)
    assert intacct_sandbox.requests[-1]["body"]["refresh_token"] == "***"
    create = next(e for e in intacct_sandbox.requests if e["method"] == "POST" and e["path"] == f"/objects/{BILL}")
    assert create["headers"]["Authorization"] == "***"
    assert create["body"] == body and create["query"] == {"trace": "1"}
    assert (create["status"], create["entity"], create["fault"]) == (201, "US", None)
    assert "sandbox-client-secret" not in json.dumps(intacct_sandbox.requests)
    intacct_sandbox.clear_requests()
    assert intacct_sandbox.requests == []


def test_request_log_never_keeps_a_secret_unmasked(intacct_sandbox: IntacctSandbox) -> None:
    """Bodies are kept as they arrived and decoded when read, unless they could name a secret field:
    those (JSON, escaped or percent-encoded names included) are masked on arrival, as before."""
    import requests

    secret = "s3cr3t-value"
    url = f"{intacct_sandbox.base_url}/oauth2/token"
    requests.post(url, json={"client_secret": secret}, timeout=10)
    requests.post(url, data=b'{"client\\u005fsecret": "' + secret.encode() + b'"}', timeout=10)
    requests.post(url, data=f"client%5Fsecret={secret}", headers={"Content-Type": token_type()}, timeout=10)
    body = bill_body(description="kept as bytes until read")
    Client(intacct_sandbox).create(BILL, body)
    kept = intacct_sandbox.state.requests  # the log as stored, before any reading decodes it
    assert secret not in repr(kept) and secret.encode() not in repr(kept).encode()
    read = intacct_sandbox.requests
    assert [entry["body"].get("client_secret") for entry in read[:3]] == ["***", "***", "***"]
    assert read[-1]["body"] == body
    assert secret not in json.dumps(read)


def token_type() -> str:
    from intacct_provider.sandbox.auth import FORM_TYPE

    return FORM_TYPE


def test_cyclic_gc_is_paused_only_while_a_request_is_handled(intacct_sandbox: IntacctSandbox) -> None:
    import gc

    client = Client(intacct_sandbox)
    assert gc.isenabled()
    assert client.create(BILL, bill_body()).status_code == 201
    assert gc.isenabled()
    gc.disable()  # a caller that turned collection off keeps it off
    try:
        assert client.create(BILL, bill_body()).status_code == 201
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_record_payment_partial_then_full(intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.freeze_time("2026-11-26T10:00:00Z")
    partial = intacct_sandbox.record_payment(BILL, "2001", "200.00")
    paid = partial["paymentInformation"]["totalTxnAmountPaid"]
    assert (partial["state"], paid, partial["totalTxnAmountDue"]) == ("partiallyPaid", "200.00", "300.00")
    assert partial["audit"]["modifiedDateTime"] == "2026-11-26T10:00:00Z"
    full = intacct_sandbox.record_payment(BILL, "2001")
    paid = full["paymentInformation"]["totalTxnAmountPaid"]
    assert (full["state"], paid, full["totalTxnAmountDue"]) == ("paid", "500.00", "0.00")
    assert full["paymentInformation"]["fullyPaidDate"] == "2026-11-26"
    payments = [
        p for p in intacct_sandbox.records("accounts-payable/payment") if p["details"][0]["bill"]["key"] == "2001"
    ]
    assert [p["details"][0]["txnCurrency"]["paymentAmount"] for p in payments] == ["200.00", "300.00"]
    with pytest.raises(ValueError, match="only posted bills can be paid"):
        intacct_sandbox.record_payment(BILL, "2001")
    with pytest.raises(ValueError, match="at most"):
        intacct_sandbox.record_payment(INVOICE, "1001", "1000.01")
    with pytest.raises(ValueError, match="decimal"):
        intacct_sandbox.record_payment(INVOICE, "1001", "ten")
    invoice = intacct_sandbox.record_payment(INVOICE, "1001")
    assert invoice["state"] == "paid"
    with pytest.raises(ValueError, match="cannot be paid"):
        intacct_sandbox.record_payment(INVOICE, "1001", "1.00")
    with pytest.raises(ValueError, match="bills and invoices"):
        intacct_sandbox.record_payment(VENDOR, "33")


def test_paid_state_is_visible_to_incremental_queries(intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.freeze_time("2027-01-01T00:00:00Z")
    intacct_sandbox.record_payment(BILL, "2001")
    rows = Client(intacct_sandbox).rows(
        object=BILL, fields=["id", "state"], filters=[{"$gte": {"audit.modifiedDateTime": "2027-01-01T00:00:00Z"}}]
    )
    assert rows == [{"id": "2001", "state": "paid"}]


def test_clock_freeze_advance_unfreeze(intacct_sandbox: IntacctSandbox) -> None:
    api = Client(intacct_sandbox)
    intacct_sandbox.freeze_time("2026-11-26T10:00:00Z")
    intacct_sandbox.advance_time(90)
    key = api.create(BILL, bill_body()).json()["ia::result"]["key"]
    assert intacct_sandbox.get_record(BILL, key)["audit"]["createdDateTime"] == "2026-11-26T10:01:30Z"
    intacct_sandbox.unfreeze_time()
    key = api.create(BILL, bill_body()).json()["ia::result"]["key"]
    assert intacct_sandbox.get_record(BILL, key)["audit"]["createdDateTime"] >= "2026-11-27"


def test_audit_stamps_follow_every_move_of_the_clock() -> None:
    """The formatted stamp is reused within one second of server time, never across a move."""
    from intacct_provider.sandbox.clock import Clock

    clock = Clock()
    clock.freeze("2026-11-26T10:00:00.200Z")
    assert clock.stamp() == "2026-11-26T10:00:00Z"
    clock.advance(0.5)
    assert clock.stamp() == "2026-11-26T10:00:00Z"
    clock.advance(0.5)
    assert clock.stamp() == "2026-11-26T10:00:01Z"
    clock.freeze("2025-01-02T03:04:05Z")  # backwards, as a test may set it
    assert clock.stamp() == "2025-01-02T03:04:05Z"
    clock.unfreeze()
    assert clock.stamp() > "2026-11-27"


def test_records_are_copies(intacct_sandbox: IntacctSandbox) -> None:
    record = intacct_sandbox.get_record(BILL, "2001")
    record["state"] = "tampered"
    intacct_sandbox.records(BILL)[0]["lines"].clear()
    assert intacct_sandbox.get_record(BILL, "2001")["state"] == "posted"
    assert intacct_sandbox.get_record(BILL, "2001")["lines"]
    with pytest.raises(KeyError):
        intacct_sandbox.get_record(BILL, "1")


def test_reset_restores_seed_and_settings_but_keeps_tokens(intacct_sandbox: IntacctSandbox) -> None:
    api = Client(intacct_sandbox)
    api.create(BILL, bill_body())
    intacct_sandbox.max_concurrency = 1
    intacct_sandbox.invalid_token_status = 400
    intacct_sandbox.freeze_time("2020-01-01T00:00:00Z")
    intacct_sandbox.reset()
    assert len(intacct_sandbox.records(BILL)) == 50 + len(RECENT_BILLS)  # the history and yesterday's bills
    assert len(intacct_sandbox.records(BILL, include_private=True)) == 53 + len(RECENT_BILLS)  # + the private entity's
    assert (
        intacct_sandbox.records(BILL)[-1]["createdDate"] != "2020-01-01"
    )  # dated by the real clock, not the frozen one
    assert (intacct_sandbox.max_concurrency, intacct_sandbox.invalid_token_status) == (None, 401)
    assert intacct_sandbox.requests == []
    assert api.get(f"/objects/{VENDOR}").status_code == 200
    intacct_sandbox.reset(seed="empty")
    assert all(not intacct_sandbox.records(path) for path in (BILL, VENDOR, "general-ledger/account"))
    with pytest.raises(ValueError, match="seed"):
        intacct_sandbox.reset(seed="huge")


def test_empty_seed_company_can_be_built_through_the_api() -> None:
    # A company with document sequencing (not the default reading): Intacct numbers the bill.
    with IntacctSandbox(seed="empty", require_document_numbers=False) as sb:
        api = Client(sb)
        api.create(VENDOR, {"id": "V1", "name": "First"})
        api.create(
            "general-ledger/account",
            {"id": "6000", "name": "Expenses", "accountType": "incomeStatement", "normalBalance": "debit"},
        )
        api.create("company-config/location", {"id": "HQ", "name": "Head office"})
        line = {"glAccount": {"id": "6000"}, "txnAmount": "1.00", "dimensions": {"location": {"id": "HQ"}}}
        assert api.create(BILL, bill_body(vendor={"id": "V1"}, lines=[line], billNumber=None)).json()["ia::result"] == {
            "key": "2001",
            "id": "2001",
            "href": "/objects/accounts-payable/bill/2001",
        }
        assert sb.get_record(BILL, "2001")["billNumber"] == "BILL-100"


def test_handle_lifecycle() -> None:
    sb = IntacctSandbox()
    with pytest.raises(RuntimeError):
        _ = sb.base_url
    sb.start()
    with pytest.raises(RuntimeError):
        sb.start()
    first = sb.base_url
    sb.stop()
    sb.stop()
    with sb:
        assert sb.base_url != "" and fetch_token(sb)
    assert first.startswith("http://127.0.0.1:")


def test_stop_closes_idle_keep_alive_connections() -> None:
    sb = IntacctSandbox().start()
    client = Client(sb)
    url = f"{sb.base_url}/objects/{VENDOR}"
    assert client.session.get(url, timeout=10).status_code == 200  # the session now holds a live connection
    sb.stop()
    import requests

    with pytest.raises(requests.exceptions.ConnectionError):
        client.session.get(url, timeout=10)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seed": "nope"},
        {"error_envelope": "xml"},
        {"invalid_token_status": 403},
        {"max_concurrency": 0},
        {"seed_scale": 0},
    ],
)
def test_bad_constructor_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError, match=r"."):
        IntacctSandbox(**kwargs)


def test_custom_credentials(intacct_sandbox: IntacctSandbox) -> None:
    with IntacctSandbox(client_id="cid", client_secret="sec", company_id="ACME", user_id="bot") as sb:
        assert fetch_token(sb)["access_token"]
        import requests

        url = f"{sb.base_url}/oauth2/token"
        assert requests.post(url, data=token_form(intacct_sandbox), timeout=10).status_code == 401


def test_import_is_cheap() -> None:
    code = (
        "import sys, intacct_provider.sandbox as s; "
        "assert 'airflow' not in sys.modules; "
        "assert not any(m.startswith('intacct_provider.hooks') for m in sys.modules); "
        "import threading; assert threading.active_count() == 1"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)

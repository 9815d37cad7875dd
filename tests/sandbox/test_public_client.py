"""A public Sage Intacct REST client, written by others against the real service, driven unchanged.

``sageintacctrestsdk`` (Fyle's ``intacctsdk``) hard-codes ``https://api.intacct.com/ia/api/v1`` as a
module constant; the only change here is pointing that constant (and the credentials) at the
sandbox.  Skipped when the SDK is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.seed import RECENT_BILLS

intacctsdk = pytest.importorskip("intacctsdk")
from intacctsdk import BadRequestError, IntacctRESTSDK, InternalServerError, InvalidTokenError  # noqa: E402
from intacctsdk import intacctsdk as sdk_module  # noqa: E402
from intacctsdk.apis import api_base  # noqa: E402


@pytest.fixture(scope="module")
def big_sandbox() -> Iterator[IntacctSandbox]:
    """5,000 bills, so the SDK's 2,000-row pages take three requests."""
    with IntacctSandbox(seed_scale=100) as sb:
        yield sb


def _point_at(sb: IntacctSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_base, "BASE_URL", sb.base_url)
    monkeypatch.setattr(sdk_module, "BASE_URL", sb.base_url)


def _sdk(sb: IntacctSandbox, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> IntacctRESTSDK:
    _point_at(sb, monkeypatch)
    return IntacctRESTSDK(
        username=f"{sb.user_id}@{sb.company_id}", client_id=sb.client_id, client_secret=sb.client_secret, **kwargs
    )


def test_client_credentials_and_refresh_token_auth(
    intacct_sandbox: IntacctSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sdk = _sdk(intacct_sandbox, monkeypatch)
    assert sdk.access_token and sdk.refresh_token and sdk.access_token_expires_in == 43200
    renewed = IntacctRESTSDK(
        refresh_token=sdk.refresh_token,
        client_id=intacct_sandbox.client_id,
        client_secret=intacct_sandbox.client_secret,
        use_client_credentials_auth=False,
    )
    assert renewed.refresh_token != sdk.refresh_token
    assert renewed.vendors.get_by_key("33")["ia::result"]["id"] == "VEND-100"


def test_wrong_secret_raises_bad_request_with_the_error_body(
    intacct_sandbox: IntacctSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _point_at(intacct_sandbox, monkeypatch)
    with pytest.raises(BadRequestError, match="401") as info:
        IntacctRESTSDK(username="sandbox-api-user@SANDBOX-CO", client_id="sandbox-client-id", client_secret="wrong")
    assert "ia::error" in info.value.response


def test_paging_through_the_query_service(big_sandbox: IntacctSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    sdk = _sdk(big_sandbox, monkeypatch)
    big_sandbox.clear_requests()
    pages = list(sdk.bills.get_all_generator(fields=["key", "id", "totalTxnAmount"], order_by=[{"key": "asc"}]))
    total = 5000 + len(RECENT_BILLS)  # the history and yesterday's bills
    assert [len(page) for page in pages] == [2000, 2000, total - 4000]
    keys = [int(row["key"]) for page in pages for row in page]
    assert keys == sorted(keys) and len(set(keys)) == total
    assert [e["body"]["start"] for e in big_sandbox.requests] == [1, 2001, 4001]
    assert sdk.bills.count() == total


def test_filtered_queries(big_sandbox: IntacctSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    sdk = _sdk(big_sandbox, monkeypatch)
    filters = [{"$eq": {"vendor.id": "VEND-100"}}, {"$gte": {"totalTxnAmount": "1000.00"}}]
    rows = [
        r
        for page in sdk.bills.get_all_generator(fields=["id", "vendor.id", "totalTxnAmount"], filters=filters)
        for r in page
    ]
    assert rows and all(r["vendor.id"] == "VEND-100" and float(r["totalTxnAmount"]) >= 1000 for r in rows)
    assert sdk.bills.count(filters=filters) == len(rows)
    either = sdk.vendors.count(
        filters=[{"$eq": {"id": "VEND-100"}}, {"$eq": {"id": "VEND-200"}}], filter_expression="1 or 2"
    )
    assert either == 2
    active = sdk.customers.count(
        filters=[{"$eq": {"status": "active"}}], filter_parameters={"caseSensitiveComparison": False}
    )
    assert active == 5


def test_create_read_update_delete(intacct_sandbox: IntacctSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    sdk = _sdk(intacct_sandbox, monkeypatch)
    body = {
        "vendor": {"id": "VEND-200"},
        "billNumber": "SDK-1",
        "createdDate": "2026-04-01",
        "dueDate": "2026-05-01",
        "currency": {"txnCurrency": "USD"},
        "lines": [
            {
                "glAccount": {"id": "6700"},
                "txnAmount": "75.00",
                "memo": "Toner",
                "dimensions": {"location": {"id": "US"}},
            }
        ],
    }
    created = sdk.bills.post(body, idempotent_key="sdk-bill-1")
    key = created["ia::result"]["key"]
    assert created["ia::result"]["id"] == key  # a bill's id is its key
    with pytest.raises(BadRequestError, match="409"):  # any reuse of an idempotency key (the default)
        sdk.bills.post(body, idempotent_key="sdk-bill-1")
    intacct_sandbox.idempotency = "replay"
    assert sdk.bills.post(body, idempotent_key="sdk-bill-1") == created
    assert sdk.bills.get_by_key(key)["ia::result"]["totalTxnAmount"] == "75.00"
    assert sdk.bills.update(key, {"description": "Printer toner"})["ia::result"]["key"] == key
    assert sdk.bills.get_by_key(key)["ia::result"]["description"] == "Printer toner"
    assert sdk.bills.delete(key) is None
    with pytest.raises(BadRequestError, match="404"):
        sdk.bills.get_by_key(key)
    vendor = sdk.vendors.post({"id": "VEND-SDK", "name": "From the SDK"})
    assert sdk.vendors.get_by_key(vendor["ia::result"]["key"])["ia::result"]["name"] == "From the SDK"
    model = sdk.bills.get_model()["ia::result"]
    assert model["idempotenceSupported"] is True and "id" in model["refs"]["vendor"]["fields"]


def test_journal_entries(intacct_sandbox: IntacctSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    sdk = _sdk(intacct_sandbox, monkeypatch, entity_id="US")
    lines = [
        {"glAccount": {"id": "6500"}, "txnAmount": "1200.00", "txnType": "debit", "description": "Rent"},
        {"glAccount": {"id": "1000"}, "txnAmount": "1200.00", "txnType": "credit", "description": "Rent"},
    ]
    header = {"glJournal": {"id": "GJ"}, "postingDate": "2026-04-30", "description": "April rent"}
    created = sdk.journal_entries.post({**header, "lines": lines})
    entry = sdk.journal_entries.get_by_key(created["ia::result"]["key"])["ia::result"]
    assert entry["entity"]["id"] == "US" and len(entry["lines"]) == 2
    assert sdk.journal_entries.count() == len(intacct_sandbox.records("general-ledger/journal-entry", entity="US"))
    lines[1]["txnAmount"] = "1000.00"
    with pytest.raises(BadRequestError, match="422") as info:
        sdk.journal_entries.post({**header, "lines": lines})
    assert "must equal credits" in info.value.response


def test_error_bodies_reach_the_caller(intacct_sandbox: IntacctSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    sdk = _sdk(intacct_sandbox, monkeypatch)
    with pytest.raises(BadRequestError, match="400") as info:
        sdk.bills.post({"vendor": {"id": "VEND-100"}, "newDate": "2026-01-01"})
    assert "/newDate is not a valid field" in info.value.response
    intacct_sandbox.inject("status", status=503, html=True)
    with pytest.raises(InternalServerError, match="503"):
        sdk.vendors.count()
    intacct_sandbox.invalid_token_status = 400
    intacct_sandbox.expire_tokens()
    with pytest.raises(InvalidTokenError):
        sdk.vendors.count()

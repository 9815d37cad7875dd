"""Object endpoints: list, read, create, update, delete and the model service."""

from __future__ import annotations

import pytest
from sandbox_helpers import (
    BILL,
    CUSTOMER,
    ENTRY,
    INVOICE,
    VENDOR,
    Client,
    bill_body,
    entry_body,
    error_of,
    invoice_body,
)

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.seed import RECENT_BILLS


def test_list_returns_references_ordered_by_key(api: Client) -> None:
    body = api.get(f"/objects/{VENDOR}").json()
    assert body["ia::result"][:2] == [
        {"key": "33", "id": "VEND-100", "href": "/objects/accounts-payable/vendor/33"},
        {"key": "34", "id": "VEND-200", "href": "/objects/accounts-payable/vendor/34"},
    ]
    assert body["ia::meta"] == {"totalCount": 5, "start": 1, "pageSize": 100, "next": None, "previous": None}


def test_list_pages_by_100_and_honours_start_only() -> None:
    with IntacctSandbox(seed_scale=3) as sb:
        client = Client(sb)
        first = client.get(f"/objects/{BILL}?pageSize=1000").json()
        assert len(first["ia::result"]) == 100
        assert first["ia::meta"]["next"] == 101
        second = client.get(f"/objects/{BILL}", params={"start": 101}).json()
        assert len(second["ia::result"]) == 50 + len(RECENT_BILLS)  # the private entity's 3 bills are not listed
        assert second["ia::meta"]["previous"] == 1 and second["ia::meta"]["next"] is None
        keys = [int(r["key"]) for r in first["ia::result"] + second["ia::result"]]
        assert keys == sorted(keys) and len(set(keys)) == 150 + len(RECENT_BILLS)
        inside = Client(sb, entity="CA").get(f"/objects/{BILL}").json()
        assert inside["ia::meta"]["totalCount"] == 3
        assert client.get(f"/objects/{BILL}?start=0").status_code == 400
        assert client.get(f"/objects/{BILL}?start=x").status_code == 400


def test_catalog_examples_are_the_first_records(api: Client) -> None:
    refs = {obj: api.get(f"/objects/{obj}").json()["ia::result"][0] for obj in (BILL, INVOICE, ENTRY, CUSTOMER)}
    # id semantics "key" (the default): a transaction's id is its key
    assert refs[BILL] == {"href": "/objects/accounts-payable/bill/2001", "id": "2001", "key": "2001"}
    assert refs[INVOICE] == {"href": "/objects/accounts-receivable/invoice/1001", "id": "1001", "key": "1001"}
    assert refs[ENTRY] == {"href": "/objects/general-ledger/journal-entry/3001", "id": "3001", "key": "3001"}
    assert refs[CUSTOMER] == {"href": "/objects/accounts-receivable/customer/68", "id": "CUST-100", "key": "68"}
    accounts = api.get("/objects/general-ledger/account").json()["ia::result"][:2]
    assert [(a["key"], a["id"]) for a in accounts] == [("1", "4000"), ("2", "6700")]
    customers = api.get(f"/objects/{CUSTOMER}").json()["ia::result"][:2]
    assert [(c["key"], c["id"]) for c in customers] == [("68", "CUST-100"), ("69", "CUST-200")]


def test_get_full_record_and_no_query_parameters(api: Client) -> None:
    bill = api.get(f"/objects/{BILL}/2001").json()["ia::result"]
    assert bill["vendor"] == {"key": "33", "id": "VEND-100"}
    assert bill["billNumber"] == "BILL-100" and bill["currency"]["txnCurrency"] == "USD"
    assert bill["lines"][0]["glAccount"]["id"] == "6700"
    assert bill["lines"][0]["txnAmount"] == "500.00"
    assert bill["lines"][0]["dimensions"]["location"]["id"] == "US"
    assert bill["totalTxnAmount"] == bill["totalTxnAmountDue"] == "500.00"
    assert bill["paymentInformation"]["totalTxnAmountPaid"] == "0.00" and "totalPaid" not in bill
    assert bill["state"] == "posted"
    assert bill["entity"] == {"id": None}
    assert {"createdDateTime", "modifiedDateTime", "createdByUser", "modifiedByUser"} <= set(bill["audit"])
    for params in ({"fields": "id,vendor.id"}, {"x": "1"}):
        response = api.get(f"/objects/{BILL}/2001", params=params)
        assert response.status_code == 400
        assert "takes no query parameters" in error_of(response)["message"]


def test_missing_record_unknown_object_and_path(api: Client) -> None:
    assert api.get(f"/objects/{BILL}/999999").status_code == 404
    assert api.get("/objects/accounts-payable/nothing").status_code == 404
    assert api.get("/no/such/thing").status_code == 404
    assert error_of(api.get(f"/objects/{BILL}/999999"))["code"] == "notFound"


def test_method_not_allowed_is_405(api: Client) -> None:
    assert api.request("PUT", f"/objects/{BILL}/2001", json={}).status_code == 405
    assert api.delete(f"/objects/{BILL}").status_code == 405


@pytest.mark.parametrize(
    ("obj", "body", "expected_id"),
    [
        (BILL, bill_body(billNumber="B-1"), "2057"),  # 50 generated, 3 of the private entity, 3 of yesterday
        (INVOICE, invoice_body(invoiceNumber="I-1"), "1056"),  # 50, 3 private, 2 of yesterday
        (ENTRY, entry_body(), "3022"),  # 20 and yesterday's
        (VENDOR, {"id": "VEND-900", "name": "New vendor"}, "VEND-900"),
        (CUSTOMER, {"id": "CUST-900", "name": "New customer"}, "CUST-900"),
        (
            "general-ledger/account",
            {"id": "6900", "name": "Misc", "accountType": "incomeStatement", "normalBalance": "debit"},
            "6900",
        ),
        ("general-ledger/journal", {"id": "PJ", "name": "Payroll"}, "PJ"),
        ("company-config/location", {"id": "DE", "name": "Germany"}, "DE"),
        ("company-config/department", {"id": "HR", "name": "People"}, "HR"),
        ("company-config/class", {"id": "ONLINE", "name": "Online"}, "ONLINE"),
        ("projects/project", {"id": "PRJ-900", "name": "Audit"}, "PRJ-900"),
    ],
)
def test_create_answers_201_reference_and_stores_the_record(
    api: Client, intacct_sandbox: IntacctSandbox, obj: str, body: dict, expected_id: str
) -> None:
    response = api.create(obj, body)
    assert response.status_code == 201, response.text
    result = response.json()
    ref = result["ia::result"]
    assert ref["id"] == expected_id and ref["href"] == f"/objects/{obj}/{ref['key']}"
    assert result["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    stored = api.get(f"/objects/{obj}/{ref['key']}").json()["ia::result"]
    assert stored["audit"]["createdBy"] == stored["audit"]["createdByUser"]["id"] == intacct_sandbox.user_id
    assert stored["audit"]["createdDateTime"] == stored["audit"]["modifiedDateTime"]
    for name, value in body.items():
        if name != "lines":
            assert stored[name] == value or stored[name] == {**value, "key": stored[name]["key"]}, name
    seeded_fields = set(intacct_sandbox.records(obj)[0])
    assert {"key", "id", "href", "audit", "entity"} <= set(stored) and {"key", "id", "href"} <= seeded_fields


def _line(account: str, amount: str) -> dict:
    return {"glAccount": {"id": account}, "txnAmount": amount, "dimensions": {"location": {"id": "US"}}}


def test_bill_totals_and_auto_numbering(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.require_document_numbers = False  # document sequencing on: Intacct numbers it
    lines = [_line("6700", "10.5"), _line("6500", "-0.25")]
    key = api.create(BILL, bill_body(lines=lines, billNumber=None)).json()["ia::result"]["key"]
    bill = api.get(f"/objects/{BILL}/{key}").json()["ia::result"]
    assert bill["id"] == key and bill["billNumber"].startswith("BILL-") and bill["state"] == "draft"
    assert [ln["txnAmount"] for ln in bill["lines"]] == ["10.50", "-0.25"]
    assert (bill["totalTxnAmount"], bill["totalTxnAmountDue"]) == ("10.25", "10.25")
    assert bill["paymentInformation"]["totalTxnAmountPaid"] == "0.00"


def test_patch_updates_fields_and_modified_time(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.freeze_time("2026-11-26T10:00:00Z")
    response = api.patch(f"/objects/{BILL}/2001", json={"description": "Paper and toner", "dueDate": "2026-02-20"})
    assert response.status_code == 200
    assert response.json()["ia::result"] == {
        "key": "2001",
        "id": "2001",
        "href": "/objects/accounts-payable/bill/2001",
    }
    bill = api.get(f"/objects/{BILL}/2001").json()["ia::result"]
    assert bill["description"] == "Paper and toner" and bill["dueDate"] == "2026-02-20"
    assert bill["audit"]["modifiedDateTime"] == "2026-11-26T10:00:00Z"
    assert bill["audit"]["createdDateTime"] != bill["audit"]["modifiedDateTime"]
    assert api.get(f"/objects/{BILL}").json()["ia::result"][0]["key"] == "2001"  # updates keep key order


def test_patch_replaces_a_reference_whole(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    assert api.patch(f"/objects/{BILL}/2001", json={"vendor": {"id": "VEND-200"}}).status_code == 200
    assert intacct_sandbox.get_record(BILL, "2001")["vendor"] == {"key": "34", "id": "VEND-200"}
    response = api.patch(f"/objects/{BILL}/2001", json={"vendor": {"key": "33", "id": "VEND-300"}})
    assert response.status_code == 422 and error_of(response)["details"][0]["code"] == "referenceMismatch"


def test_patch_lines_recomputes_totals(api: Client) -> None:
    lines = [_line("6700", "40.00"), _line("6700", "2.00")]
    assert api.patch(f"/objects/{BILL}/2001", json={"lines": lines}).status_code == 200
    bill = api.get(f"/objects/{BILL}/2001").json()["ia::result"]
    assert bill["totalTxnAmount"] == "42.00" and len(bill["lines"]) == 2


@pytest.mark.parametrize(
    ("obj", "key", "body", "target"),
    [
        (BILL, "2001", {"totalTxnAmount": "1.00"}, "/totalTxnAmount"),
        (BILL, "2001", {"id": "X"}, "/id"),
        (BILL, "2001", {"audit": {"createdBy": "me"}}, "/audit/createdBy"),
        (VENDOR, "33", {"id": "VEND-999"}, "/id"),
        (VENDOR, "33", {"key": "1"}, "/key"),
        (BILL, "2001", {"state": "paid"}, "/state"),
        (INVOICE, "1001", {"state": "draft"}, "/state"),
        (ENTRY, "3001", {"state": "draft"}, "/state"),
        (VENDOR, "33", {"state": "s"}, "/state"),
    ],
)
def test_patch_read_only_fields_is_400(api: Client, obj: str, key: str, body: dict, target: str) -> None:
    response = api.patch(f"/objects/{obj}/{key}", json=body)
    assert response.status_code == 400
    assert error_of(response)["details"][0]["target"] == target


def test_patch_missing_record_is_404(api: Client) -> None:
    assert api.patch(f"/objects/{BILL}/1", json={"description": "x"}).status_code == 404


def test_lines_of_a_bill_with_payments_cannot_change(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.record_payment(BILL, "2001", "100.00")
    assert api.patch(f"/objects/{BILL}/2001", json={"lines": bill_body()["lines"]}).status_code == 422
    assert api.patch(f"/objects/{BILL}/2001", json={"description": "still editable"}).status_code == 200


def test_delete_is_204_then_404(api: Client) -> None:
    key = api.create(BILL, bill_body()).json()["ia::result"]["key"]
    response = api.delete(f"/objects/{BILL}/{key}")
    assert response.status_code == 204 and response.content == b""
    assert api.get(f"/objects/{BILL}/{key}").status_code == 404
    assert api.delete(f"/objects/{BILL}/{key}").status_code == 404


def test_delete_paid_bill_and_used_vendor_are_422(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.record_payment(BILL, "2001", "100.00")
    assert api.delete(f"/objects/{BILL}/2001").status_code == 422
    assert api.delete(f"/objects/{VENDOR}/33").status_code == 422
    assert api.delete("/objects/company-config/location/1").status_code == 422  # owns transactions
    key = api.create(VENDOR, {"id": "VEND-TMP", "name": "Temp"}).json()["ia::result"]["key"]
    assert api.delete(f"/objects/{VENDOR}/{key}").status_code == 204


def test_model_lists_fields_and_idempotence(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    """Sage's shape (fields, groups, refs, lists); ``required`` is always false, whatever the settings."""
    intacct_sandbox.require_document_numbers = False
    model = api.get("/services/core/model", params={"name": BILL}).json()["ia::result"]
    assert model["idempotenceSupported"] is True
    assert model["refs"]["vendor"]["apiObject"] == VENDOR
    assert model["refs"]["vendor"]["fields"]["id"] == {
        "type": "string", "readOnly": False, "writeOnly": False, "required": False, "nullable": False,
        "mutable": True,
    }  # fmt: skip
    assert model["groups"]["currency"]["fields"]["txnCurrency"]["required"] is False
    assert model["fields"]["totalTxnAmount"]["readOnly"] is True
    assert model["fields"]["billNumber"]["required"] is False
    assert "draft" in model["fields"]["state"]["enum"]
    # The lines: by default the list names its owned object, whose own model describes them ...
    assert model["lists"]["lines"] == {
        "apiObject": "accounts-payable/bill-line",
        "type": "ownedObject",
        "href": "/services/core/model?version=v1&name=objects/accounts-payable/bill-line",
    }
    line = api.get("/services/core/model", params={"name": "accounts-payable/bill-line"}).json()["ia::result"]
    assert (line["type"], line["apiObject"]) == ("ownedObject", "objects/accounts-payable/bill-line")
    intacct_sandbox.owned_lists = "inline"  # ... or describes them in place: the same description
    inline = api.get("/services/core/model", params={"name": BILL}).json()["ia::result"]["lists"]["lines"]
    assert inline == {name: line[name] for name in ("fields", "groups", "refs", "lists")}
    assert inline["fields"]["txnAmount"]["format"] == "decimal-precision-2"
    assert inline["groups"]["dimensions"]["refs"]["location"]["apiObject"] == "company-config/location"
    customer = api.get("/services/core/model", params={"name": CUSTOMER}).json()["ia::result"]
    assert customer["fields"]["id"]["required"] is False and customer["fields"]["name"]["required"] is False
    assert customer["fields"]["status"]["enum"] == ["active", "activeNonPosting", "inactive"]
    assert customer["fields"]["status"]["nullable"] is True
    entry = api.get("/services/core/model", params={"name": ENTRY}).json()["ia::result"]
    assert "memo" not in entry["lists"]["lines"]["fields"]
    intacct_sandbox.require_document_numbers = True
    model = api.get("/services/core/model", params={"name": BILL}).json()["ia::result"]
    assert model["fields"]["billNumber"]["required"] is False
    assert api.get("/services/core/model").json()["ia::result"][0]["type"] == "rootObject"
    assert api.get("/services/core/model", params={"name": "nope/nope"}).json()["ia::result"] == []
    intacct_sandbox.model_unknown = "error"
    assert api.get("/services/core/model", params={"name": "nope/nope"}).status_code == 404


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""])
def test_body_must_be_a_json_object(api: Client, raw: bytes) -> None:
    response = api.post(f"/objects/{BILL}", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_delete_accepts_an_empty_json_body(api: Client) -> None:
    key = api.create(BILL, bill_body()).json()["ia::result"]["key"]
    assert api.delete(f"/objects/{BILL}/{key}", data=b"{}").status_code == 204


def test_the_sandbox_knows_every_registry_name() -> None:
    """The handle and the admin routes take the names operators take (``object="bill"``)."""
    from intacct_provider.catalog.registry import REGISTRY
    from intacct_provider.sandbox.schema import NAMES, OBJECTS, resolve_object

    for name, obj in REGISTRY.items():
        assert NAMES.get(name) == obj.path, name
        assert resolve_object(name) == resolve_object(obj.path) == resolve_object(f"/objects/{obj.path}") == obj.path
    assert set(NAMES.values()) == set(OBJECTS)
    with pytest.raises(ValueError, match="unknown object 'bills': expected a name"):
        resolve_object("bills")

"""Create/update validation: 400 shape errors (from the contract's schemas), 422 business rules
and 409 unique-key conflicts."""

from __future__ import annotations

from typing import Any

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
    targets,
)

from intacct_provider.sandbox import IntacctSandbox


def _line(**changes: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "glAccount": {"id": "6700"},
        "txnAmount": "500.00",
        "dimensions": {"location": {"id": "US"}},
    }
    line.update(changes)
    return line


@pytest.mark.parametrize(
    ("obj", "body", "missing"),
    [
        (BILL, {k: v for k, v in bill_body().items() if k != "vendor"}, "/vendor"),
        (BILL, bill_body(vendor={"key": "33"}), "/vendor/id"),
        (BILL, {k: v for k, v in bill_body().items() if k != "dueDate"}, "/dueDate"),
        (BILL, {k: v for k, v in bill_body().items() if k != "currency"}, "/currency"),
        (BILL, bill_body(currency={"baseCurrency": "USD"}), "/currency/txnCurrency"),
        (
            BILL,
            bill_body(lines=[{"txnAmount": "1.00", "dimensions": {"location": {"id": "US"}}}]),
            "/lines/0/glAccount",
        ),
        (BILL, bill_body(lines=[_line(dimensions={"department": {"id": "ENG"}})]), "/lines/0/dimensions/location"),
        (BILL, bill_body(lines=[{k: v for k, v in _line().items() if k != "dimensions"}]), "/lines/0/dimensions"),
        (
            BILL,
            bill_body(lines=[{"glAccount": {"id": "6700"}, "dimensions": {"location": {"id": "US"}}}]),
            "/lines/0/txnAmount",
        ),
        (INVOICE, {k: v for k, v in invoice_body().items() if k != "customer"}, "/customer"),
        (INVOICE, {k: v for k, v in invoice_body().items() if k != "invoiceDate"}, "/invoiceDate"),
        (INVOICE, invoice_body(lines=[{"txnAmount": "1.00", "glAccount": {"key": "1"}}]), "/lines/0/glAccount/id"),
        (ENTRY, {k: v for k, v in entry_body().items() if k != "glJournal"}, "/glJournal"),
        (ENTRY, {k: v for k, v in entry_body().items() if k != "postingDate"}, "/postingDate"),
        (ENTRY, {k: v for k, v in entry_body().items() if k != "description"}, "/description"),
        (ENTRY, entry_body(lines=[_line(), _line(txnType="credit")]), "/lines/0/txnType"),
        (VENDOR, {"name": "No id"}, "/id"),
        (CUSTOMER, {"id": "C-1"}, "/name"),
    ],
)
def test_required_fields_are_400(api: Client, obj: str, body: dict[str, Any], missing: str) -> None:
    response = api.create(obj, body)
    assert response.status_code == 400
    assert missing in targets(response)
    detail = next(d for d in error_of(response)["details"] if d["target"] == missing)
    assert detail["code"] == "requiredFieldMissing" and detail["message"] == f"{missing} is required"


@pytest.mark.parametrize(
    ("body", "target"),
    [
        (bill_body(newDate="2026-01-01"), "/newDate"),
        (bill_body(vendor={"id": "VEND-100", "nickname": "x"}), "/vendor/nickname"),
        (bill_body(lines=[_line(color="red")]), "/lines/0/color"),
        (bill_body(lines=[_line(dimensions={"region": {"id": "X"}})]), "/lines/0/dimensions/region"),
        (bill_body(caseSensitiveComparison=True), "/caseSensitiveComparison"),
    ],
)
def test_unknown_fields_anywhere_are_400(api: Client, body: dict[str, Any], target: str) -> None:
    response = api.create(BILL, body)
    assert response.status_code == 400
    detail = error_of(response)["details"][0]
    assert {name: detail[name] for name in ("code", "message", "target")} == {
        "code": "invalidField",
        "message": f"{target} is not a valid field",
        "target": target,
    }
    assert detail["errorId"] == "REST-1064" and detail["additionalInfo"]["messageId"] == "IA.INVALID_FIELD"


@pytest.mark.parametrize(
    "amount", [500, 12.5, "12,50", "abc", "NaN", "Infinity", "1e3", "", " 5.00", None, True, "1.005"]
)
def test_amounts_must_be_decimal_strings(api: Client, amount: Any) -> None:
    response = api.create(BILL, bill_body(lines=[_line(txnAmount=amount)]))
    assert response.status_code == 400
    assert targets(response) == ["/lines/0/txnAmount"]


@pytest.mark.parametrize("amount", ["500.00", "-12.5", "0", "7"])
def test_valid_amounts_are_accepted(api: Client, amount: str) -> None:
    assert api.create(BILL, bill_body(lines=[_line(txnAmount=amount)])).status_code == 201


@pytest.mark.parametrize("value", ["2026-02-30", "2026/03/01", "20260301", "03-01-2026", "2026-3-1", 20260301])
def test_dates_must_be_real_yyyy_mm_dd(api: Client, value: Any) -> None:
    response = api.create(BILL, bill_body(createdDate=value))
    assert response.status_code == 400
    assert targets(response) == ["/createdDate"]


def test_all_shape_problems_are_reported_together(api: Client) -> None:
    body = bill_body(dueDate="soon", extra=1, lines=[_line(txnAmount=5)])
    del body["vendor"]
    response = api.create(BILL, body)
    assert response.status_code == 400
    assert set(targets(response)) == {"/dueDate", "/extra", "/lines/0/txnAmount", "/vendor"}
    assert error_of(response)["errorId"] == "REST-1064"


@pytest.mark.parametrize(
    ("obj", "body", "target"),
    [
        (BILL, bill_body(vendor={"id": "VEND-999"}), "/vendor/id"),
        (BILL, bill_body(lines=[_line(glAccount={"id": "9999"})]), "/lines/0/glAccount/id"),
        (INVOICE, invoice_body(customer={"id": "CUST-999"}), "/customer/id"),
        (ENTRY, entry_body(glJournal={"id": "XJ"}), "/glJournal/id"),
        *[
            (
                BILL,
                bill_body(lines=[_line(dimensions={"location": {"id": "US"}, dim: {"id": "NOPE"}})]),
                f"/lines/0/dimensions/{dim}/id",
            )
            for dim in ("location", "department", "class", "project", "customer", "vendor")
        ],
    ],
)
def test_missing_references_are_422_naming_them(api: Client, obj: str, body: dict[str, Any], target: str) -> None:
    response = api.create(obj, body)
    assert response.status_code == 422
    detail = error_of(response)["details"][0]
    assert detail["target"] == target and detail["code"] == "referenceNotFound"
    assert "does not exist" in detail["message"]


def test_existing_dimensions_are_accepted(api: Client) -> None:
    dims = {
        "location": {"id": "US-NY"},
        "department": {"id": "ENG"},
        "class": {"id": "RETAIL"},
        "project": {"id": "PRJ-100"},
        "customer": {"id": "CUST-200"},
        "vendor": {"id": "VEND-200"},
        "employee": {"id": "E-1"},
        "item": {"id": "ITEM-1"},
    }
    response = api.create(BILL, bill_body(lines=[_line(dimensions=dims)]))
    assert response.status_code == 201, response.text


def test_inactive_vendor_is_422(api: Client) -> None:
    assert api.patch(f"/objects/{VENDOR}/34", json={"status": "inactive"}).status_code == 200
    response = api.create(BILL, bill_body(vendor={"id": "VEND-200"}))
    assert response.status_code == 422
    assert "inactive" in error_of(response)["message"]


def test_due_date_before_document_date_is_422(api: Client) -> None:
    response = api.create(BILL, bill_body(dueDate="2026-02-01"))
    assert response.status_code == 422 and targets(response) == ["/dueDate"]
    response = api.create(INVOICE, invoice_body(dueDate="2026-02-01"))
    assert response.status_code == 422 and targets(response) == ["/dueDate"]


def test_account_requiring_a_department_is_422_without_it(api: Client) -> None:
    response = api.create(BILL, bill_body(lines=[_line(glAccount={"id": "6100"})]))
    assert response.status_code == 422
    assert "missing the department dimension" in error_of(response)["message"]
    assert targets(response) == ["/lines/0/dimensions/department"]
    ok = _line(glAccount={"id": "6100"}, dimensions={"department": {"key": "3"}, "location": {"id": "US"}})
    assert api.create(BILL, bill_body(lines=[ok])).status_code == 201


def test_duplicate_bill_number_per_vendor_is_409(api: Client) -> None:
    assert api.create(BILL, bill_body(billNumber="INV-7731")).status_code == 201
    duplicate = api.create(BILL, bill_body(billNumber="INV-7731"))
    assert duplicate.status_code == 409 and targets(duplicate) == ["/billNumber"]
    assert api.create(BILL, bill_body(billNumber="INV-7731", vendor={"id": "VEND-200"})).status_code == 201
    assert api.create(BILL, bill_body(billNumber="BILL-100")).status_code == 409  # the seeded example


def test_patch_into_a_duplicate_number_is_409(api: Client) -> None:
    key = api.create(BILL, bill_body(billNumber="B-2")).json()["ia::result"]["key"]
    assert api.patch(f"/objects/{BILL}/{key}", json={"billNumber": "BILL-100"}).status_code == 409
    assert api.patch(f"/objects/{BILL}/{key}", json={"billNumber": "B-2"}).status_code == 200


def test_duplicate_invoice_number_per_customer_is_409(api: Client) -> None:
    assert api.create(INVOICE, invoice_body(invoiceNumber="INV-100")).status_code == 409
    assert api.create(INVOICE, invoice_body(invoiceNumber="INV-100", customer={"id": "CUST-300"})).status_code == 201


def test_duplicate_master_id_is_409(api: Client) -> None:
    response = api.create(VENDOR, {"id": "VEND-100", "name": "Again"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


def test_unbalanced_journal_entry_is_422(api: Client) -> None:
    response = api.create(ENTRY, entry_body(debit="100.00", credit="99.99"))
    assert response.status_code == 422
    assert "must equal credits" in error_of(response)["message"]


def test_journal_entry_needs_two_lines_and_a_valid_type(api: Client) -> None:
    one_line = entry_body()
    one_line["lines"] = one_line["lines"][:1]
    assert api.create(ENTRY, one_line).status_code == 400
    assert targets(api.create(ENTRY, one_line)) == ["/lines"]
    wrong_type = entry_body()
    wrong_type["lines"][0]["txnType"] = "DR"
    assert targets(api.create(ENTRY, wrong_type)) == ["/lines/0/txnType"]


def test_bill_without_lines_is_422_and_non_object_lines_are_400(api: Client) -> None:
    """Sage does not list ``lines`` as required on a bill (only each line's fields), so a bill
    without lines passes the schema and fails the business rule."""
    for body in (bill_body(lines=[]), {k: v for k, v in bill_body().items() if k != "lines"}):
        response = api.create(BILL, body)
        assert response.status_code == 422 and targets(response) == ["/lines"]
    assert targets(api.create(BILL, bill_body(lines=["x"]))) == ["/lines/0"]
    assert targets(api.create(BILL, bill_body(lines={"a": 1}))) == ["/lines"]


def test_document_numbers_required_when_numbering_is_off(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    assert intacct_sandbox.require_document_numbers is True  # the default: the stricter reading
    response = api.create(BILL, bill_body(billNumber=None))
    assert response.status_code == 400 and targets(response) == ["/billNumber"]
    response = api.create(INVOICE, invoice_body(invoiceNumber=None))
    assert response.status_code == 400 and targets(response) == ["/invoiceNumber"]
    key = api.create(BILL, bill_body(billNumber="B-77")).json()["ia::result"]["key"]
    assert intacct_sandbox.get_record(BILL, key)["billNumber"] == "B-77"


def test_bill_can_be_created_only_as_draft(api: Client) -> None:
    assert api.create(BILL, bill_body(state="draft")).status_code == 201
    for state in ("posted", "paid", "void"):
        response = api.create(BILL, bill_body(state=state))
        assert response.status_code == 400 and targets(response) == ["/state"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", 5), ("status", "gone"), ("email", ["a"]), ("creditLimit", "100")],
)
def test_master_data_field_types(api: Client, field: str, value: Any) -> None:
    response = api.create(CUSTOMER, {"id": "C-9", "name": "Typed", field: value})
    assert response.status_code == 400 and targets(response) == [f"/{field}"]


def test_object_where_a_parent_is_expected_is_400(api: Client) -> None:
    assert targets(api.create(BILL, bill_body(vendor="VEND-100"))) == ["/vendor"]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_write_without_a_payload_is_rest_1028(api: Client, method: str) -> None:
    """Sage's one documented use of REST-1028: "POST requires a payload"; other 400s are REST-1064."""
    path = f"/objects/{BILL}" if method == "POST" else f"/objects/{BILL}/2001"
    response = api.request(method, path, data=b"")
    assert response.status_code == 400
    error = error_of(response)
    assert (error["errorId"], error["message"]) == ("REST-1028", f"{method} requires a payload")
    assert error["additionalInfo"]["messageId"] == "IA.REQUEST_REQUIRES_A_PAYLOAD"
    assert error["details"][0]["errorId"] == "REST-1028"
    other = error_of(api.create(BILL, bill_body(dueDate="2026-02-30")))
    assert other["errorId"] == "REST-1064" and other["details"][0]["errorId"] == "REST-1064"
    assert set(other["details"][0]["additionalInfo"]) == {"messageId", "placeholders", "propertySet"}

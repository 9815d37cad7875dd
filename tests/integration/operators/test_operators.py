"""The catalog operators: mapping to Intacct, return shapes, validation before any request."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateInvoiceOperator,
    IntacctListBillsOperator,
    IntacctListCustomersOperator,
    IntacctListGLAccountsOperator,
    IntacctListInvoicesOperator,
    IntacctListJournalEntriesOperator,
    IntacctListVendorsOperator,
)

LINES = [{"glaccountno": "6700", "amount": "500.00", "memo": "Office supplies", "locationid": "US"}]


def context(task_id="t", run_id="run-1", map_index=-1, store=None):
    ti = SimpleNamespace(dag_id="d", task_id=task_id, run_id=run_id, map_index=map_index)
    ctx = {"ti": ti}
    if store is not None:
        ctx["task_state_store"] = store
    return ctx


def posted(sandbox, path):
    return [r for r in sandbox.requests if r["method"] == "POST" and r["path"] == f"/objects/{path}"]


def test_create_bill_maps_every_field(intacct_sandbox, intacct_conn):
    op = IntacctCreateBillOperator(
        task_id="bill",
        vendor_id="VEND-200",
        date_created="2026-11-01",
        date_due="2026-11-30",
        line_items=[{**LINES[0], "departmentid": "SAL"}, {"glaccountno": 4000, "amount": 250, "locationid": "UK"}],
        bill_number="B-77",
        reference_number="PO-9",
        description="Paper",
        currency="USD",
    )
    result = op.execute(context())
    ref = result["ia::result"]
    assert set(ref) == {"href", "id", "key"}
    assert ref["href"] == f"/objects/accounts-payable/bill/{ref['key']}"
    body = posted(intacct_sandbox, "accounts-payable/bill")[0]["body"]
    assert body == {
        "vendor": {"id": "VEND-200"},
        "createdDate": "2026-11-01",
        "dueDate": "2026-11-30",
        "currency": {"txnCurrency": "USD"},
        "lines": [
            {
                "glAccount": {"id": "6700"},
                "txnAmount": "500.00",
                "memo": "Office supplies",
                "dimensions": {"location": {"id": "US"}, "department": {"id": "SAL"}},
            },
            {"glAccount": {"id": "4000"}, "txnAmount": "250", "dimensions": {"location": {"id": "UK"}}},
        ],
        "billNumber": "B-77",
        "referenceNumber": "PO-9",
        "description": "Paper",
    }
    stored = intacct_sandbox.get_record("accounts-payable/bill", ref["key"])
    assert stored["billNumber"] == "B-77"
    assert stored["totalTxnAmount"] in ("750.00", "750")


def test_create_invoice_from_json_string(intacct_sandbox, intacct_conn):
    op = IntacctCreateInvoiceOperator(
        task_id="inv",
        customer_id="CUST-100",
        date_created="2026-11-01",
        date_due="2026-12-01",
        line_items=json.dumps(
            [{"glaccountno": "4000", "amount": "1000.00", "memo": "Service fee", "locationid": "US"}]
        ),
        currency="EUR",
        invoice_number="JSON-1",
    )
    ref = op.execute(context())["ia::result"]
    assert ref["href"].startswith("/objects/accounts-receivable/invoice/")
    body = posted(intacct_sandbox, "accounts-receivable/invoice")[0]["body"]
    assert body["customer"] == {"id": "CUST-100"}
    assert body["currency"] == {"txnCurrency": "EUR"}
    assert body["lines"][0]["dimensions"] == {"location": {"id": "US"}}
    assert body["invoiceDate"] == "2026-11-01" and body["dueDate"] == "2026-12-01"


def test_create_uses_a_stable_idempotency_key(intacct_sandbox, intacct_conn):
    kwargs = dict(
        vendor_id="VEND-100", date_created="2026-11-01", date_due="2026-11-02", line_items=LINES, currency="USD"
    )
    first = IntacctCreateBillOperator(task_id="b", bill_number="K-1", **kwargs).execute(context())
    # The same task instance again: the same key (a 409 by default, settled by the bill number).
    again = IntacctCreateBillOperator(task_id="b", bill_number="K-1", **kwargs).execute(context())
    other_run = IntacctCreateBillOperator(task_id="b", bill_number="K-2", **kwargs).execute(context(run_id="run-2"))
    assert first == again
    assert other_run["ia::result"]["key"] != first["ia::result"]["key"]
    keys = [r["headers"].get("Idempotency-Key") for r in posted(intacct_sandbox, "accounts-payable/bill")]
    assert keys[0] == keys[1] != keys[2] and keys[0].startswith("airflow-")


@pytest.mark.parametrize(
    ("operator", "key", "path"),
    [
        (IntacctListVendorsOperator, "vendors", "accounts-payable/vendor"),
        (IntacctListCustomersOperator, "customers", "accounts-receivable/customer"),
        (IntacctListGLAccountsOperator, "accounts", "general-ledger/account"),
        (IntacctListBillsOperator, "bills", "accounts-payable/bill"),
        (IntacctListInvoicesOperator, "invoices", "accounts-receivable/invoice"),
        (IntacctListJournalEntriesOperator, "entries", "general-ledger/journal-entry"),
    ],
)
def test_list_operators_return_catalog_shape(intacct_sandbox, intacct_conn, operator, key, path):
    result = operator(task_id="l", pagesize=2).execute(context())
    first = min(intacct_sandbox.records(path), key=lambda r: int(r["key"]))
    assert list(result) == [key]
    assert result[key][0] == {"href": f"/objects/{path}/{first['key']}", "id": first["id"], "key": first["key"]}
    assert len(result[key]) == 2
    query = next(r for r in intacct_sandbox.requests if r["path"] == "/services/core/query")["body"]
    assert query["size"] == 2 and query["orderBy"] == [{"key": "asc"}]


def test_generic_list_operator_takes_the_registry_filter_arguments(intacct_sandbox, intacct_conn):
    from intacct_provider.operators import IntacctListOperator

    named = IntacctListBillsOperator(task_id="l", vendor_id="VEND-200", pagesize=1000).execute(context())
    generic = IntacctListOperator(task_id="l", object="bill", vendor_id="VEND-200", pagesize=1000).execute(context())
    assert generic == named and len(named["bills"]) > 0
    with pytest.raises(TypeError):
        IntacctListOperator(task_id="l", object="vendor", vendor_id="VEND-200")  # vendors have no such filter


def test_list_bills_filters_by_vendor_with_string_pagesize(intacct_sandbox, intacct_conn):
    result = IntacctListBillsOperator(task_id="l", vendor_id="VEND-200", pagesize="1000", fields=["vendor.id"])
    rows = result.execute(context())["bills"]
    expected = [b for b in intacct_sandbox.records("accounts-payable/bill") if b["vendor"]["id"] == "VEND-200"]
    assert len(rows) == len(expected) > 0
    assert {r["vendor.id"] for r in rows} == {"VEND-200"}


def test_list_invoices_filters_by_customer(intacct_sandbox, intacct_conn):
    rows = IntacctListInvoicesOperator(task_id="l", customer_id="CUST-100", pagesize=1000).execute(context())
    invoices = intacct_sandbox.records("accounts-receivable/invoice")
    expected = [i for i in invoices if i["customer"]["id"] == "CUST-100"]
    assert len(rows["invoices"]) == len(expected) > 0


def test_list_larger_than_one_rest_page(intacct_sandbox, intacct_conn):
    rows = IntacctListBillsOperator(task_id="l", pagesize=150).execute(context())["bills"]
    assert len(rows) == min(150, len(intacct_sandbox.records("accounts-payable/bill")))


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"pagesize": 0}, "pagesize"),
        ({"pagesize": 1001}, "pagesize"),
        ({"pagesize": "ten"}, "pagesize"),
        ({"pagesize": True}, "pagesize"),
        ({"vendor_id": {"id": 1}}, "vendor_id"),
    ],
)
def test_list_validation_sends_nothing(intacct_sandbox, intacct_conn, kwargs, parameter):
    with pytest.raises(IntacctValidationError, match=parameter):
        IntacctListBillsOperator(task_id="l", **kwargs).execute(context())
    assert intacct_sandbox.requests == []


def test_template_fields_cover_every_argument():
    assert set(IntacctCreateBillOperator.template_fields) >= {
        "intacct_conn_id", "vendor_id", "date_created", "date_due", "line_items", "bill_number",
        "reference_number", "description", "idempotency_key",
    }  # fmt: skip
    assert set(IntacctCreateInvoiceOperator.template_fields) >= {"customer_id", "invoice_number", "line_items"}
    assert {"currency", "submit", "extra_fields"} <= set(IntacctCreateBillOperator.template_fields)
    assert set(IntacctListBillsOperator.template_fields) == {"intacct_conn_id", "pagesize", "fields", "filter_values"}
    assert IntacctListBillsOperator(task_id="l", vendor_id="{{ params.v }}").filter_values == {
        "vendor_id": "{{ params.v }}"
    }
    assert IntacctListInvoicesOperator(task_id="l", customer_id="C").filter_values == {"customer_id": "C"}
    assert IntacctListVendorsOperator(task_id="l").filter_values == {}


def test_task_state_store_returns_known_record_without_posting(intacct_sandbox, intacct_conn):
    class Store(dict):
        def set(self, key, value, **_kw):
            self[key] = value

    store = Store()
    kwargs = dict(
        vendor_id="VEND-100", date_created="2026-11-01", date_due="2026-11-02", line_items=LINES, currency="USD"
    )
    kwargs["bill_number"] = "TSS-1"
    first = IntacctCreateBillOperator(task_id="b", **kwargs).execute(context(store=store))
    assert store["intacct_create"]["record"]["key"] == first["ia::result"]["key"]
    intacct_sandbox.clear_requests()
    again = IntacctCreateBillOperator(task_id="b", **kwargs).execute(context(store=store))
    assert again == first
    assert posted(intacct_sandbox, "accounts-payable/bill") == []


def test_create_journal_entry_maps_lines_and_balances(intacct_sandbox, intacct_conn):
    from intacct_provider.operators import IntacctCreateJournalEntryOperator

    lines = [
        {"glaccountno": "6500", "amount": "4000.00", "tr_type": "debit", "departmentid": "ADM", "memo": "Rent"},
        {"glaccountno": "2000", "amount": 4000, "tr_type": "credit"},
    ]
    result = IntacctCreateJournalEntryOperator(
        task_id="je", journal_id="GJ", posting_date="2026-11-30", lines=json.dumps(lines), description="Accrual"
    ).execute(context())
    ref = result["ia::result"]
    assert ref["href"] == f"/objects/general-ledger/journal-entry/{ref['key']}"
    body = posted(intacct_sandbox, "general-ledger/journal-entry")[0]["body"]
    assert body == {
        "glJournal": {"id": "GJ"},
        "postingDate": "2026-11-30",
        "description": "Accrual",
        "lines": [
            {
                "glAccount": {"id": "6500"},
                "txnAmount": "4000.00",
                "description": "Rent",  # journal-entry lines have no memo: the line text is its description
                "dimensions": {"department": {"id": "ADM"}},
                "txnType": "debit",
            },
            {"glAccount": {"id": "2000"}, "txnAmount": "4000", "txnType": "credit"},
        ],
    }
    stored = intacct_sandbox.get_record("general-ledger/journal-entry", ref["key"])
    assert [line["txnType"] for line in stored["lines"]] == ["debit", "credit"]
    assert stored["description"] == "Accrual" and stored["lines"][0]["description"] == "Rent"


def test_create_vendor_and_customer(intacct_sandbox, intacct_conn):
    from intacct_provider.operators import IntacctCreateCustomerOperator, IntacctCreateVendorOperator

    vendor = IntacctCreateVendorOperator(task_id="v", vendor_id="VEND-900", name="Acme Paper").execute(context())
    customer = IntacctCreateCustomerOperator(task_id="c", customer_id="CUST-900", name="Globex").execute(
        context(task_id="c")
    )
    assert vendor["ia::result"]["id"] == "VEND-900"
    assert customer["ia::result"]["id"] == "CUST-900"
    stored = intacct_sandbox.get_record("accounts-payable/vendor", vendor["ia::result"]["key"])
    assert stored["name"] == "Acme Paper"
    assert posted(intacct_sandbox, "accounts-payable/vendor")[0]["body"] == {"id": "VEND-900", "name": "Acme Paper"}


def test_vendor_created_by_an_earlier_try_is_found_not_duplicated(intacct_sandbox, intacct_conn):
    from intacct_provider.operators import IntacctCreateVendorOperator

    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/accounts-payable/vendor$")
    result = IntacctCreateVendorOperator(task_id="v", vendor_id="VEND-301", name="Initech").execute(context())
    matching = [v for v in intacct_sandbox.records("accounts-payable/vendor") if v["id"] == "VEND-301"]
    assert len(matching) == 1
    assert result["ia::result"]["key"] == matching[0]["key"]

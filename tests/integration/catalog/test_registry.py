"""The object registry: one entry makes an object listable and creatable; natural keys and comparison rules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from intacct_provider.catalog.identity import NaturalKey
from intacct_provider.catalog.registry import (
    BILL,
    INVOICE,
    JOURNAL_ENTRY,
    REGISTRY,
    VENDOR,
    IntacctObject,
    entry,
    register,
)
from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.operators import IntacctCreateRecordOperator, IntacctListOperator


def context(task_id="t", run_id="run-1"):
    return {"ti": SimpleNamespace(dag_id="d", task_id=task_id, run_id=run_id, map_index=-1)}


@pytest.fixture
def journal():
    """A new object, registered in one entry (and removed afterwards)."""
    obj = register(
        IntacctObject(
            name="gl_journal",
            path="general-ledger/journal",
            list_key="journals",
            label="GL journal",
            filters={"journal_id": "id"},
            natural_key=("id",),
            compared=("id", "name"),
        )
    )
    yield obj
    del REGISTRY["gl_journal"]


def test_a_new_object_in_one_entry_lists_and_creates(intacct_sandbox, intacct_conn, journal):
    seeded = sorted(intacct_sandbox.records(journal.path), key=lambda r: int(r["key"]))
    listed = IntacctListOperator(task_id="l", object="gl_journal", pagesize=1).execute(context())
    assert listed == {"journals": [{"href": r["href"], "id": r["id"], "key": r["key"]} for r in seeded[:1]]}
    one = IntacctListOperator(task_id="l", object="gl_journal", journal_id=seeded[1]["id"]).execute(context())
    assert [r["key"] for r in one["journals"]] == [seeded[1]["key"]]

    created = IntacctCreateRecordOperator(
        task_id="c", object="gl_journal", record={"id": "PAY", "name": "Payroll"}
    ).execute(context())
    stored = intacct_sandbox.get_record(journal.path, created["ia::result"]["key"])
    assert (stored["id"], stored["name"]) == ("PAY", "Payroll")
    # The entry's natural key settles a lost answer too: one journal, found by its id.
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/general-ledger/journal$")
    again = IntacctCreateRecordOperator(
        task_id="c2", object="gl_journal", record={"id": "LOST", "name": "Lost answer"}
    ).execute(context(task_id="c2"))
    matching = [r for r in intacct_sandbox.records(journal.path) if r["id"] == "LOST"]
    assert [r["key"] for r in matching] == [again["ia::result"]["key"]]
    # The contract checks a new object's body too: an unknown field fails before any request.
    intacct_sandbox.clear_requests()
    with pytest.raises(IntacctValidationError, match=r"extra_fields\.colour"):
        IntacctCreateRecordOperator(
            task_id="c3", object="gl_journal", record={"id": "X", "name": "X"}, extra_fields={"colour": "red"}
        ).execute(context(task_id="c3"))
    assert intacct_sandbox.requests == []


def test_generic_create_maps_named_arguments_for_registered_objects(intacct_sandbox, intacct_conn):
    record = {"vendor_id": "VEND-777", "name": "Generic Vendor"}
    result = IntacctCreateRecordOperator(task_id="v", object="vendor", record=record).execute(context())
    posted = [r for r in intacct_sandbox.requests if r["method"] == "POST" and r["path"].endswith("/vendor")]
    assert posted[-1]["body"] == {"id": "VEND-777", "name": "Generic Vendor"}
    assert result["ia::result"]["key"] == intacct_sandbox.records(VENDOR.path)[-1]["key"]


def test_generic_create_refuses_unknown_record_keys_before_any_request(intacct_sandbox, intacct_conn):
    with pytest.raises(
        IntacctValidationError,
        match=r"record\.vendorid: expected an argument of the AP vendor create — did you mean 'vendor_id'\?",
    ):
        IntacctCreateRecordOperator(task_id="v", object="vendor", record={"vendorid": "V", "name": "N"}).execute(
            context()
        )
    with pytest.raises(IntacctValidationError, match="record"):
        IntacctCreateRecordOperator(task_id="v", object="vendor", record="[]").execute(context())
    payment = {"vendor_id": "VEND-100", "bank_account_id": "BOA", "payment_date": "2026-11-15",
               "bills": [{"key": "2001", "amount": "1.00"}]}  # fmt: skip
    with pytest.raises(IntacctValidationError, match=r"record\.payment_method: expected a value \(it is required\)"):
        IntacctCreateRecordOperator(task_id="p", object="ap_payment", record=payment).execute(context())
    assert intacct_sandbox.requests == []


def test_unregistered_objects_are_refused_at_parse_time():
    with pytest.raises(IntacctValidationError, match="registered object"):
        IntacctListOperator(task_id="l", object="purchasing/document")
    with pytest.raises(IntacctValidationError, match="object"):
        IntacctCreateRecordOperator(task_id="c", object="bills", record={})


def test_entry_accepts_names_paths_and_entries():
    assert entry("bill") is BILL
    assert entry("accounts-receivable/invoice") is INVOICE
    assert entry("/objects/general-ledger/journal-entry") is JOURNAL_ENTRY
    assert entry(VENDOR) is VENDOR


# ------------------------------------------------------------ natural keys (document numbers, never id)
def lookup_filters(obj, body):
    """The filters the write engine looks a create's record up by (None: the body names no key)."""
    key = NaturalKey(obj.natural_key)
    natural = key.of(body)
    return None if natural is None else key.filters([natural])


def test_lookup_filters_use_document_numbers_never_id():
    bill = {"vendor": {"id": "V-1"}, "billNumber": "B-1", "createdDate": "2026-01-01"}
    assert lookup_filters(BILL, bill) == [{"$eq": {"vendor.id": "V-1"}}, {"$eq": {"billNumber": "B-1"}}]
    assert lookup_filters(BILL, {"vendor": {"id": "V-1"}}) is None  # Intacct numbers it: no key to look up
    invoice = {"customer": {"id": "C-1"}, "invoiceNumber": "I-1"}
    assert lookup_filters(INVOICE, invoice) == [{"$eq": {"customer.id": "C-1"}}, {"$eq": {"invoiceNumber": "I-1"}}]
    assert lookup_filters(VENDOR, {"id": "V-9", "name": "x"}) == [{"$eq": {"id": "V-9"}}]
    for obj in REGISTRY.values():
        assert "id" not in obj.natural_key or obj in (VENDOR, REGISTRY["customer"]), obj.name


def test_journal_entries_are_looked_up_by_journal_date_and_description():
    body = {"glJournal": {"id": "GJ"}, "postingDate": "2026-11-30", "description": "Accrual", "lines": []}
    assert lookup_filters(JOURNAL_ENTRY, body) == [
        {"$eq": {"glJournal.id": "GJ"}},
        {"$eq": {"postingDate": "2026-11-30"}},
        {"$eq": {"description": "Accrual"}},
    ]


JE_BODY = {
    "glJournal": {"id": "GJ"},
    "postingDate": "2026-11-30",
    "description": "Accrual",
    "lines": [
        {"glAccount": {"id": "6500"}, "txnAmount": "40.5", "txnType": "debit", "description": "Rent"},
        {"glAccount": {"id": "2000"}, "txnAmount": "40.50", "txnType": "credit"},
    ],
}


def test_journal_entry_lines_compare_by_account_amount_type_and_description():
    record = {
        **JE_BODY,
        "key": "3001",
        "state": "posted",
        "lines": [
            {"glAccount": {"id": "6500", "name": "Rent"}, "txnAmount": "40.50", "txnType": "debit",
             "description": "Rent", "lineNumber": 1},
            {"glAccount": {"id": "2000"}, "txnAmount": "40.50", "txnType": "credit", "description": None},
        ],
    }  # fmt: skip
    assert JOURNAL_ENTRY.differences(JE_BODY, record) == []
    flipped = [{**line, "txnType": "credit" if line["txnType"] == "debit" else "debit"} for line in record["lines"]]
    assert JOURNAL_ENTRY.differences(JE_BODY, {**record, "lines": flipped}) == ["lines"]
    retexted = [{**record["lines"][0], "description": "Other"}, record["lines"][1]]
    assert JOURNAL_ENTRY.differences(JE_BODY, {**record, "lines": retexted}) == ["lines"]
    assert JOURNAL_ENTRY.differences(JE_BODY, {**record, "lines": record["lines"][:1]}) == ["lines"]
    assert JOURNAL_ENTRY.differences(JE_BODY, {**record, "postingDate": "2026-12-01"}) == ["postingDate"]


def test_bill_comparison_covers_currency_and_line_locations():
    body = {
        "vendor": {"id": "V"},
        "billNumber": "B",
        "createdDate": "2026-01-01",
        "dueDate": "2026-01-31",
        "currency": {"txnCurrency": "USD"},
        "lines": [{"glAccount": {"id": "6700"}, "txnAmount": "5", "dimensions": {"location": {"id": "US"}}}],
    }
    same = {**body, "id": "2001", "lines": [{**body["lines"][0], "txnAmount": "5.00", "memo": None}]}
    assert BILL.differences(body, same) == []
    assert BILL.differences(body, {**same, "currency": {"txnCurrency": "EUR"}}) == ["currency.txnCurrency"]
    moved = [{**same["lines"][0], "dimensions": {"location": {"id": "UK"}}}]
    assert BILL.differences(body, {**same, "lines": moved}) == ["lines"]


def test_workflows_come_from_the_registry():
    assert set(BILL.workflows) == {"submit", "approve", "decline", "recall", "reverse"}
    assert set(INVOICE.workflows) == {"submit", "reverse"}
    assert BILL.workflow("submit").path == "/workflows/accounts-payable/bill/submit"
    assert BILL.workflow("reverse").arguments == {"reverse_date": "reverseDate", "notes": "notes"}
    assert INVOICE.workflow("reverse").arguments["reverse_date"] == "reversedDate"
    with pytest.raises(IntacctValidationError, match="action: expected a workflow action of invoice"):
        INVOICE.workflow("approve")
    assert BILL.default_state == "draft" and INVOICE.default_state == "posted"


def test_importing_the_registry_imports_no_payload_module():
    import subprocess
    import sys

    code = "import sys, intacct_provider.catalog.registry as o; print(o.BILL.payload, 'intacct_provider.catalog.payloads' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["intacct_provider.catalog.payloads:bill_payload", "False"]

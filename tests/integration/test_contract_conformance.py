"""Sage's published contract, rule by rule, on both sides of the wire.

Each rule of ``intacct_provider/contract`` (restated from Sage's OpenAPI spec) is
checked twice: the client column proves the provider refuses the violation before
any request, or maps the user's argument to the documented shape; the sandbox
column sends the violating body over HTTP and proves the sandbox answers as
Intacct documents (400 naming the path, 409, 422...). A rule that holds on one
side only is a green DAG here and a red one in production. The last tests prove
that every body an operator or example DAG builds validates against its schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from intacct_provider.exceptions import IntacctConflictError, IntacctError, IntacctValidationError
from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateCustomerOperator,
    IntacctCreateInvoiceOperator,
    IntacctCreateJournalEntryOperator,
    IntacctCreatePaymentOperator,
    IntacctCreateVendorOperator,
    IntacctGetRecordOperator,
    IntacctUpdateRecordOperator,
    IntacctWorkflowOperator,
)

BILL = "/objects/accounts-payable/bill"
INVOICE = "/objects/accounts-receivable/invoice"
JE = "/objects/general-ledger/journal-entry"
VENDOR = "/objects/accounts-payable/vendor"
CUSTOMER = "/objects/accounts-receivable/customer"
PAYMENT = "/objects/accounts-payable/payment"
LINE = {"glaccountno": "6700", "amount": "10.00", "memo": "m", "locationid": "US"}
BILL_ARGS = dict(
    vendor_id="VEND-200", date_created="2026-11-01", date_due="2026-11-30", line_items=[LINE], currency="USD"
)
INVOICE_ARGS = dict(
    customer_id="CUST-100", date_created="2026-11-01", date_due="2026-11-30", line_items=[LINE], currency="USD"
)
JE_LINES = [
    {"glaccountno": "6500", "amount": "10.00", "tr_type": "debit", "memo": "m"},
    {"glaccountno": "2000", "amount": "10.00", "tr_type": "credit"},
]
JE_ARGS = dict(journal_id="GJ", posting_date="2026-11-30", lines=JE_LINES, description="Accrual")
BILL_BODY = {
    "vendor": {"id": "VEND-200"},
    "createdDate": "2026-11-01",
    "dueDate": "2026-11-30",
    "currency": {"txnCurrency": "USD"},
    "lines": [{"glAccount": {"id": "6700"}, "txnAmount": "10.00", "dimensions": {"location": {"id": "US"}}}],
}
INVOICE_BODY = {
    "customer": {"id": "CUST-100"},
    "invoiceDate": "2026-11-01",
    "dueDate": "2026-11-30",
    "lines": [{"glAccount": {"id": "4000"}, "txnAmount": "10.00", "memo": "m"}],
}
JE_BODY = {
    "glJournal": {"id": "GJ"},
    "postingDate": "2026-11-30",
    "description": "Accrual",
    "lines": [
        {"glAccount": {"id": "6500"}, "txnAmount": "10.00", "txnType": "debit"},
        {"glAccount": {"id": "2000"}, "txnAmount": "10.00", "txnType": "credit"},
    ],
}


#: Document-number arguments and fields: the sandbox requires them by default (no document
#: sequencing, the stricter reading), so every bill and invoice the harness sends has its own.
NUMBER_ARGUMENTS = {IntacctCreateBillOperator: "bill_number", IntacctCreateInvoiceOperator: "invoice_number"}
NUMBER_FIELDS = {BILL: "billNumber", INVOICE: "invoiceNumber"}


@dataclass
class Sides:
    """What each side of a rule needs: the sandbox handle and a hook pointed at it."""

    sandbox: Any
    hook: Any
    count: int = 0

    def context(self) -> dict[str, Any]:
        self.count += 1
        return {"ti": SimpleNamespace(dag_id="conformance", task_id=f"t{self.count}", run_id="r", map_index=-1)}

    def number(self) -> str:
        self.count += 1
        return f"CONF-N-{self.count}"

    def numbered(self, path: str, body: Any) -> Any:
        """``body`` with its own document number when ``path`` takes one and it has none."""
        name = NUMBER_FIELDS.get(path)
        if name is None or not isinstance(body, dict) or name in body:
            return body
        return {**body, name: self.number()}

    def arguments(self, operator: type, kwargs: dict[str, Any]) -> dict[str, Any]:
        name = NUMBER_ARGUMENTS.get(operator)
        return {name: self.number(), **kwargs} if name else kwargs

    # ----------------------------------------------------------------- client column
    def refuses(self, operator: type, kwargs: dict[str, Any], parameter: str, needle: str = "") -> None:
        """The operator refuses before any request, naming ``parameter``."""
        self.sandbox.clear_requests()
        with pytest.raises(IntacctValidationError) as info:
            operator(task_id="t", **kwargs).execute(self.context())
        assert info.value.parameter == parameter, str(info.value)
        assert needle in str(info.value), str(info.value)
        assert self.sandbox.requests == []

    def sends(self, operator: type, kwargs: dict[str, Any], path: str) -> dict[str, Any]:
        """Run the operator; return the body it posted to ``path``."""
        self.sandbox.clear_requests()
        operator(task_id="t", **self.arguments(operator, kwargs)).execute(self.context())
        return [r["body"] for r in self.sandbox.requests if r["method"] == "POST" and r["path"] == path][-1]

    # ---------------------------------------------------------------- sandbox column
    def answers(self, method: str, path: str, body: Any, status: int, needle: str = "") -> IntacctError:
        """The sandbox refuses ``body`` with ``status`` and a message containing ``needle``."""
        with pytest.raises(IntacctError) as info:
            self.hook.call(method, path, self.numbered(path, body) if method == "POST" else body, resend_safe=False)
        assert info.value.status == status, str(info.value)
        assert needle in str(info.value), str(info.value)
        return info.value

    def accepts(self, path: str, body: Any) -> dict[str, Any]:
        """The sandbox creates ``body``; return the stored record."""
        ref = self.hook.call("POST", path, self.numbered(path, body), resend_safe=False)["ia::result"]
        return self.sandbox.get_record(path.removeprefix("/objects/"), ref["key"])


def changed(body: dict[str, Any], edit: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    edit(copied)
    return copied


def _posted_bill(sides: Sides, **changes: Any) -> str:
    kwargs = sides.arguments(IntacctCreateBillOperator, {**BILL_ARGS, **changes})
    ref = IntacctCreateBillOperator(task_id="b", **kwargs).execute(sides.context())
    return str(ref["ia::result"]["key"])


def _payable_bill(sides: Sides) -> str:
    """A bill that can be paid: submitted, and approved where bills need approval."""
    key = _posted_bill(sides, submit=True)
    IntacctWorkflowOperator(task_id="a", object="bill", action="approve", key=key).execute(sides.context())
    return key


# (rule, client column, sandbox column)
RULES: list[tuple[str, Callable[[Sides], Any], Callable[[Sides], Any]]] = [
    (
        "journal-entry lines have no memo: the line text is description",
        lambda s: assert_(s.sends(IntacctCreateJournalEntryOperator, JE_ARGS, JE)["lines"][0].get("description") == "m"
                          and "memo" not in s.sends(IntacctCreateJournalEntryOperator, JE_ARGS, JE)["lines"][0]),
        lambda s: s.answers("POST", JE, changed(JE_BODY, lambda b: b["lines"][0].update(memo="m")), 400,
                            "/lines/0/memo is not a valid field"),
    ),
    (
        "journal-entry description is required",
        lambda s: s.refuses(IntacctCreateJournalEntryOperator, {**JE_ARGS, "description": None}, "description"),
        lambda s: s.answers("POST", JE, changed(JE_BODY, lambda b: b.pop("description")), 400, "/description"),
    ),
    (
        "journal entries need at least two lines",
        lambda s: s.refuses(IntacctCreateJournalEntryOperator, {**JE_ARGS, "lines": JE_LINES[:1]}, "lines"),
        lambda s: s.answers("POST", JE, changed(JE_BODY, lambda b: b["lines"].pop()), 400, "/lines"),
    ),
    (
        "journal-entry line amounts are absolute (direction is txnType)",
        lambda s: s.refuses(IntacctCreateJournalEntryOperator,
                            {**JE_ARGS, "lines": [{**line, "amount": "-10.00"} for line in JE_LINES]},
                            "lines[0].amount", "tr_type"),
        lambda s: s.answers("POST", JE, changed(JE_BODY, lambda b: b["lines"][0].update(txnAmount="-10.00")), 400,
                            "/lines/0/txnAmount"),
    ),
    (
        "journal-entry txnType is debit or credit",
        lambda s: s.refuses(IntacctCreateJournalEntryOperator,
                            {**JE_ARGS, "lines": [{**JE_LINES[0], "tr_type": "DR"}, JE_LINES[1]]}, "lines[0].tr_type"),
        lambda s: s.answers("POST", JE, changed(JE_BODY, lambda b: b["lines"][0].update(txnType="DR")), 400,
                            "/lines/0/txnType"),
    ),
    (
        "journal entries require glJournal",
        lambda s: s.refuses(IntacctCreateJournalEntryOperator, {**JE_ARGS, "journal_id": ""}, "journal_id"),
        lambda s: s.answers("POST", JE, changed(JE_BODY, lambda b: b.pop("glJournal")), 400, "/glJournal"),
    ),
    (
        "journal-entry postingDate is a YYYY-MM-DD date",
        lambda s: s.refuses(IntacctCreateJournalEntryOperator, {**JE_ARGS, "posting_date": "11/30/2026"},
                            "posting_date", "YYYY-MM-DD"),
        lambda s: s.answers("POST", JE, changed(JE_BODY, lambda b: b.update(postingDate="11/30/2026")), 400,
                            "/postingDate"),
    ),
    (
        "journal-entry state on create is only posted or draft",
        lambda s: s.refuses(IntacctCreateJournalEntryOperator, {**JE_ARGS, "extra_fields": {"state": "approved"}},
                            "extra_fields.state"),
        lambda s: s.answers("POST", JE, {**JE_BODY, "state": "approved"}, 400, "/state"),
    ),
    (
        "journal entries default to posted",
        lambda s: assert_("state" not in s.sends(IntacctCreateJournalEntryOperator, JE_ARGS, JE)),
        lambda s: assert_(s.accepts(JE, JE_BODY)["state"] == "posted"),
    ),
    (
        "bills require currency.txnCurrency: the currency argument is sent there",
        lambda s: assert_(s.sends(IntacctCreateBillOperator, BILL_ARGS, BILL)["currency"] == {"txnCurrency": "USD"}),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b.pop("currency")), 400, "/currency"),
    ),
    (
        "currency is an ISO 4217 code",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "currency": "usd"}, "currency"),
        lambda s: assert_(s.accepts(BILL, BILL_BODY)["currency"]["txnCurrency"] == "USD"),
    ),
    (
        "bill lines require dimensions.location: locationid is sent as dimensions.location.id",
        lambda s: assert_(s.sends(IntacctCreateBillOperator, BILL_ARGS, BILL)["lines"][0]["dimensions"]
                          == {"location": {"id": "US"}}),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b["lines"][0].pop("dimensions")), 400,
                            "/lines/0/dimensions"),
    ),
    (
        "every line dimension id is dimensions.<dimension>.id",
        lambda s: assert_(s.sends(IntacctCreateBillOperator,
                                  {**BILL_ARGS, "line_items": [{**LINE, "departmentid": "ADM"}]},
                                  BILL)["lines"][0]["dimensions"]["department"] == {"id": "ADM"}),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b["lines"][0].update(departmentid="ADM")),
                            400, "/lines/0/departmentid is not a valid field"),
    ),
    (
        "a new bill is a draft",
        lambda s: assert_(s.sandbox.get_record("accounts-payable/bill", _posted_bill(s))["state"] == "draft"),
        lambda s: assert_(s.accepts(BILL, BILL_BODY)["state"] == "draft"),
    ),
    (
        "a bill is created only as a draft (state on create)",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "extra_fields": {"state": "posted"}},
                            "extra_fields.state"),
        lambda s: s.answers("POST", BILL, {**BILL_BODY, "state": "posted"}, 400, "/state"),
    ),
    (
        "PATCH cannot change state",
        lambda s: s.refuses(IntacctUpdateRecordOperator,
                            {"object": "bill", "key": "2001", "changes": {"state": "posted"}}, "changes.state",
                            "IntacctWorkflowOperator"),
        lambda s: s.answers("PATCH", f"{BILL}/{_posted_bill(s)}", {"state": "posted"}, 400, "state"),
    ),
    (
        "a draft bill is submitted by the submit workflow (and posted where bills need no approval)",
        lambda s: assert_(s.sandbox.get_record("accounts-payable/bill", _posted_bill(s, submit=True))["state"]
                          == ("submitted" if s.sandbox.bill_approval else "posted")),
        lambda s: assert_(s.hook.call("POST", "/workflows/accounts-payable/bill/submit",
                                      {"key": s.accepts(BILL, BILL_BODY)["key"]})["ia::result"]["state"]
                          == ("submitted" if s.sandbox.bill_approval else "posted")),
    ),
    (
        "approve applies only to submitted bills",
        lambda s: assert_([IntacctWorkflowOperator(task_id="a", object="bill", action="approve", key=key)
                           .execute(s.context())["performed"] for key in [_posted_bill(s, submit=True)] * 2]
                          == [True, False]),
        lambda s: s.answers("POST", "/workflows/accounts-payable/bill/approve", {"key": s.accepts(BILL, BILL_BODY)["key"]},
                            422, "draft"),
    ),
    (
        "bill reverse requires reverseDate",
        lambda s: s.refuses(IntacctWorkflowOperator, {"object": "bill", "action": "reverse", "key": "2001"},
                            "reverse_date"),
        lambda s: s.answers("POST", "/workflows/accounts-payable/bill/reverse", {"key": _posted_bill(s, submit=True)},
                            400, "/reverseDate"),
    ),
    (
        "invoice reverse names its date reversedDate",
        lambda s: assert_(s.sandbox.get_record("accounts-receivable/invoice", IntacctWorkflowOperator(
            task_id="r", object="invoice", action="reverse", reverse_date="2026-12-05",
            key=IntacctCreateInvoiceOperator(task_id="i", invoice_number=s.number(), **INVOICE_ARGS)
            .execute(s.context())["ia::result"]["key"],
        ).execute(s.context())["key"])["state"] == "reversed"),
        lambda s: s.answers("POST", "/workflows/accounts-receivable/invoice/reverse",
                            {"key": s.accepts(INVOICE, INVOICE_BODY)["key"], "reverseDate": "2026-12-05"}, 400,
                            "/reverseDate is not a valid field"),
    ),
    (
        "invoices have no approve workflow",
        lambda s: s.refuses(IntacctWorkflowOperator, {"object": "invoice", "action": "approve", "key": "1"}, "action"),
        lambda s: s.answers("POST", "/workflows/accounts-receivable/invoice/approve", {"key": "1001"}, 404),
    ),
    (
        "invoices default to posted",
        lambda s: assert_("state" not in s.sends(IntacctCreateInvoiceOperator, INVOICE_ARGS, INVOICE)),
        lambda s: assert_(s.accepts(INVOICE, INVOICE_BODY)["state"] == "posted"),
    ),
    (
        "invoice lines do have memo",
        lambda s: assert_(s.sends(IntacctCreateInvoiceOperator, INVOICE_ARGS, INVOICE)["lines"][0]["memo"] == "m"),
        lambda s: assert_(s.accepts(INVOICE, INVOICE_BODY)["lines"][0]["memo"] == "m"),
    ),
    (
        "an unknown field is refused, naming its path",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "extra_fields": {"termz": {"id": "N30"}}},
                            "extra_fields.termz", "not a valid field"),
        lambda s: s.answers("POST", BILL, {**BILL_BODY, "termz": {"id": "N30"}}, 400, "/termz is not a valid field"),
    ),
    (
        "an unknown nested field is refused, naming its path",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "extra_fields": {"currency": {"rate": 1}}},
                            "extra_fields.currency.rate"),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b["currency"].update(rate=1)), 400,
                            "/currency/rate is not a valid field"),
    ),
    (
        "documented fields the operator does not model are accepted (term)",
        lambda s: assert_(s.sends(IntacctCreateBillOperator, {**BILL_ARGS, "extra_fields": {"term": {"id": "N30"}}},
                                  BILL)["term"] == {"id": "N30"}),
        lambda s: assert_(s.accepts(BILL, {**BILL_BODY, "term": {"id": "N30"}})["term"]["id"] == "N30"),
    ),
    (
        "read-only totals cannot be sent",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "extra_fields": {"totalTxnAmount": "1.00"}},
                            "extra_fields.totalTxnAmount", "read-only"),
        lambda s: s.answers("POST", BILL, {**BILL_BODY, "totalTxnAmount": "1.00"}, 400, "/totalTxnAmount"),
    ),
    (
        "a bill's id is read-only",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "extra_fields": {"id": "B-1"}}, "extra_fields.id"),
        lambda s: s.answers("POST", BILL, {**BILL_BODY, "id": "B-1"}, 400, "/id"),
    ),
    (
        "amounts are decimal strings, never numbers",
        lambda s: assert_(s.sends(IntacctCreateBillOperator,
                                  {**BILL_ARGS, "line_items": [{**LINE, "amount": 250}]}, BILL)["lines"][0]["txnAmount"]
                          == "250"),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b["lines"][0].update(txnAmount=250)), 400,
                            "/lines/0/txnAmount"),
    ),
    (
        "amounts have at most two decimals",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "line_items": [{**LINE, "amount": "1.234"}]},
                            "line_items[0].amount", "at most 2 decimal places"),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b["lines"][0].update(txnAmount="1.234")), 400,
                            "at most 2 decimals"),
    ),
    (
        "dates are real YYYY-MM-DD dates",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "date_due": "2026-02-30"}, "date_due"),
        lambda s: s.answers("POST", BILL, {**BILL_BODY, "dueDate": "2026-02-30"}, 400, "/dueDate"),
    ),
    (
        "bills require vendor.id",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "vendor_id": None}, "vendor_id"),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b.pop("vendor")), 400, "/vendor"),
    ),
    (
        "bills require createdDate and dueDate",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "date_created": ""}, "date_created"),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b.pop("dueDate")), 400, "/dueDate"),
    ),
    (
        "bill lines require glAccount",
        lambda s: s.refuses(IntacctCreateBillOperator, {**BILL_ARGS, "line_items": [{"amount": "1.00"}]},
                            "line_items[0].glaccountno"),
        lambda s: s.answers("POST", BILL, changed(BILL_BODY, lambda b: b["lines"][0].pop("glAccount")), 400,
                            "/lines/0/glAccount"),
    ),
    (
        "invoices require customer.id",
        lambda s: s.refuses(IntacctCreateInvoiceOperator, {**INVOICE_ARGS, "customer_id": ""}, "customer_id"),
        lambda s: s.answers("POST", INVOICE, changed(INVOICE_BODY, lambda b: b.pop("customer")), 400, "/customer"),
    ),
    (
        "vendors require id and name",
        lambda s: s.refuses(IntacctCreateVendorOperator, {"vendor_id": "V-C1", "name": ""}, "name"),
        lambda s: s.answers("POST", VENDOR, {"id": "V-C1"}, 400, "/name"),
    ),
    (
        "customers require a name",
        lambda s: s.refuses(IntacctCreateCustomerOperator, {"customer_id": "C-C1", "name": None}, "name"),
        lambda s: s.answers("POST", CUSTOMER, {"id": "C-C1"}, 400, "/name"),
    ),
    (
        "a reused idempotency key is a 409, settled by the bill number",
        lambda s: assert_(IntacctCreateBillOperator(task_id="b", idempotency_key="CONF-1", bill_number="CONF-1",
                                                    **BILL_ARGS).execute(s.context())
                          == IntacctCreateBillOperator(task_id="b", idempotency_key="CONF-1", bill_number="CONF-1",
                                                       **BILL_ARGS).execute(s.context())),
        lambda s: _reuse_is_409(s),
    ),
    (
        "GET by key takes no query parameters: fields are read through the query service",
        lambda s: _get_fields_via_query(s),
        lambda s: s.answers("GET", f"{BILL}/2001?fields=key", None, 400, "query parameters"),
    ),
    (
        "a bill's id is its key; its own number is billNumber",
        lambda s: assert_(
            s.sandbox.get_record("accounts-payable/bill", _posted_bill(s, bill_number="NUM-1"))["billNumber"]
            == "NUM-1"
        ),
        lambda s: assert_((lambda r: r["id"] == r["key"])(s.accepts(BILL, {**BILL_BODY, "billNumber": "NUM-2"}))),
    ),
    (
        "bill numbers are unique per vendor",
        lambda s: assert_(_posted_bill(s, bill_number="UNIQ-1") == _posted_bill(s, bill_number="UNIQ-1")),
        lambda s: _duplicate_number_refused(s),
    ),
    (
        "an AP payment's details name the bill and the amount paid",
        lambda s: _payment_pays(s),
        lambda s: s.answers("POST", PAYMENT, _payment_body(s, lambda d: d.pop("details")), 400, "/details"),
    ),
    (
        "only posted (or approved) bills can be paid: submit, and approve, first",
        lambda s: assert_(s.sandbox.get_record("accounts-payable/bill", _posted_bill(s))["state"] == "draft"),
        lambda s: s.answers("POST", PAYMENT, _payment_body(s, None, draft=True), 422, "only posted bills"),
    ),
    (
        "AP payments require txnCurrency.currency",
        lambda s: s.refuses(IntacctCreatePaymentOperator, {**PAYMENT_ARGS, "currency": None}, "currency"),
        lambda s: s.answers("POST", PAYMENT, _payment_body(s, lambda d: d.pop("txnCurrency")), 400, "/txnCurrency"),
    ),
    (
        "AP payments require a financialEntity",
        lambda s: s.refuses(IntacctCreatePaymentOperator, {**PAYMENT_ARGS, "bank_account_id": ""}, "bank_account_id"),
        lambda s: s.answers("POST", PAYMENT, _payment_body(s, lambda d: d.pop("financialEntity")), 400,
                            "/financialEntity"),
    ),
]  # fmt: skip

PAYMENT_ARGS = {
    "vendor_id": "VEND-200",
    "bank_account_id": "BOA",
    "payment_date": "2026-11-15",
    "payment_method": "Printed Check",
    "bills": [{"key": "2001", "amount": "1.00"}],
}


def assert_(condition: Any) -> None:
    assert condition


def _reuse_is_409(s: Sides) -> None:
    if s.sandbox.idempotency != "conflict":
        pytest.skip("the sandbox is in replay mode")
    body = s.numbered(BILL, BILL_BODY)
    s.hook.send("POST", BILL, json_body=body, headers={"Idempotency-Key": "RAW-1"}, resend_safe=False)
    with pytest.raises(IntacctConflictError) as info:
        s.hook.send("POST", BILL, json_body=body, headers={"Idempotency-Key": "RAW-1"}, resend_safe=False)
    assert info.value.status == 409


def _get_fields_via_query(s: Sides) -> None:
    s.sandbox.clear_requests()
    IntacctGetRecordOperator(task_id="g", object="bill", key="2001", fields=["key"]).execute(s.context())
    sent = [(r["method"], r["path"]) for r in s.sandbox.requests if r["path"] != "/oauth2/token"]
    assert sent == [("POST", "/services/core/query")]


def _duplicate_number_refused(s: Sides) -> None:
    s.accepts(BILL, {**BILL_BODY, "billNumber": "UNIQ-2"})
    error = s.answers("POST", BILL, {**BILL_BODY, "billNumber": "UNIQ-2"}, 409)
    assert "UNIQ-2" in str(error)


def _payment_body(s: Sides, edit: Callable[[dict[str, Any]], Any] | None, draft: bool = False) -> dict[str, Any]:
    key = s.accepts(BILL, BILL_BODY)["key"]
    if not draft:
        state = s.hook.call("POST", "/workflows/accounts-payable/bill/submit", {"key": key})["ia::result"]["state"]
        if state == "submitted":  # bills need approval (the sandbox's default reading)
            s.hook.call("POST", "/workflows/accounts-payable/bill/approve", {"key": key})
    body = {
        "financialEntity": {"entityId": "BOA"},
        "vendor": {"id": "VEND-200"},
        "paymentMethod": "Printed Check",
        "paymentDate": "2026-11-15",
        "txnCurrency": {"currency": "USD"},
        "details": [{"bill": {"key": key}, "txnCurrency": {"paymentAmount": "10.00"}}],
    }
    if edit is not None:
        edit(body)
    return body


def _payment_pays(s: Sides) -> None:
    """The payment names the bill and amount; it is a draft until its workflow pays it out."""
    key = _payable_bill(s)
    args = {**PAYMENT_ARGS, "bills": [{"key": key, "amount": "10.00"}], "submit": True}
    body = s.sends(IntacctCreatePaymentOperator, args, PAYMENT)
    assert body["details"] == [{"bill": {"key": key}, "txnCurrency": {"paymentAmount": "10.00"}}]
    payment = s.sandbox.records("accounts-payable/payment")[-1]["key"]
    for action in ("approve", "print", "confirm"):
        IntacctWorkflowOperator(task_id="p", object="ap_payment", action=action, key=payment).execute(s.context())
    assert s.sandbox.get_record("accounts-payable/bill", key)["state"] == "paid"


@pytest.fixture
def sides(intacct_sandbox, hook):
    return Sides(intacct_sandbox, hook)


def test_at_least_forty_rules():
    assert len(RULES) >= 40
    assert len({name for name, _, _ in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=[name for name, _, _ in RULES])
def test_client_side(sides, rule):
    rule[1](sides)


@pytest.mark.parametrize("rule", RULES, ids=[name for name, _, _ in RULES])
def test_sandbox_side(sides, rule):
    rule[2](sides)


# ------------------------------------------------- every body we build is valid by the contract
def test_registry_agrees_with_the_contract():
    from intacct_provider.catalog.registry import REGISTRY
    from intacct_provider.contract import object_facts

    for obj in REGISTRY.values():
        facts = object_facts(obj.path)
        if obj.natural_key:
            assert list(obj.natural_key) == list(facts["natural_key"]), obj.name
        state = facts.get("state") or {}
        assert obj.default_state == state.get("default"), obj.name


def test_every_operator_body_validates_against_its_schema():
    """Every create operator's body, with every optional argument, is valid for the contract's create schema."""
    from intacct_provider.catalog.registry import entry
    from intacct_provider.contract import validator

    full_line = {**LINE, **{f"{d}id": "X" for d in ("department", "class", "project", "customer", "vendor",
                                                      "employee", "item")}}  # fmt: skip
    cases = [
        (
            IntacctCreateBillOperator,
            {
                **BILL_ARGS,
                "line_items": [full_line],
                "bill_number": "B",
                "reference_number": "R",
                "description": "D",
                "extra_fields": {"term": {"id": "N30"}},
            },
        ),
        (
            IntacctCreateInvoiceOperator,
            {
                **INVOICE_ARGS,
                "line_items": [full_line],
                "invoice_number": "I",
                "reference_number": "R",
                "description": "D",
            },
        ),
        (IntacctCreateJournalEntryOperator, {**JE_ARGS, "lines": [{**JE_LINES[0], "locationid": "US"}, JE_LINES[1]]}),
        (IntacctCreateVendorOperator, {"vendor_id": "V", "name": "N"}),
        (IntacctCreateCustomerOperator, {"customer_id": "C", "name": "N"}),
        (
            IntacctCreatePaymentOperator,
            {**PAYMENT_ARGS, "bills": [{"key": "1", "amount": "5.00"}], "description": "D", "document_number": "CHK-1"},
        ),
    ]
    for operator, kwargs in cases:
        op = operator(task_id="t", **kwargs)
        body = op.build_payload()
        errors = list(validator(entry(op.object).path, "create").iter_errors(body))
        assert errors == [], (operator.__name__, [e.message for e in errors])


def test_every_example_dag_body_validates_against_its_schema(run_dag, intacct_sandbox):
    """Run every example DAG; every body it posted is valid for its object's create schema."""
    from intacct_provider.contract import validator

    for dag_id, conf in (
        ("intacct_catalog_tour", {"document_date": "2026-11-26"}),
        ("intacct_bill_payment_flow", {}),
        ("intacct_invoice_per_order", {}),
    ):
        dag_run, _ = run_dag(dag_id, conf=conf)
        assert dag_run.state == "success", dag_id
    creates = [r for r in intacct_sandbox.requests if r["method"] == "POST" and r["path"].startswith("/objects/")]
    assert {r["path"] for r in creates} >= {BILL, INVOICE, PAYMENT}
    for request in creates:
        errors = list(validator(request["path"].removeprefix("/objects/"), "create").iter_errors(request["body"]))
        assert errors == [], (request["path"], [e.message for e in errors])

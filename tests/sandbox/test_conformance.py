"""Conformance table: each rule of Sage's published contract and the answer the sandbox gives.

One row per rule: the request (object, operation, body), the sandbox setting it runs under, and
the documented answer (status, error code, JSON-pointer target).  The facts come from
``../shared/docs/contract/intacct-objects.md`` (section in ``source``); where Sage is silent the
row runs under each setting of the sandbox switch that covers it.  The rows are data so the client
side can run the same table through its own validation (the "client column").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
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
    payment_body,
)

from intacct_provider.sandbox import IntacctSandbox

PAYMENT = "accounts-payable/payment"
# Seeded bills (top level, VEND-x): 2001 posted 500.00 (VEND-100), 2004 paid, 2007 partially paid,
# 2009 draft, 2010 submitted.
POSTED, PAID, DRAFT, SUBMITTED = "2001", "2004", "2009", "2010"

Check = Callable[[Client, IntacctSandbox, requests.Response], None]


@dataclass(frozen=True)
class Rule:
    """One contract rule: what is sent, under which settings, and what must come back.

    ``operation``: "create", "update:<key>", "workflow:<action>", "get:<key>?<query>", "query".
    ``body`` may name ``{draft}``: the key of a bill created (as a draft) just before.
    """

    id: str
    source: str
    path: str
    operation: str
    body: dict[str, Any] | None
    status: int
    code: str | None = None
    target: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    then: Check | None = None


def _without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in names}


def _bill_line(**changes: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"glAccount": {"id": "6700"}, "txnAmount": "10.00", "dimensions": {"location": {"id": "US"}}}
    line.update(changes)
    return line


def _state(path: str, key: str, expected: str) -> Check:
    """The record ends in state ``expected`` (``{draft}``: the key the workflow answered with)."""

    def check(api: Client, sb: IntacctSandbox, response: requests.Response) -> None:
        answer = response.json()["ia::result"]
        actual_key = answer["key"] if key == "{draft}" else key
        assert answer["state"] == sb.get_record(path, actual_key)["state"] == expected

    return check


def _created_state(expected: str) -> Check:
    def check(api: Client, sb: IntacctSandbox, response: requests.Response) -> None:
        ref = response.json()["ia::result"]
        path = ref["href"].split("/objects/")[1].rsplit("/", 1)[0]
        assert sb.get_record(path, ref["key"])["state"] == expected

    return check


def _id_is(kind: str) -> Check:
    def check(api: Client, sb: IntacctSandbox, response: requests.Response) -> None:
        ref = response.json()["ia::result"]
        path = ref["href"].split("/objects/")[1].rsplit("/", 1)[0]
        record = sb.get_record(path, ref["key"])
        expected = ref["key"] if kind == "key" else record.get("billNumber") or record.get("invoiceNumber")
        assert ref["id"] == record["id"] == expected

    return check


def _bill_paid(key: str, state: str, due: str) -> Check:
    def check(api: Client, sb: IntacctSandbox, response: requests.Response) -> None:
        bill = sb.get_record(BILL, key)
        assert (bill["state"], bill["totalTxnAmountDue"]) == (state, due)
        assert "totalPaid" not in bill

    return check


def _rows(count_check: Callable[[list[dict[str, Any]]], bool]) -> Check:
    def check(api: Client, sb: IntacctSandbox, response: requests.Response) -> None:
        assert count_check(response.json()["ia::result"])

    return check


def _model_required(name: str, required: bool) -> Check:
    def check(api: Client, sb: IntacctSandbox, response: requests.Response) -> None:
        assert response.json()["ia::result"]["fields"][name]["required"] is required

    return check


def _customer_numbered(api: Client, sb: IntacctSandbox, response: requests.Response) -> None:
    ref = response.json()["ia::result"]
    assert ref["id"] == f"C-{ref['key']}" == sb.get_record(CUSTOMER, ref["key"])["id"]


_JE_NEGATIVE = entry_body(debit="-100.00")
_JE_MEMO = entry_body()
_JE_MEMO["lines"][0]["memo"] = "Rent"
_JE_ONE_LINE = entry_body()
_JE_ONE_LINE["lines"] = _JE_ONE_LINE["lines"][:1]
_JE_BAD_TYPE = entry_body()
_JE_BAD_TYPE["lines"][0]["txnType"] = "DR"
_QUERY_BILLS = {"object": BILL, "fields": ["key", "entity.id"], "size": 4000}

RULES: list[Rule] = [
    # ---- bill create: RequiredProperties (section 2)
    Rule(
        "bill.vendor.required",
        "2",
        BILL,
        "create",
        _without(bill_body(), "vendor"),
        400,
        "requiredFieldMissing",
        "/vendor",
    ),
    Rule(
        "bill.vendor.id.required",
        "2",
        BILL,
        "create",
        bill_body(vendor={"key": "33"}),
        400,
        "requiredFieldMissing",
        "/vendor/id",
    ),
    Rule(
        "bill.dueDate.required",
        "2",
        BILL,
        "create",
        _without(bill_body(), "dueDate"),
        400,
        "requiredFieldMissing",
        "/dueDate",
    ),
    Rule(
        "bill.createdDate.required",
        "2",
        BILL,
        "create",
        _without(bill_body(), "createdDate"),
        400,
        "requiredFieldMissing",
        "/createdDate",
    ),
    Rule(
        "bill.currency.required",
        "2",
        BILL,
        "create",
        _without(bill_body(), "currency"),
        400,
        "requiredFieldMissing",
        "/currency",
    ),
    Rule(
        "bill.currency.txnCurrency.required",
        "2",
        BILL,
        "create",
        bill_body(currency={}),
        400,
        "requiredFieldMissing",
        "/currency/txnCurrency",
    ),
    Rule(
        "bill.line.txnAmount.required",
        "2",
        BILL,
        "create",
        bill_body(lines=[_without(_bill_line(), "txnAmount")]),
        400,
        "requiredFieldMissing",
        "/lines/0/txnAmount",
    ),
    Rule(
        "bill.line.glAccount.required",
        "2",
        BILL,
        "create",
        bill_body(lines=[_without(_bill_line(), "glAccount")]),
        400,
        "requiredFieldMissing",
        "/lines/0/glAccount",
    ),
    Rule(
        "bill.line.location.required",
        "2",
        BILL,
        "create",
        bill_body(lines=[_bill_line(dimensions={})]),
        400,
        "requiredFieldMissing",
        "/lines/0/dimensions/location",
    ),
    Rule(
        "bill.line.location.key-or-id",
        "2",
        BILL,
        "create",
        bill_body(lines=[_bill_line(dimensions={"location": {}})]),
        400,
        "requiredFieldMissing",
        "/lines/0/dimensions/location",
    ),
    Rule(
        "bill.billNumber.optional-with-sequencing",
        "2",
        BILL,
        "create",
        bill_body(billNumber=None),
        201,
        settings={"require_document_numbers": False},
    ),
    Rule(
        "bill.billNumber.required-without-sequencing",
        "2",
        BILL,
        "create",
        bill_body(billNumber=None),
        400,
        "requiredFieldMissing",
        "/billNumber",
        settings={"require_document_numbers": True},
    ),
    # ---- bill create: shape (sections 1, 2)
    Rule("bill.unknown-field", "2", BILL, "create", bill_body(newDate="2026-01-01"), 400, "invalidField", "/newDate"),
    Rule(
        "bill.line.unknown-field",
        "2",
        BILL,
        "create",
        bill_body(lines=[_bill_line(color="red")]),
        400,
        "invalidField",
        "/lines/0/color",
    ),
    Rule("bill.line.memo-allowed", "2", BILL, "create", bill_body(lines=[_bill_line(memo="Paper")]), 201),
    Rule(
        "bill.readOnly.totals",
        "2",
        BILL,
        "create",
        bill_body(totalTxnAmount="10.00"),
        400,
        "readOnlyField",
        "/totalTxnAmount",
    ),
    Rule("bill.readOnly.id", "2", BILL, "create", bill_body(id="BILL-9"), 400, "readOnlyField", "/id"),
    Rule(
        "bill.readOnly.paymentInformation",
        "2",
        BILL,
        "create",
        bill_body(paymentInformation={"totalTxnAmountPaid": "1.00"}),
        400,
        "readOnlyField",
        "/paymentInformation/totalTxnAmountPaid",
    ),
    Rule(
        "bill.amount.decimal-string",
        "1",
        BILL,
        "create",
        bill_body(lines=[_bill_line(txnAmount=10)]),
        400,
        "invalidType",
        "/lines/0/txnAmount",
    ),
    Rule(
        "bill.amount.precision-2",
        "1",
        BILL,
        "create",
        bill_body(lines=[_bill_line(txnAmount="1.005")]),
        400,
        "invalidValue",
        "/lines/0/txnAmount",
    ),
    Rule("bill.date.yyyy-mm-dd", "1", BILL, "create", bill_body(dueDate="2026-02-30"), 400, "invalidValue", "/dueDate"),
    Rule(
        "bill.paymentPriority.enum",
        "2",
        BILL,
        "create",
        bill_body(paymentPriority="whenever"),
        400,
        "invalidValue",
        "/paymentPriority",
    ),
    Rule("bill.state.default-draft", "2", BILL, "create", bill_body(), 201, then=_created_state("draft")),
    Rule("bill.state.create-not-posted", "2", BILL, "create", bill_body(state="posted"), 400, "invalidValue", "/state"),
    Rule("bill.id.is-key", "2", BILL, "create", bill_body(billNumber="CONF-1"), 201, then=_id_is("key")),
    Rule(
        "bill.id.is-number-when-switched",
        "2",
        BILL,
        "create",
        bill_body(billNumber="CONF-2"),
        201,
        settings={"id_semantics": "number"},
        then=_id_is("number"),
    ),
    # ---- bill business rules (422/409)
    Rule(
        "bill.vendor.must-exist",
        "2",
        BILL,
        "create",
        bill_body(vendor={"id": "VEND-999"}),
        422,
        "referenceNotFound",
        "/vendor/id",
    ),
    Rule(
        "bill.location.must-exist",
        "2",
        BILL,
        "create",
        bill_body(lines=[_bill_line(dimensions={"location": {"id": "MARS"}})]),
        422,
        "referenceNotFound",
        "/lines/0/dimensions/location/id",
    ),
    Rule(
        "bill.dueDate.not-before-createdDate",
        "2",
        BILL,
        "create",
        bill_body(dueDate="2026-02-01"),
        422,
        "invalidDueDate",
        "/dueDate",
    ),
    Rule(
        "bill.billNumber.unique-per-vendor",
        "19",
        BILL,
        "create",
        bill_body(billNumber="BILL-100"),
        409,
        "duplicateKey",
        "/billNumber",
    ),
    # ---- bill update (section 1: PATCH)
    Rule("bill.patch.state-refused", "2", BILL, f"update:{POSTED}", {"state": "paid"}, 400, "readOnlyField", "/state"),
    Rule("bill.patch.id-refused", "2", BILL, f"update:{POSTED}", {"id": "X"}, 400, "readOnlyField", "/id"),
    Rule(
        "bill.patch.unknown-field",
        "2",
        BILL,
        f"update:{POSTED}",
        {"totalPaid": "1.00"},
        400,
        "invalidField",
        "/totalPaid",
    ),
    Rule("bill.patch.nothing-required", "2", BILL, f"update:{POSTED}", {"description": "Paper"}, 200),
    Rule(
        "bill.patch.lines-complete",
        "2",
        BILL,
        f"update:{POSTED}",
        {"lines": [{"txnAmount": "1.00"}]},
        400,
        "requiredFieldMissing",
        "/lines/0/glAccount",
    ),
    # ---- bill workflows (section 2)
    Rule(
        "bill.submit.draft-to-posted",
        "2",
        BILL,
        "workflow:submit",
        {"key": "{draft}"},
        200,
        settings={"bill_approval": False},
        then=_state(BILL, "{draft}", "posted"),
    ),
    Rule(
        "bill.submit.with-approval",
        "2",
        BILL,
        "workflow:submit",
        {"key": "{draft}"},
        200,
        settings={"bill_approval": True},
        then=_state(BILL, "{draft}", "submitted"),
    ),
    Rule("bill.submit.already-posted", "2", BILL, "workflow:submit", {"key": POSTED}, 422, "alreadyInState", "/key"),
    Rule("bill.submit.key-required", "2", BILL, "workflow:submit", {}, 400, "requiredFieldMissing", "/key"),
    Rule(
        "bill.submit.unknown-field",
        "2",
        BILL,
        "workflow:submit",
        {"key": DRAFT, "state": "posted"},
        400,
        "invalidField",
        "/state",
    ),
    Rule("bill.submit.missing-bill", "2", BILL, "workflow:submit", {"key": "999999"}, 404, "recordNotFound"),
    Rule(
        "bill.approve.submitted-to-approved",
        "2",
        BILL,
        "workflow:approve",
        {"key": SUBMITTED, "notes": "ok"},
        200,
        then=_state(BILL, SUBMITTED, "approved"),
    ),
    Rule(
        "bill.approve.submitted-to-posted",
        "2",
        BILL,
        "workflow:approve",
        {"key": SUBMITTED, "notes": "ok"},
        200,
        settings={"bill_approve_state": "posted"},
        then=_state(BILL, SUBMITTED, "posted"),
    ),
    Rule(
        "bill.approve.only-submitted",
        "2",
        BILL,
        "workflow:approve",
        {"key": DRAFT},
        422,
        "invalidStateTransition",
        "/key",
    ),
    Rule(
        "bill.decline.submitted-to-declined",
        "2",
        BILL,
        "workflow:decline",
        {"key": SUBMITTED},
        200,
        then=_state(BILL, SUBMITTED, "declined"),
    ),
    Rule(
        "bill.recall.submitted-to-draft",
        "2",
        BILL,
        "workflow:recall",
        {"key": SUBMITTED},
        200,
        then=_state(BILL, SUBMITTED, "draft"),
    ),
    Rule(
        "bill.reverse.date-required",
        "2",
        BILL,
        "workflow:reverse",
        {"key": POSTED},
        400,
        "requiredFieldMissing",
        "/reverseDate",
    ),
    Rule(
        "bill.reverse.after-posting",
        "2",
        BILL,
        "workflow:reverse",
        {"key": POSTED, "reverseDate": "2025-12-31"},
        422,
        "invalidDate",
        "/reverseDate",
    ),
    Rule(
        "bill.reverse.posted-to-reversed",
        "2",
        BILL,
        "workflow:reverse",
        {"key": POSTED, "reverseDate": "2026-02-01"},
        200,
        then=_state(BILL, POSTED, "reversed"),
    ),
    Rule(
        "bill.reverse.paid-needs-void",
        "2",
        BILL,
        "workflow:reverse",
        {"key": PAID, "reverseDate": "2026-12-01"},
        422,
        "invalidStateTransition",
        "/key",
    ),
    # ---- invoice (section 3)
    Rule(
        "invoice.customer.required",
        "3",
        INVOICE,
        "create",
        _without(invoice_body(), "customer"),
        400,
        "requiredFieldMissing",
        "/customer",
    ),
    Rule(
        "invoice.invoiceDate.required",
        "3",
        INVOICE,
        "create",
        _without(invoice_body(), "invoiceDate"),
        400,
        "requiredFieldMissing",
        "/invoiceDate",
    ),
    Rule(
        "invoice.line.glAccount.id-if-given",
        "3",
        INVOICE,
        "create",
        invoice_body(lines=[{"txnAmount": "1.00", "glAccount": {"key": "1"}}]),
        400,
        "requiredFieldMissing",
        "/lines/0/glAccount/id",
    ),
    Rule("invoice.currency.optional", "3", INVOICE, "create", invoice_body(), 201),
    Rule("invoice.state.default-posted", "3", INVOICE, "create", invoice_body(), 201, then=_created_state("posted")),
    Rule(
        "invoice.state.create-draft",
        "3",
        INVOICE,
        "create",
        invoice_body(state="draft"),
        201,
        then=_created_state("draft"),
    ),
    Rule(
        "invoice.no-postingDate",
        "3",
        INVOICE,
        "create",
        invoice_body(postingDate="2026-03-01"),
        400,
        "invalidField",
        "/postingDate",
    ),
    Rule(
        "invoice.reverse.date-required",
        "3",
        INVOICE,
        "workflow:reverse",
        {"key": "1001"},
        400,
        "requiredFieldMissing",
        "/reversedDate",
    ),
    Rule(
        "invoice.reverse.posted-to-reversed",
        "3",
        INVOICE,
        "workflow:reverse",
        {"key": "1001", "reversedDate": "2026-02-01"},
        200,
        then=_state(INVOICE, "1001", "reversed"),
    ),
    Rule(
        "invoice.submit.already-posted", "3", INVOICE, "workflow:submit", {"key": "1001"}, 422, "alreadyInState", "/key"
    ),
    # ---- journal entry (section 4)
    Rule(
        "je.description.required",
        "4",
        ENTRY,
        "create",
        _without(entry_body(), "description"),
        400,
        "requiredFieldMissing",
        "/description",
    ),
    Rule(
        "je.glJournal.required",
        "4",
        ENTRY,
        "create",
        _without(entry_body(), "glJournal"),
        400,
        "requiredFieldMissing",
        "/glJournal",
    ),
    Rule("je.lines.min-2", "4", ENTRY, "create", _JE_ONE_LINE, 400, "invalidValue", "/lines"),
    Rule("je.line.no-memo", "4", ENTRY, "create", _JE_MEMO, 400, "invalidField", "/lines/0/memo"),
    Rule("je.line.amount-absolute", "4", ENTRY, "create", _JE_NEGATIVE, 400, "invalidValue", "/lines/0/txnAmount"),
    Rule("je.line.txnType.enum", "4", ENTRY, "create", _JE_BAD_TYPE, 400, "invalidValue", "/lines/0/txnType"),
    Rule("je.state.default-posted", "4", ENTRY, "create", entry_body(), 201, then=_created_state("posted")),
    Rule("je.state.create-draft", "4", ENTRY, "create", entry_body(state="draft"), 201, then=_created_state("draft")),
    Rule(
        "je.state.create-only-posted-or-draft",
        "4",
        ENTRY,
        "create",
        entry_body(state="submitted"),
        400,
        "invalidValue",
        "/state",
    ),
    Rule("je.balanced", "4", ENTRY, "create", entry_body(credit="99.00"), 422, "unbalancedEntry", "/lines"),
    Rule("je.patch.state-refused", "4", ENTRY, "update:3001", {"state": "draft"}, 400, "readOnlyField", "/state"),
    Rule(
        "je.patch.lines-min-2",
        "4",
        ENTRY,
        "update:3001",
        {"lines": _JE_ONE_LINE["lines"]},
        400,
        "invalidValue",
        "/lines",
    ),
    # ---- vendor and customer (sections 5, 6)
    Rule("vendor.id.required", "5", VENDOR, "create", {"name": "No id"}, 400, "requiredFieldMissing", "/id"),
    Rule("vendor.name.required", "5", VENDOR, "create", {"id": "V-1"}, 400, "requiredFieldMissing", "/name"),
    Rule(
        "vendor.status.activeNonPosting",
        "5",
        VENDOR,
        "create",
        {"id": "V-2", "name": "Frozen", "status": "activeNonPosting"},
        201,
    ),
    Rule(
        "vendor.status.enum",
        "5",
        VENDOR,
        "create",
        {"id": "V-3", "name": "X", "status": "gone"},
        400,
        "invalidValue",
        "/status",
    ),
    Rule("vendor.id.unique", "19", VENDOR, "create", {"id": "VEND-100", "name": "Again"}, 409, "duplicateKey", "/id"),
    Rule("vendor.patch.id-refused", "5", VENDOR, "update:33", {"id": "VEND-999"}, 400, "readOnlyField", "/id"),
    Rule("customer.id.optional", "6", CUSTOMER, "create", {"name": "Only a name"}, 201, then=_customer_numbered),
    Rule("customer.name.required", "6", CUSTOMER, "create", {"id": "C-1"}, 400, "requiredFieldMissing", "/name"),
    # ---- AP payment (section 9)
    Rule(
        "payment.details.bill.required",
        "9",
        PAYMENT,
        "create",
        payment_body(POSTED, details=[{"txnCurrency": {"paymentAmount": "1.00"}}]),
        400,
        "requiredFieldMissing",
        "/details/0/bill",
    ),
    Rule(
        "payment.details.min-1",
        "9",
        PAYMENT,
        "create",
        payment_body(POSTED, details=[]),
        400,
        "invalidValue",
        "/details",
    ),
    Rule(
        "payment.financialEntity.required",
        "9",
        PAYMENT,
        "create",
        _without(payment_body(POSTED), "financialEntity"),
        400,
        "requiredFieldMissing",
        "/financialEntity",
    ),
    Rule(
        "payment.created-a-draft-paying-nothing",
        "9",
        PAYMENT,
        "create",
        payment_body(POSTED, "100.00"),
        201,
        then=_bill_paid(POSTED, "posted", "500.00"),
    ),
    Rule(
        "payment.state.default-draft",
        "9",
        PAYMENT,
        "create",
        payment_body(POSTED, "500.00"),
        201,
        then=_created_state("draft"),
    ),
    Rule(
        "payment.submit.missing-payment",
        "9",
        PAYMENT,
        "workflow:submit",
        {"key": "999999"},
        404,
        "recordNotFound",
    ),
    Rule(
        "payment.approve.only-submitted",
        "9",
        PAYMENT,
        "workflow:approve",
        {"key": "4001"},  # seeded, confirmed
        422,
        "alreadyInState",
    ),
    Rule(
        "payment.reverse.unknown-field",
        "9",
        PAYMENT,
        "workflow:reverse",
        {"key": "4001", "reverseDate": "2026-05-01"},
        400,
        "invalidField",
        "/reverseDate",
    ),
    Rule(
        "payment.only-posted-bills",
        "9",
        PAYMENT,
        "create",
        payment_body(DRAFT, "1.00", vendor={"id": "VEND-400"}),
        422,
        "billNotPayable",
        "/details/0/bill",
    ),
    Rule(
        "payment.not-beyond-due",
        "9",
        PAYMENT,
        "create",
        payment_body(POSTED, "500.01"),
        422,
        "overpayment",
        "/details/0/txnCurrency/paymentAmount",
    ),
    Rule(
        "payment.vendor-of-the-bill",
        "9",
        PAYMENT,
        "create",
        payment_body(POSTED, vendor={"id": "VEND-200"}),
        422,
        "vendorMismatch",
        "/details/0/bill",
    ),
    # ---- reads and the query service (sections 1, 15)
    Rule("get.no-query-parameters", "1", BILL, f"get:{POSTED}?fields=id", None, 400, "invalidParameter", "fields"),
    Rule(
        "query.and-shortcut",
        "15",
        VENDOR,
        "query",
        {
            "object": VENDOR,
            "filters": [{"$eq": {"id": "VEND-100"}}, {"$eq": {"name": "Acme Office Supply"}}],
            "filterExpression": "and",
        },
        200,
        then=_rows(lambda rows: len(rows) == 1),
    ),
    Rule(
        "query.or-shortcut",
        "15",
        VENDOR,
        "query",
        {
            "object": VENDOR,
            "filters": [{"$eq": {"id": "VEND-100"}}, {"$eq": {"id": "VEND-200"}}],
            "filterExpression": "or",
        },
        200,
        then=_rows(lambda rows: len(rows) == 2),
    ),
    Rule(
        "query.has-takes-a-string",
        "15",
        VENDOR,
        "query",
        {"object": VENDOR, "filters": [{"$has": {"id": True}}]},
        400,
        "invalidQuery",
        "/filters/0",
    ),
    Rule(
        "query.includePrivate.default-false",
        "15",
        BILL,
        "query",
        _QUERY_BILLS,
        200,
        then=_rows(lambda rows: "CA" not in {r["entity.id"] for r in rows}),
    ),
    Rule(
        "query.includePrivate.true",
        "15",
        BILL,
        "query",
        {**_QUERY_BILLS, "filterParameters": {"includePrivate": True}},
        200,
        then=_rows(lambda rows: "CA" in {r["entity.id"] for r in rows}),
    ),
    Rule(
        "query.caseSensitive.default-true",
        "15",
        VENDOR,
        "query",
        {"object": VENDOR, "filters": [{"$eq": {"id": "vend-100"}}]},
        200,
        then=_rows(lambda rows: rows == []),
    ),
    Rule(
        "query.caseSensitive.false",
        "15",
        VENDOR,
        "query",
        {
            "object": VENDOR,
            "filters": [{"$eq": {"id": "vend-100"}}],
            "filterParameters": {"caseSensitiveComparison": False},
        },
        200,
        then=_rows(lambda rows: len(rows) == 1),
    ),
    Rule(
        "query.asOfDate.is-a-date",
        "15",
        VENDOR,
        "query",
        {"object": VENDOR, "filterParameters": {"asOfDate": "tomorrow"}},
        400,
        "invalidQuery",
        "/filterParameters/asOfDate",
    ),
    Rule("query.size.max-4000", "15", VENDOR, "query", {"object": VENDOR, "size": 4001}, 400, "invalidQuery", "/size"),
    Rule(
        "model.billNumber.not-required",
        "2",
        BILL,
        "model",
        None,
        200,
        settings={"require_document_numbers": False},
        then=_model_required("billNumber", False),
    ),
    Rule("model.customer.id.not-required", "6", CUSTOMER, "model", None, 200, then=_model_required("id", False)),
]


def _send(api: Client, rule: Rule, body: Any) -> requests.Response:
    kind, _, arg = rule.operation.partition(":")
    if kind == "create":
        return api.create(rule.path, body)
    if kind == "update":
        return api.patch(f"/objects/{rule.path}/{arg}", json=body)
    if kind == "workflow":
        return api.post(f"/workflows/{rule.path}/{arg}", json=body)
    if kind == "get":
        return api.get(f"/objects/{rule.path}/{arg}")
    if kind == "query":
        return api.post("/services/core/query", json=body)
    return api.get("/services/core/model", params={"name": rule.path})


def _fill(value: Any, draft: str) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, draft) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, draft) for v in value]
    return draft if value == "{draft}" else value


def test_the_table_covers_at_least_40_rules() -> None:
    assert len(RULES) >= 40
    assert len({rule.id for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_sandbox_answers_as_documented(intacct_sandbox: IntacctSandbox, api: Client, rule: Rule) -> None:
    if rule.settings:
        intacct_sandbox.state.update(**rule.settings)
    draft = ""
    if "{draft}" in repr(rule.body):
        draft = api.create(BILL, bill_body()).json()["ia::result"]["key"]
    response = _send(api, rule, _fill(rule.body, draft))
    assert response.status_code == rule.status, response.text
    if rule.code is not None:
        details = error_of(response)["details"]
        matching = [
            d for d in details if d["code"] == rule.code and (rule.target is None or d.get("target") == rule.target)
        ]
        assert matching, details
    if rule.then is not None:
        rule.then(api, intacct_sandbox, response)

"""Turn checked operator arguments into Intacct create bodies, shaped as Sage's contract says.

One mapping function per creatable object (the registry names it); operators
call them and never build JSON themselves. Every function validates first (see
``validation``), so a bad argument fails before any request. Arguments are the
operator's own names, so a generic create's ``record`` uses the same keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from intacct_provider.catalog.model import is_custom
from intacct_provider.catalog.validation import (
    JOURNAL_LINE_SCHEMA,
    LINE_DIMENSIONS,
    LINE_ITEM_SCHEMA,
    check_amount,
    check_balanced,
    check_date,
    check_date_order,
    check_id,
    check_lines,
    check_text,
    parse_json,
)
from intacct_provider.exceptions import IntacctValidationError

_CURRENCY = re.compile(r"^[A-Z]{3}$")
#: A line's own keys (any other a checked line may have is a custom ``nsp::`` one).
_LINE_ARGUMENTS = frozenset({*LINE_ITEM_SCHEMA["properties"], *JOURNAL_LINE_SCHEMA["properties"]})


def check_currency(parameter: str, value: Any) -> str | None:
    """An ISO 4217 code such as ``USD``; optional (a tenant may default it)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CURRENCY.match(value.strip()):
        raise IntacctValidationError(parameter, "an ISO 4217 currency code such as 'USD'", value)
    return value.strip()


def _line(line: Mapping[str, Any], text_field: str = "memo") -> dict[str, Any]:
    """One line; every dimension id key (``locationid``) becomes ``dimensions.<dim>.id``.

    A custom key (``nsp::COST_CODE``) stays on the line as given: whether it is a custom field of
    the line or a user-defined dimension (then sent as ``dimensions["nsp::..."] = {"key": ...}``)
    only the company's model says, read when the task runs (``catalog.custom_fields``).
    """
    body: dict[str, Any] = {"glAccount": {"id": line["glaccountno"]}, "txnAmount": line["amount"]}
    if line.get("memo"):
        body[text_field] = line["memo"]
    dimensions = {
        dim: {"id": str(line[arg])} for arg, dim in LINE_DIMENSIONS.items() if line.get(arg) not in (None, "")
    }
    if dimensions:
        body["dimensions"] = dimensions
    if line.keys() - _LINE_ARGUMENTS:  # the company's own line fields and dimensions, sent as given for now
        body.update((name, value) for name, value in line.items() if is_custom(name))
    return body


def _optional(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body.update({name: value for name, value in fields.items() if value is not None})
    return body


def _document(
    party: tuple[str, str, Any],
    date_field: str,
    number: tuple[str, str, Any],
    date_created: Any,
    date_due: Any,
    line_items: Any,
    reference_number: Any,
    description: Any,
    currency: Any,
) -> dict[str, Any]:
    """Bills and invoices share one shape: a party, two dates, lines, a currency and optional numbers.

    ``party`` and ``number`` are ``(Intacct field, operator argument, value)``.
    """
    created = check_date("date_created", date_created)
    due = check_date("date_due", date_due)
    check_date_order(("date_created", created), ("date_due", due))
    party_field, party_parameter, party_id = party
    number_field, number_parameter, number_value = number
    code = check_currency("currency", currency)
    body: dict[str, Any] = {
        party_field: {"id": check_id(party_parameter, party_id)},
        date_field: created,
        "dueDate": due,
        "lines": [_line(line) for line in check_lines("line_items", line_items)],
    }
    # The optional fields in a fixed order, each only when given (a bulk pre-flight maps thousands).
    number_text = check_id(number_parameter, number_value, required=False)
    if number_text is not None:
        body[number_field] = number_text
    reference = check_text("reference_number", reference_number)
    if reference is not None:
        body["referenceNumber"] = reference
    text = check_text("description", description)
    if text is not None:
        body["description"] = text
    if code:
        body["currency"] = {"txnCurrency": code}
    return body


def bill_payload(
    vendor_id: Any,
    date_created: Any,
    date_due: Any,
    line_items: Any,
    bill_number: Any = None,
    reference_number: Any = None,
    description: Any = None,
    currency: Any = None,
) -> dict[str, Any]:
    """An AP bill: ``vendor.id``, ``createdDate``, ``dueDate``, ``currency.txnCurrency``, ``lines[]``."""
    return _document(
        ("vendor", "vendor_id", vendor_id),
        "createdDate",
        ("billNumber", "bill_number", bill_number),
        date_created,
        date_due,
        line_items,
        reference_number,
        description,
        currency,
    )


def invoice_payload(
    customer_id: Any,
    date_created: Any,
    date_due: Any,
    line_items: Any,
    invoice_number: Any = None,
    reference_number: Any = None,
    description: Any = None,
    currency: Any = None,
) -> dict[str, Any]:
    """An AR invoice: ``customer.id``, ``invoiceDate``, ``dueDate``, ``currency.txnCurrency``, ``lines[]``."""
    return _document(
        ("customer", "customer_id", customer_id),
        "invoiceDate",
        ("invoiceNumber", "invoice_number", invoice_number),
        date_created,
        date_due,
        line_items,
        reference_number,
        description,
        currency,
    )


def journal_entry_payload(journal_id: Any, posting_date: Any, lines: Any, description: Any = None) -> dict[str, Any]:
    """A GL journal entry: Intacct requires its ``description``; debits must equal credits.

    Line amounts are absolute values (the direction is ``tr_type``), and a line's text is its
    ``description`` (journal-entry lines have no ``memo``; the ``memo`` key is mapped to it).
    """
    text = check_text("description", description)
    if text is None or not text.strip():
        raise IntacctValidationError("description", "the journal entry's description (Intacct requires it)", text)
    checked = check_lines("lines", lines, JOURNAL_LINE_SCHEMA)
    if len(checked) < 2:
        raise IntacctValidationError("lines", "at least two lines (a debit and a credit)", lines)
    for index, line in enumerate(checked):
        if Decimal(line["amount"]) < 0:
            raise IntacctValidationError(
                f"lines[{index}].amount", "an absolute amount (a credit is not negative: use tr_type)", line["amount"]
            )
    check_balanced("lines", checked)
    return {
        "glJournal": {"id": check_id("journal_id", journal_id)},
        "postingDate": check_date("posting_date", posting_date),
        "description": text,
        "lines": [{**_line(line, "description"), "txnType": line["tr_type"]} for line in checked],
    }


def vendor_payload(vendor_id: Any, name: Any) -> dict[str, Any]:
    """An AP vendor: ``id`` and ``name``, the fields Intacct requires (the rest via ``extra_fields``)."""
    return {"id": check_id("vendor_id", vendor_id), "name": check_id("name", name)}


def customer_payload(customer_id: Any, name: Any) -> dict[str, Any]:
    """An AR customer: ``id`` and ``name`` (the rest via ``extra_fields``)."""
    return {"id": check_id("customer_id", customer_id), "name": check_id("name", name)}


def _detail_key(name: Any) -> bool:
    """A payment detail's own argument, or the company's own field of a detail (``nsp::REMIT_REF``)."""
    return name in ("key", "amount") or is_custom(name)


def check_payment_method(value: Any) -> str:
    """The payment method as the tenant names it, unchanged: non-empty printable text."""
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        expected = 'the payment method as your Intacct company names it, e.g. "Printed Check" or "creditCard"'
        raise IntacctValidationError("payment_method", expected, value)
    return value


def ap_payment_payload(
    vendor_id: Any,
    bank_account_id: Any,
    payment_date: Any,
    bills: Any,
    payment_method: Any,
    currency: Any = "USD",
    description: Any = None,
    document_number: Any = None,
) -> dict[str, Any]:
    """An AP payment: the documented way a bill becomes paid (``details[].bill`` + ``paymentAmount``).

    ``bills`` is a list (or JSON text) of ``{"key": <bill key>, "amount": "<amount paid>"}``, each
    with the company's own fields of a payment detail beside them (``"nsp::REMIT_REF": "R-7"``): sent
    on the detail as given here, checked against the company's model when the task runs
    (``catalog.custom_fields``), like a bill line's.
    ``payment_method`` is sent exactly as given: Sage's schema has no enum for it (its examples say
    ``"Printed Check"`` and ``creditCard``), so the provider neither guesses a default nor rewrites it.
    """
    items = parse_json("bills", bills)
    if not isinstance(items, list) or not items:
        raise IntacctValidationError("bills", "a non-empty list of {'key': bill key, 'amount': '100.00'}", bills)
    details = []
    for index, item in enumerate(items):
        where = f"bills[{index}]"
        if not isinstance(item, Mapping) or not {"key", "amount"} <= item.keys() or not all(map(_detail_key, item)):
            raise IntacctValidationError(
                where, "an object with 'key' and 'amount' (and the company's own 'nsp::' fields of a detail)", item
            )
        amount = check_amount(f"{where}.amount", item["amount"])
        if Decimal(amount) <= 0:
            raise IntacctValidationError(f"{where}.amount", "a positive amount", item["amount"])
        detail = {"bill": {"key": check_id(f"{where}.key", item["key"])}, "txnCurrency": {"paymentAmount": amount}}
        detail.update((name, value) for name, value in item.items() if is_custom(name))  # checked in execute()
        details.append(detail)
    code = check_currency("currency", currency)
    if code is None:
        raise IntacctValidationError("currency", "the payment's ISO currency code such as 'USD'", currency)
    body = {
        "financialEntity": {"entityId": check_id("bank_account_id", bank_account_id)},
        "vendor": {"id": check_id("vendor_id", vendor_id)},
        "paymentMethod": check_payment_method(payment_method),
        "paymentDate": check_date("payment_date", payment_date),
        "txnCurrency": {"currency": code},
        "details": details,
    }
    return _optional(
        body,
        description=check_text("description", description),
        documentNumber=check_text("document_number", document_number),
    )

"""Turn checked operator arguments into Intacct create bodies.

One mapping function per creatable object; operators call them and never
build JSON themselves. Every function validates first (see ``validation``),
so a bad argument fails before any request.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct_provider.objects import IntacctObject
from intacct_provider.validation import (
    JOURNAL_LINE_SCHEMA,
    LINE_DIMENSIONS,
    check_balanced,
    check_date,
    check_date_order,
    check_id,
    check_lines,
    check_text,
)


def _line(line: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"glAccount": {"id": line["glaccountno"]}, "txnAmount": line["amount"]}
    if line.get("memo"):
        body["memo"] = line["memo"]
    dimensions = {
        dim: {"id": str(line[arg])} for arg, dim in LINE_DIMENSIONS.items() if line.get(arg) not in (None, "")
    }
    if dimensions:
        body["dimensions"] = dimensions
    return body


def _optional(body: dict[str, Any], **fields: str | None) -> dict[str, Any]:
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
) -> dict[str, Any]:
    """Bills and invoices share one shape: a party, two dates, lines and optional numbers.

    ``party`` and ``number`` are ``(Intacct field, operator argument, value)``.
    """
    created = check_date("date_created", date_created)
    due = check_date("date_due", date_due)
    check_date_order(("date_created", created), ("date_due", due))
    party_field, party_parameter, party_id = party
    number_field, number_parameter, number_value = number
    body = {
        party_field: {"id": check_id(party_parameter, party_id)},
        date_field: created,
        "dueDate": due,
        "lines": [_line(line) for line in check_lines("line_items", line_items)],
    }
    return _optional(
        body,
        **{number_field: check_id(number_parameter, number_value, required=False)},
        referenceNumber=check_text("reference_number", reference_number),
        description=check_text("description", description),
    )


def bill_payload(
    vendor_id: Any,
    date_created: Any,
    date_due: Any,
    line_items: Any,
    bill_number: Any = None,
    reference_number: Any = None,
    description: Any = None,
) -> dict[str, Any]:
    """An AP bill: ``vendor.id``, ``createdDate``, ``dueDate``, ``lines[]``."""
    return _document(
        ("vendor", "vendor_id", vendor_id),
        "createdDate",
        ("billNumber", "bill_number", bill_number),
        date_created,
        date_due,
        line_items,
        reference_number,
        description,
    )


def invoice_payload(
    customer_id: Any,
    date_created: Any,
    date_due: Any,
    line_items: Any,
    invoice_number: Any = None,
    reference_number: Any = None,
    description: Any = None,
) -> dict[str, Any]:
    """An AR invoice: ``customer.id``, ``invoiceDate``, ``dueDate``, ``lines[]``."""
    return _document(
        ("customer", "customer_id", customer_id),
        "invoiceDate",
        ("invoiceNumber", "invoice_number", invoice_number),
        date_created,
        date_due,
        line_items,
        reference_number,
        description,
    )


def journal_entry_payload(journal_id: Any, posting_date: Any, lines: Any, description: Any = None) -> dict[str, Any]:
    """A GL journal entry; debits must equal credits before it is sent."""
    checked = check_lines("lines", lines, JOURNAL_LINE_SCHEMA)
    check_balanced("lines", checked)
    body = {
        "glJournal": {"id": check_id("journal_id", journal_id)},
        "postingDate": check_date("posting_date", posting_date),
        "lines": [{**_line(line), "txnType": line["tr_type"]} for line in checked],
    }
    return _optional(body, description=check_text("description", description))


def party_payload(id_parameter: str, party_id: Any, name: Any) -> dict[str, Any]:
    """A vendor or customer: ``id`` and ``name``, the fields Intacct requires.

    Contact details live in nested contact objects whose shape varies by tenant
    configuration; set them afterwards with ``IntacctUpdateRecordOperator``.
    """
    return {"id": check_id(id_parameter, party_id), "name": check_id("name", name)}


def natural_key_filters(obj: IntacctObject, payload: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Query filters that find the record this payload creates, if it names its own key.

    A bill with a ``billNumber`` is unique per vendor; one left to Intacct's
    numbering has no key the client knows, and only its idempotency key protects it.
    """
    if not obj.natural_key:
        return None
    values = [_dotted(payload, name) for name in obj.natural_key]
    if any(value in (None, "") for value in values):
        return None
    return [{"$eq": {name: value}} for name, value in zip(obj.natural_key, values, strict=True)]


def differences(payload: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """Names of the create body's fields that an existing record does not match.

    References compare by ``id``, amounts as decimals (Intacct may store ``"12.5"``
    as ``"12.50"``), lines in order by GL account, amount and debit/credit.
    """
    mismatched = []
    for name, wanted in payload.items():
        have = record.get(name)
        if name == "lines":
            if _line_summary(wanted) != _line_summary(have if isinstance(have, list) else []):
                mismatched.append("lines")
        elif isinstance(wanted, Mapping):
            if not isinstance(have, Mapping) or str(have.get("id")) != str(wanted.get("id")):
                mismatched.append(f"{name}.id")
        elif str(have) != str(wanted):
            mismatched.append(name)
    return mismatched


def _line_summary(lines: list[Any]) -> list[tuple[str, Decimal, str | None]]:
    summary = []
    for line in lines:
        account = line.get("glAccount") if isinstance(line, Mapping) else None
        amount = line.get("txnAmount") if isinstance(line, Mapping) else None
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            value = Decimal("NaN")
        summary.append((str((account or {}).get("id")), value, line.get("txnType")))
    return summary


def _dotted(payload: Mapping[str, Any], name: str) -> Any:
    value: Any = payload
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value

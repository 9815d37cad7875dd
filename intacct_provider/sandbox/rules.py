"""Business rules that look at other records: the 422 and 409 answers.

They run after :mod:`.validation` has accepted the body's shape, on the record as it would be
stored (so a PATCH is judged on the merged result, exactly like a create).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import ApiError, detail
from .schema import DIMENSIONS, Field, ObjectDef, get_path

if TYPE_CHECKING:
    from .store import Store


def check_record(store: Store, obj: ObjectDef, record: dict[str, Any], key: str | None) -> None:
    """Raise 422 for broken business rules, then 409 for unique-key conflicts.

    ``key`` is the record's own key on update (so it does not conflict with itself), None on create.
    """
    problems = _reference_problems(store, obj.fields, record, "")
    for index, line in enumerate(record.get("lines") or []):
        problems += _reference_problems(store, obj.line_fields, line, f"/lines/{index}")
        problems += _dimension_problems(store, line, index)
    problems += _date_problems(obj, record)
    if obj.path == "general-ledger/journal-entry":
        problems += _balance_problems(record)
    if problems:
        raise ApiError.from_details(422, problems)
    conflict = _unique_conflict(store, obj, record, key)
    if conflict:
        raise ApiError.from_details(409, [conflict])


def _reference_problems(
    store: Store, fields: dict[str, Field], data: dict[str, Any], pointer: str
) -> list[dict[str, str]]:
    problems = []
    for spec in fields.values():
        value = get_path(data, spec.name) if spec.ref else None
        if spec.ref is None or value is None:
            continue
        target = store.find_by_id(spec.ref, value)
        ptr = pointer + spec.pointer
        label = store.table(spec.ref).obj.label
        if target is None:
            problems.append(detail("referenceNotFound", f"{label.capitalize()} '{value}' does not exist", ptr))
        elif target.get("status") == "inactive":
            problems.append(detail("referenceInactive", f"{label.capitalize()} '{value}' is inactive", ptr))
    return problems


def _dimension_problems(store: Store, line: dict[str, Any], index: int) -> list[dict[str, str]]:
    """Some GL accounts require a dimension on every line that posts to them."""
    account = store.find_by_id("general-ledger/account", get_path(line, "glAccount.id"))
    if account is None:
        return []
    problems = []
    for dim in DIMENSIONS:
        if account["requiredDimensions"][dim] and not get_path(line, f"dimensions.{dim}.id"):
            ptr = f"/lines/{index}/dimensions/{dim}/id"
            message = f"Line {index + 1}: GL account {account['id']} is missing the {dim.capitalize()} dimension"
            problems.append(detail("dimensionRequired", message, ptr))
    return problems


def _date_problems(obj: ObjectDef, record: dict[str, Any]) -> list[dict[str, str]]:
    start = record.get("createdDate") or record.get("invoiceDate")
    due = record.get("dueDate")
    if obj.party and start and due and due < start:
        start_name = "createdDate" if obj.party == "vendor" else "invoiceDate"
        message = f"dueDate {due} is before {start_name} {start}"
        return [detail("invalidDueDate", message, "/dueDate")]
    return []


def _balance_problems(record: dict[str, Any]) -> list[dict[str, str]]:
    totals = {"debit": Decimal(0), "credit": Decimal(0)}
    for line in record["lines"]:
        totals[line["txnType"]] += Decimal(line["txnAmount"])
    if totals["debit"] != totals["credit"]:
        message = f"Debits ({totals['debit']:.2f}) must equal credits ({totals['credit']:.2f})"
        return [detail("unbalancedEntry", message, "/lines")]
    return []


def _unique_conflict(store: Store, obj: ObjectDef, record: dict[str, Any], key: str | None) -> dict[str, str] | None:
    table = store.table(obj.path)
    if obj.party and obj.number_field:
        number = record.get(obj.number_field)
        party_id = record[obj.party]["id"]
        holder = table.numbers.get((party_id, number)) if number else None
        if holder is not None and holder != key:
            message = f"A {obj.label} with {obj.number_field} '{number}' already exists for {obj.party} '{party_id}'"
            return detail("duplicateKey", message, "/" + obj.number_field)
    elif not obj.transaction and key is None and record["id"] in table.ids:
        return detail("duplicateKey", f"A {obj.label} with id '{record['id']}' already exists", "/id")
    return None

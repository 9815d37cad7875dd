"""Business rules that look at other records: the 422 and 409 answers.

They run after :mod:`.validation` has accepted the body's shape, on the record as it would be
stored (so a PATCH is judged on the merged result, exactly like a create).  References may name
their target by ``key`` or ``id``, as the contract allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import ApiError, detail
from .schema import DIMENSION_PATHS, ObjectDef, get_parts

#: Where a tenant's custom objects (and so its user-defined dimensions) live.
CUSTOM_OBJECTS = "platform-apps/"

if TYPE_CHECKING:
    from .tables import Tables


def check_record(
    store: Tables, obj: ObjectDef, record: dict[str, Any], key: str | None, *, missing_status: int = 422
) -> None:
    """Raise 422 for broken business rules, then 409 for unique-key conflicts.

    ``key`` is the record's own key on update (so it does not conflict with itself), None on create.
    A record that passes has every resolved reference completed with both ``key`` and ``id``, as
    Intacct reads them back (a user-defined dimension with ``key`` and ``href``, as Sage's example).
    ``missing_status``: the status refusing a custom relationship that names no record, 422 like
    any reference, or 400 (the ``relationship_missing_status`` reading: Sage does not say).
    """
    found: list[tuple[dict[str, Any], dict[str, Any], bool]] = []
    related = tuple((name, path) for name, path in obj.header_refs if name in obj.relationships)
    problems = [  # a custom relationship's problem names the field: the company named it, Sage's labels do not
        {**problem, "message": f"{problem['target'].split('/')[1]}: {problem['message']}"}
        for problem in _reference_problems(store, related, record, "", found)
    ]
    if problems and missing_status == 400:
        raise ApiError.from_details(400, problems)
    standard = tuple((name, path) for name, path in obj.header_refs if name not in obj.relationships)
    problems += _reference_problems(store, standard, record, "", found)
    lines = record.get(obj.lines) if obj.lines else None
    for index, line in enumerate(lines or []):
        problems += _reference_problems(store, obj.line_refs, line, f"/{obj.lines}/{index}", found)
        if obj.lines == "lines":
            problems += _dimension_problems(store, line, index)
    if obj.min_lines and len(lines or []) < obj.min_lines:
        problems.append(detail("linesRequired", f"A {obj.label} needs at least {obj.min_lines} line", "/lines"))
    problems += _date_problems(obj, record)
    if obj.path == "general-ledger/journal-entry":
        problems += _balance_problems(record)
    if problems:
        raise ApiError.from_details(422, problems)
    for ref, target, dimension in found:
        if dimension:  # a user-defined dimension reads back as key and href (Sage's example)
            ref["key"], ref["href"] = target["key"], target["href"]
        else:
            ref["key"], ref["id"] = target["key"], target["id"]
    conflict = _unique_conflict(store, obj, record, key)
    if conflict:
        raise ApiError.from_details(409, [conflict])


@dataclass(frozen=True)
class _Reference:
    """One reference field of an object, with what its problems are worded with."""

    leaf: str  # the last part of the dotted name
    target: str  # the referenced object's path
    pointer: str  # "/dimensions/location"

    @property
    def dimension(self) -> bool:
        """A user-defined dimension (a custom object's record in a line's ``dimensions``)."""
        return self.target.startswith(CUSTOM_OBJECTS) and self.pointer.startswith("/dimensions/")

    def label(self, store: Tables) -> str:
        """The referenced object's label, capitalised (a tenant's custom object's too)."""
        label = store.table(self.target).obj.label
        return label[:1].upper() + label[1:]


_Plan = tuple[tuple[tuple[str, ...], tuple[_Reference, ...]], ...]


@cache
def _references(refs: tuple[tuple[str, str], ...]) -> _Plan:
    """``refs`` prepared once per object rather than once per record (an array POST checks 500):
    runs of consecutive references under the same parent (``dimensions``), so a line without
    dimensions costs one lookup for all six, and the order of the problems stays that of ``refs``."""
    plan: list[tuple[tuple[str, ...], list[_Reference]]] = []
    for name, path in refs:
        *parent, leaf = name.split(".")
        spec = _Reference(leaf, path, "/" + name.replace(".", "/"))
        if plan and plan[-1][0] == tuple(parent):
            plan[-1][1].append(spec)
        else:
            plan.append((tuple(parent), [spec]))
    return tuple((parent, tuple(specs)) for parent, specs in plan)


def _reference_problems(
    store: Tables,
    refs: tuple[tuple[str, str], ...],
    data: dict[str, Any],
    pointer: str,
    found: list[tuple[dict[str, Any], dict[str, Any], bool]],
) -> list[dict[str, str]]:
    """Problems of the references in ``data``; each one that resolves goes to ``found`` (reference,
    target), for the caller to complete once the whole record has passed."""
    problems = []
    for parent_parts, specs in _references(refs):
        parent = get_parts(data, parent_parts)
        if not isinstance(parent, dict):
            continue
        for spec in specs:
            ref = parent.get(spec.leaf)
            if not isinstance(ref, dict) or (ref.get("key") is None and ref.get("id") is None):
                continue
            target = store.resolve(spec.target, ref)
            if target is None:
                by = "key" if ref.get("key") is not None else "id"
                message = f"{spec.label(store)} '{ref[by]}' does not exist"
                problems.append(detail("referenceNotFound", message, f"{pointer}{spec.pointer}/{by}"))
                continue
            found.append((ref, target, spec.dimension))
            if ref.get("key") is not None and ref.get("id") is not None and target["id"] != ref["id"]:
                message = f"{spec.label(store)} key '{ref['key']}' has id '{target['id']}', not '{ref['id']}'"
                problems.append(detail("referenceMismatch", message, f"{pointer}{spec.pointer}/key"))
            elif target.get("status") == "inactive":
                by = "key" if ref.get("key") is not None else "id"
                message = f"{spec.label(store)} '{target['id']}' is inactive"
                problems.append(detail("referenceInactive", message, f"{pointer}{spec.pointer}/{by}"))
    return problems


def relationship_id_problems(obj: ObjectDef, body: dict[str, Any]) -> list[dict[str, str]]:
    """A custom relationship written by ``id``: refused under the stricter reading (Sage's examples of
    a custom object's record in a reference write its ``key`` only; whether ``id`` is accepted is unknown)."""
    problems = []
    for name in obj.relationships:
        ref = body.get(name)
        if isinstance(ref, dict) and ref.get("id") is not None:
            message = f"/{name}/id is read-only: name the related record by its key"
            problems.append(detail("readOnlyField", message, f"/{name}/id"))
    return problems


def _dimension_problems(store: Tables, line: dict[str, Any], index: int) -> list[dict[str, str]]:
    """Some GL accounts require a dimension on every line that posts to them."""
    ref = line.get("glAccount")
    account = store.resolve("general-ledger/account", ref) if isinstance(ref, dict) else None
    required = account.get("requireDimensions") if account is not None else None
    if account is None or not isinstance(required, dict):
        return []
    problems = []
    for dim in DIMENSION_PATHS:
        if not required.get(dim):
            continue
        given = get_parts(line, ("dimensions", dim)) or {}
        if not (given.get("id") or given.get("key")):
            ptr = f"/lines/{index}/dimensions/{dim}"
            message = f"Line {index + 1}: GL account {account['id']} is missing the {dim} dimension"
            problems.append(detail("dimensionRequired", message, ptr))
    return problems


_START_DATES = {"vendor": "createdDate", "customer": "invoiceDate"}  # a document's date, by party


def _date_problems(obj: ObjectDef, record: dict[str, Any]) -> list[dict[str, str]]:
    start_name = _START_DATES.get(obj.party or "")
    start = record.get(start_name) if start_name else None
    due = record.get("dueDate")
    if start_name and start and due and due < start:
        return [detail("invalidDueDate", f"dueDate {due} is before {start_name} {start}", "/dueDate")]
    return []


def _balance_problems(record: dict[str, Any]) -> list[dict[str, str]]:
    totals = {"debit": Decimal(0), "credit": Decimal(0)}
    for line in record["lines"]:
        totals[line.get("txnType", "debit")] += Decimal(line["txnAmount"])
    if totals["debit"] != totals["credit"]:
        message = f"Debits ({totals['debit']:.2f}) must equal credits ({totals['credit']:.2f})"
        return [detail("unbalancedEntry", message, "/lines")]
    return []


def _unique_conflict(store: Tables, obj: ObjectDef, record: dict[str, Any], key: str | None) -> dict[str, str] | None:
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

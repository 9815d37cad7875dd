"""The company's records: tables keyed by ``key``, their indexes, entity scoping and writes.

Not thread-safe on its own: the server holds one lock around every call.  Records are kept by key
in dicts with side indexes (id -> key, party+number -> key), so creates, reads and reference checks
stay O(1) however large the seed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from .clock import Clock
from .errors import ApiError, detail
from .rules import check_record
from .schema import OBJECTS, Field, ObjectDef, get_path, set_path
from .validation import check_body, is_decimal

_TRANSACTIONAL_STATES = ("draft", "posted")


def money(value: str | Decimal) -> str:
    """Amounts as Intacct prints them: at least two decimals, never fewer."""
    amount = Decimal(value)
    if amount.as_tuple().exponent >= -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return str(amount)


def copy_record(record: dict[str, Any]) -> dict[str, Any]:
    """Deep copy of a JSON-shaped record (much faster than copy.deepcopy)."""
    copied: dict[str, Any] = json.loads(json.dumps(record))
    return copied


class Table:
    """Records of one object type plus the indexes the rules need.

    ``records`` is always in ascending key order: keys only grow, seeds insert in order, and
    updates replace in place.  Listing and the query service rely on this to skip a sort.
    """

    def __init__(self, obj: ObjectDef) -> None:
        self.obj = obj
        self.records: dict[str, dict[str, Any]] = {}
        self.ids: dict[str, str] = {}  # master data: id -> key
        self.numbers: dict[tuple[str, str], str] = {}  # documents: (party id, number) -> key
        self.next_key = obj.first_key
        self.next_number = 100

    def index(self, record: dict[str, Any]) -> None:
        key = record["key"]
        self.records[key] = record
        self.next_key = max(self.next_key, int(key) + 1)
        if self.obj.party and self.obj.number_field:
            self.numbers[(record[self.obj.party]["id"], record[self.obj.number_field])] = key
        elif not self.obj.transaction:
            self.ids[record["id"]] = key

    def unindex(self, record: dict[str, Any]) -> None:
        del self.records[record["key"]]
        self._forget(record)

    def replace(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Swap a record for its updated version, keeping its place in key order."""
        self._forget(old)
        self.index(new)

    def _forget(self, record: dict[str, Any]) -> None:
        if self.obj.party and self.obj.number_field:
            self.numbers.pop((record[self.obj.party]["id"], record[self.obj.number_field]), None)
        elif not self.obj.transaction:
            self.ids.pop(record["id"], None)


class Store:
    """All tables of one company, with Intacct's create/read/update/delete semantics."""

    def __init__(self, clock: Clock, user_id: str) -> None:
        self.clock = clock
        self.user_id = user_id
        self.tables = {path: Table(obj) for path, obj in OBJECTS.items()}

    # ----------------------------------------------------------------- lookups
    def table(self, path: str) -> Table:
        table = self.tables.get(path)
        if table is None:
            raise ApiError(404, f"Object '{path}' does not exist", [detail("unknownObject", path)])
        return table

    def find_by_id(self, path: str, record_id: Any) -> dict[str, Any] | None:
        """Master data record with user-facing ``record_id`` (references name ids, not keys)."""
        table = self.tables[path]
        key = table.ids.get(record_id) if isinstance(record_id, str) else None
        return table.records[key] if key is not None else None

    def entity_ids(self) -> set[str]:
        locations = self.tables["company-config/location"].records.values()
        return {loc["id"] for loc in locations if loc["isEntity"]}

    def check_entity(self, entity: str | None) -> None:
        if entity is not None and entity not in self.entity_ids():
            message = f"Entity '{entity}' does not exist"
            raise ApiError(400, message, [detail("invalidEntity", message, "X-IA-API-Param-Entity")])

    def visible(self, path: str, entity: str | None) -> Iterator[dict[str, Any]]:
        """Records a caller scoped to ``entity`` may see: master data is shared by all entities."""
        table = self.table(path)
        if entity is None or not table.obj.transaction:
            return iter(table.records.values())
        return (rec for rec in table.records.values() if rec["entity"]["id"] == entity)

    def get(self, path: str, key: str, entity: str | None) -> dict[str, Any]:
        table = self.table(path)
        record = table.records.get(key)
        if record is None or (entity is not None and table.obj.transaction and record["entity"]["id"] != entity):
            message = f"The {table.obj.label} with key '{key}' was not found"
            raise ApiError(404, message, [detail("recordNotFound", message, key)])
        return record

    def list_refs(self, path: str, entity: str | None) -> list[dict[str, Any]]:
        """Every visible record's reference, ordered by key."""
        return [{"key": r["key"], "id": r["id"], "href": r["href"]} for r in self.visible(path, entity)]

    # ------------------------------------------------------------------ writes
    def adopt(self, path: str, record: dict[str, Any]) -> None:
        """Insert a fully formed record (the seed), keeping indexes and counters right."""
        table = self.tables[path]
        table.index(record)
        number = record["id"] if table.obj.number_prefix else None
        if number and number.startswith(table.obj.number_prefix) and number[len(table.obj.number_prefix) :].isdigit():
            table.next_number = max(table.next_number, int(number[len(table.obj.number_prefix) :]) + 1)

    def create(self, path: str, body: dict[str, Any], entity: str | None, require_numbers: bool) -> dict[str, Any]:
        table = self.table(path)
        obj = table.obj
        check_body(obj, body, creating=True, require_numbers=require_numbers)
        record = blank_record(obj)
        apply_body(obj, record, body)
        if obj.party and record["state"] not in _TRANSACTIONAL_STATES:
            message = f"A {obj.label} can only be created as draft or posted"
            raise ApiError.from_details(422, [detail("invalidState", message, "/state")])
        check_record(self, obj, record, None)
        key = str(table.next_key)
        stamp = self.clock.stamp()
        record["key"], record["href"] = key, f"/objects/{path}/{key}"
        record["audit"] = {
            "createdDateTime": stamp,
            "modifiedDateTime": stamp,
            "createdBy": self.user_id,
            "modifiedBy": self.user_id,
        }
        record["entity"] = {"id": entity if obj.transaction else None}
        if obj.number_prefix:
            self._number(table, record)
        if obj.party:
            record["totalPaid"] = "0.00"
            _compute_totals(record)
        table.index(record)
        return record

    def update(self, path: str, key: str, body: dict[str, Any], entity: str | None) -> dict[str, Any]:
        table = self.table(path)
        obj = table.obj
        current = self.get(path, key, entity)
        check_body(obj, body, creating=False, require_numbers=False)
        record = copy_record(current)
        apply_body(obj, record, body)
        if obj.party:
            _apply_state_change(obj, current, record, body)
        check_record(self, obj, record, key)
        if obj.number_field:
            record["id"] = record[obj.number_field] or current["id"]
            record[obj.number_field] = record["id"]
        if obj.party:
            _compute_totals(record)
        record["audit"]["modifiedDateTime"] = self.clock.stamp()
        record["audit"]["modifiedBy"] = self.user_id
        table.replace(current, record)
        return record

    def delete(self, path: str, key: str, entity: str | None) -> None:
        table = self.table(path)
        record = self.get(path, key, entity)
        if table.obj.party and Decimal(record["totalPaid"]) != 0:
            message = f"The {table.obj.label} has payments applied and cannot be deleted"
            raise ApiError.from_details(422, [detail("hasPayments", message, key)])
        if not table.obj.transaction:
            holder = self._referencing(table.obj, record["id"])
            if holder is not None:
                message = f"The {table.obj.label} '{record['id']}' is used by {holder} and cannot be deleted"
                raise ApiError.from_details(422, [detail("inUse", message, key)])
        table.unindex(record)

    def pay(self, path: str, key: str, amount: str | None) -> dict[str, Any]:
        """Apply a payment to a posted bill or invoice (the sandbox's stand-in for AP/AR payments)."""
        table = self.table(path)
        if not table.obj.party:
            raise ApiError(400, f"Payments apply to bills and invoices, not to {path}")
        record = self.get(path, key, None)
        if amount is not None and not is_decimal(amount):
            raise ApiError(400, f'Payment amount must be a decimal string such as "100.00", not {amount!r}')
        due = Decimal(record["totalTxnAmountDue"])
        value = due if amount is None else Decimal(amount)
        if record["state"] not in ("posted", "partiallyPaid"):
            raise ApiError(422, f"A {record['state']} {table.obj.label} cannot be paid")
        if not 0 < value <= due:
            raise ApiError(422, f"Payment {value} must be more than 0 and at most the amount due {due}")
        record["totalPaid"] = money(Decimal(record["totalPaid"]) + value)
        _compute_totals(record)
        record["state"] = "paid" if Decimal(record["totalTxnAmountDue"]) == 0 else "partiallyPaid"
        record["audit"]["modifiedDateTime"] = self.clock.stamp()
        record["audit"]["modifiedBy"] = self.user_id
        return record

    # ----------------------------------------------------------------- helpers
    def _number(self, table: Table, record: dict[str, Any]) -> None:
        """Document numbering: keep the client's number, else the next free ``PREFIX-n``."""
        obj = table.obj
        if obj.number_field and record.get(obj.number_field):
            record["id"] = record[obj.number_field]
            return
        party_id = record[obj.party]["id"] if obj.party else ""
        while True:
            number = f"{obj.number_prefix}{table.next_number}"
            table.next_number += 1
            if (party_id, number) not in table.numbers:
                break
        record["id"] = number
        if obj.number_field:
            record[obj.number_field] = number

    def _referencing(self, obj: ObjectDef, record_id: str) -> str | None:
        """A description of one transaction that references master record ``record_id``, if any."""
        for table in self.tables.values():
            if not table.obj.transaction:
                continue
            header = [f for f in table.obj.fields.values() if f.ref == obj.path]
            lines = [f for f in table.obj.line_fields.values() if f.ref == obj.path]
            for rec in table.records.values():
                owned = obj.path == "company-config/location" and rec["entity"]["id"] == record_id
                used = _uses(header, rec, record_id) or any(_uses(lines, ln, record_id) for ln in rec["lines"])
                if owned or used:
                    return f"{table.obj.label} {rec['id']}"
        return None


def _uses(fields: list[Field], data: dict[str, Any], record_id: str) -> bool:
    return any(get_path(data, spec.name) == record_id for spec in fields)


def blank_record(obj: ObjectDef) -> dict[str, Any]:
    """A record with every header field at its default, so stored records all have one shape."""
    record: dict[str, Any] = {}
    for spec in obj.fields.values():
        set_path(record, spec.name, spec.default)
    if obj.has_lines:
        record["lines"] = []
    return record


def _blank_line(obj: ObjectDef) -> dict[str, Any]:
    line: dict[str, Any] = {}
    for spec in obj.line_fields.values():
        set_path(line, spec.name, spec.default)
    return line


def apply_body(obj: ObjectDef, record: dict[str, Any], body: dict[str, Any]) -> None:
    """Copy a validated body into ``record``; sent lines replace the stored ones."""
    for name, value in _leaves(body, ""):
        if name == "lines" and obj.has_lines:
            record["lines"] = [_normalised_line(obj, line) for line in value]
        else:
            set_path(record, name, _normalised(obj.fields[name], value))


def _normalised_line(obj: ObjectDef, line: dict[str, Any]) -> dict[str, Any]:
    stored = _blank_line(obj)
    for name, value in _leaves(line, ""):
        set_path(stored, name, _normalised(obj.line_fields[name], value))
    return stored


def _normalised(spec: Field, value: Any) -> Any:
    return money(value) if spec.type == "decimal" and value is not None else value


def _leaves(data: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    """(dotted name, value) of every leaf; ``lines`` counts as a leaf."""
    for name, value in data.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{name}.")
        else:
            yield prefix + name, value


def _apply_state_change(obj: ObjectDef, current: dict[str, Any], record: dict[str, Any], body: dict[str, Any]) -> None:
    """PATCH ``state``: "paid" settles the document, draft/posted only while nothing is paid."""
    paid = Decimal(current["totalPaid"]) != 0
    if "lines" in body and paid:
        message = f"The lines of a {obj.label} with payments applied cannot be changed"
        raise ApiError.from_details(422, [detail("hasPayments", message, "/lines")])
    if "state" not in body or body["state"] == current["state"]:
        return
    wanted = body["state"]
    if wanted == "paid" and current["state"] in ("posted", "partiallyPaid"):
        record["totalPaid"] = money(sum((Decimal(ln["txnAmount"]) for ln in record["lines"]), Decimal(0)))
    elif wanted not in _TRANSACTIONAL_STATES or paid:
        message = f"The state of a {obj.label} cannot change from {current['state']} to {wanted}"
        raise ApiError.from_details(422, [detail("invalidState", message, "/state")])


def _compute_totals(record: dict[str, Any]) -> None:
    total = sum((Decimal(line["txnAmount"]) for line in record["lines"]), Decimal(0))
    record["totalTxnAmount"] = money(total)
    record["totalTxnAmountDue"] = money(total - Decimal(record["totalPaid"]))

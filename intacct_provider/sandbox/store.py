"""The company's records: tables keyed by ``key``, their indexes, entity scoping and writes.

Not thread-safe on its own: the server holds one lock around every call.  Records are kept by key
in dicts with side indexes (id -> key, party+number -> key), so creates, reads and reference checks
stay O(1) however large the seed.  A record stores what the client sent (amounts normalised,
references completed with both ``key`` and ``id``) plus the fields Intacct computes: no blank
placeholders for fields nobody set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from intacct_provider import contract

from .amounts import amount_paid, compute_totals, money
from .audit import AuditTrail
from .clock import Clock
from .errors import ApiError, detail
from .payments import PAYABLE_STATES, settle
from .readings import Readings
from .rules import check_record, relationship_id_problems
from .schema import OBJECTS, OWNED, ObjectDef, get_path
from .tables import Table
from .tenant import TenantError
from .validation import CONTRACT, Schemas, check_body, is_decimal
from .workflows import advance, pay_out

if TYPE_CHECKING:
    from .tenant import Tenant

ID_SEMANTICS = ("key", "number")
DOCUMENTS = ("accounts-payable/bill", "accounts-receivable/invoice")


_CONTAINERS = (dict, list, tuple)  # what a JSON round trip copies (a tuple becomes a list)


def copy_record(record: dict[str, Any]) -> dict[str, Any]:
    """Deep copy of a JSON-shaped record: what a JSON round trip gives (new dicts and lists,
    tuples as lists, the immutable scalars shared), at well under half its cost."""
    copied: dict[str, Any] = copy_json(record)
    return copied


def copy_json(value: Any) -> Any:
    """Deep copy of any JSON-shaped value (see :func:`copy_record`)."""
    if isinstance(value, dict):  # scalars are shared without a call: most values are
        return {name: copy_json(item) if isinstance(item, _CONTAINERS) else item for name, item in value.items()}
    if isinstance(value, _CONTAINERS):
        return [copy_json(item) if isinstance(item, _CONTAINERS) else item for item in value]
    return value


Normaliser = Callable[[Any], Any]


@cache
def normaliser(path: str, operation: str) -> Normaliser:
    """A function writing every decimal amount of a body the Intacct way ("10.5" -> "10.50"), in
    place, and returning the body.

    In place because the store takes over the bodies it is given: each caller passes one it has
    just parsed or built and does not use again, so a copy would only be thrown away.  The
    schema is walked once per object and operation, and only the parts of it that can hold an
    amount are visited in a body (on a bill, its lines' ``txnAmount``).
    """
    return _compile(contract.load_schema(path, operation)) or _unchanged


def _compile(schema: dict[str, Any] | None) -> Normaliser | None:
    """The normaliser of values described by ``schema``; None if none of them can hold an amount."""
    if schema is None:
        return None
    compiled = {name: _compile(sub) for name, sub in schema.get("properties", {}).items()}
    props = {name: each for name, each in compiled.items() if each is not None}
    items = _compile(schema.get("items"))
    decimal = schema.get("format") == "decimal-precision-2"
    if not (props or items or decimal):
        return None

    def normalise(value: Any) -> Any:
        if isinstance(value, dict):
            for name, each in props.items():
                if name in value:
                    value[name] = each(value[name])
        elif isinstance(value, (list, tuple)):
            value = list(value) if isinstance(value, tuple) else value  # as JSON reads it back
            if items is not None:
                for index, item in enumerate(value):
                    value[index] = items(item)
        elif decimal and isinstance(value, str):
            return money(value)
        return value

    return normalise


def _unchanged(value: Any) -> Any:
    return value


def _normaliser(obj: ObjectDef, operation: str) -> Normaliser:
    """The contract's amount normaliser; a custom object has no decimal strings to normalise."""
    return normaliser(obj.path, operation) if obj.contract else _unchanged


def merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """PATCH semantics: objects merge field by field, anything else (lists included) is replaced."""
    for name, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(name), dict):
            merge(target[name], value)
        else:
            target[name] = copy_json(value)


def document_id(obj: ObjectDef, record: dict[str, Any], id_semantics: str) -> str:
    """A transaction's ``id``: its key (the spec's reading) or its document number (``number``)."""
    if id_semantics == "key" or not obj.number_prefix:
        return str(record["key"])
    if obj.number_field:
        return str(record[obj.number_field])
    return f"{obj.number_prefix}{record['txnNumber']}"


class Store:
    """All tables of one company, with Intacct's create/read/update/delete semantics."""

    def __init__(self, clock: Clock, user_id: str, id_semantics: str = "key") -> None:
        self.clock = clock
        self.user_id = user_id
        self.id_semantics = id_semantics
        #: The readings of what the contract leaves open that records follow (set by the state).
        self.readings = Readings()
        #: Every object of this company: the contract's, with a tenant's fields and custom objects added.
        self.objects: dict[str, ObjectDef] = dict(OBJECTS)
        self.tables = {path: Table(obj) for path, obj in self.objects.items()}
        self.entities: dict[str, bool] = {}  # entity id -> private
        #: Every create, update, workflow action and delete, as Intacct's audit trail shows them.
        self.audit = AuditTrail(clock, user_id)
        #: Leave a new record's ``audit.modifiedDateTime`` null until it is first modified (a
        #: setting: Sage's model service calls the stamp nullable, its schema does not).
        self.null_modified_stamps = False
        #: Where writes are validated from: the contract's schemas, or a tenant's.
        self.schemas: Schemas = CONTRACT
        self.tenant: Tenant | None = None
        #: ``http://host:port`` of the server, once bound: records whose schema has ``webURL`` link to
        #: the sandbox's page of the record (Intacct's link to its UI; see :meth:`set_web_origin`).
        self.web_origin: str | None = None
        #: Readings of a tenant's custom relationships (settings): whether one may be written by ``id``
        #: ("refused": only ``key``), and the status refusing one that names no record (422 or 400).
        self.relationship_id = "refused"
        self.relationship_missing_status = 422

    def apply_tenant(self, tenant: Tenant) -> None:
        """Add a company's custom fields, custom objects (with their seed records) and dimensions."""
        self.tenant = tenant
        self.schemas = tenant
        for path, obj in list(self.objects.items()):
            self.objects[path] = self.tables[path].obj = tenant.object_def(obj)
        for obj in tenant.custom_defs():
            self.objects[obj.path] = obj
            self.tables[obj.path] = Table(obj)
        seeded = self.audit.mark()
        for custom in tenant.objects.values():
            for index, record in enumerate(custom.records):
                try:
                    self.create(custom.path, copy_json(dict(record)), None, False)
                except ApiError as error:
                    details = "; ".join(d["message"] for d in error.details) or error.message
                    raise TenantError(f"custom_objects.{custom.name}.records[{index}]: {details}") from None
        self.audit.rollback(seeded)  # seed records have no history, as the contract objects' seed has none

    def set_web_origin(self, origin: str) -> None:
        """Give every record that has a ``webURL`` in Sage's schema (bills, vendors...) its link.

        The server learns its port only when it binds, after the seed was loaded; records created
        later get theirs in :meth:`create`. Objects without ``webURL`` in the contract get none.
        """
        self.web_origin = origin.rstrip("/")
        for path, table in self.tables.items():
            if table.obj.has_web_url:
                for key, record in table.records.items():
                    record["webURL"] = self.web_url(path, key)

    def web_url(self, path: str, key: str) -> str:
        """The sandbox's page of one record (an admin route: no token, like a logged-in browser)."""
        return f"{self.web_origin}/ia/api/v1/sandbox/records/{path}/{key}"

    # ----------------------------------------------------------------- lookups
    def table(self, path: str) -> Table:
        table = self.tables.get(path)
        if table is None:
            raise ApiError(404, f"Object '{path}' does not exist", [detail("unknownObject", path)])
        return table

    def object(self, path: str) -> ObjectDef:
        """The definition of ``path`` in this company; 404 for an object it does not have."""
        return self.table(path).obj

    def find_by_id(self, path: str, record_id: Any) -> dict[str, Any] | None:
        """Record with user-facing ``record_id`` (references name ids, not keys)."""
        table = self.tables[path]
        key = table.ids.get(record_id) if isinstance(record_id, str) else None
        return table.records[key] if key is not None else None

    def resolve(self, path: str, ref: dict[str, Any]) -> dict[str, Any] | None:
        """The record a reference ``{key}`` or ``{id}`` names (the key wins when both are given)."""
        if ref.get("key") is not None:
            return self.tables[path].records.get(str(ref["key"]))
        return self.find_by_id(path, ref.get("id"))

    def each(self, path: str) -> Iterator[dict[str, Any]]:
        """Every record of ``path`` in key order, whatever its entity (what a behaviour may read)."""
        return iter(self.tables[path].records.values())

    def check_entity(self, entity: str | None) -> None:
        if entity is not None and entity not in self.entities:
            message = f"Entity '{entity}' does not exist"
            raise ApiError(400, message, [detail("invalidEntity", message, "X-IA-API-Param-Entity")])

    def visible(self, path: str, entity: str | None, include_private: bool = True) -> Sequence[dict[str, Any]]:
        """Records a caller scoped to ``entity`` may see, in key order (an owned object's: in its
        owners' order): master data is shared by all entities.

        At the top level, ``include_private=False`` hides the records of private entities (the
        query service's ``filterParameters.includePrivate`` default).  The stored records, not
        copies, in a view of the table's indexes (see :class:`~.tables.Table`): read it before the
        next write, and never change it.
        """
        table = self.table(path)
        owned = table.obj.owned
        if owned is not None:  # a payment's details: those of the payments the caller sees, in their order
            return [line for owner in self.visible(owned.owner, entity, include_private) for line in owner[owned.list]]
        if not table.obj.transaction or (entity is None and include_private):
            return table.rows
        if entity is not None:
            return table.of_entity(entity)
        return table.without_entities([name for name, hidden in self.entities.items() if hidden])

    def get(self, path: str, key: str, entity: str | None) -> dict[str, Any]:
        table = self.table(path)
        record = table.records.get(key)
        owned = table.obj.owned
        scope = record if table.obj.transaction else None  # master data: every entity sees it
        if record is not None and owned is not None and owned.back is not None:  # seen as its owner is
            scope = self.tables[owned.owner].records[record[owned.back]["key"]]
        if record is None or (entity is not None and scope is not None and scope["entity"]["id"] != entity):
            message = f"The {table.obj.label} with key '{key}' was not found"
            raise ApiError(404, message, [detail("recordNotFound", message, key)])
        return record

    def list_refs(self, path: str, entity: str | None) -> list[dict[str, Any]]:
        """Every visible record's reference, ordered by key (private entities' records are left out
        at the top level: the list has no ``includePrivate``)."""
        return [{"key": r["key"], "id": r["id"], "href": r["href"]} for r in self.visible(path, entity, False)]

    # ------------------------------------------------------------------ writes
    def adopt(self, path: str, record: dict[str, Any]) -> None:
        """Insert a fully formed record (the seed), keeping indexes and counters right."""
        table = self.tables[path]
        table.index(record)
        obj = table.obj
        self._own(path, record)
        number = record.get(obj.number_field) if obj.number_field else None
        if obj.number_prefix and not obj.number_field:
            table.next_number = max(table.next_number, int(record["txnNumber"]) + 1)
        elif number and number.startswith(obj.number_prefix) and number[len(obj.number_prefix) :].isdigit():
            table.next_number = max(table.next_number, int(number[len(obj.number_prefix) :]) + 1)

    def create(self, path: str, body: dict[str, Any], entity: str | None, require_numbers: bool) -> dict[str, Any]:
        table = self.table(path)
        obj = table.obj
        required = (obj.number_field,) if require_numbers and obj.number_field else ()
        check_body(path, body, operation="create", required=required, schemas=self.schemas)
        self._check_relationship_ids(obj, body)
        record = _normaliser(obj, "create")(body)  # the body becomes the record (see normaliser)
        if obj.state and obj.state["field"] not in record:
            record[obj.state["field"]] = obj.state["default"]
        if "status" in obj.fields and "status" not in record:
            record["status"] = "active"
        key = str(table.next_key)
        if not obj.contract:  # a custom object: "The key and id values ... are always the same"
            record["id"] = key
        else:
            record["entity"] = {"id": entity if obj.transaction else None}
        if not obj.transaction and not record.get("id"):
            # Only customers may omit their id (Sage: not in RequiredProperties): sequencing numbers it.
            record["id"] = f"C-{key}"
        check_record(self, obj, record, None, missing_status=self.relationship_missing_status)
        for check in obj.behaviour.check:
            check(self, record)
        stamp = self.clock.stamp()
        record["key"], record["href"] = key, f"/objects/{path}/{key}"
        record["audit"] = self._audit(stamp, None if self.null_modified_stamps else stamp)
        if obj.has_web_url and self.web_origin is not None:
            record["webURL"] = self.web_url(path, key)
        if obj.number_prefix:
            self._number(table, record)
        if obj.transaction:
            record["id"] = document_id(obj, record, self.id_semantics)
        if obj.party:
            compute_totals(record, Decimal(0))
        for on_create in obj.behaviour.on_create:
            on_create(self, record)
        table.index(record)
        self._own(path, record)
        self.audit.created(path, record)
        if record.get("action") == "submit" and "submit" in obj.workflows:
            # The deprecated create ``action`` (Sage: "submit or post ..., depending on the approval
            # workflow"): the submit workflow, as if called at once.
            advance(self, obj, record, "submit")
        return record

    def update(self, path: str, key: str, body: dict[str, Any], entity: str | None) -> dict[str, Any]:
        table = self.table(path)
        obj = table.obj
        current = self.get(path, key, entity)
        check_body(path, body, operation="update", lines=obj.lines, schemas=self.schemas)
        self._check_relationship_ids(obj, body)
        for before_update in obj.behaviour.before_update:
            before_update(self, current, body)
        record = copy_record(current)
        for name, _ in obj.header_refs:
            if name in body:  # a reference is replaced whole: a new id must not meet the old key
                record.pop(name, None)
        merge(record, _normaliser(obj, "update")(body))
        paid = amount_paid(current)
        if obj.lines and obj.lines in body and paid:
            message = f"The lines of a {obj.label} with payments applied cannot be changed"
            raise ApiError.from_details(422, [detail("hasPayments", message, "/lines")])
        check_record(self, obj, record, key, missing_status=self.relationship_missing_status)
        for check in obj.behaviour.check:
            check(self, record)
        if obj.number_field and not record.get(obj.number_field):
            record[obj.number_field] = current[obj.number_field]
        if obj.transaction:
            record["id"] = document_id(obj, record, self.id_semantics)
        if obj.party:
            compute_totals(record, paid)
        self.touch(record)
        table.replace(current, record)
        self.audit.modified(path, current, record)
        return record

    def delete(self, path: str, key: str, entity: str | None) -> None:
        table = self.table(path)
        record = self.get(path, key, entity)
        if table.obj.party and amount_paid(record) != 0:
            message = f"The {table.obj.label} has payments applied and cannot be deleted"
            raise ApiError.from_details(422, [detail("hasPayments", message, key)])
        for before_delete in table.obj.behaviour.before_delete:
            before_delete(self, record)
        if not table.obj.transaction:
            holder = self._referencing(table.obj, record)
            if holder is not None:
                message = f"The {table.obj.label} '{record['id']}' is used by {holder} and cannot be deleted"
                raise ApiError.from_details(422, [detail("inUse", message, key)])
        table.unindex(record)
        self._disown(path, record)
        self.audit.deleted(path, record)

    def pay(self, path: str, key: str, amount: str | None) -> dict[str, Any]:
        """Pay a posted bill or invoice (the sandbox's control for tests and demos).

        A bill is paid the way Intacct pays it: an AP payment for it is created (a draft) and taken
        through its workflow (submit, and approve, print, confirm as the ``payment_flow`` reading
        needs) until it is applied.  Invoices (the sandbox has no AR payment object) are settled
        directly.
        """
        table = self.table(path)
        if not table.obj.party:
            raise ApiError(400, f"Payments apply to bills and invoices, not to {path}")
        record = self.get(path, key, None)
        if amount is not None and not is_decimal(amount):
            raise ApiError(400, f'Payment amount must be a decimal string such as "100.00", not {amount!r}')
        due = Decimal(record["totalTxnAmountDue"])
        value = due if amount is None else Decimal(amount)
        if path == "accounts-payable/bill":
            body = {
                "financialEntity": {"entityId": "SANDBOX-BANK"},
                "paymentMethod": "Printed Check",
                "paymentDate": self.clock.stamp()[:10],
                "vendor": {"key": record["vendor"]["key"]},
                "txnCurrency": {"currency": record["currency"]["txnCurrency"]},
                "details": [{"bill": {"key": key}, "txnCurrency": {"paymentAmount": money(value)}}],
            }
            payment = self.create("accounts-payable/payment", body, record["entity"]["id"], False)
            pay_out(self, self.table("accounts-payable/payment").obj, payment)
            return record
        if record["state"] not in PAYABLE_STATES:
            raise ApiError(422, f"A {record['state']} {table.obj.label} cannot be paid")
        if not 0 < value <= due:
            raise ApiError(422, f"Payment {value} must be more than 0 and at most the amount due {due}")
        settle(self, record, amount_paid(record) + value, self.clock.stamp()[:10])
        return record

    def set_id_semantics(self, id_semantics: str) -> None:
        """Switch what a transaction's ``id`` is, rewriting the stored ones (a run-time setting)."""
        self.id_semantics = id_semantics
        for table in self.tables.values():
            if not table.obj.transaction:
                continue
            for record in list(table.records.values()):
                table.ids.pop(record["id"], None)
                record["id"] = document_id(table.obj, record, id_semantics)
                table.ids[record["id"]] = record["key"]

    def touch(self, record: dict[str, Any]) -> None:
        """Stamp a change by the API user."""
        record["audit"]["modifiedDateTime"] = self.clock.stamp()
        record["audit"]["modifiedBy"] = self.user_id
        record["audit"]["modifiedByUser"] = {"id": self.user_id}

    def workflow_done(self, path: str, record: dict[str, Any], action: str, previous_state: str) -> None:
        """A workflow action moved ``record`` out of ``previous_state``: the trail records it."""
        self.audit.workflow(path, record, action, previous_state)

    # ----------------------------------------------------------------- helpers
    def _audit(self, created: str, modified: str | None) -> dict[str, Any]:
        modifier = None if modified is None else self.user_id
        return {
            "createdDateTime": created,
            "modifiedDateTime": modified,
            "createdBy": self.user_id,
            "modifiedBy": modifier,
            "createdByUser": {"id": self.user_id},
            "modifiedByUser": {"id": modifier},
        }

    def _number(self, table: Table, record: dict[str, Any]) -> None:
        """Document sequencing: keep the client's number, else the next free ``PREFIX-n``."""
        obj = table.obj
        if not obj.number_field:
            record["txnNumber"] = table.next_number
            table.next_number += 1
            return
        if record.get(obj.number_field):
            return
        party_id = record[obj.party]["id"] if obj.party else ""
        while True:
            number = f"{obj.number_prefix}{table.next_number}"
            table.next_number += 1
            if (party_id, number) not in table.numbers:
                break
        record[obj.number_field] = number

    def _check_relationship_ids(self, obj: ObjectDef, body: dict[str, Any]) -> None:
        """400 for a custom relationship written by ``id`` while the ``relationship_id`` reading refuses it."""
        if obj.relationships and self.relationship_id == "refused":
            problems = relationship_id_problems(obj, body)
            if problems:
                raise ApiError.from_details(400, problems)

    def _own(self, path: str, record: dict[str, Any]) -> None:
        """Give a new record's lines their place as owned records (each payment detail its key,
        ``apPayment`` and ``state``), where the sandbox keeps the owned object's records."""
        owned = OWNED.get(path)
        if owned is None or owned.back is None:
            return
        table = self.tables[owned.path]
        currency = (record.get("txnCurrency") or {}).get("currency")
        for line in record.get(owned.list) or []:
            key = str(table.next_key)
            line.update(key=key, id=key, href=f"/objects/{owned.path}/{key}", moduleKey="3.AP")
            line[owned.back] = {"key": record["key"], "id": record["id"], "href": record["href"]}
            line.setdefault("state", "confirmed" if line.get("paymentDate") else "draft")
            if currency is not None:
                line["txnCurrency"] = {**line.get("txnCurrency", {}), "currency": currency}
            table.index(line)

    def _disown(self, path: str, record: dict[str, Any]) -> None:
        owned = OWNED.get(path)
        if owned is None or owned.back is None:
            return
        table = self.tables[owned.path]
        for line in record.get(owned.list) or []:
            if line.get("key") in table.records:
                table.unindex(line)

    def _referencing(self, obj: ObjectDef, record: dict[str, Any]) -> str | None:
        """A description of one transaction that references master ``record``, if any."""
        for table in self.tables.values():
            if not table.obj.transaction:
                continue
            header = [name for name, path in table.obj.header_refs if path == obj.path]
            lines = [name for name, path in table.obj.line_refs if path == obj.path]
            for rec in table.records.values():
                owned = obj.path == "company-config/location" and rec["entity"]["id"] == record["id"]
                used = _uses(header, rec, record) or any(
                    _uses(lines, ln, record) for ln in rec.get(table.obj.lines or "", [])
                )
                if owned or used:
                    return f"{table.obj.label} {rec['id']}"
        return None


def _uses(names: list[str], data: dict[str, Any], target: dict[str, Any]) -> bool:
    """Whether a reference among ``names`` points at ``target`` (by key or, as the seed stores, by id)."""
    for name in names:
        ref = get_path(data, name)
        if isinstance(ref, dict) and (ref.get("key") == target["key"] or ref.get("id") == target["id"]):
            return True
    return False

"""The sandbox's view of each object: the contract's facts plus what only the sandbox decides.

What a body may contain, what is required or read-only, enums and formats all come from
:mod:`intacct_provider.contract` (one source of truth, shared with the client).  This module adds
what the contract does not say: which field references which object, the first key of each table,
document-number prefixes, and which objects are entity-scoped transactions.  Field names are dotted
(``vendor.id``); records store them nested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from intacct_provider import contract

from .behaviour import PLAIN, Behaviour
from .bills import BILL_BEHAVIOUR
from .payments import PAYMENT_BEHAVIOUR

# Field types the query service compares by: "key" (numeric string), "string", "decimal" (decimal
# string), "date", "timestamp", "boolean", "enum", "number", "array", "object".
STRINGISH = frozenset({"string", "enum", "date", "timestamp"})

# Dimensions the sandbox has objects for; other dimensions (employee, item, ...) are stored unchecked.
DIMENSION_PATHS = {
    "location": "company-config/location",
    "department": "company-config/department",
    "class": "company-config/class",
    "project": "projects/project",
    "customer": "accounts-receivable/customer",
    "vendor": "accounts-payable/vendor",
}
LINE_REFS = {"glAccount": "general-ledger/account", **{f"dimensions.{d}": p for d, p in DIMENSION_PATHS.items()}}


@dataclass(frozen=True)
class Field:
    """A field of a stored record, as the query and model services see it."""

    name: str
    type: str = "string"
    values: tuple[Any, ...] = ()
    read_only: bool = False


@dataclass(frozen=True)
class ObjectDef:
    """An object type: contract facts, queryable fields and the sandbox's own bookkeeping."""

    path: str
    label: str
    fields: dict[str, Field]
    first_key: int
    transaction: bool = False  # entity-scoped (bills, invoices, entries, payments)
    number_field: str | None = None  # billNumber / invoiceNumber
    number_prefix: str = ""  # auto-numbering prefix ("BILL-")
    party: str | None = None  # "vendor" / "customer": scope of the number's uniqueness
    lines: str | None = None  # "lines" (documents, entries) or "details" (payments)
    min_lines: int = 0  # business rule (422): a document needs at least one line
    header_refs: tuple[tuple[str, str], ...] = ()  # (reference field, object path)
    line_refs: tuple[tuple[str, str], ...] = ()
    #: What this object does beyond the shared rules (hooks the store runs: :mod:`.behaviour`).
    behaviour: Behaviour = PLAIN
    #: Described by Sage's contract (False: a tenant's custom object, with no state or workflows).
    contract: bool = True
    #: An owned object (:class:`Owned`): the lines of another object's list, read-only on their own.
    owned: Owned | None = None
    #: A tenant's custom relationships (``nsp::CONTRACT``), among ``header_refs``.
    relationships: tuple[str, ...] = ()

    @property
    def write_only(self) -> frozenset[str]:
        """Fields Sage marks writeOnly (a payment's ``paymentDate``): stored, never answered."""
        return contract.write_only_fields(self.path)

    @property
    def has_web_url(self) -> bool:
        """Sage's record schema has ``webURL`` (the record's page in Intacct's UI)."""
        return "webURL" in self.fields

    @property
    def facts(self) -> dict[str, Any]:
        if not self.contract:
            return {"label": self.label, "state": None, "workflows": {}}
        return contract.object_facts(self.path)

    @property
    def state(self) -> dict[str, Any] | None:
        state: dict[str, Any] | None = self.facts["state"]
        return state

    @property
    def workflows(self) -> dict[str, dict[str, Any]]:
        workflows: dict[str, dict[str, Any]] = self.facts["workflows"]
        return workflows


@dataclass(frozen=True)
class Owned:
    """The lines of one object's list as an object of their own (``accounts-payable/payment-detail``).

    Sage publishes them as owned objects with their own path and model (a payment's ``details``
    are ``/objects/accounts-payable/payment-detail``, GET list and GET by key only). Every list of
    lines is one, so the model service can describe each; the sandbox keeps records of those with a
    ``back`` reference (each detail names its payment in ``apPayment``), written only through their
    owner.
    """

    path: str
    owner: str
    list: str
    label: str
    #: The field of a line naming its owner (``apPayment``); None: described, not kept as records.
    back: str | None = None

    def schema(self, owner_schema: dict[str, Any]) -> dict[str, Any]:
        """The owned object's schema: the items of its owner's list (in ``owner_schema``)."""
        items: dict[str, Any] = owner_schema["properties"][self.list]["items"]
        return items


#: Each object's list of lines as an owned object (by owner); only payment details are kept as records.
OWNED: dict[str, Owned] = {
    owned.owner: owned
    for owned in (
        Owned("accounts-payable/bill-line", "accounts-payable/bill", "lines", "AP bill line"),
        Owned("accounts-receivable/invoice-line", "accounts-receivable/invoice", "lines", "AR invoice line"),
        Owned("general-ledger/journal-entry-line", "general-ledger/journal-entry", "lines", "journal entry line"),
        Owned(
            "accounts-payable/payment-detail",
            "accounts-payable/payment",
            "details",
            "AP payment detail",
            back="apPayment",
        ),
    )
}
#: The same, by the owned object's path.
OWNED_PATHS: dict[str, Owned] = {owned.path: owned for owned in OWNED.values()}


def _field_type(name: str, schema: dict[str, Any]) -> str:
    if name == "key":
        return "key"
    types = schema.get("type", "string")
    kind = next((t for t in types if t != "null"), "string") if isinstance(types, list) else types
    fmt = schema.get("format")
    if fmt == "decimal-precision-2":
        return "decimal"
    if fmt in ("date", "date-time"):
        return "date" if fmt == "date" else "timestamp"
    if "enum" in schema and kind == "string":
        return "enum"
    return {"integer": "number"}.get(kind, kind)


def fields_of(schema: dict[str, Any]) -> dict[str, Field]:
    """The fields of a record schema (or of a line's), by dotted name."""
    leaves = contract.leaf_properties(schema)
    return {
        name: Field(
            name=name,
            type=_field_type(name, schema),
            values=tuple(schema.get("enum", ())),
            read_only=bool(schema.get("readOnly")),
        )
        for name, schema in leaves.items()
    }


def _define(path: str, first_key: int, **extra: Any) -> ObjectDef:
    label = contract.object_facts(path)["label"]
    fields = fields_of(contract.load_schema(path, "record"))
    return ObjectDef(path=path, label=label, fields=fields, first_key=first_key, **extra)


def _document(path: str, first_key: int, party: str, prefix: str, behaviour: Behaviour = PLAIN) -> ObjectDef:
    return _define(
        path,
        first_key,
        transaction=True,
        number_field=contract.object_facts(path)["number_field"],
        number_prefix=prefix,
        party=party,
        lines="lines",
        min_lines=1,
        header_refs=((party, DIMENSION_PATHS[party]),),
        line_refs=tuple(LINE_REFS.items()),
        behaviour=behaviour,
    )


def _owned(owned: Owned, first_key: int, refs: tuple[tuple[str, str], ...]) -> ObjectDef:
    fields = fields_of(owned.schema(contract.load_schema(owned.owner, "record")))
    return ObjectDef(
        path=owned.path, label=owned.label, fields=fields, first_key=first_key, header_refs=refs, contract=False,
        owned=owned,
    )  # fmt: skip


OBJECTS: dict[str, ObjectDef] = {
    obj.path: obj
    for obj in (
        _define("accounts-payable/vendor", 33),
        _define("accounts-receivable/customer", 68),
        _define("general-ledger/account", 1),
        _define("general-ledger/journal", 1),
        _define("company-config/location", 1),
        _define("company-config/department", 1),
        _define("company-config/class", 1),
        _define("projects/project", 1),
        _document("accounts-payable/bill", 2001, "vendor", "BILL-", BILL_BEHAVIOUR),
        _document("accounts-receivable/invoice", 1001, "customer", "INV-"),
        _define(
            "general-ledger/journal-entry",
            3001,
            transaction=True,
            number_prefix="JE-",
            lines="lines",
            header_refs=(("glJournal", "general-ledger/journal"),),
            line_refs=tuple(LINE_REFS.items()),
        ),
        _define(
            "accounts-payable/payment",
            4001,
            transaction=True,
            lines="details",
            header_refs=(("vendor", "accounts-payable/vendor"),),
            line_refs=(("bill", "accounts-payable/bill"),),
            behaviour=PAYMENT_BEHAVIOUR,
        ),
        _owned(
            OWNED["accounts-payable/payment"],
            5001,
            (("bill", "accounts-payable/bill"), ("apPayment", "accounts-payable/payment")),
        ),
    )
}


def readable(obj: ObjectDef, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` as the API answers it: without its writeOnly fields (a shallow copy when it has any)."""
    hidden = obj.write_only
    if not hidden or not any(name.split(".", 1)[0] in record for name in hidden):
        return record
    shown = dict(record)
    for name in hidden:
        _drop(shown, name.split("."))
    return shown


def _drop(record: dict[str, Any], parts: list[str]) -> None:
    """Remove dotted ``parts`` from ``record``, copying the objects on the way (never the stored ones)."""
    head, *rest = parts
    if not rest:
        record.pop(head, None)
    elif isinstance(record.get(head), dict):
        record[head] = dict(record[head])
        _drop(record[head], rest)
    elif isinstance(record.get(head), list):
        record[head] = [_without(item, rest) for item in record[head]]


def _without(item: Any, parts: list[str]) -> Any:
    if not isinstance(item, dict):
        return item
    copied = dict(item)
    _drop(copied, parts)
    return copied


#: Short names of the objects, the provider registry's names where it has the object (``bill``,
#: ``gl_account``, ``ap_payment``...), so the handle and the admin routes take what operators take.
#: ``tests/sandbox/test_objects.py`` keeps them equal to the registry's.
NAMES: dict[str, str] = {
    "vendor": "accounts-payable/vendor",
    "customer": "accounts-receivable/customer",
    "gl_account": "general-ledger/account",
    "journal": "general-ledger/journal",
    "location": "company-config/location",
    "department": "company-config/department",
    "class": "company-config/class",
    "project": "projects/project",
    "bill": "accounts-payable/bill",
    "invoice": "accounts-receivable/invoice",
    "journal_entry": "general-ledger/journal-entry",
    "ap_payment": "accounts-payable/payment",
    "ap_payment_detail": "accounts-payable/payment-detail",
}
_OBJECTS_PREFIX = "/objects/"


def resolve_object(name: str, objects: Iterable[str] = OBJECTS) -> str:
    """The path of ``name``: a short name (``bill``), a path (``accounts-payable/bill``) or ``/objects/<path>``.

    ``objects``: the paths the company has (a tenant's custom objects included; default: the
    contract's). ValueError naming what is accepted otherwise (a sandbox control given a typo
    should say so, not answer that a record of ``bils`` does not exist).
    """
    text = name.strip() if isinstance(name, str) else ""
    if text.startswith(_OBJECTS_PREFIX):
        text = text[len(_OBJECTS_PREFIX) :]
    text = text.strip("/")
    if text in objects:
        return text
    if text in NAMES:
        return NAMES[text]
    raise ValueError(
        f"unknown object {name!r}: expected a name ({', '.join(NAMES)}) or a path such as 'accounts-payable/bill'"
    )


def get_path(record: dict[str, Any], name: str) -> Any:
    """Value of dotted ``name`` in a nested record (None when any level is missing)."""
    return get_parts(record, name.split("."))


def get_parts(record: dict[str, Any], parts: Iterable[str]) -> Any:
    """:func:`get_path` with the name already split (callers checking many records split it once)."""
    value: Any = record
    for part in parts:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def set_path(record: dict[str, Any], name: str, value: Any) -> None:
    """Set dotted ``name`` in a nested record, creating intermediate objects."""
    *parents, leaf = name.split(".")
    target = record
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value

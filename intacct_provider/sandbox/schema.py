"""Object definitions: paths, fields, what is required, read-only or a reference.

One table drives validation, the model service, the query service and the seed, so the objects
cannot drift apart.  Field names are dotted (``vendor.id``); records store them nested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Field types: "key" (system key, numeric string), "string", "decimal" (decimal string), "date"
# (YYYY-MM-DD), "timestamp" (YYYY-MM-DDTHH:MM:SSZ), "boolean", "enum".
STRINGISH = frozenset({"string", "enum", "date", "timestamp"})

DIMENSIONS = ("location", "department", "class", "project", "customer", "vendor", "employee", "item")
DIMENSION_PATHS = {
    "location": "company-config/location",
    "department": "company-config/department",
    "class": "company-config/class",
    "project": "projects/project",
    "customer": "accounts-receivable/customer",
    "vendor": "accounts-payable/vendor",
    # employee and item have no object in the sandbox, so their ids are stored unchecked.
}


@dataclass(frozen=True)
class Field:
    """One field: ``name`` dotted, ``ref`` the object path an ``x.id`` must exist in."""

    name: str
    type: str = "string"
    required: bool = False
    read_only: bool = False
    create_only: bool = False
    ref: str | None = None
    values: tuple[str, ...] = ()
    default: Any = None

    @property
    def pointer(self) -> str:
        """JSON pointer used as an error ``target``."""
        return "/" + self.name.replace(".", "/")


@dataclass(frozen=True)
class ObjectDef:
    """An object type: its path under /objects, header fields and (for transactions) line fields."""

    path: str
    label: str
    fields: dict[str, Field]
    first_key: int
    line_fields: dict[str, Field] = field(default_factory=dict)
    min_lines: int = 0
    transaction: bool = False
    number_field: str | None = None  # billNumber / invoiceNumber: becomes ``id``
    number_prefix: str = ""  # auto-numbering prefix ("BILL-")
    party: str | None = None  # "vendor" / "customer": scope of the number's uniqueness

    @property
    def has_lines(self) -> bool:
        return bool(self.line_fields)


def _fields(*items: Field) -> dict[str, Field]:
    return {item.name: item for item in items}


def _system_fields() -> tuple[Field, ...]:
    """Fields every record carries and no client may write."""
    return (
        Field("key", "key", read_only=True),
        Field("href", read_only=True),
        Field("audit.createdDateTime", "timestamp", read_only=True),
        Field("audit.modifiedDateTime", "timestamp", read_only=True),
        Field("audit.createdBy", read_only=True),
        Field("audit.modifiedBy", read_only=True),
        Field("entity.id", read_only=True),
    )


_STATUS = Field("status", "enum", values=("active", "inactive"), default="active")


def _master(path: str, label: str, first_key: int, *extra: Field) -> ObjectDef:
    """Master data: ``id`` (chosen by the client, unique, immutable) and ``name``."""
    return ObjectDef(
        path=path,
        label=label,
        first_key=first_key,
        fields=_fields(
            *_system_fields(),
            Field("id", required=True, create_only=True),
            Field("name", required=True),
            _STATUS,
            *extra,
        ),
    )


def _line_fields(*extra: Field) -> dict[str, Field]:
    dims = tuple(Field(f"dimensions.{dim}.id", ref=DIMENSION_PATHS.get(dim)) for dim in DIMENSIONS)
    return _fields(
        Field("glAccount.id", required=True, ref="general-ledger/account"),
        Field("txnAmount", "decimal", required=True),
        *extra,
        Field("memo"),
        *dims,
    )


_DOC_STATES = ("draft", "posted", "partiallyPaid", "paid")


def _document(path: str, label: str, first_key: int, party: str, number: str, prefix: str) -> ObjectDef:
    """Bill or invoice: a party, a document number that becomes ``id``, dates, lines and totals."""
    date_field = "createdDate" if party == "vendor" else "invoiceDate"
    return ObjectDef(
        path=path,
        label=label,
        first_key=first_key,
        transaction=True,
        number_field=number,
        number_prefix=prefix,
        party=party,
        min_lines=1,
        line_fields=_line_fields(),
        fields=_fields(
            *_system_fields(),
            Field("id", read_only=True),
            Field(number),
            Field(f"{party}.id", required=True, ref=DIMENSION_PATHS[party]),
            Field(date_field, "date", required=True),
            Field("dueDate", "date", required=True),
            Field("postingDate", "date"),
            Field("referenceNumber"),
            Field("description"),
            Field("state", "enum", values=_DOC_STATES, default="posted"),
            Field("totalTxnAmount", "decimal", read_only=True),
            Field("totalTxnAmountDue", "decimal", read_only=True),
            Field("totalPaid", "decimal", read_only=True),
        ),
    )


_ACCOUNT_FLAGS = tuple(Field(f"requiredDimensions.{dim}", "boolean", default=False) for dim in DIMENSIONS)

OBJECTS: dict[str, ObjectDef] = {
    obj.path: obj
    for obj in (
        _master("accounts-payable/vendor", "vendor", 33, Field("email")),
        _master("accounts-receivable/customer", "customer", 68, Field("email"), Field("creditLimit", "decimal")),
        _master(
            "general-ledger/account",
            "GL account",
            1,
            Field("accountType", "enum", required=True, values=("balanceSheet", "incomeStatement")),
            Field("normalBalance", "enum", required=True, values=("debit", "credit")),
            *_ACCOUNT_FLAGS,
        ),
        _master("general-ledger/journal", "GL journal", 1),
        _master("company-config/location", "location", 1, Field("isEntity", "boolean", default=False)),
        _master("company-config/department", "department", 1),
        _master("company-config/class", "class", 1),
        _master("projects/project", "project", 1),
        _document("accounts-payable/bill", "bill", 2001, "vendor", "billNumber", "BILL-"),
        _document("accounts-receivable/invoice", "invoice", 1001, "customer", "invoiceNumber", "INV-"),
        ObjectDef(
            path="general-ledger/journal-entry",
            label="journal entry",
            first_key=3001,
            transaction=True,
            number_prefix="JE-",
            min_lines=2,
            line_fields=_line_fields(Field("txnType", "enum", required=True, values=("debit", "credit"))),
            fields=_fields(
                *_system_fields(),
                Field("id", read_only=True),
                Field("glJournal.id", required=True, ref="general-ledger/journal"),
                Field("postingDate", "date", required=True),
                Field("referenceNumber"),
                Field("description"),
                Field("state", "enum", values=("draft", "posted"), default="posted"),
            ),
        ),
    )
}


def get_path(record: dict[str, Any], name: str) -> Any:
    """Value of dotted ``name`` in a nested record (None when any level is missing)."""
    value: Any = record
    for part in name.split("."):
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

"""How an Intacct field becomes a warehouse column: its name, its kind and its value (pure rules).

Shared by the warehouse load and the tie-out, so a column is named, typed and read back the same
way by both. Nothing here knows a database: the SQL side (type names, quoting, binding) lives in
``operators/execute/warehouse/``.

**Names.** Warehouse users expect lower snake case that every database accepts unquoted:
``vendor.id`` → ``vendor_id``, ``totalTxnAmount`` → ``total_txn_amount``, ``webURL`` → ``web_url``.
A custom field segment ``nsp::APPROVER`` becomes ``nsp__approver`` (``nsp`` and a double
underscore: standard Intacct names contain no underscore, so no standard field can spell it).
Anything else — a quote, a space, a dash, a leading digit, a name longer than PostgreSQL's 63
bytes — is refused naming the field, and so are two fields that would share a column: a tenant
may name a custom field ``a"; DROP TABLE x; --``, and it must never reach SQL as text.

**Kinds.** From the field's JSON Schema (Sage's published record schema, or the tenant's model):
``decimal`` (``format: decimal-*`` or ``type: number``: money and rates, exact, never a float),
``integer``, ``date``, ``timestamp`` (``format: date-time``, stored in UTC), ``boolean``,
``json`` (arrays and objects, as canonical JSON text) and ``text`` (everything else).

**Values.** :func:`to_value` turns what the query service sent into the Python value of the kind
(``Decimal``, ``date``, an aware UTC ``datetime``, ``bool``, ``int``, ``str``), refusing a value
that is not of its kind rather than storing something else; :func:`same_value` compares a stored
value read back with a new one as the kind compares (``Decimal("10.5") == Decimal("10.50")``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from intacct_provider.core.exact_json import canonical, loads

Kind = Literal["decimal", "integer", "date", "timestamp", "boolean", "json", "text"]

#: The prefix of a custom (tenant-defined) field or object name.
CUSTOM_PREFIX = "nsp::"
#: How a custom segment is spelled in a column name (``nsp::approver`` → ``nsp__approver``).
CUSTOM_COLUMN_PREFIX = "nsp__"
#: PostgreSQL truncates longer identifiers silently, which could merge two columns: refuse instead.
MAX_IDENTIFIER = 63

#: Columns every warehouse table has besides the fields (leading underscore: no field maps to one).
SYNCED_AT = "_synced_at"
DELETED = "_deleted"
DELETED_AT = "_deleted_at"
ENTITY = "_entity"
SYSTEM_COLUMNS = (SYNCED_AT, DELETED, DELETED_AT)

_SEGMENT = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CUSTOM_SEGMENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
#: What an integer column (``BIGINT``; SQLite's ``INTEGER``) holds.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Word boundaries of camelCase: "totalTxnAmount" -> total|Txn|Amount, "webURL" -> web|URL, "APBill" -> AP|Bill.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")


class ColumnError(ValueError):
    """A field cannot be a column (unsafe name, collision) or a value is not of its column's kind."""


def snake(segment: str) -> str:
    """``totalTxnAmount`` → ``total_txn_amount``; ``webURL`` → ``web_url``; ``createAPBill`` → ``create_ap_bill``."""
    return "_".join(part.lower() for part in _CAMEL.findall(segment))


def column_name(field: str) -> str:
    """The column of a field as the query service names it in flat rows (dotted), or :class:`ColumnError`."""
    if not isinstance(field, str) or not field:
        raise ColumnError(f"field {field!r}: expected a field name")
    parts = []
    for segment in field.split("."):
        if segment.startswith(CUSTOM_PREFIX):
            name = segment[len(CUSTOM_PREFIX) :]
            if not _CUSTOM_SEGMENT.fullmatch(name):
                raise ColumnError(
                    f"field {field!r}: the custom name {name!r} has characters a column cannot safely carry "
                    "(letters, digits and underscores only, starting with a letter)"
                )
            parts.append(CUSTOM_COLUMN_PREFIX + "_".join(snake(piece) for piece in name.split("_") if piece))
        elif _SEGMENT.fullmatch(segment):
            parts.append(snake(segment))
        else:
            raise ColumnError(
                f"field {field!r}: {segment!r} cannot be mapped to a safe column name "
                "(letters and digits only, starting with a letter; custom fields as nsp::name)"
            )
    column = "_".join(parts)
    if len(column.encode()) > MAX_IDENTIFIER:
        raise ColumnError(
            f"field {field!r}: its column {column!r} is longer than {MAX_IDENTIFIER} characters, which PostgreSQL "
            "would cut short (and could merge with another column); leave the field out of `fields`"
        )
    return column


def check_identifier(parameter: str, value: Any) -> str:
    """A table or schema name given by the user: lower snake case, at most 63 characters.

    Quoted identifiers that differ only in case mean different tables in PostgreSQL and the same
    one in SQLite; accepting only what every database folds alike keeps one name one table.
    """
    from intacct_provider.exceptions import IntacctValidationError

    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not _IDENTIFIER.fullmatch(text) or len(text) > MAX_IDENTIFIER:
        raise IntacctValidationError(
            parameter,
            f"a lower-case SQL name (letters, digits and underscores, at most {MAX_IDENTIFIER}), e.g. 'intacct_bills'",
            value,
        )
    if text.startswith("_"):
        raise IntacctValidationError(parameter, "a name not starting with an underscore", value)
    return text


def kind_of(schema: Mapping[str, Any] | None) -> Kind:
    """The kind of a field from its JSON Schema leaf (``None``, a field the schema does not know: text)."""
    if not schema:
        return "text"
    types = schema.get("type")
    listed = [t for t in types if t != "null"] if isinstance(types, list) else [types]
    kind = listed[0] if listed else None
    fmt = str(schema.get("format") or "")
    if fmt.startswith("decimal") or kind == "number":
        return "decimal"
    if kind == "integer":
        return "integer"
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "timestamp"
    if kind == "boolean":
        return "boolean"
    if kind in ("array", "object"):
        return "json"
    return "text"


@dataclass(frozen=True)
class Column:
    """One field's column: its Intacct name, SQL name and kind."""

    field: str
    name: str
    kind: Kind


def plan_columns(fields: Iterable[str], schemas: Mapping[str, Mapping[str, Any]]) -> list[Column]:
    """The columns of ``fields`` (``key`` first), typed by ``schemas`` (dotted name → leaf schema).

    Refuses, naming the fields, any name that is unsafe or that two fields would share.
    """
    ordered = list(dict.fromkeys(["key", *fields]))
    columns: list[Column] = []
    taken: dict[str, str] = {}
    problems: list[str] = []
    for field in ordered:
        try:
            name = column_name(field)
        except ColumnError as exc:
            problems.append(str(exc))
            continue
        if name in taken:
            problems.append(f"fields {taken[name]!r} and {field!r} would both be column {name!r}")
            continue
        taken[name] = field
        kind: Kind = "text" if field == "key" else kind_of(schemas.get(field))
        columns.append(Column(field, name, kind))
    if problems:
        raise ColumnError("; ".join(problems))
    return columns


# ------------------------------------------------------------------ values
def to_value(kind: Kind, value: Any, *, field: str = "", key: Any = None) -> Any:
    """The Python value of ``value`` for a column of ``kind``; ``None`` stays ``None``.

    A value that is not of its kind raises :class:`ColumnError` naming the field and the record:
    a load stores what Intacct sent or nothing, never a guess.
    """
    if value is None:
        return None
    try:
        return _CONVERT[kind](value)
    except (ValueError, TypeError, InvalidOperation, ArithmeticError):
        where = f"record {key}" if key is not None else "a record"
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        raise ColumnError(f"{where}, field {field!r}: {shown} is not a {kind} value") from None


def _decimal(value: Any) -> Decimal:
    if type(value) is str and _DECIMAL_TEXT.fullmatch(value):  # the common case first: Intacct's decimal text
        return Decimal(value)
    if isinstance(value, bool):
        raise TypeError("a boolean is not a decimal")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the JSON text's shortest form, not the binary float's expansion
    elif isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        raise ValueError("not a decimal")
    if not number.is_finite():
        raise ValueError("not a finite decimal")
    return number


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        number = int(value)  # a JSON number written 3.0 or 3E+2, as the exact decoder reads it
    elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError("not an integer")
    if not _INT64_MIN <= number <= _INT64_MAX:  # a BIGINT column cannot hold it: refused, never truncated
        raise ValueError("beyond a 64-bit integer")
    return number


def _date(value: Any) -> dt.date:
    if type(value) is str and len(value) == 10:
        return dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        raise TypeError("a timestamp is not a date")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        return dt.date.fromisoformat(value.strip())
    raise ValueError("not a date")


def _timestamp(value: Any) -> dt.datetime:
    if type(value) is str and len(value) > 10 and value[-1] == "Z":  # Intacct's own form, UTC already
        return dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        instant = value
    elif isinstance(value, str) and len(value.strip()) > 10:  # a date alone is not an instant
        instant = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    else:
        raise ValueError("not a timestamp")
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)  # Intacct's stamps are UTC ("...Z")
    return instant.astimezone(dt.UTC)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)  # how SQLite stores a boolean, read back
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("not a boolean")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return decimal_text(value)  # 100, never 1E+2
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dict, list)):
        return _json(value)
    raise TypeError("not text")


def _json(value: Any) -> str:
    """Canonical JSON text; a number keeps its digits (``59.10``, never ``59.1`` or ``"59.10"``)."""
    return canonical(loads(value) if isinstance(value, str) else value, ensure_ascii=False)


_CONVERT: dict[str, Any] = {
    "decimal": _decimal,
    "integer": _integer,
    "date": _date,
    "timestamp": _timestamp,
    "boolean": _boolean,
    "json": _json,
    "text": _text,
}


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text, scale kept (``Decimal("1E+2")`` → ``"100"``, ``Decimal("10.50")`` → ``"10.50"``)."""
    return format(value, "f")


def same_value(kind: Kind, stored: Any, new: Any) -> bool:
    """Whether a stored value (as the database gives it back) equals a new one, as ``kind`` compares.

    Decimals compare as numbers (``"10.5"`` equals ``10.50``); ``None`` equals only ``None``.
    """
    if stored is None or new is None:
        return stored is None and new is None
    try:
        return bool(to_value(kind, stored) == to_value(kind, new))
    except ColumnError:
        return False


def row_converter(columns: Sequence[Column]) -> Callable[[Mapping[str, Any]], list[Any]]:
    """A function giving the Python values of one flat query row, in column order (a missing field: ``None``).

    The per-column work is looked up once, not per value.

    A load converts every value of 200,000 rows; this keeps that to one call per value.
    """
    plan = [(column.field, _CONVERT[column.kind]) for column in columns]

    def convert(row: Mapping[str, Any]) -> list[Any]:
        values = []
        get = row.get
        try:
            for field, function in plan:
                value = get(field)
                values.append(None if value is None else function(value))
        except (ValueError, TypeError, InvalidOperation, ArithmeticError):
            failed = columns[len(values)]
            to_value(failed.kind, row.get(failed.field), field=failed.field, key=row.get("key"))  # raises, naming it
            raise
        return values

    return convert

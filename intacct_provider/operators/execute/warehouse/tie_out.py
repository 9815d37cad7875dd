"""Does the table match Intacct? The comparison behind ``IntacctTieOutOperator``.

Intacct's side is a keyed read of ``key`` and the compared fields (4,000 rows a billed query);
the table's side is its live rows (``_deleted`` false, the connection's ``_entity``), read through
the same columns the load wrote (:mod:`intacct_provider.core.columns`: one naming, one typing).
Values compare as their kind compares: decimals as decimals (``"10.5"`` equals ``10.50``), and
totals are ``Decimal`` sums in Python, never a float sum (SQLite's ``SUM`` over text is a float).

A read narrowed by ``filters`` or a modified window cannot tell "not in this scope" from "gone":
table keys it did not return (those stamped inside the window, when the table has the stamp
column) are looked up by key in Intacct, and only keys Intacct no longer has at all are ``extra``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from intacct_provider.core.columns import DELETED, ENTITY, Column, ColumnError, column_name, same_value, to_value
from intacct_provider.exceptions import IntacctWarehouseError
from intacct_provider.operators.execute.warehouse.target import KEYS_PER_STATEMENT, SqlTarget, timestamp_text

#: Keys looked up in one ``$in`` query when checking whether out-of-scope table keys still exist.
KEYS_PER_LOOKUP = 4000
#: The modified stamp column: a windowed tie-out scopes the table's side by it.
MODIFIED_COLUMN = column_name("audit.modifiedDateTime")


@dataclass
class Difference:
    key: str
    field: str
    intacct: str | None
    table: str | None


@dataclass
class TieOut:
    """The comparison of one object with one table (every key, whatever ``max_reported`` cuts)."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    different: list[Difference] = field(default_factory=list)
    different_keys: int = 0
    totals: dict[str, list[Decimal]] = field(default_factory=dict)

    @property
    def ties_out(self) -> bool:
        totals_match = all(intacct == table for intacct, table in self.totals.values())
        return not (self.missing or self.extra or self.different) and totals_match

    def result(self, max_reported: int) -> dict[str, Any]:
        """The XCom: counts of everything, lists cut at ``max_reported``, totals as decimal text."""
        return {
            "checked": self.checked,
            "missing": {"count": len(self.missing), "keys": self.missing[:max_reported]},
            "extra": {"count": len(self.extra), "keys": self.extra[:max_reported]},
            "different": {
                "count": self.different_keys,
                "rows": [vars(d) for d in self.different[:max_reported]],
            },
            "totals": {name: {"intacct": str(a), "table": str(b)} for name, (a, b) in self.totals.items()},
        }

    def summary(self) -> str:
        return (
            f"{self.checked} checked, {len(self.missing)} missing, {len(self.extra)} extra, "
            f"{self.different_keys} different"
        )

    def report(self, shown: int = 10) -> str:
        """A short table of the first differences, for the task log and the failure message."""
        lines = [f"{'key':<12} {'field':<24} {'intacct':<20} table"]
        for d in self.different[:shown]:
            lines.append(f"{d.key:<12} {d.field:<24} {_show(d.intacct):<20} {_show(d.table)}")
        for label, keys in (("missing from the table", self.missing), ("extra in the table", self.extra)):
            if keys:
                more = f" (+{len(keys) - shown} more)" if len(keys) > shown else ""
                lines.append(f"{label}: {', '.join(keys[:shown])}{more}")
        for name, (intacct, table) in self.totals.items():
            mark = "" if intacct == table else "  <- differs"
            lines.append(f"total {name}: intacct {intacct}, table {table}{mark}")
        return "\n".join(lines)


class TableSide:
    """The live rows of the table, as the load wrote them, through ``target``."""

    def __init__(self, target: SqlTarget, columns: Sequence[Column], entity: str | None) -> None:
        self.target = target
        self.columns = list(columns)
        self.entity = entity

    def read(self, window: tuple[dt.datetime | None, dt.datetime | None] | None = None) -> dict[str, tuple[Any, ...]]:
        """``key`` → compared values of every live row (only those stamped inside ``window``, if given)."""
        target = self.target
        with target.transaction() as conn:
            existing = target.columns_of(conn)
            if existing is None:
                raise IntacctWarehouseError(f"table {target.qualified()} does not exist: load it first")
            self._check(existing, window is not None)
            selected = ", ".join(target.quote(c.name) for c in self.columns)
            where = [f"{target.quote(DELETED)} = {target.placeholder}"]
            parameters: list[Any] = [False]
            if self.entity:
                where.append(f"{target.quote(ENTITY)} = {target.placeholder}")
                parameters.append(self.entity)
            for bound, operator in zip(window or (), (">=", "<"), strict=False):
                if bound is not None:
                    where.append(f"{target.quote(MODIFIED_COLUMN)} {operator} {target.placeholder}")
                    parameters.append(target.bind("timestamp", bound))
            sql = f"SELECT {selected} FROM {target.qualified()} WHERE {' AND '.join(where)}"  # noqa: S608
            rows = target.execute(conn, sql, parameters) or []
        return {str(row[0]): tuple(row[1:]) for row in rows}

    def rows_for(self, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """``key`` → compared values of the live rows with these keys, wherever they are stamped."""
        target = self.target
        found: dict[str, tuple[Any, ...]] = {}
        selected = ", ".join(target.quote(c.name) for c in self.columns)
        entity = f" AND {target.quote(ENTITY)} = {target.placeholder}" if self.entity else ""
        with target.transaction() as conn:
            for chunk in chunks(keys, KEYS_PER_STATEMENT):
                sql = (
                    f"SELECT {selected} FROM {target.qualified()} WHERE {target.quote(DELETED)} = {target.placeholder}"  # noqa: S608
                    f" AND {target.quote('key')} IN ({target.marks(len(chunk))}){entity}"
                )
                parameters = [False, *chunk, *([self.entity] if self.entity else [])]
                for row in target.execute(conn, sql, parameters) or ():
                    found[str(row[0])] = tuple(row[1:])
        return found

    def _check(self, existing: Sequence[str], windowed: bool) -> None:
        where = self.target.qualified()
        lacking = [f"{c.field} ({c.name})" for c in self.columns if c.name not in existing]
        if DELETED not in existing:
            lacking.append(DELETED)
        if windowed and MODIFIED_COLUMN not in existing:
            lacking.append(f"audit.modifiedDateTime ({MODIFIED_COLUMN}), which a windowed tie-out scopes the table by")
        if lacking:
            raise IntacctWarehouseError(f"table {where} has no column for {', '.join(lacking)}")
        if bool(self.entity) != (ENTITY in existing):
            raise IntacctWarehouseError(
                f"table {where} {'has' if ENTITY in existing else 'has no'} _entity column, but the connection "
                + (f"reads entity {self.entity!r}" if self.entity else "is top-level (no entity_id)")
            )


def compare(
    intacct_rows: Iterable[Mapping[str, Any]],
    table_rows: dict[str, tuple[Any, ...]],
    columns: Sequence[Column],
    *,
    complete: bool,
    still_exists: Callable[[list[str]], set[str]] | None = None,
    stored: Callable[[list[str]], dict[str, tuple[Any, ...]]] | None = None,
) -> TieOut:
    """Compare Intacct's rows with the table's (``table_rows`` is consumed).

    ``complete``: Intacct's rows are the whole scope, so a table key they lack is extra. Otherwise
    ``still_exists(keys)`` returns the keys Intacct still has, and only the others are extra.
    ``stored(keys)``: the live rows of keys Intacct returned that ``table_rows`` lacks (a record
    in Intacct's window whose stamp in the table is outside it, or null); without it they are missing.
    """
    compared = list(columns[1:])
    amounts = [c for c in compared if c.kind == "decimal"]
    totals = {c.field: [Decimal(0), Decimal(0)] for c in amounts}
    tie = TieOut(totals=totals)
    unmatched: list[tuple[str, list[Any], list[Any]]] = []
    for row in intacct_rows:
        key = str(row.get("key"))
        tie.checked += 1
        try:
            values = [to_value(c.kind, row.get(c.field), field=c.field, key=key) for c in compared]
        except ColumnError as exc:
            raise IntacctWarehouseError(str(exc)) from None
        _add(totals, amounts, compared, values, 0)
        before = table_rows.pop(key, None)
        if before is None:
            unmatched.append((key, [row.get(c.field) for c in compared], values))
            continue
        _match(tie, totals, amounts, compared, key, [row.get(c.field) for c in compared], values, before)
    found = stored([key for key, _raw, _values in unmatched]) if stored and unmatched else {}
    for key, raw, values in unmatched:
        if key in found:
            _match(tie, totals, amounts, compared, key, raw, values, found[key])
        else:
            tie.missing.append(key)
    leftover = sorted(table_rows, key=_key_order)
    gone = set(leftover)
    if gone and not complete and still_exists is not None:
        gone -= still_exists(leftover)
    tie.extra = [key for key in leftover if key in gone]
    for key in tie.extra:
        _add(totals, amounts, compared, table_rows[key], 1)
    tie.missing.sort(key=_key_order)
    return tie


def _match(
    tie: TieOut,
    totals: dict[str, list[Decimal]],
    amounts: Sequence[Column],
    compared: Sequence[Column],
    key: str,
    raw: list[Any],
    values: list[Any],
    stored: tuple[Any, ...],
) -> None:
    """Compare one key present on both sides: the table's amounts count, each differing field is listed."""
    _add(totals, amounts, compared, stored, 1)
    differing = [
        Difference(key, c.field, _text(c, sent), _text(c, old))
        for c, sent, old, new in zip(compared, raw, stored, values, strict=True)
        if not same_value(c.kind, old, new)
    ]
    if differing:
        tie.different_keys += 1
        tie.different.extend(differing)


def _add(
    totals: dict[str, list[Decimal]], amounts: Sequence[Column], compared: Sequence[Column], values: Any, side: int
) -> None:
    for column in amounts:
        value = values[compared.index(column)]
        if value is not None:
            totals[column.field][side] += to_value("decimal", value, field=column.field)


def _text(column: Column, value: Any) -> str | None:
    """A value as the report shows it: decimals and dates as text, a stored boolean as true/false."""
    if value is None:
        return None
    try:
        typed = to_value(column.kind, value)
    except ColumnError:
        return str(value)
    if isinstance(typed, bool):
        return "true" if typed else "false"
    if isinstance(typed, Decimal):
        return format(typed, "f")
    if isinstance(typed, dt.datetime):
        return timestamp_text(typed)
    if isinstance(typed, dt.date):
        return typed.isoformat()
    return str(typed)


def _show(value: str | None) -> str:
    return "(null)" if value is None else value


def _key_order(key: str) -> tuple[int, int | str]:
    """Numeric keys in numeric order (Intacct's keys are numbers as text), others after them."""
    return (0, int(key)) if key.isdigit() else (1, key)


def chunks(keys: Sequence[str], size: int = KEYS_PER_LOOKUP) -> Iterator[list[str]]:
    for start in range(0, len(keys), size):
        yield list(keys[start : start + size])

"""What identifies a record: its natural key, and the comparison that tells a write's record from another.

:class:`NaturalKey` reads the fields that name a record a user created (vendor + bill number)
out of create bodies; :func:`compare` is the comparison rule the registry's entries apply
(``IntacctObject.differences``): only fields the body sets count, amounts as decimals, lines in
order. Used when a task runs (the registry imports it on first use), never when a DAG is parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

#: A record's natural key as ``((field, value as text), ...)``, in the order of its fields.
Natural = tuple[tuple[str, str], ...]


class NaturalKey:
    """The fields that name a record a user created (vendor + bill number), read out of create bodies.

    The one natural key of every write: the single create looks its record up by it, a bulk task
    checks its input for repeats and settles a batch by it, an upsert matches on it. Dotted field
    names are split once here, not once per record.
    """

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        self._paths = tuple((name, tuple(name.split("."))) for name in self.fields)

    def of(self, body: Mapping[str, Any]) -> Natural | None:
        """``((field, value), ...)`` of ``body``; ``None`` if there are no fields or any value is empty."""
        if not self._paths:
            return None
        values = []
        for name, parts in self._paths:
            value: Any = body
            for part in parts:
                value = value.get(part) if type(value) is dict or isinstance(value, Mapping) else None
            if value is None or value == "":
                return None
            values.append((name, value if type(value) is str else str(value)))
        return tuple(values)

    def filters(self, naturals: Iterable[Natural]) -> list[dict[str, Any]]:
        """Query filters matching every record holding one of ``naturals`` (``$eq`` for one, ``$in`` for more).

        For several keys the filters match the cross product of their values, a superset: the
        caller keeps the rows whose own natural key is one of those asked for.
        """
        wanted = list(naturals)
        filters: list[dict[str, Any]] = []
        for position, name in enumerate(self.fields):
            values = sorted({natural[position][1] for natural in wanted})
            filters.append({"$eq": {name: values[0]}} if len(values) == 1 else {"$in": {name: values}})
        return filters

    def of_row(self, row: Mapping[str, Any]) -> Natural:
        """The natural key of a flat query row (dotted names are its keys), to match it with a body's."""
        return tuple((name, str(row.get(name))) for name in self.fields)


def dotted(value: Any, name: str) -> Any:
    """``value["a"]["b"]`` for ``"a.b"`` (``None`` when any step is missing)."""
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def same(name: str, wanted: Any, have: Any) -> bool:
    """Whether a record's value matches the body's; fields the body leaves out always match."""
    if wanted in (None, ""):
        return True
    if isinstance(wanted, (int, float, Decimal)) and not isinstance(wanted, bool):
        # A number custom field: sent as an exact Decimal, read back as a JSON number.
        try:
            return Decimal(str(wanted)) == Decimal(str(have))
        except InvalidOperation:
            return False
    if name.rsplit(".", 1)[-1].endswith(("Amount", "amount")):
        try:
            return Decimal(str(wanted)) == Decimal(str(have))
        except InvalidOperation:
            return False
    return str(wanted) == str(have)


def compare(
    compared: Sequence[str],
    line_compared: Sequence[str],
    body: Mapping[str, Any],
    record: Mapping[str, Any],
    *,
    lines: str = "lines",
) -> list[str]:
    """The ``compared`` fields (and ``lines``, by ``line_compared``) in which ``record`` does not match ``body``.

    Only fields the body sets are compared (Intacct fills in defaults); amounts compare as
    decimals (``"12.5"`` is ``"12.50"``), lines in order. ``lines`` names the body's list of lines
    (an AP payment's is ``details``).
    """
    mismatched = [name for name in compared if not same(name, dotted(body, name), dotted(record, name))]
    if lines in body and line_compared:
        wanted = body.get(lines) or []
        have = record.get(lines)
        have = have if isinstance(have, list) else []
        if len(wanted) != len(have) or any(
            not same(name, dotted(w, name), dotted(h, name))
            for w, h in zip(wanted, have, strict=False)
            for name in line_compared
        ):
            mismatched.append(lines)
    return mismatched

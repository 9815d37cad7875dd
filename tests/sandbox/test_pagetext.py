"""A query page's JSON text, written straight from the records, is what encoding its rows gives, byte for byte."""

from __future__ import annotations

import enum
import random
from decimal import Decimal
from typing import Any

import pytest

from intacct_provider.core.exact_json import compact
from intacct_provider.sandbox.pagetext import page_text
from intacct_provider.sandbox.query import _getter

META = {"totalCount": 3, "start": 1, "pageSize": 100, "next": None, "previous": None}


class Level(enum.IntEnum):
    HIGH = 2


class Text(str):
    pass


#: Every kind of value a record may hold, and some it should not (each written as ``compact`` writes it).
VALUES: list[Any] = [
    "plain",
    "Café ☕ \u2028",
    'quote " backslash \\ slash /',
    "\x00\x1f\n\t\r",
    "",
    None,
    True,
    False,
    0,
    -7,
    10**30,
    Level.HIGH,
    Text("a str subclass"),
    Decimal("59.10"),
    Decimal("1E+2"),
    Decimal("-0.00"),
    Decimal("12345678901234567.89"),
    1.5,
    [],
    {},
    ["a", "b"],
    {"id": "V", "amounts": [Decimal("1.0"), None, 2], "nested": {"x": "é"}},
    [{"txnAmount": "10.00", "dimensions": {"location": {"id": "US"}}}],
]


def _expected(fields: tuple[str, ...], records: list[dict[str, Any]]) -> str:
    rows = [{name: _getter(name)(rec) for name in fields} for rec in records]
    return compact({"ia::result": rows, "ia::meta": META})


def test_every_kind_of_value_is_written_as_compact_writes_it() -> None:
    fields = ("value", "holder.value", "holder.deep.value")
    records = [{"value": v, "holder": {"value": v, "deep": {"value": v}}} for v in VALUES]
    assert page_text(fields, records, META) == _expected(fields, records)


def test_names_are_walked_and_written_like_a_dict_of_getters() -> None:
    """Missing parts and parts that are not objects read None; odd names (quotes, %, non-ASCII,
    a name asked twice) are keys like any other."""
    fields = ("key", "vendor.id", "audit.modifiedByUser.id", 'it\'s "%s" é\\.x', "missing.part", "key", "lines")
    records: list[dict[str, Any]] = [
        {"key": "1", "vendor": {"id": "V"}, "audit": {"modifiedByUser": {"id": "me"}}, "lines": [1]},
        {"vendor": "not an object", "audit": {"modifiedByUser": None}, 'it\'s "%s" é\\': {"x": Decimal("2.50")}},
        {"vendor": {"name": "no id"}, "audit": [], "missing": {}},
        {},
    ]
    assert page_text(fields, records, META) == _expected(fields, records)
    assert page_text(fields, [], META) == _expected(fields, [])


def test_random_records() -> None:
    rng = random.Random(7)
    fields = ("a", "b.c", "b.d", "e")
    records = [
        {"a": rng.choice(VALUES), "b": rng.choice([{"c": rng.choice(VALUES), "d": rng.choice(VALUES)}, None, "b"])}
        for _ in range(500)
    ]
    assert page_text(fields, records, META) == _expected(fields, records)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("nan"), float("inf"), object()])
def test_what_json_cannot_carry_is_refused_alike(value: Any) -> None:
    record = {"value": value}
    with pytest.raises((ValueError, TypeError)) as expected:
        _expected(("value",), [record])
    with pytest.raises(expected.type):
        page_text(("value",), [record], META)

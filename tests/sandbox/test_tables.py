"""A table's indexes (key order, per entity) stay what a pass over its records gives, whatever was written."""

from __future__ import annotations

import random
from typing import Any

import pytest

from intacct_provider.sandbox.schema import OBJECTS
from intacct_provider.sandbox.tables import Omitting, Table

BILL = OBJECTS["accounts-payable/bill"]
ENTITIES = (None, "US", "UK", "CA")
#: Sets of entities a read leaves out (top-level reads leave out the private ones).
HIDDEN = ((), ("CA",), ("CA", "UK"), ("US", "UK", "CA"), ("NOWHERE",))


def _bill(key: int, entity: str | None, version: int = 0) -> dict[str, Any]:
    return {
        "key": str(key),
        "id": str(key),
        "vendor": {"id": "VEND-100"},
        "billNumber": f"B-{key}",
        "entity": {"id": entity},
        "version": version,
    }


def _entity(record: dict[str, Any]) -> str | None:
    entity: str | None = record["entity"]["id"]
    return entity


def _check(table: Table) -> None:
    """Every index and view of ``table`` against a plain pass over its records by key."""
    stored = list(table.records.values())
    assert [int(rec["key"]) for rec in stored] == sorted(int(key) for key in table.records)
    assert table.rows == stored
    for entity in ENTITIES:
        assert list(table.of_entity(entity)) == [rec for rec in stored if _entity(rec) == entity]
    assert set(table.by_entity) == {_entity(rec) for rec in stored}  # no empty group left behind
    for hidden in HIDDEN:
        view = table.without_entities(hidden)
        shown = [rec for rec in stored if _entity(rec) not in hidden]
        assert len(view) == len(shown)
        assert list(view) == shown
        for start in range(0, len(shown) + 2, 3):
            for size in (1, 4, len(shown) + 1):
                assert view[start : start + size] == shown[start : start + size], (hidden, start, size)
        if shown:
            assert [view[i] for i in (0, len(shown) - 1, -1, -len(shown))] == [
                shown[i] for i in (0, len(shown) - 1, -1, -len(shown))
            ]


def test_indexes_follow_every_kind_of_write() -> None:
    """Creates, replacements and deletes in random order, including whole runs of one entity's records."""
    rng = random.Random(20261207)
    table = Table(BILL)
    next_key = 2001
    for step in range(600):
        stored = list(table.records.values())
        action = rng.choice(("create", "create", "replace", "delete")) if stored else "create"
        if action == "create":
            table.index(_bill(next_key, rng.choice(ENTITIES)))
            next_key += rng.choice((1, 1, 7))
        elif action == "replace":
            old = rng.choice(stored)
            table.replace(old, {**old, "version": step})
            assert table.records[old["key"]]["version"] == step
        else:
            table.unindex(rng.choice(stored))
        if step % 20 == 0:
            _check(table)
    _check(table)
    for record in list(table.records.values()):
        table.unindex(record)
    _check(table)
    assert table.by_entity == {} and table.rows == []


def test_a_view_leaving_out_most_records() -> None:
    table = Table(BILL)
    for key in range(1, 41):
        table.index(_bill(key, "US" if key in (5, 17, 40) else "CA"))
    view = table.without_entities(["CA"])
    assert isinstance(view, Omitting)
    assert [rec["key"] for rec in view] == ["5", "17", "40"]
    assert [rec["key"] for rec in view[1:10]] == ["17", "40"] and view[3:] == [] and view[2:1] == []
    with pytest.raises(IndexError):
        view[3]
    with pytest.raises(ValueError, match="step"):
        view[::2]


def test_a_view_without_hidden_records_is_the_table_itself() -> None:
    table = Table(BILL)
    table.index(_bill(1, "US"))
    assert table.without_entities(["CA"]) is table.rows


def test_keys_only_grow_and_entities_never_change() -> None:
    """The invariants the views rest on are refused, not silently broken."""
    table = Table(BILL)
    table.index(_bill(10, "US"))
    with pytest.raises(ValueError, match="keys only grow"):
        table.index(_bill(9, "US"))
    with pytest.raises(ValueError, match="keys only grow"):
        table.index(_bill(10, "US"))
    with pytest.raises(ValueError, match="cannot change its key or entity"):
        table.replace(table.records["10"], _bill(10, "UK"))
    with pytest.raises(ValueError, match="cannot change its key or entity"):
        table.replace(table.records["10"], _bill(11, "US"))
    _check(table)


def test_master_data_has_no_entity_index() -> None:
    vendors = Table(OBJECTS["accounts-payable/vendor"])
    vendors.index({"key": "33", "id": "VEND-100"})
    vendors.index({"key": "34", "id": "VEND-200"})
    vendors.unindex(vendors.records["33"])
    assert vendors.by_entity == {} and [rec["id"] for rec in vendors.rows] == ["VEND-200"]

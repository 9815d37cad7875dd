"""One table of records with its indexes, and what the rules may ask of all tables.

Below the store: the rules (:mod:`.rules`) and workflow actions (:mod:`.workflows`) read the
tables through :class:`Tables`, which the store provides, so they never import the store that
calls them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, overload

if TYPE_CHECKING:
    from .schema import ObjectDef

Record = dict[str, Any]


class Table:
    """Records of one object type plus the indexes the rules and reads need.

    ``records`` (by key) and ``rows`` (a list) hold the same records in ascending key order: keys
    only grow (:meth:`index` refuses any other), seeds insert in order, and updates replace in
    place.  Listing and the query service rely on this to skip a sort, and take a page as a slice
    of ``rows`` without opening the records before it.  A transaction's records are also kept per
    entity (``by_entity``: entity id, None for the top level, to its records in key order), so a
    read scoped to an entity, or one leaving private entities out, does not open every record to
    read its entity: that pass cost a 40,000-bill table 25 ms per query page, two thirds of
    serving it.  A record's entity is set when it is created and never changes (``entity`` is
    read-only in every Sage schema).  Every write goes through :meth:`index`, :meth:`unindex` and
    :meth:`replace`, which keep all of these in step.
    """

    def __init__(self, obj: ObjectDef) -> None:
        self.obj = obj
        self.records: dict[str, Record] = {}
        self.rows: list[Record] = []
        self.by_entity: dict[str | None, list[Record]] = {}  # transactions only
        self.ids: dict[str, str] = {}  # id -> key
        self.numbers: dict[tuple[str, str], str] = {}  # documents: (party id, number) -> key
        self.next_key = obj.first_key
        self.next_number = 100

    def index(self, record: Record) -> None:
        """Store a new record, whose key must be larger than every stored one."""
        key = record["key"]
        if self.rows and int(self.rows[-1]["key"]) >= int(key):
            raise ValueError(f"{self.obj.path}: key {key} is not above {self.rows[-1]['key']} (keys only grow)")
        self.records[key] = record
        self.rows.append(record)
        if self.obj.transaction:
            self.by_entity.setdefault(record["entity"]["id"], []).append(record)
        self.next_key = max(self.next_key, int(key) + 1)
        self._remember(record)

    def unindex(self, record: Record) -> None:
        key = record["key"]
        del self.records[key]
        del self.rows[_position(self.rows, key)]
        if self.obj.transaction:
            entity = record["entity"]["id"]
            group = self.by_entity[entity]
            del group[_position(group, key)]
            if not group:
                del self.by_entity[entity]
        self._forget(record)

    def replace(self, old: Record, new: Record) -> None:
        """Swap a record for its updated version (same key, same entity), keeping its place in key order."""
        key = old["key"]
        if new["key"] != key or (self.obj.transaction and new["entity"]["id"] != old["entity"]["id"]):
            raise ValueError(f"{self.obj.path}: record {key} cannot change its key or entity")
        self._forget(old)
        self.records[key] = new
        self.rows[_position(self.rows, key)] = new
        if self.obj.transaction:
            group = self.by_entity[new["entity"]["id"]]
            group[_position(group, key)] = new
        self._remember(new)

    def of_entity(self, entity: str | None) -> Sequence[Record]:
        """The records of one entity (None: those created at the top level), in key order.

        Like :meth:`without_entities`, a view to read before the next write, never to change.
        """
        return self.by_entity.get(entity, [])

    def without_entities(self, hidden: Collection[str]) -> Sequence[Record]:
        """Every record except those of the ``hidden`` entities, in key order, without copying the others.

        Each hidden record is found by bisecting ``rows`` (a few key comparisons: a private entity's
        few bills among thousands), and the answer reads ``rows`` around those positions.
        """
        found = [rec["key"] for entity in hidden for rec in self.by_entity.get(entity, ())]
        if not found:
            return self.rows
        return Omitting(self.rows, sorted(_position(self.rows, key) for key in found))

    def _remember(self, record: Record) -> None:
        key = record["key"]
        self.ids[record["id"]] = key
        if self.obj.party and self.obj.number_field:
            self.numbers[(record[self.obj.party]["id"], record[self.obj.number_field])] = key

    def _forget(self, record: Record) -> None:
        if self.ids.get(record["id"]) == record["key"]:
            del self.ids[record["id"]]
        if self.obj.party and self.obj.number_field:
            self.numbers.pop((record[self.obj.party]["id"], record[self.obj.number_field]), None)


def _position(rows: list[Record], key: str) -> int:
    """Where the record with ``key`` is in ``rows`` (key order); ValueError if it is not there."""
    position = bisect_left(rows, int(key), key=_key_number)
    if position == len(rows) or rows[position]["key"] != key:
        raise ValueError(f"no record with key {key}")
    return position


def _key_number(record: Record) -> int:
    return int(record["key"])


class Omitting(Sequence[Record]):
    """``rows`` without the records at ``hidden`` positions (ascending), read in place.

    What a query page needs of it (its length, one slice) costs the size of the slice plus a step
    per hidden position, however many rows come before the slice.
    """

    def __init__(self, rows: list[Record], hidden: list[int]) -> None:
        self.rows = rows
        self.hidden = hidden

    def __len__(self) -> int:
        return len(self.rows) - len(self.hidden)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._between(0, len(self.rows)))

    @overload
    def __getitem__(self, index: int) -> Record: ...

    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("Omitting takes slices with a step of 1")
            return self._between(self._raw(start), self._raw(max(start, stop)))
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("Omitting index out of range")
        return self.rows[self._raw(position)]

    def _raw(self, position: int) -> int:
        """The place in ``rows`` of the ``position``-th record shown (``len(rows)`` past the last one)."""
        for hidden in self.hidden:
            if hidden > position:
                break
            position += 1
        return position

    def _between(self, start: int, stop: int) -> list[Record]:
        """The records shown among ``rows[start:stop]``."""
        shown: list[Record] = []
        for hidden in self.hidden:
            if start <= hidden < stop:
                shown += self.rows[start:hidden]
                start = hidden + 1
        shown += self.rows[start:stop]
        return shown


class Tables(Protocol):
    """What the rules and workflow actions read and stamp (the store is one)."""

    def table(self, path: str) -> Table:
        """The table of ``path``; 404 for an object the sandbox does not have."""
        ...

    def resolve(self, path: str, ref: dict[str, Any]) -> dict[str, Any] | None:
        """The record a reference ``{key}`` or ``{id}`` names."""
        ...

    def get(self, path: str, key: str, entity: str | None) -> dict[str, Any]:
        """The record with ``key`` a caller scoped to ``entity`` may see; 404 otherwise."""
        ...

    def touch(self, record: dict[str, Any]) -> None:
        """Stamp a change by the API user."""
        ...

    def workflow_done(self, path: str, record: dict[str, Any], action: str, previous_state: str) -> None:
        """Record a workflow action's state change in the audit trail."""
        ...

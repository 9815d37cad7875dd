"""One table of records with its indexes, and what the rules may ask of all tables.

Below the store: the rules (:mod:`.rules`) and workflow actions (:mod:`.workflows`) read the
tables through :class:`Tables`, which the store provides, so they never import the store that
calls them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .schema import ObjectDef


class Table:
    """Records of one object type plus the indexes the rules need.

    ``records`` is always in ascending key order: keys only grow, seeds insert in order, and
    updates replace in place.  Listing and the query service rely on this to skip a sort.
    """

    def __init__(self, obj: ObjectDef) -> None:
        self.obj = obj
        self.records: dict[str, dict[str, Any]] = {}
        self.ids: dict[str, str] = {}  # id -> key
        self.numbers: dict[tuple[str, str], str] = {}  # documents: (party id, number) -> key
        self.next_key = obj.first_key
        self.next_number = 100

    def index(self, record: dict[str, Any]) -> None:
        key = record["key"]
        self.records[key] = record
        self.next_key = max(self.next_key, int(key) + 1)
        self.ids[record["id"]] = key
        if self.obj.party and self.obj.number_field:
            self.numbers[(record[self.obj.party]["id"], record[self.obj.number_field])] = key

    def unindex(self, record: dict[str, Any]) -> None:
        del self.records[record["key"]]
        self._forget(record)

    def replace(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Swap a record for its updated version, keeping its place in key order."""
        self._forget(old)
        self.index(new)

    def _forget(self, record: dict[str, Any]) -> None:
        if self.ids.get(record["id"]) == record["key"]:
            del self.ids[record["id"]]
        if self.obj.party and self.obj.number_field:
            self.numbers.pop((record[self.obj.party]["id"], record[self.obj.number_field]), None)


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

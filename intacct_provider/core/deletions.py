"""Deleted records of a sync, decided without I/O: the audit-trail query, its answers, tombstones, key sets.

Intacct has no "deleted records" endpoint: a DELETE answers 204 and the record is gone. A sync
learns of it in one of two ways, both read by :class:`~intacct_provider.operators.execute.sync.SyncRead`:

* **the audit trail** (``track_deletes=True``): ``company-config/audit-history`` entries with
  ``changeSource.actionPerformed = delete`` for the object, in the window. Sage's spec does not say
  whether an entry's ``changeDetails.objectId`` is the record's ``key`` or its ``id`` ("differs based
  on the object type"): the caller says which (``audit_object_id``), and the tombstone carries the
  value in that field only: the other is ``None``, never guessed (see :func:`tombstones`);
* **key sets** (``track_deletes="keys"``): every key of the object now, compared with the set the
  previous run stored; a key gone is a deletion (:func:`gone`). The sets are sorted text, one key a
  line, so 10^6 keys cost a few megabytes, not a JSON list of dicts (:class:`KeyCollector`).

A trail answer that contradicts the question (another object, another action, a time outside the
window, no ``objectId``) is an :class:`~intacct_provider.exceptions.IntacctProtocolError`, as a
query page that contradicts its count is: the read never quietly loses a deletion.
"""

from __future__ import annotations

import datetime as dt
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from intacct_provider.core.query import QUERY_PATH
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctConfigError, IntacctProtocolError, IntacctValidationError

#: Sage's audit trail, read through the query service (its list GET is "mostly for testing").
AUDIT_PATH = "company-config/audit-history"
OBJECT_NAME = "changeDetails.objectName"
OBJECT_ID = "changeDetails.objectId"
ACTION = "changeSource.actionPerformed"
WHEN = "changeSource.accessDateTime"
TRAIL_FIELDS = ("key", OBJECT_NAME, OBJECT_ID, ACTION, WHEN)
#: What a tombstone names a deleted record by, as the trail's ``objectId`` holds it.
OBJECT_ID_FIELDS = ("key", "id")
#: ``track_deletes`` values: off, the audit trail, key sets.
MODES = (False, True, "keys")
STAMP = "%Y-%m-%dT%H:%M:%SZ"
_DIGITS = re.compile(r"[0-9]+")
_INT64 = 2**63 - 1


def track_deletes_mode(value: Any) -> bool | str:
    """``track_deletes`` as given or as a template renders it: ``False``, ``True`` or ``"keys"``."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("", "false"):
        return False
    if text == "true":
        return True
    if text == "keys":
        return "keys"
    raise IntacctValidationError(
        "track_deletes", "False, True (read the audit trail) or 'keys' (compare key sets)", value
    )


def audit_object_id(value: Any) -> str:
    """``audit_object_id``: what the trail's ``objectId`` holds for this object, ``key`` or ``id``."""
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in OBJECT_ID_FIELDS:
        raise IntacctValidationError("audit_object_id", "'key' or 'id' (what the audit trail's objectId holds)", value)
    return str(text)


def trail_spec(path: str, start: str | None, until: str | None) -> QuerySpec:
    """The query for ``path``'s deletions in ``[start, until)`` (either bound may be open)."""
    filters: list[dict[str, Any]] = [{"$eq": {OBJECT_NAME: path}}, {"$eq": {ACTION: "delete"}}]
    if start is not None:
        filters.append({"$gte": {WHEN: start}})
    if until is not None:
        filters.append({"$lt": {WHEN: until}})
    return QuerySpec.build(AUDIT_PATH, list(TRAIL_FIELDS), filters, order_by=[{"key": "asc"}])


@dataclass(frozen=True)
class Deletion:
    """One delete entry of the trail: the record's ``objectId`` and when it was deleted (UTC stamp)."""

    object_id: str
    at: str


def read_deletion(
    row: Mapping[str, Any], *, path: str, start: str | None, until: str | None, identity: str
) -> Deletion:
    """The deletion one trail row describes, or an error if the row contradicts the question asked."""

    def wrong(problem: str) -> IntacctProtocolError:
        return IntacctProtocolError(
            f"Intacct's audit trail answer contradicts the query for {path} deletions: entry {row.get('key')!r} "
            f"{problem}; the read fails rather than miss or invent a deletion",
            method="POST",
            path=QUERY_PATH,
        )

    if row.get(OBJECT_NAME) != path:
        raise wrong(f"is about {row.get(OBJECT_NAME)!r}")
    if row.get(ACTION) != "delete":
        raise wrong(f"records a {row.get(ACTION)!r}, not a delete")
    object_id = row.get(OBJECT_ID)
    if not isinstance(object_id, str) or not object_id.strip():
        raise wrong("names no record (no changeDetails.objectId)")
    if identity == "key" and not _DIGITS.fullmatch(object_id):
        raise IntacctConfigError(
            f"the audit trail names a deleted {path} by objectId {object_id!r}, which is not a record key "
            "(Intacct's keys are system-assigned numbers): for this object the trail holds ids, so set "
            "audit_object_id='id'"
        )
    at = _instant(row.get(WHEN))
    if at is None:
        raise wrong(f"has no readable changeSource.accessDateTime ({row.get(WHEN)!r})")
    stamp = at.strftime(STAMP)
    if (start is not None and stamp < start) or (until is not None and stamp >= until):
        raise wrong(f"is dated {stamp}, outside the window [{start}, {until})")
    return Deletion(object_id, stamp)


def tombstones(deletions: Iterable[Deletion], *, identity: str, id_is_key: bool = False) -> list[dict[str, Any]]:
    """One tombstone per deleted record, oldest deletion first (then by identity), latest stamp kept.

    ``identity`` is what the trail's ``objectId`` holds: the tombstone's ``key`` or ``id`` gets it and
    the other field is ``None``. The one exception: with ``identity="id"`` and ``id_is_key`` (this
    tenant shows the contract's ``id`` = ``key`` for the object: bills, invoices, journal entries, AP
    payments), the id *is* the key, so both carry it.
    """
    latest: dict[str, str] = {}
    for deletion in deletions:
        if deletion.at > latest.get(deletion.object_id, ""):
            latest[deletion.object_id] = deletion.at
    ordered = sorted(latest.items(), key=lambda item: (item[1], key_order(item[0])))
    return [tombstone(object_id, at, identity=identity, id_is_key=id_is_key) for object_id, at in ordered]


def tombstone(object_id: str, at: str, *, identity: str, id_is_key: bool = False) -> dict[str, Any]:
    """``{"key", "id", "_deleted": True, "_deleted_at"}`` for one deleted record."""
    key = object_id if identity == "key" or id_is_key else None
    record_id = object_id if identity == "id" else None
    return {"key": key, "id": record_id, "_deleted": True, "_deleted_at": at}


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


# ------------------------------------------------------------------ key sets
def key_order(key: str) -> tuple[int, int | str]:
    """The order key sets are kept in: numbers (Intacct's keys) by value, any other text after them."""
    if _DIGITS.fullmatch(key) and (key == "0" or not key.startswith("0")) and int(key) <= _INT64:
        return (0, int(key))
    return (1, key)


class KeyCollector:
    """The keys of one read, kept compactly and in :func:`key_order`.

    Numeric keys (all of Intacct's) are stored as 64-bit integers, 8 bytes each; other text in a
    list. Keys usually arrive in order (the read is ordered by key); if not, they are sorted once.
    """

    def __init__(self) -> None:
        self._numbers: array[int] = array("q")
        self._texts: list[str] = []
        self._sorted = True

    def add(self, key: str) -> None:
        check_key_text(key)
        kind, value = key_order(key)
        if kind == 0:
            assert isinstance(value, int)
            if self._numbers and value <= self._numbers[-1]:
                self._sorted = False
            self._numbers.append(value)
        else:
            if self._texts and key <= self._texts[-1]:
                self._sorted = False
            self._texts.append(key)

    def __len__(self) -> int:
        return len(self._numbers) + len(self._texts)

    def _settle(self) -> None:
        if not self._sorted:
            self._numbers = array("q", sorted(set(self._numbers)))
            self._texts = sorted(set(self._texts))
            self._sorted = True

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        self._settle()
        kind, value = key_order(key)
        found: Any = self._numbers if kind == 0 else self._texts
        index = bisect_left(found, value)
        return index < len(found) and found[index] == value

    def __iter__(self) -> Iterator[str]:
        """Every key, in :func:`key_order`."""
        self._settle()
        for number in self._numbers:
            yield str(number)
        yield from self._texts


def check_key_text(key: str) -> str:
    """A key a key-set file can hold: one line of visible text (Intacct's keys are numbers)."""
    if not key or not key.isprintable() or key != key.strip() or " " in key or key.startswith("#"):
        raise IntacctProtocolError(f"Intacct returned a record key that cannot be kept in a key set: {key!r}")
    return key


def merged(first: Iterable[str], second: Iterable[str]) -> Iterator[str]:
    """Two key sequences in :func:`key_order` merged into one (a key in both appears once)."""
    left, right = iter(first), iter(second)
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and key_order(a) < key_order(b)):
            yield a  # type: ignore[misc]
            a = next(left, None)
        elif a is None or key_order(b) < key_order(a):
            yield b
            b = next(right, None)
        else:
            yield a
            a, b = next(left, None), next(right, None)


def gone(previous: Iterable[str], current: Iterable[str]) -> Iterator[str]:
    """Keys of ``previous`` missing from ``current``, both in :func:`key_order` (a sorted merge).

    ``previous`` comes from a stored file: a key out of order there means the file is not what
    this module wrote, and comparing it would invent deletions, so it is an error.
    """
    now = iter(current)
    here = next(now, None)
    last: tuple[int, int | str] | None = None
    for key in previous:
        order = key_order(key)
        if last is not None and order <= last:
            raise KeySetError(f"the stored key set is not in key order at {key!r}: it was not written by this provider")
        last = order
        while here is not None and key_order(here) < order:
            here = next(now, None)
        if here is None or key_order(here) != order:
            yield key


class KeySetError(IntacctValidationError):
    """A stored key set that cannot be trusted (another object's, truncated, out of order)."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            "keys_state_path",
            f"a key set written by an earlier run of this sync ({problem}); move the file away to start afresh "
            "(the next run then stores a new set and reports no deletions)",
            None,
            show_value=False,
        )


#: First line of a key-set file: ``# intacct-provider key set v1 object=<path> count=<n> until=<stamp|->``.
_HEADER = re.compile(r"# intacct-provider key set v1 object=(\S+) count=([0-9]+) until=(\S+)")


def key_set_header(path: str, count: int, until: str | None) -> str:
    """The first line of a key-set file (without its newline)."""
    return f"# intacct-provider key set v1 object={path} count={count} until={until or '-'}"


@dataclass(frozen=True)
class KeySetHeader:
    """What a stored key set says of itself."""

    object: str
    count: int
    until: str | None


def read_key_set_header(line: str, path: str) -> KeySetHeader:
    """Parse and check the first line of a stored key set for object ``path``."""
    match = _HEADER.fullmatch(line.rstrip("\n"))
    if match is None:
        raise KeySetError("its first line is not a key-set header")
    if match.group(1) != path:
        raise KeySetError(f"it holds the keys of {match.group(1)}, not {path}")
    until = match.group(3)
    return KeySetHeader(match.group(1), int(match.group(2)), None if until == "-" else until)


def counted_keys(lines: Iterable[str], header: KeySetHeader) -> Iterator[str]:
    """The keys of a stored set after its header, checked against the header's count (a cut file fails)."""
    count = 0
    for line in lines:
        key = line.rstrip("\n")
        if not key:
            continue
        count += 1
        yield key
    if count != header.count:
        raise KeySetError(f"its header promises {header.count} keys but it holds {count}")

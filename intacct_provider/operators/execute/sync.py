"""``SyncRead``: one window's read of one object, deletions included: what every sync operator streams.

``IntacctQueryOperator`` writes its rows to JSON Lines or XCom and the warehouse load writes them to
a table, but both read the same way, through this one object: the window (with its look-back and
the records whose modified stamp is null), the stable order, the hook's paging and query budget,
and the deleted records. The pure rules live in :mod:`intacct_provider.core.deletions` and
:mod:`intacct_provider.operators.execute.windows`; this module does the reading.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from intacct_provider.catalog.registry import registered
from intacct_provider.core.deletions import (
    AUDIT_PATH,
    STAMP,
    KeyCollector,
    audit_object_id,
    gone,
    key_order,
    merged,
    read_deletion,
    tombstone,
    tombstones,
    track_deletes_mode,
    trail_spec,
)
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import (
    IntacctAuditTrailError,
    IntacctPermanentError,
    IntacctValidationError,
)
from intacct_provider.operators.execute.key_sets import PREVIOUS, StoredKeys
from intacct_provider.operators.execute.windows import (
    INCREMENTAL_ORDER,
    parse_instant,
    parse_lookback,
    positive_int_or_none,
    window_filters,
)

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook

_log = logging.getLogger(__name__)


class Log(Protocol):
    """Where a read reports: an operator's ``self.log`` or a ``logging.Logger``."""

    def info(self, msg: str, /, *args: Any) -> Any: ...

    def warning(self, msg: str, /, *args: Any) -> Any: ...


#: Records of an object read to check Sage's "id is the same as the key" before relying on it.
ID_CHECK_SAMPLE = 100


class SyncRead:
    """One window's read of one object: live rows, then one tombstone per deleted record.

    Use it the same way from any operator that syncs::

        read = SyncRead(hook, spec, since=start, until=end, lookback=3600, track_deletes=True)
        read.window                # ["<since - lookback>", "<until>"]: the effective window
        rows = read.rows()         # reads the deletions first: raises before anything is written
        write(rows)                # live rows, then {"key", "id", "_deleted": True, "_deleted_at"}
        read.deleted               # tombstones yielded, once ``rows`` is exhausted
        read.commit()              # after the output is complete (stores the new key set)

    :param hook: the :class:`~intacct_provider.hooks.intacct.IntacctHook` to read through.
    :param spec: the query without its window (object, fields, filters, order, filter parameters).
    :param since: start of the window (datetime or ISO text), inclusive; ``None``: open.
    :param until: end of the window, exclusive; ``None``: open.
    :param lookback: widen the window backwards (timedelta or seconds): rows and deletions alike.
    :param track_deletes: ``False`` (live rows only), ``True`` (deletions from the audit trail, read
        before the rows; a refused or contradictory trail fails the read), or ``"keys"`` (compare every
        key of the object with the set stored at ``keys_state_path`` by the previous run).
    :param keys_state_path: where ``"keys"`` keeps the key set (a path or an ``ObjectStoragePath`` URI).
    :param audit_object_id: what the audit trail's ``objectId`` holds for this object, ``"key"``
        (default) or ``"id"``: Sage leaves it open. The tombstone carries it in that field only,
        except that an ``id`` is also the ``key`` of an object Sage documents so (bills, invoices,
        journal entries, AP payments) once this tenant's records show it (:data:`ID_CHECK_SAMPLE`).
    :param max_records: stop the live rows after this many (tombstones are not counted).

    Without a caller's ``order_by``, a windowed read is ordered by ``audit.modifiedDateTime`` then
    ``key``. Rows deleted in the window are left out of the live rows (a deleted record the query
    still returned); an id-only tombstone whose id a live row carries is dropped instead (ids can
    be reused) and the drop is logged.
    """

    def __init__(
        self,
        hook: IntacctHook,
        spec: QuerySpec,
        *,
        since: Any = None,
        until: Any = None,
        lookback: Any = None,
        track_deletes: Any = False,
        keys_state_path: Any = None,
        audit_object_id: Any = "key",
        max_records: Any = None,
        log: Log | None = None,
    ) -> None:
        self.hook = hook
        self.log: Log = log or _log
        self.mode = track_deletes_mode(track_deletes)
        self.identity = _identity(audit_object_id)
        if self.mode == "keys" and not keys_state_path:
            raise IntacctValidationError(
                "keys_state_path",
                "a file path or URI where track_deletes='keys' keeps the object's key set between runs "
                "(e.g. 's3://bucket/intacct/state/bills.keys')",
                keys_state_path,
            )
        if keys_state_path and self.mode != "keys":
            raise IntacctValidationError(
                "keys_state_path", "no key-set path unless track_deletes='keys'", keys_state_path, show_value=False
            )
        self.max_records = positive_int_or_none("max_records", max_records)
        window = window_filters(
            parse_instant("modified_since", since), parse_instant("modified_until", until), parse_lookback(lookback)
        )
        #: The effective window ``[since - lookback, until)`` as stamps (``None``: open), as the XCom shows it.
        self.window: list[str | None] = window.bounds
        ordered = spec if spec.order_by or not window.filters else replace(spec, order_by=list(INCREMENTAL_ORDER))
        self.spec = ordered.and_filters(window.filters, window.expression)
        self.path = spec.object
        #: Tombstones yielded so far (final once :meth:`rows` is exhausted).
        self.deleted = 0
        self._stored = StoredKeys(keys_state_path, self.path) if self.mode == "keys" else None
        self._current: KeyCollector | None = None
        self._extra: list[str] = []
        self._rotate = False
        self._until = self.window[1]

    # ------------------------------------------------------------------ reading
    def rows(self) -> Iterator[dict[str, Any]]:
        """Read the deletions now (raising before anything is written), then stream rows and tombstones."""
        if self.mode is True:
            pending = self._trail_tombstones()
        elif self.mode == "keys":
            pending = self._key_tombstones()
        else:
            pending = []
        return self._stream(pending)

    def _stream(self, pending: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        by_key = {t["key"]: t for t in pending if t["key"] is not None}
        by_id = {t["id"]: t for t in pending if t["key"] is None}
        spec, strip_id = self.spec, False
        if by_id and "id" not in spec.fields:
            spec, strip_id = replace(spec, fields=[*spec.fields, "id"]), True
        skipped = 0
        for row in self.hook.iter_query(spec, max_records=self.max_records):
            key = str(row["key"])
            if self._current is not None:
                if key in by_key:  # the key list missed a record the query shows: it exists
                    self.log.warning("%s %s is missing from the key list but was read: not deleted", self.path, key)
                    del by_key[key]
                elif key not in self._current:
                    self._extra.append(key)
            elif key in by_key:
                skipped += 1  # deleted in the window: the tombstone speaks for it
                continue
            record_id = row.get("id")
            if by_id and record_id in by_id:
                self.log.warning(
                    "%s id %s was deleted in the window, but a record with that id exists (key %s): "
                    "keeping the record, dropping the tombstone",
                    self.path,
                    record_id,
                    key,
                )
                del by_id[record_id]
            if strip_id:
                row = {name: value for name, value in row.items() if name != "id"}
            yield row
        if skipped:
            self.log.info("Left out %d %s rows deleted in the window (their tombstones follow)", skipped, self.path)
        for item in pending:
            if (item["key"] is not None and item["key"] in by_key) or (item["key"] is None and item["id"] in by_id):
                self.deleted += 1
                yield item
        if self.mode:
            self.log.info("%s: %d deleted records (tombstones) after the rows", self.path, self.deleted)

    # ------------------------------------------------------------ the audit trail
    def _trail_tombstones(self) -> list[dict[str, Any]]:
        start, until = self.window
        spec = trail_spec(self.path, start, until)
        try:
            deletions = [
                read_deletion(row, path=self.path, start=start, until=until, identity=self.identity)
                for row in self.hook.iter_query(spec, what=f"{AUDIT_PATH} (deletions of {self.path})")
            ]
        except IntacctPermanentError as error:
            if isinstance(error, IntacctValidationError) or error.status in (None, 401):
                raise
            refused = IntacctAuditTrailError(
                f"track_deletes=True reads the deletions of {self.path} from Intacct's audit trail "
                f"({AUDIT_PATH}) and Intacct refused: {error}. Give the API user read access to the audit "
                f"trail (a role with the Company application's 'Audit trail' permission, List and View) and "
                f"make sure {self.path} is audited; or set track_deletes='keys' (compares key sets, needs no "
                "audit trail) or track_deletes=False. Nothing was written."
            )
            refused.status, refused.method, refused.path = error.status, error.method, error.path
            raise refused from error
        id_is_key = bool(deletions) and self.identity == "id" and self._ids_are_keys()
        found = tombstones(deletions, identity=self.identity, id_is_key=id_is_key)
        self.log.info(
            "Audit trail: %d %s records deleted in window %s (objectId read as the %s%s)",
            len(found),
            self.path,
            self.window,
            self.identity,
            ", which this tenant's records show is also the key" if id_is_key else "",
        )
        return found

    def _ids_are_keys(self) -> bool:
        """Whether this tenant keeps Sage's word that the object's ``id`` is its ``key``.

        Only for objects Sage documents so, and only if every one of the latest
        :data:`ID_CHECK_SAMPLE` records shows it (one query); otherwise a tombstone read by id
        keeps ``key`` null rather than guess it.
        """
        known = registered(self.path)
        if known is None or not known.id_is_key:
            return False
        page = self.hook.query(self.path, ["key", "id"], order_by=[{"key": "desc"}], size=ID_CHECK_SAMPLE)
        sample = page["ia::result"]
        return bool(sample) and all(str(row.get("id")) == str(row.get("key")) for row in sample)

    # ------------------------------------------------------------------ key sets
    def _key_tombstones(self) -> list[dict[str, Any]]:
        stored = self._stored
        assert stored is not None
        header = stored.header()
        baseline: str | None = ""
        if header is None:
            baseline = None
        elif self._until is not None and header.until == self._until:
            # A rerun of the window stored last: compare with the set before it, as its first run did.
            baseline = PREVIOUS if stored.header(PREVIOUS) is not None else None
        else:
            self._rotate = True
        current = KeyCollector()
        keys = QuerySpec.build(self.path, ["key"], filter_parameters=self.spec.filter_parameters)
        for row in self.hook.iter_query(keys, what=f"{self.path} keys (track_deletes='keys')"):
            current.add(str(row["key"]))
        self._current = current
        if baseline is None:
            self.log.info(
                "track_deletes='keys': no key set of %s stored at %s before this window (a first run): "
                "%d keys read, no deletions reported; they are compared from the next run on",
                self.path,
                stored.where(),
                len(current),
            )
            return []
        missing = list(gone(stored.keys(baseline), current))  # read whole before any row is written
        at = self._until or dt.datetime.now(dt.UTC).strftime(STAMP)
        self.log.info(
            "track_deletes='keys': %d keys of %s now; %d of those stored at %s are gone",
            len(current),
            self.path,
            len(missing),
            stored.where(baseline),
        )
        return [tombstone(key, at, identity="key") for key in missing]

    def commit(self) -> None:
        """After the output is complete: store the key set read now (``track_deletes="keys"``).

        The set stored is every key read plus the keys of live rows created while the read ran,
        so a record written out this run is compared next run even if the key list missed it.
        """
        if self._stored is None or self._current is None:
            return
        extra = sorted(set(self._extra), key=key_order)
        count = len(self._current) + len(extra)
        self._stored.save(merged(self._current, extra), count, self._until, keep_previous=self._rotate)
        self.log.info("Stored %d keys of %s at %s", count, self.path, self._stored.where())


def _identity(value: Any) -> str:
    return audit_object_id("key" if value is None or value == "" else value)

"""One run of a warehouse load: rows read from Intacct written to one table, in one transaction.

Why one transaction: a load killed between two pages must leave the table as the previous run
left it, so that running the same window again leaves it identical apart from ``_synced_at``.
Every mode writes inside :meth:`SqlTarget.transaction`; the database rolls back whatever a dead
process had written.

* ``merge``: upsert by ``key`` (and ``_entity``) with the dialect's upsert. Each batch first
  reads the stored rows of its keys, so ``inserted``/``updated`` count only rows whose stored
  values change (an identical rerun counts 0 and 0); unchanged rows only get the new ``_synced_at``.
* ``append``: every row read becomes a new row (primary key ``key, [_entity,] _synced_at``).
* ``replace``: the rows go into a new table (``<table>__intacct_new``), which then takes the old
  one's name in the same transaction; with an entity, the other entities' rows are carried over.

Deletions arrive as tombstone rows (``{"key", "id", "_deleted": True, "_deleted_at"}``, after
the live rows). ``deletes="soft"`` sets ``_deleted`` and ``_deleted_at`` (in ``append``: a
tombstone row is appended); ``"hard"`` deletes the key's rows. A tombstone for a key the table
does not hold changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from intacct_provider.core.columns import (
    DELETED,
    DELETED_AT,
    ENTITY,
    SYNCED_AT,
    SYSTEM_COLUMNS,
    Column,
    ColumnError,
    row_converter,
    same_value,
    to_value,
)
from intacct_provider.exceptions import IntacctWarehouseError
from intacct_provider.operators.execute.warehouse.target import KEYS_PER_STATEMENT, SqlTarget

log = logging.getLogger(__name__)

MODES = ("merge", "append", "replace")
DELETE_MODES = ("soft", "hard")
NEW_FIELD_MODES = ("add", "fail")
#: Rows compared and written together: large enough for few statements, small enough for bounded memory.
BATCH_ROWS = 2000
NEW_SUFFIX = "__intacct_new"
OLD_SUFFIX = "__intacct_old"

Row = Mapping[str, Any]


@dataclass
class LoadCounts:
    """What a run did: rows read, and rows whose stored values it inserted, changed or deleted."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


class TableLoad:
    """Writes one run's rows into ``target`` as ``mode`` says; :meth:`run` returns the counts.

    :param columns: the field columns (``key`` first), from :func:`~intacct_provider.core.columns.plan_columns`.
    :param entity: the connection's entity id; rows then carry it in ``_entity``, part of the key.
    :param synced_at: this run's time (UTC), in every row it writes.
    """

    def __init__(
        self,
        target: SqlTarget,
        columns: Sequence[Column],
        *,
        mode: str = "merge",
        deletes: str = "soft",
        create_table: bool = True,
        on_new_fields: str = "add",
        entity: str | None = None,
        synced_at: dt.datetime,
        batch_rows: int | None = None,
    ) -> None:
        self.target = target
        self.columns = list(columns)
        self.mode = mode
        self.deletes = deletes
        self.create_table = create_table
        self.on_new_fields = on_new_fields
        self.entity = entity
        self.synced_at = synced_at
        self.batch_rows = batch_rows or BATCH_ROWS
        self.counts = LoadCounts()
        self._convert = row_converter(self.columns)
        self._binders = [target.binder(c.kind, c.field) for c in self.columns]
        self._synced_bound = target.bind("timestamp", synced_at)
        #: The table was created by this run: every row is new, no stored row to read first.
        self._created = False
        #: Columns the table has that this run does not read (a field the tenant removed): written as NULL.
        self.extra: list[str] = []
        self._old_exists = False

    # ------------------------------------------------------------------ run
    @property
    def key_names(self) -> list[str]:
        """The primary key: ``key`` (and ``_entity``), plus ``_synced_at`` in an append table."""
        names = ["key", *([ENTITY] if self.entity else [])]
        return [*names, SYNCED_AT] if self.mode == "append" else names

    @property
    def write_table(self) -> str:
        return self.target.table + NEW_SUFFIX if self.mode == "replace" else self.target.table

    def run(self, rows: Iterable[Row]) -> LoadCounts:
        """Write every row (live rows, then tombstones) in one transaction; return the counts.

        Two threads: this one reads the rows (the hook fetches the next pages meanwhile) and
        converts each batch; a writer thread owns the database connection, prepares the table
        (before the first row is read, so a refused table costs no query) and writes the batches
        as they come, so the database's work overlaps the reading. A failure on either side stops
        both, and the transaction is rolled back.
        """
        handoff = Handoff(depth=2)
        writer = threading.Thread(target=handoff.serve, args=(self._write_all,), name="intacct-sql-writer", daemon=True)
        writer.start()
        try:
            handoff.wait_ready()
            for batch in _batches(rows, self.batch_rows):
                handoff.put(self._converted(batch))
        except BaseException:
            handoff.abort()
            writer.join()
            raise
        handoff.finish()
        writer.join()
        handoff.raise_error()
        return self.counts

    def _write_all(self, handoff: Handoff) -> None:
        """The writer thread's whole transaction: the table, every batch, the swap of a replace."""
        with self.target.transaction() as conn:
            self._prepare(conn)
            handoff.ready.set()
            for batch in handoff.batches():
                self._write(conn, batch)
            if self.mode == "replace":
                self._swap(conn)

    # -------------------------------------------------------------- the table
    def _prepare(self, conn: Any) -> None:
        """Create the table, or check it and add new fields' columns; for replace, start the new table."""
        existing = self.target.columns_of(conn)
        if existing is None and not self.create_table:
            raise IntacctWarehouseError(
                f"table {self.target.qualified()} does not exist and create_table=False; "
                "create it or set create_table=True"
            )
        if existing is not None:
            self._check_shape(existing)
            missing = [c for c in self.columns if c.name not in existing]
            if missing and self.on_new_fields == "fail":
                named = ", ".join(f"{c.field} ({c.name})" for c in missing)
                raise IntacctWarehouseError(
                    f"table {self.target.qualified()} has no column for {named}, and on_new_fields='fail'; "
                    "set on_new_fields='add' to add them, or leave those fields out of `fields`"
                )
            known = {c.name for c in self.columns} | set(SYSTEM_COLUMNS) | {ENTITY}
            self.extra = [name for name in existing if name not in known]
            if self.extra:
                log.warning(
                    "Table %s has columns this load does not read (%s): rows it writes get NULL there",
                    self.target.qualified(), ", ".join(self.extra),
                )  # fmt: skip
            if self.mode != "replace":
                for column in missing:
                    log.info(
                        "Adding column %s (%s, %s) to %s",
                        column.name,
                        column.field,
                        column.kind,
                        self.target.qualified(),
                    )
                    self.target.execute(conn, self.target.add_column_sql(column))
        if self.mode == "replace":
            self._old_exists = existing is not None
            self.extra = []  # the rebuilt table has exactly this run's columns
            if self.target.columns_of(conn, self.write_table) is not None:
                self.target.execute(conn, self.target.drop_sql(self.write_table))
            self._create(conn, self.write_table)
        elif existing is None:
            self._create(conn, self.target.table)

    def _create(self, conn: Any, table: str) -> None:
        sql = self.target.create_table_sql(table, self.columns, entity=bool(self.entity), primary_key=self.key_names)
        log.info("Creating table %s", self.target.qualified(table))
        self.target.execute(conn, sql)
        self._created = table == self.target.table

    def _check_shape(self, existing: Sequence[str]) -> None:
        """A table made by another kind of load (no system columns, other entity scoping) is refused."""
        where = self.target.qualified()
        lacking = [name for name in ("key", *SYSTEM_COLUMNS) if name not in existing]
        if lacking:
            raise IntacctWarehouseError(
                f"table {where} lacks {', '.join(lacking)}: it was not made by IntacctToSqlOperator; "
                "load into a new table (create_table=True makes it)"
            )
        if bool(self.entity) != (ENTITY in existing):
            has = (
                "has an _entity column (it holds entity-scoped rows)" if ENTITY in existing else "has no _entity column"
            )
            wants = (
                f"the connection's entity {self.entity!r}" if self.entity else "a top-level connection (no entity_id)"
            )
            raise IntacctWarehouseError(
                f"table {where} {has}, but this load reads {wants}; use a table per scope, or the matching connection"
            )

    # --------------------------------------------------------------- writing
    @property
    def _names(self) -> list[str]:
        """Column names of a written row, in the order :meth:`_bound` fills them."""
        return [
            *(c.name for c in self.columns),
            *([ENTITY] if self.entity else []),
            SYNCED_AT,
            DELETED,
            DELETED_AT,
            *self.extra,
        ]

    def _bound(
        self, values: Sequence[Any], *, deleted: bool = False, deleted_at: dt.datetime | None = None
    ) -> list[Any]:
        target = self.target
        row = [
            value if binder is None or value is None else binder(value)
            for binder, value in zip(self._binders, values, strict=True)
        ]
        if self.entity:
            row.append(self.entity)
        row += [self._synced_bound, deleted, None if deleted_at is None else target.bind("timestamp", deleted_at)]
        return row + [None] * len(self.extra)

    def _converted(self, batch: list[Row]) -> Converted:
        """A batch's live rows as column values (in the reading thread), and its tombstones."""
        live = [row for row in batch if row.get("_deleted") is not True]
        tombstones = [row for row in batch if row.get("_deleted") is True]
        self.counts.rows += len(live)
        try:
            return Converted([self._convert(row) for row in live], tombstones)
        except ColumnError as exc:
            raise IntacctWarehouseError(f"{exc}; nothing was written to {self.target.qualified()}") from None

    def _write(self, conn: Any, batch: Converted) -> None:
        values, tombstones = batch.values, batch.tombstones
        keys = [str(v[0]) for v in values]
        if any(row.get("key") is None for row in tombstones):
            tombstones = self._by_id(conn, tombstones)
        tombstone_keys = [str(row.get("key")) for row in tombstones]
        stored = self._stored(conn, tombstone_keys if self.mode == "append" else [*keys, *tombstone_keys])
        if self.mode == "append":
            self.counts.inserted += len(values)
            self.target.execute_many(
                conn, self.target.insert_sql(self.write_table, self._names), [self._bound(v) for v in values]
            )
        else:
            self._merge(conn, keys, values, stored)
        if tombstones and self.mode != "replace":
            self._delete(conn, tombstones, stored)

    def _merge(self, conn: Any, keys: list[str], values: list[list[Any]], stored: dict[str, tuple[Any, ...]]) -> None:
        new, changed, unchanged = [], [], []
        for key, row in zip(keys, values, strict=True):
            before = stored.get(key)
            if before is None:
                new.append(row)
            elif self._differs(before, row):
                changed.append(row)
            else:
                unchanged.append(key)
        self.counts.inserted += len(new)
        self.counts.updated += len(changed)
        target = self.target
        insert = target.insert_sql(self.write_table, self._names)
        if self.mode == "replace":
            target.execute_many(conn, insert, [self._bound(v) for v in values])
            return
        # New keys are absent (read in this transaction): a plain insert; changed ones take the dialect's upsert.
        target.execute_many(conn, insert, [self._bound(v) for v in new])
        upsert = target.upsert_sql(self.write_table, self._names, self.key_names)
        target.execute_many(conn, upsert, [self._bound(v) for v in changed])
        for chunk in _chunks(unchanged, KEYS_PER_STATEMENT):
            sql = (
                f"UPDATE {target.qualified()} SET {target.quote(SYNCED_AT)} = {target.placeholder} "  # noqa: S608
                f"WHERE {self._where_keys(len(chunk))}"
            )
            target.execute(conn, sql, [target.bind("timestamp", self.synced_at), *chunk, *self._scope()])

    def _differs(self, before: tuple[Any, ...], values: Sequence[Any]) -> bool:
        """Whether the stored row differs from the new values (fields, the removed fields' NULLs, ``_deleted``)."""
        fields = len(self.columns) - 1
        for column, old, new in zip(self.columns[1:], before[:fields], values[1:], strict=True):
            if not same_value(column.kind, old, new):
                return True
        extras, deleted = before[fields : fields + len(self.extra)], before[-1]
        return any(value is not None for value in extras) or bool(to_value("boolean", deleted))

    def _delete(self, conn: Any, tombstones: list[Row], stored: dict[str, tuple[Any, ...]]) -> None:
        target = self.target
        present = []
        for row in tombstones:
            key = str(row.get("key"))
            before = stored.get(key)
            if before is None or (self.deletes == "soft" and self.mode == "merge" and to_value("boolean", before[-1])):
                continue  # not in the table, or already marked deleted
            when = to_value("timestamp", row.get("_deleted_at"), field="_deleted_at", key=key) or self.synced_at
            present.append((key, row, when))
        self.counts.deleted += len(present)
        if not present:
            return
        scope = self._scope()
        entity = f" AND {target.quote(ENTITY)} = {target.placeholder}" if self.entity else ""
        if self.deletes == "hard":
            sql = f"DELETE FROM {target.qualified()} WHERE {target.quote('key')} = {target.placeholder}{entity}"  # noqa: S608
            target.execute_many(conn, sql, [[key, *scope] for key, _row, _when in present])
        elif self.mode == "append":
            rows = []
            for key, row, when in present:
                values = [
                    key if c.name == "key" else (row.get("id") if c.field == "id" else None) for c in self.columns
                ]
                rows.append(self._bound(values, deleted=True, deleted_at=when))
            target.execute_many(conn, target.insert_sql(self.write_table, self._names), rows)
        else:
            sets = ", ".join(
                f"{target.quote(name)} = {target.placeholder}" for name in (DELETED, DELETED_AT, SYNCED_AT)
            )
            sql = f"UPDATE {target.qualified()} SET {sets} WHERE {target.quote('key')} = {target.placeholder}{entity}"  # noqa: S608
            synced = target.bind("timestamp", self.synced_at)
            target.execute_many(
                conn, sql, [[True, target.bind("timestamp", when), synced, key, *scope] for key, _row, when in present]
            )

    def _by_id(self, conn: Any, tombstones: list[Row]) -> list[Row]:
        """Tombstones naming their record by ``id`` alone, given the ``key`` of each row holding that id.

        The audit trail may name a deleted record by its ``id`` (Sage leaves it open); the table
        knows which key carried it. Without an ``id`` column nothing can be matched, which is said.
        """
        named = [row for row in tombstones if row.get("key") is not None]
        by_id = {str(row["id"]): row for row in tombstones if row.get("key") is None and row.get("id") is not None}
        if not by_id:
            return named
        target = self.target
        if not any(c.field == "id" for c in self.columns):
            log.warning(
                "%d deletions name their record by id only, and %s has no id column: not applied",
                len(by_id), target.qualified(),
            )  # fmt: skip
            return named
        entity = f" AND {target.quote(ENTITY)} = {target.placeholder}" if self.entity else ""
        ids = list(by_id)
        for chunk in _chunks(ids, KEYS_PER_STATEMENT):
            sql = (
                f"SELECT {target.quote('key')}, {target.quote('id')} FROM {target.qualified()} "  # noqa: S608
                f"WHERE {target.quote('id')} IN ({target.marks(len(chunk))}){entity}"
            )
            for key, record_id in target.execute(conn, sql, [*chunk, *self._scope()]) or ():
                named.append({**by_id[str(record_id)], "key": str(key)})
        return named

    # --------------------------------------------------------------- reading
    def _stored(self, conn: Any, keys: list[str]) -> dict[str, tuple[Any, ...]]:
        """The stored rows of ``keys`` in the table compared against: field values, extras, ``_deleted``."""
        if self._created or (self.mode == "replace" and not self._old_exists):
            return {}  # an empty table holds no stored row
        target = self.target
        selected = [c.name for c in self.columns] + self.extra + [DELETED]
        found: dict[str, tuple[Any, ...]] = {}
        for chunk in _chunks(list(dict.fromkeys(keys)), KEYS_PER_STATEMENT):
            sql = (
                f"SELECT {', '.join(target.quote(name) for name in selected)} FROM {target.qualified()} "  # noqa: S608
                f"WHERE {self._where_keys(len(chunk))}"
            )
            for row in target.execute(conn, sql, [*chunk, *self._scope()]) or ():
                found[str(row[0])] = tuple(row[1:])
        return found

    def _where_keys(self, count: int) -> str:
        target = self.target
        clause = f"{target.quote('key')} IN ({target.marks(count)})"
        return clause + (f" AND {target.quote(ENTITY)} = {target.placeholder}" if self.entity else "")

    def _scope(self) -> list[Any]:
        return [self.entity] if self.entity else []

    # --------------------------------------------------------------- replace
    def _swap(self, conn: Any) -> None:
        """Give the new table the old one's name (same transaction); count the old live keys gone."""
        target = self.target
        new, old = self.write_table, target.table
        if self._old_exists:
            if self.entity:
                self._carry_other_entities(conn)
            entity = f" AND o.{target.quote(ENTITY)} = {target.placeholder}" if self.entity else ""
            join = f" AND n.{target.quote(ENTITY)} = o.{target.quote(ENTITY)}" if self.entity else ""
            sql = (
                f"SELECT COUNT(*) FROM {target.qualified(old)} o WHERE o.{target.quote(DELETED)} = {target.placeholder}"  # noqa: S608
                f"{entity} AND NOT EXISTS (SELECT 1 FROM {target.qualified(new)} n "
                f"WHERE n.{target.quote('key')} = o.{target.quote('key')}{join})"
            )
            result = target.execute(conn, sql, [False, *self._scope()]) or [(0,)]
            self.counts.deleted += int(result[0][0])
            target.execute(conn, target.rename_sql(old, old + OLD_SUFFIX))
            target.execute(conn, target.rename_sql(new, old))
            target.execute(conn, target.drop_sql(old + OLD_SUFFIX))
        else:
            target.execute(conn, target.rename_sql(new, old))

    def _carry_other_entities(self, conn: Any) -> None:
        target = self.target
        old_columns = set(target.columns_of(conn) or ())
        shared = [name for name in self._names if name in old_columns]
        listed = ", ".join(target.quote(name) for name in shared)
        sql = (
            f"INSERT INTO {target.qualified(self.write_table)} ({listed}) SELECT {listed} "  # noqa: S608
            f"FROM {target.qualified()} WHERE {target.quote(ENTITY)} <> {target.placeholder}"
        )
        target.execute(conn, sql, [self.entity])


@dataclass
class Converted:
    """One batch on its way to the writer: live rows as column values, then the tombstones."""

    values: list[list[Any]]
    tombstones: list[Row]


_STOP, _ABORT = object(), object()


class _Aborted(Exception):
    """The reading side failed: the writer leaves its transaction, which rolls it back."""


class Handoff:
    """Batches from the reading thread to the writing thread, through a bounded queue.

    At most ``depth`` batches wait, so memory stays a few batches however slow the database is.
    An error on the writing side is raised in the reading thread at its next batch; a failure of
    the reading side aborts the writer, which rolls its transaction back.
    """

    def __init__(self, depth: int) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def serve(self, work: Any) -> None:
        """The writer thread: run ``work(self)``; on failure keep taking batches until told to stop."""
        try:
            work(self)
        except _Aborted:
            pass
        except BaseException as exc:
            self.error = exc
            self.ready.set()
            while self.queue.get() not in (_STOP, _ABORT):
                continue  # unblock a reader waiting to hand over a batch
        finally:
            self.ready.set()

    def batches(self) -> Iterator[Any]:
        while (item := self.queue.get()) is not _STOP:
            if item is _ABORT:
                raise _Aborted
            yield item

    def wait_ready(self) -> None:
        self.ready.wait()
        self.raise_error()

    def put(self, batch: Any) -> None:
        self.raise_error()
        self.queue.put(batch)

    def finish(self) -> None:
        self.queue.put(_STOP)

    def abort(self) -> None:
        self.queue.put(_ABORT)

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

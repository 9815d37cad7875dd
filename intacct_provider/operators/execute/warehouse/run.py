"""The two warehouse tasks: their checked arguments, then one run each.

``check`` reads an operator's rendered arguments and refuses a bad one, naming it, before any
request or database connection; ``run`` does the work and returns the XCom and what OpenLineage
reports. The operators stay thin: check, run, log, emit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.validation import check_flag
from intacct_provider.core.columns import DELETED, DELETED_AT, ENTITY, SYNCED_AT, Column, check_identifier
from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.operators.execute.warehouse.arguments import choice, positive
from intacct_provider.operators.execute.warehouse.lineage import TableLineage
from intacct_provider.operators.execute.warehouse.load import (
    DELETE_MODES,
    MODES,
    NEW_FIELD_MODES,
    NEW_SUFFIX,
    TableLoad,
)
from intacct_provider.operators.execute.warehouse.source import leaf_schemas, plan, record_schema
from intacct_provider.operators.execute.warehouse.target import SqlTarget, sql_hook
from intacct_provider.operators.execute.warehouse.tie_out import TableSide, TieOut, chunks, compare

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook

MISMATCH_MODES = ("fail", "warn")


@dataclass
class _Table:
    """The target of either task: which connection, table and schema."""

    path: str
    sql_conn_id: str
    table: str
    schema: str | None

    @property
    def display_table(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def target(self) -> SqlTarget:
        return SqlTarget(sql_hook(self.sql_conn_id), self.table, self.schema)


def _table_arguments(operator: Any) -> tuple[str, str, str, str | None]:
    from intacct_provider.catalog.registry import resolve_path

    path = resolve_path(operator.object)
    conn_id = operator.sql_conn_id
    if not isinstance(conn_id, str) or not conn_id.strip():
        raise IntacctValidationError("sql_conn_id", "the Airflow connection id of the target database", conn_id)
    table = check_identifier("table", operator.table)
    schema = None if operator.schema in (None, "") else check_identifier("schema", operator.schema)
    return path, conn_id.strip(), table, schema


@dataclass
class LoadTask(_Table):
    """One ``IntacctToSqlOperator`` run, its arguments checked."""

    fields: list[str] | None
    filters: Any
    since: dt.datetime | None
    until: dt.datetime | None
    lookback: dt.timedelta
    track_deletes: bool | str
    keys_state_path: Any
    audit_object_id: str
    mode: str
    deletes: str
    create_table: bool
    on_new_fields: str

    @classmethod
    def check(cls, operator: Any) -> LoadTask:
        from intacct_provider.catalog.validation import parse_json_list
        from intacct_provider.core.deletions import audit_object_id, track_deletes_mode
        from intacct_provider.core.query_spec import QuerySpec
        from intacct_provider.operators.execute.windows import parse_instant, parse_lookback

        path, conn_id, table, schema = _table_arguments(operator)
        listed = parse_json_list("fields", operator.fields)
        spec = QuerySpec.build(path, listed or None, operator.filters)  # checks the fields and filters
        mode = choice("mode", operator.mode, MODES)
        track_deletes = track_deletes_mode(operator.track_deletes)
        if mode == "replace":
            if track_deletes:
                raise IntacctValidationError(
                    "track_deletes",
                    "False with mode='replace': a rebuilt table holds only what Intacct has, so deleted records "
                    "are already absent; track deletions with mode='merge'",
                    operator.track_deletes,
                )
            if len(table) + len(NEW_SUFFIX) > 63:
                raise IntacctValidationError(
                    "table", f"at most {63 - len(NEW_SUFFIX)} characters with mode='replace'", table
                )
        since = parse_instant("modified_since", operator.modified_since)
        until = parse_instant("modified_until", operator.modified_until)
        return cls(
            path=path,
            sql_conn_id=conn_id,
            table=table,
            schema=schema,
            fields=list(spec.fields) if listed else None,
            filters=operator.filters,
            since=since,
            until=until,
            lookback=parse_lookback(operator.lookback),
            track_deletes=track_deletes,
            keys_state_path=operator.keys_state_path,
            audit_object_id=audit_object_id(operator.audit_object_id),
            mode=mode,
            deletes=choice("deletes", operator.deletes, DELETE_MODES),
            create_table=check_flag("create_table", operator.create_table),
            on_new_fields=choice("on_new_fields", operator.on_new_fields, NEW_FIELD_MODES),
        )

    def run(self, hook: IntacctHook) -> tuple[dict[str, Any], TableLineage]:
        """Read the window, load it in one transaction; return the XCom and the lineage record."""
        from intacct_provider.core.query_spec import QuerySpec
        from intacct_provider.operators.execute.sync import SyncRead

        synced_at = dt.datetime.now(dt.UTC)
        fields = self.fields
        if self.track_deletes and fields is not None and "id" not in fields:
            fields = [*fields, "id"]  # a tombstone may name its record by id alone
        columns = plan(self.path, fields, leaf_schemas(record_schema(hook, self.path)))
        spec = QuerySpec.build(self.path, [c.field for c in columns], self.filters)
        read = SyncRead(
            hook, spec, since=self.since, until=self.until, lookback=self.lookback, track_deletes=self.track_deletes,
            keys_state_path=self.keys_state_path, audit_object_id=self.audit_object_id,
        )  # fmt: skip
        entity = hook.settings.entity_id
        target = self.target()
        load = TableLoad(
            target, columns, mode=self.mode, deletes=self.deletes, create_table=self.create_table,
            on_new_fields=self.on_new_fields, entity=entity, synced_at=synced_at,
        )  # fmt: skip
        counts = load.run(read.rows())
        read.commit()
        result = {
            "table": self.display_table,
            "rows": counts.rows,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "deleted": counts.deleted,
            "window": read.window,
        }
        return result, TableLineage(
            self.path, [c.field for c in columns], target, columns=table_columns(target, columns, entity)
        )


def table_columns(target: SqlTarget, columns: list[Column], entity: str | None) -> list[tuple[str, str]]:
    """(name, SQL type) of every column of a loaded table, for its schema facet."""
    described = [(c.name, target.sql_type(c.kind, key=c.name == "key")) for c in columns]
    if entity:
        described.append((ENTITY, target.sql_type("text", key=True)))
    described += [
        (SYNCED_AT, target.sql_type("timestamp")),
        (DELETED, target.sql_type("boolean")),
        (DELETED_AT, target.sql_type("timestamp")),
    ]
    return described


@dataclass
class TieOutTask(_Table):
    """One ``IntacctTieOutOperator`` run, its arguments checked."""

    compare: list[str]
    filters: Any
    since: dt.datetime | None
    until: dt.datetime | None
    on_mismatch: str
    max_reported: int

    @classmethod
    def check(cls, operator: Any) -> TieOutTask:
        from intacct_provider.catalog.registry import REGISTRY
        from intacct_provider.catalog.validation import parse_json_list
        from intacct_provider.core.query_spec import QuerySpec
        from intacct_provider.operators.execute.windows import parse_instant

        path, conn_id, table, schema = _table_arguments(operator)
        listed = parse_json_list("compare", operator.compare)
        if not listed:
            known = next((entry for entry in REGISTRY.values() if entry.path == path), None)
            listed = list(known.tie_out_fields) if known else []
            if not listed:
                raise IntacctValidationError(
                    "compare", f"the fields to compare: {path} names no amount or state field in the registry", None
                )
        spec = QuerySpec.build(path, ["key", *listed], operator.filters)
        since = parse_instant("modified_since", operator.modified_since)
        until = parse_instant("modified_until", operator.modified_until)
        if since is not None and until is not None and until <= since:
            raise IntacctValidationError("modified_until", "a time after modified_since", operator.modified_until)
        return cls(
            path=path,
            sql_conn_id=conn_id,
            table=table,
            schema=schema,
            compare=[name for name in spec.fields if name != "key"],
            filters=operator.filters,
            since=since,
            until=until,
            on_mismatch=choice("on_mismatch", operator.on_mismatch, MISMATCH_MODES),
            max_reported=positive("max_reported", operator.max_reported),
        )

    @property
    def narrowed(self) -> bool:
        return bool(self.filters) or self.since is not None or self.until is not None

    def run(self, hook: IntacctHook) -> tuple[TieOut, dict[str, Any], TableLineage]:
        """Read the table's live rows, then Intacct's; compare; return the result, its XCom and lineage."""
        from intacct_provider.core.query_spec import QuerySpec
        from intacct_provider.operators.execute.windows import window_filters

        columns = plan(self.path, self.compare, leaf_schemas(record_schema(hook, self.path)))
        window = window_filters(self.since, self.until, dt.timedelta(0))
        spec = QuerySpec.build(self.path, [c.field for c in columns], self.filters)
        spec = spec.and_filters(window.filters, window.expression)
        windowed = self.since is not None or self.until is not None
        table = TableSide(self.target(), columns, hook.settings.entity_id)
        table_rows = table.read((self.since, self.until) if windowed else None)
        tie = compare(
            hook.iter_query(spec),
            table_rows,
            columns,
            complete=not self.narrowed,
            still_exists=lambda keys: set(existing_keys(hook, self.path, keys)),
            stored=table.rows_for if windowed else None,
        )
        target = table.target
        result = tie.result(self.max_reported)
        assertions = [
            ("missing", not tie.missing, None),
            ("extra", not tie.extra, None),
            *((f"equal_{c.name}", not any(d.field == c.field for d in tie.different), c.name) for c in columns[1:]),
            *((f"total_{name}", a == b, _column(columns, name)) for name, (a, b) in tie.totals.items()),
        ]
        lineage = TableLineage(self.path, [c.field for c in columns], target, assertions=assertions)
        return tie, result, lineage


def existing_keys(hook: IntacctHook, path: str, keys: list[str]) -> Iterator[str]:
    """The ``keys`` Intacct still has, looked up 4,000 a query (``$in`` on ``key``)."""
    from intacct_provider.core.query_spec import QuerySpec

    for chunk in chunks(keys):
        spec = QuerySpec.build(path, ["key"], [{"$in": {"key": chunk}}])
        for row in hook.iter_query(spec):
            yield str(row["key"])


def _column(columns: list[Column], field: str) -> str | None:
    return next((c.name for c in columns if c.field == field), None)

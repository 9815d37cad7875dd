"""Warehouse operators: land an Intacct object in a SQL table, and prove the table ties out.

``IntacctToSqlOperator`` reads through the query operator's path (paging, retries, windows) and
writes through the target connection's common-sql hook (any database with an Airflow provider:
SQLite, PostgreSQL, ...), one transaction per run. ``IntacctTieOutOperator`` compares the table
with Intacct key by key and total by total. Both name and type columns the same way
(:mod:`intacct_provider.core.columns`). What they run lives in
:mod:`intacct_provider.operators.execute.warehouse` and is imported when a task runs: parsing a DAG
file imports neither common-sql nor a driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intacct_provider.operators.asset_events import IntacctAssetMixin
from intacct_provider.operators.base import IntacctBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct_provider.operators.execute.warehouse.lineage import TableLineage


class _WarehouseOperator(IntacctAssetMixin, IntacctBaseOperator):
    """What both warehouse operators share: the SQL connection, the table and the lineage record."""

    table_lineage: TableLineage | None = None
    #: ``"output"`` for a load (the table is written), ``"input"`` for a tie-out (the table is checked).
    table_role = "output"

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The OpenLineage provider's hook: the Intacct object in, the table out (or checked)."""
        from intacct_provider.operators.execute.warehouse.lineage import facets_on_complete

        return facets_on_complete(self.hook, self.table_lineage, self.table_role)


class IntacctToSqlOperator(_WarehouseOperator):
    """Load one Intacct object into a SQL table, merged by key, exact decimals, deletions applied.

    :param object: registry name (``bill``) or Intacct path.
    :param sql_conn_id: the target database's Airflow connection (SQLite:
        ``{"conn_type": "sqlite", "host": "/abs/path/warehouse.db"}``; PostgreSQL; any common-sql one).
    :param table: the table, lower snake case (``intacct_bills``).
    :param schema: its schema; default the connection's.
    :param fields: the fields to load (dotted names); default every scalar field of the record.
        Columns are lower snake case: ``vendor.id`` → ``vendor_id``, ``nsp::approver`` → ``nsp__approver``.
    :param filters: Intacct filters, as for ``IntacctQueryOperator``.
    :param modified_since: lower bound of ``audit.modifiedDateTime`` (inclusive), e.g. ``{{ data_interval_start }}``.
    :param modified_until: upper bound (exclusive), e.g. ``{{ data_interval_end }}``.
    :param lookback: widen the window backwards (a timedelta or seconds); default none, as the query operator.
    :param track_deletes: apply the records deleted in Intacct: ``True`` (the audit trail, read before
        the rows) or ``"keys"`` (compare key sets, kept at ``keys_state_path``), as for
        ``IntacctQueryOperator``; ``id`` is then loaded too (a tombstone may name its record by id).
    :param keys_state_path: where ``track_deletes="keys"`` keeps the key set between runs.
    :param audit_object_id: what the audit trail's ``objectId`` holds, ``"key"`` (default) or ``"id"``.
    :param mode: ``"merge"`` (upsert by key), ``"append"`` (every read as new rows) or ``"replace"``
        (rebuild the table, then swap it in).
    :param deletes: ``"soft"`` (``_deleted = true``, ``_deleted_at``) or ``"hard"`` (delete the rows).
    :param create_table: create the table (and its primary key) when it does not exist.
    :param on_new_fields: ``"add"`` a column for a field the table lacks, or ``"fail"``.
    :param emit_asset: add the object's asset to ``outlets``; every outlet's event ``extra`` is the XCom.

    Returns ``{"table", "rows", "inserted", "updated", "deleted", "window"}``: rows read, and rows
    whose stored values the run inserted, changed or deleted (an identical rerun: 0, 0, 0).
    """

    template_fields = (
        *IntacctBaseOperator.template_fields,
        "object",
        "sql_conn_id",
        "table",
        "schema",
        "fields",
        "filters",
        "modified_since",
        "modified_until",
        "lookback",
        "track_deletes",
        "keys_state_path",
        "audit_object_id",
        "mode",
        "deletes",
        "create_table",
        "on_new_fields",
    )
    template_fields_renderers = {"filters": "json", "fields": "json"}
    ui_color = "#a3e4a7"

    def __init__(
        self,
        *,
        object: str,
        sql_conn_id: str,
        table: str,
        schema: str | None = None,
        fields: Any = None,
        filters: Any = None,
        modified_since: Any = None,
        modified_until: Any = None,
        lookback: Any = None,
        track_deletes: Any = False,
        keys_state_path: Any = None,
        audit_object_id: Any = "key",
        mode: str = "merge",
        deletes: str = "soft",
        create_table: Any = True,
        on_new_fields: str = "add",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.object = object
        self.sql_conn_id = sql_conn_id
        self.table = table
        self.schema = schema
        self.fields = fields
        self.filters = filters
        self.modified_since = modified_since
        self.modified_until = modified_until
        self.lookback = lookback
        self.track_deletes = track_deletes
        self.keys_state_path = keys_state_path
        self.audit_object_id = audit_object_id
        self.mode = mode
        self.deletes = deletes
        self.create_table = create_table
        self.on_new_fields = on_new_fields
        self.declare_asset(object)

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct_provider.operators.execute.warehouse.task import run_load

        return run_load(self, context)


class IntacctTieOutOperator(_WarehouseOperator):
    """Check that a table loaded by :class:`IntacctToSqlOperator` matches Intacct.

    Reads ``key`` and the ``compare`` fields from Intacct (4,000 rows a billed query) and the same
    columns of the table's live rows, and reports keys missing from the table, live keys Intacct
    no longer has, values that differ (decimals as decimals) and the totals of the amounts.

    :param object: registry name or Intacct path.
    :param sql_conn_id: the table's database connection.
    :param table: the table; ``schema`` its schema.
    :param compare: the fields to compare; default the registry's amount and state fields
        (bills: ``totalTxnAmount``, ``state``).
    :param filters: narrow the check to matching records (as for ``IntacctQueryOperator``).
    :param modified_since: check only records modified since (the table's side by its
        ``audit_modified_date_time`` column); ``modified_until`` the exclusive upper bound.
    :param on_mismatch: ``"fail"`` (a permanent error with the first differences, no retries) or
        ``"warn"`` (log them and succeed).
    :param max_reported: the most keys and rows each list of the result carries.

    Returns ``{"checked", "missing": {"count", "keys"}, "extra": {"count", "keys"},
    "different": {"count", "rows": [{"key", "field", "intacct", "table"}]},
    "totals": {field: {"intacct", "table"}}}``.
    """

    template_fields = (
        *IntacctBaseOperator.template_fields,
        "object",
        "sql_conn_id",
        "table",
        "schema",
        "compare",
        "filters",
        "modified_since",
        "modified_until",
        "on_mismatch",
        "max_reported",
    )
    template_fields_renderers = {"filters": "json", "compare": "json"}
    ui_color = "#a3e4a7"
    table_role = "input"

    def __init__(
        self,
        *,
        object: str,
        sql_conn_id: str,
        table: str,
        schema: str | None = None,
        compare: Any = None,
        filters: Any = None,
        modified_since: Any = None,
        modified_until: Any = None,
        on_mismatch: str = "fail",
        max_reported: Any = 100,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.object = object
        self.sql_conn_id = sql_conn_id
        self.table = table
        self.schema = schema
        self.compare = compare
        self.filters = filters
        self.modified_since = modified_since
        self.modified_until = modified_until
        self.on_mismatch = on_mismatch
        self.max_reported = max_reported

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct_provider.operators.execute.warehouse.task import run_tie_out

        return run_tie_out(self, context)

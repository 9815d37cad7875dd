"""Daily AP/AR sync: what changed in Intacct during the data interval, deletions included, as JSON Lines
files and warehouse tables.

Bills, invoices, vendors and customers modified in ``[data_interval_start,
data_interval_end)`` (re-reading an hour before it, because Intacct's modified
stamp can lag) are streamed to ``<base_path>/<interval start date>/<object>.jsonl``,
followed by one tombstone ``{"key", "id", "_deleted": true, "_deleted_at"}`` per record
deleted in the same window (``track_deletes=True``: read from Intacct's audit trail, so the
API user needs read access to it; see ``docs/deletions.md``). The XCom of each task is only
``{"path", "count", "object", "window", "deleted"}``. Set ``base_path`` to any
ObjectStoragePath URI (``s3://bucket/intacct``) in production; the default comes from the
``INTACCT_SYNC_BASE_PATH`` environment variable.

Bills and invoices also land in warehouse tables (``intacct_bills``, ``intacct_invoices``) of the
``warehouse_conn_id`` connection (default ``intacct_warehouse``, any common-sql database: SQLite,
PostgreSQL, ...), merged by key in one transaction per run, deleted records flagged
(``_deleted``); the run ends by proving that each table ties out with Intacct for the window it
loaded (keys, amounts and states; a mismatch fails the run, naming the keys).

Each sync task emits an event for its object's Asset (``emit_asset=True``):
``intacct://<company>/accounts-payable/bill`` and so on, with ``extra = {"count",
"window", "path", "deleted"}``; ``intacct_ap_ageing_report`` is scheduled on the bill asset.
``INTACCT_COMPANY_ID`` must be the connection's company id (the sandbox's is ``SANDBOX-CO``);
a task whose connection is another company fails before reading anything.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task

try:
    from airflow.sdk import CronDataIntervalTimetable
except ImportError:  # Airflow < 3.2 keeps the timetables in core only
    from airflow.timetables.interval import CronDataIntervalTimetable

from intacct_provider.operators import IntacctQueryOperator, IntacctTieOutOperator, IntacctToSqlOperator

#: object -> fields written for it (flat rows; dotted names stay literal keys).
SYNCED = {
    "bill": ["key", "id", "vendor.id", "createdDate", "dueDate", "state", "totalTxnAmount", "totalTxnAmountDue"],
    "invoice": ["key", "id", "customer.id", "invoiceDate", "dueDate", "state", "totalTxnAmount", "totalTxnAmountDue"],
    "vendor": ["key", "id", "name", "status"],
    "customer": ["key", "id", "name", "status"],
}
for fields in SYNCED.values():
    fields.append("audit.modifiedDateTime")
#: object -> the warehouse table it is loaded into (and tied out against).
TABLES = {"bill": "intacct_bills", "invoice": "intacct_invoices"}

with DAG(
    dag_id="intacct_daily_ap_ar_sync",
    description="Bills, invoices, vendors and customers modified each day -> JSON Lines",
    # A data-interval timetable: each run covers [day, next day). Airflow 3's plain "@daily"
    # gives zero-width intervals, which would make every window empty.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "asset_company_id": os.environ.get("INTACCT_COMPANY_ID", "SANDBOX-CO"),
    },
    tags=["intacct", "example", "sync"],
    params={
        "base_path": Param(
            os.environ.get("INTACCT_SYNC_BASE_PATH", os.path.join(tempfile.gettempdir(), "intacct-sync")),
            type="string",
            description="Folder or URI (file://, s3://, gs://...) the files are written under",
        ),
        "lookback_seconds": Param(3600, type="integer", minimum=0),
        "warehouse_conn_id": Param(
            os.environ.get("INTACCT_WAREHOUSE_CONN_ID", "intacct_warehouse"),
            type="string",
            description="Airflow connection of the database the bills and invoices are loaded into",
        ),
    },
) as dag:
    extracts = [
        IntacctQueryOperator(
            task_id=f"sync_{name}s",
            object=name,
            fields=fields,
            modified_since="{{ data_interval_start }}",
            modified_until="{{ data_interval_end }}",
            lookback="{{ params.lookback_seconds }}",
            output_path="{{ params.base_path }}/{{ data_interval_start | ds }}/" + name + ".jsonl",
            track_deletes=True,
            emit_asset=True,
        )
        for name, fields in SYNCED.items()
    ]

    @task
    def summary(results: list[dict]) -> dict:
        """Counts per object (tombstones included) and deletions: what a data team checks first."""
        return {
            "window": results[0]["window"],
            "counts": {r["object"]: r["count"] for r in results},
            "deleted": {r["object"]: r["deleted"] for r in results},
            "files": [r["path"] for r in results],
        }

    summary([extract.output for extract in extracts])

    for name, table in TABLES.items():
        load = IntacctToSqlOperator(
            task_id=f"load_{name}s",
            object=name,
            sql_conn_id="{{ params.warehouse_conn_id }}",
            table=table,
            fields=SYNCED[name],
            modified_since="{{ data_interval_start }}",
            modified_until="{{ data_interval_end }}",
            lookback="{{ params.lookback_seconds }}",
            track_deletes=True,  # deleted bills are flagged _deleted (deletes="soft")
        )
        # The same window the load read (its look-back included), checked against Intacct again.
        tie_out = IntacctTieOutOperator(
            task_id=f"tie_out_{name}s",
            object=name,
            sql_conn_id="{{ params.warehouse_conn_id }}",
            table=table,
            modified_since="{{ ti.xcom_pull(task_ids='" + load.task_id + "')['window'][0] }}",
            modified_until="{{ data_interval_end }}",
        )
        load >> tie_out

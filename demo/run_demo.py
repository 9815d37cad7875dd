"""`make demo`: run the example DAGs in a real Airflow against the local sandbox.

Starts the sandbox (the same server users start with
``python -m intacct_provider.sandbox --tenant intacct_provider/sandbox/tenants/example.json``), migrates a SQLite
metadata DB in a temporary AIRFLOW_HOME, runs every example DAG with
``dag.test()`` and prints what each task returned. Everything stays offline.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOME = Path(tempfile.mkdtemp(prefix="intacct-demo-"))
DAGS = HOME / "dags"

#: (dag_id, run conf, logical date) in the order shown. The sync's run of 2026-01-06 covers
#: 2026-01-05, when the demo company's first bills and invoices were entered, and its four-day
#: lookback reaches 2026-01-01, when its vendors and customers were loaded: every object has rows.
RUNS: list[tuple[str, dict[str, Any], str | None]] = [
    ("intacct_catalog_tour", {"document_date": "2026-11-26", "days_due": 30}, None),
    ("intacct_daily_ap_ar_sync", {"lookback_seconds": 4 * 86400}, "2026-01-06"),
    ("intacct_bill_payment_flow", {"vendor_id": "VEND-200", "amount": "1250.00"}, None),
    ("intacct_invoice_per_order", {}, None),
    ("intacct_custom_fields", {}, None),
]


def run_dag(dag_id: str, conf: dict[str, Any], logical_date: str | None) -> str:
    import pendulum

    path = DAGS / f"{dag_id}.py"
    spec = importlib.util.spec_from_file_location(f"demo_{dag_id}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag = next(v for v in vars(module).values() if getattr(v, "dag_id", None) == dag_id)
    started = time.monotonic()
    dated = {"logical_date": pendulum.parse(logical_date)} if logical_date else {}
    dag_run = dag.test(run_conf=conf, **dated)
    print(f"\n== {dag_id}: {dag_run.state} in {time.monotonic() - started:.1f}s")
    for task_id, state, value in task_results(dag_run):
        shown = json.dumps(value, default=str)
        if len(shown) > 160:
            shown = shown[:157] + "..."
        print(f"   {task_id:<28} {state:<8} {shown}")
    return str(dag_run.state)


def task_results(dag_run: Any) -> list[tuple[str, str, Any]]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = (
            session.query(TaskInstance)
            .filter(TaskInstance.run_id == dag_run.run_id, TaskInstance.dag_id == dag_run.dag_id)
            .order_by(TaskInstance.start_date, TaskInstance.map_index)
            .all()
        )
        results = []
        for ti in tis:
            row = (
                session.query(XComModel)
                .filter_by(run_id=ti.run_id, dag_id=ti.dag_id, task_id=ti.task_id, map_index=ti.map_index)
                .filter(XComModel.key == "return_value")
                .first()
            )
            label = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            results.append((label, str(ti.state), XComModel.deserialize_value(row) if row else None))
        return results


def delete_a_bill_between_two_runs(sandbox: Any) -> str:
    """Delete in Intacct a draft bill the first sync copied, sync the day of the deletion, show the tombstone.

    The sync tracks deletes (``track_deletes=True``): the second run reads the audit trail and writes
    ``{"key", "id", "_deleted": true, "_deleted_at"}`` after its rows, so the copy drops the bill too.
    """
    copied = [json.loads(line) for line in (HOME / "sync" / "2026-01-05" / "bill.jsonl").read_text().splitlines()]
    bill = next(row for row in copied if row.get("state") not in ("paid", "partiallyPaid"))  # unpaid: deletable
    sandbox.freeze_time("2026-01-06T15:30:00Z")  # the demo company's clock: the deletion lands on 2026-01-06
    sandbox.delete_record("accounts-payable/bill", bill["key"])
    sandbox.unfreeze_time()
    print(f"\nDeleted {bill['state']} bill {bill['key']} in Intacct on 2026-01-06 (copied by the first sync):")
    state = run_dag("intacct_daily_ap_ar_sync", {"lookback_seconds": 3600}, "2026-01-07")
    for line in (HOME / "sync" / "2026-01-06" / "bill.jsonl").read_text().splitlines():
        if json.loads(line).get("_deleted"):
            print(f"   tombstone in sync/2026-01-06/bill.jsonl: {line}")
    return state


def print_asset_events() -> None:
    """The Intacct asset events the runs recorded: what schedules ``intacct_ap_ageing_report``."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.uri, AssetEvent.source_task_id, AssetEvent.extra)
            .join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri.startswith("intacct://"))
            .order_by(AssetEvent.id)
        ).all()
    print("\nAsset events recorded (intacct://<company>/<application>/<object>):")
    for uri, task_id, extra in rows:
        print(f"   {uri:<50} {task_id:<15} {json.dumps(extra, default=str)[:110]}")


def show_warehouse(warehouse: Path) -> bool:
    """The sync's warehouse tables: counts and exact totals, a tie-out, then a tampered row caught.

    Returns whether both checks behaved (the clean table ties out, the tampered one is caught).
    """
    import sqlite3
    from decimal import Decimal

    from airflow.models.xcom import XComModel
    from airflow.sdk.bases.operator import ExecutorSafeguard
    from airflow.utils.session import create_session

    from intacct_provider.exceptions import IntacctTieOutError
    from intacct_provider.operators import IntacctTieOutOperator

    ExecutorSafeguard.test_mode = True  # the tie-outs below run outside a DAG run, as a test would run them
    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter_by(dag_id="intacct_daily_ap_ar_sync", task_id="load_bills", key="return_value")
            .order_by(XComModel.timestamp.desc())
            .first()
        )
        window = XComModel.deserialize_value(row)["window"] if row else [None, None]
    print(f"\nWarehouse {warehouse} (SQLite), loaded by intacct_daily_ap_ar_sync for window {window}:")
    with sqlite3.connect(warehouse) as db:
        for table in ("intacct_bills", "intacct_invoices"):
            amounts = [Decimal(a) for (a,) in db.execute(f"SELECT total_txn_amount FROM {table}")]  # noqa: S608
            # SQLite's SUM over the decimal text would be a float: the exact total is summed as Decimal here.
            print(f"   {table:<18} {len(amounts):>4} rows, total_txn_amount {sum(amounts, Decimal(0))}")

    def tie_out() -> dict[str, Any]:
        operator = IntacctTieOutOperator(
            task_id="tie_out_bills",
            object="bill",
            sql_conn_id="intacct_warehouse",
            table="intacct_bills",
            modified_since=window[0],
            modified_until=window[1],
        )
        return operator.execute({"ti": None})

    result = tie_out()
    totals = result["totals"]["totalTxnAmount"]
    print(f"   Intacct's total for the window {totals['intacct']}, the table's {totals['table']}")
    print(
        f"   ties out: {result['checked']} bills, {result['missing']['count']} missing, "
        f"{result['extra']['count']} extra, {result['different']['count']} different"
    )
    with sqlite3.connect(warehouse) as db:
        key, amount = db.execute("SELECT key, total_txn_amount FROM intacct_bills ORDER BY key LIMIT 1").fetchone()
        tampered = Decimal(amount) - 1
        db.execute("UPDATE intacct_bills SET total_txn_amount = ? WHERE key = ?", (str(tampered), key))
    print(f"Tampering with bill {key} in the table: total_txn_amount {amount} -> {tampered}")
    try:
        tie_out()
    except IntacctTieOutError as failure:
        print("   the tie-out fails (no retries):\n      " + str(failure).replace("\n", "\n      "))
        return result["different"]["count"] == 0 and result["missing"]["count"] == 0
    print("   the tie-out did NOT catch it")
    return False


def main() -> int:
    from intacct_provider.sandbox import IntacctSandbox
    from intacct_provider.sandbox.tenant import EXAMPLE_TENANT

    DAGS.mkdir(parents=True)
    for source in (REPO / "example_dags").glob("*.py"):
        shutil.copy(source, DAGS / source.name)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(HOME),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME}/airflow.db",
            "INTACCT_SYNC_BASE_PATH": str(HOME / "sync"),
            # The sync example loads bills and invoices into this SQLite file (any common-sql database works).
            "AIRFLOW_CONN_INTACCT_WAREHOUSE": json.dumps({"conn_type": "sqlite", "host": str(HOME / "warehouse.db")}),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    failed = []
    try:
        # The example company's own fields and objects (custom fields on bills, a custom object, a
        # user-defined dimension): what intacct_custom_fields writes and reads.
        with IntacctSandbox(seed="demo", tenant=EXAMPLE_TENANT) as sandbox:
            os.environ["AIRFLOW_CONN_SAGE_INTACCT_DEFAULT"] = sandbox.connection_json()
            print(f"Sandbox Intacct at {sandbox.base_url} (company {sandbox.company_id}, tenant {EXAMPLE_TENANT.name})")
            print(f"Airflow home {HOME}: migrating the SQLite metadata DB...")
            subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
            for dag_id, conf, logical_date in RUNS:
                if run_dag(dag_id, conf, logical_date) != "success":
                    failed.append(dag_id)
            if delete_a_bill_between_two_runs(sandbox) != "success":
                failed.append("intacct_daily_ap_ar_sync (after a deletion)")
            print_asset_events()
            if not show_warehouse(HOME / "warehouse.db"):
                failed.append("warehouse tie-out")
            print(f"\nRequests served by the sandbox: {len(sandbox.requests)}")
            synced = sorted(p.relative_to(HOME) for p in (HOME / "sync").rglob("*.jsonl"))
            print("Files written by the sync:", ", ".join(str(p) for p in synced) or "none")
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
    print("\nDemo " + ("FAILED: " + ", ".join(failed) if failed else "finished: every example DAG succeeded"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

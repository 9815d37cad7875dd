"""`make demo`: every example DAG in a real Airflow against the local sandbox, and what each did.

Starts the sandbox with the example company's own fields and objects (the same server users start
with ``python -m intacct_provider.sandbox --tenant intacct_provider/sandbox/tenants/example.json``),
migrates a SQLite metadata DB in a temporary AIRFLOW_HOME, then runs :data:`STEPS` in order, each
a small function that runs one DAG with ``dag.test()`` and prints what happened: counts, keys,
totals (exact decimals, as Intacct holds them), the files written and each task's link into
Intacct. Everything stays offline; the temporary home is deleted at the end.

A step is ``Step(title, function)``; add a scenario by appending one (a function taking the
:class:`Demo`), so additions from different changes merge as separate lines.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOME = Path(tempfile.mkdtemp(prefix="intacct-demo-"))
DAGS = HOME / "dags"
#: XCom key of the "Intacct record" link (``intacct_provider.operators.links``), shown under each task.
LINK_KEY = "intacct_record_url"


@dataclass
class Demo:
    """What the steps share: the sandbox handle, and the runs that did not succeed."""

    sandbox: Any
    failed: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)

    def run(self, dag_id: str, conf: dict[str, Any] | None = None, logical_date: Any = None) -> tuple[Any, dict]:
        """Run one DAG with ``dag.test()``, print each task's state, result and link; return (run, XComs)."""
        dag = load_dag(dag_id)
        started = time.monotonic()
        dated = {"logical_date": logical_date} if logical_date is not None else {}
        dag_run = dag.test(run_conf=conf or {}, **dated)
        self.ran.append(dag_id)
        if dag_run.state != "success":
            self.failed.append(dag_id)
        print(f"\n== {dag_id}: {dag_run.state} in {time.monotonic() - started:.1f}s")
        xcoms: dict[str, Any] = {}
        for label, state, value, link in task_results(dag_run):
            shown = json.dumps(value, default=str)
            print(f"   {label:<28} {state:<8} {shown if len(shown) <= 110 else shown[:107] + '...'}")
            if link:
                print(f"   {'':<28} {'':<8} Intacct record: {link}")
            xcoms[label] = value
        return dag_run, xcoms

    def say(self, text: str) -> None:
        print(f"   -> {text}")


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[Demo], None]


def load_dag(dag_id: str) -> Any:
    path = DAGS / f"{dag_id}.py"
    spec = importlib.util.spec_from_file_location(f"demo_{dag_id}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(v for v in vars(module).values() if getattr(v, "dag_id", None) == dag_id)


def task_results(dag_run: Any) -> list[tuple[str, str, Any, str | None]]:
    """(task label, state, return value, record link) of every task instance of a run, in run order."""
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
            values = {
                row.key: XComModel.deserialize_value(row)
                for row in session.query(XComModel).filter_by(
                    run_id=ti.run_id, dag_id=ti.dag_id, task_id=ti.task_id, map_index=ti.map_index
                )
            }
            label = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            results.append((label, str(ti.state), values.get("return_value"), values.get(LINK_KEY) or None))
        return results


def money(values: Any) -> str:
    """The exact sum of decimal strings, as Intacct writes amounts (never a float)."""
    return str(sum((Decimal(str(v)) for v in values), Decimal("0.00")))


def read_lines(path: str) -> list[dict[str, Any]]:
    from airflow.sdk import ObjectStoragePath

    with ObjectStoragePath(path).open("r") as handle:
        return [json.loads(line) for line in handle]


# ---------------------------------------------------------------------------------------- the steps
def catalog_tour(demo: Demo) -> None:
    _, x = demo.run("intacct_catalog_tour", {"days_due": 30})
    summary = x.get("summarize") or {}
    if summary:
        demo.say(
            f"bill key {summary['bill']['key']}, invoice key {summary['invoice']['key']}; listed "
            f"{summary['vendor_bills']} bills of the first vendor, {summary['customer_invoices']} invoices of the "
            f"first customer, {summary['gl_accounts']} GL accounts, {summary['journal_entries']} journal entries"
        )


def daily_sync_of_yesterday(demo: Demo) -> None:
    """The run for today covers yesterday, when the demo company's newest bills and invoices were entered."""
    import pendulum

    today = pendulum.now("UTC").start_of("day")
    _, x = demo.run("intacct_daily_ap_ar_sync", {"base_path": str(HOME / "sync")}, logical_date=today)
    for name in ("bills", "invoices", "vendors", "customers"):
        synced = x.get(f"sync_{name}")
        if not synced:
            continue
        rows = read_lines(synced["path"])
        amounts = [row["totalTxnAmount"] for row in rows if "totalTxnAmount" in row]
        total = f", total {money(amounts)} USD" if amounts else ""
        demo.say(
            f"{name}: {synced['count']} changed in {synced['window'][0]} .. {synced['window'][1]}{total} -> "
            f"{Path(synced['path']).relative_to(HOME)}"
        )


def ageing_report(demo: Demo) -> None:
    """Run the report the way the scheduler does: on the bill asset event the sync recorded."""
    run_id = asset_triggered_run("intacct_ap_ageing_report")
    if run_id is None:
        demo.failed.append("intacct_ap_ageing_report")
        print("\n== intacct_ap_ageing_report: not triggered (the bill sync recorded no asset event)")
        return
    import airflow.models.dagrun as dagrun_module
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    original = dagrun_module.get_or_create_dagrun

    def the_scheduled_run(*, dag: Any, session: Any, **_: Any) -> Any:
        found = session.scalar(select(DagRun).where(DagRun.run_id == run_id, DagRun.dag_id == dag.dag_id))
        found.dag = dag
        return found

    dagrun_module.get_or_create_dagrun = the_scheduled_run  # dag.test() runs the scheduler's run
    try:
        _, x = demo.run("intacct_ap_ageing_report")
    finally:
        dagrun_module.get_or_create_dagrun = original
    report = x.get("ageing_report")
    if report:
        buckets = ", ".join(f"{label} {amount}" for label, amount in report["due_by_age"].items())
        demo.say(
            f"as of {report['as_of']}: {report['open_bills']} open of {report['bills']} bills; due by age: "
            f"{buckets} (total {money(report['due_by_age'].values())})"
        )


def bill_payment_flow(demo: Demo) -> None:
    _, x = demo.run("intacct_bill_payment_flow", {"vendor_id": "VEND-200", "amount": "1250.00"})
    payment = (x.get("pay_bill") or {}).get("ia::result") or {}
    steps = [x.get(f"{action}_payment") for action in ("approve", "print", "confirm")]
    if payment and all(steps):
        moved = ", ".join(f"{s['action']} -> {s['state']}" + ("" if s["performed"] else " (already)") for s in steps)
        demo.say(f"payment {payment['key']}: a draft, submitted, then {moved}")
    summary = x.get("summarize")
    if summary:
        demo.say(
            f"bill {summary['bill_number']} (key {summary['key']}) of {summary['amount']} is {summary['state']}, "
            f"{summary['amount_due']} due"
        )


def invoice_per_order(demo: Demo) -> None:
    _, x = demo.run("intacct_invoice_per_order")
    created = (x.get("report") or {}).get("created") or []
    invoices = [demo.sandbox.get_record("invoice", key) for key in created]
    demo.say(
        f"{len(created)} invoices, one per order (keys {', '.join(created)}), total "
        f"{money(i['totalTxnAmount'] for i in invoices)} USD"
    )


def custom_fields(demo: Demo) -> None:
    """The example company's own fields: a bill with custom fields and a line dimension, a custom object."""
    _, x = demo.run("intacct_custom_fields")
    created = (x.get("create_bill") or {}).get("ia::result")
    if created:
        bill = demo.sandbox.get_record("bill", created["key"])
        demo.say(
            f"bill {bill['billNumber']} (key {created['key']}) of {bill['totalTxnAmount']} USD, approver "
            f"{bill.get('nsp::APPROVER')}, priority {bill.get('nsp::PRIORITY')}; "
            f"{len(x.get('read_cip_assets') or [])} construction-in-progress assets of the project, total cost "
            f"{money(row['nsp::COST'] for row in x.get('read_cip_assets') or [])}"
        )


def invoices_from_orders(demo: Demo) -> None:
    _, x = demo.run("intacct_invoices_from_orders", {"base_path": f"file://{HOME}/bulk", "order_count": 100})
    report = x.get("report")
    if report:
        invoices = [demo.sandbox.get_record("invoice", key) for key in report["keys"].values()]
        summary = report["summary"]
        demo.say(
            f"{summary['created']} invoices created in one bulk task, {summary['failed']} failed, "
            f"{summary['skipped']} skipped; total {money(i['totalTxnAmount'] for i in invoices)} USD; "
            f"results in {Path(summary['results_path'].removeprefix('file://')).relative_to(HOME)}"
        )


def a_deletion_between_two_syncs(demo: Demo) -> None:
    """Delete in Intacct a bill the first sync copied, sync the day of the deletion: its tombstone.

    The sync tracks deletes (``track_deletes=True``): the second run reads the audit trail and writes
    ``{"key", "id", "_deleted": true, "_deleted_at"}`` after its rows, so the copy drops the bill too.
    """
    import pendulum

    base = str(HOME / "sync-deletes")
    first = pendulum.datetime(2026, 1, 6, tz="UTC")  # covers 2026-01-05, the demo company's first bills
    _, x = demo.run("intacct_daily_ap_ar_sync", {"base_path": base, "lookback_seconds": 4 * 86400}, logical_date=first)
    copied = read_lines(x["sync_bills"]["path"])
    bill = next(row for row in copied if row.get("state") not in ("paid", "partiallyPaid"))  # unpaid: deletable
    demo.sandbox.freeze_time("2026-01-06T15:30:00Z")  # the demo company's clock: the deletion lands on 2026-01-06
    demo.sandbox.delete_record("accounts-payable/bill", bill["key"])
    demo.sandbox.unfreeze_time()
    demo.say(f"deleted {bill['state']} bill {bill['key']} in Intacct on 2026-01-06 (the first sync copied it)")
    _, x = demo.run(
        "intacct_daily_ap_ar_sync", {"base_path": base, "lookback_seconds": 3600}, logical_date=first.add(days=1)
    )
    for row in read_lines(x["sync_bills"]["path"]):
        if row.get("_deleted"):
            demo.say(f"tombstone in {Path(x['sync_bills']['path']).relative_to(HOME)}: {json.dumps(row)}")


def warehouse_tie_out(demo: Demo) -> None:
    """The daily sync loaded bills and invoices into a SQLite warehouse: tie it out, then catch a tampered row."""
    if not show_warehouse(HOME / "warehouse.db"):
        demo.failed.append("warehouse tie-out")


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


#: The demo, in order. The ageing report and the warehouse tie-out follow the sync they read (the
#: tie-out checks the window of the latest sync that loaded the warehouse).
STEPS: list[Step] = [
    Step("every catalog action", catalog_tour),
    Step("the daily sync of yesterday", daily_sync_of_yesterday),
    Step("the AP ageing report, triggered by the bill sync's asset event", ageing_report),
    Step("the sync's warehouse tables tied out to Intacct, and a tampered row caught", warehouse_tie_out),
    Step("a bill approved, a draft payment taken through its workflow, the bill seen paid", bill_payment_flow),
    Step("one invoice per order (dynamic task mapping)", invoice_per_order),
    Step("the day's invoices from an order file (bulk)", invoices_from_orders),
    Step("the company's own fields and objects (custom fields, a dimension, a custom object)", custom_fields),
    Step("a bill deleted in Intacct between two syncs (its tombstone)", a_deletion_between_two_syncs),
]
#: Every example DAG is run by a step; a DAG added to example_dags/ without one fails the demo.
NOT_RUN: dict[str, str] = {}


def switch_on(*dag_ids: str) -> None:
    """Write the DAGs to the metadata DB (what the dag-processor does) and unpause ``dag_ids`` (what a user does).

    An asset event queues a run only for the DAGs that are on when it is recorded.
    """
    import inspect

    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    try:
        from airflow.dag_processing.dagbag import BundleDagBag, DagBag, sync_bag_to_db
    except ImportError:  # Airflow < 3.2 keeps them with the models
        from airflow.models.dagbag import BundleDagBag, DagBag, sync_bag_to_db  # type: ignore[no-redef]

    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    named = "bundle_name" in inspect.signature(DagBag.__init__).parameters  # new in 3.2
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        extra = {"bundle_name": bundle.name} if named else {}
        sync_bag_to_db(
            BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, **extra), bundle.name, bundle.version
        )
    with create_session() as session:
        session.execute(update(DagModel).where(DagModel.dag_id.in_(dag_ids)).values(is_paused=False))


def asset_triggered_run(dag_id: str) -> str | None:
    """Let the scheduler's own code create ``dag_id``'s asset-triggered run; its run id, or None if not due."""
    import inspect

    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    with create_session() as session:
        query, triggered = DagModel.dags_needing_dagruns(session)
        due = [model for model in query.all() if model.dag_id == dag_id and dag_id in triggered]
        if not due:
            return None
        create_runs = SchedulerJobRunner(job=Job())._create_dag_runs_asset_triggered
        dated = "triggered_date_by_dag" in inspect.signature(create_runs).parameters  # Airflow < 3.2
        create_runs(dag_models=due, session=session, **({"triggered_date_by_dag": triggered} if dated else {}))
        session.flush()
        run = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc())).first()
        if run is None:
            return None
        run.state = DagRunState.RUNNING
        return str(run.run_id)


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


def main() -> int:
    from intacct_provider.sandbox import IntacctSandbox
    from intacct_provider.sandbox.tenant import EXAMPLE_TENANT

    DAGS.mkdir(parents=True)
    examples = sorted(source.stem for source in (REPO / "example_dags").glob("*.py"))
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
    try:
        # The example company's own fields and objects (custom fields on bills, a custom object, a
        # user-defined dimension): what intacct_custom_fields writes and reads.
        with IntacctSandbox(seed="demo", tenant=EXAMPLE_TENANT) as sandbox:
            os.environ["AIRFLOW_CONN_SAGE_INTACCT_DEFAULT"] = sandbox.connection_json()
            print(f"Sandbox Intacct at {sandbox.base_url} (company {sandbox.company_id}, tenant {EXAMPLE_TENANT.name})")
            print(f"Airflow home {HOME}: migrating the SQLite metadata DB...")
            subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
            switch_on("intacct_ap_ageing_report")  # scheduled on the bill asset: on before the sync records its event
            demo = Demo(sandbox)
            for number, step in enumerate(STEPS, start=1):
                print(f"\n[{number}/{len(STEPS)}] {step.title}")
                try:
                    step.run(demo)
                except Exception as exc:  # one broken step must not hide the others' results
                    demo.failed.append(step.title)
                    print(f"   -> FAILED: {type(exc).__name__}: {exc}")
            print_asset_events()
            print(f"\nRequests served by the sandbox: {len(sandbox.requests)}")
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
    unrun = sorted(set(examples) - set(demo.ran) - set(NOT_RUN))
    for dag_id, why in NOT_RUN.items():
        print(f"Not run: {dag_id} ({why})")
    if unrun:
        demo.failed.append(f"no step runs {', '.join(unrun)}")
    ran = sorted(set(demo.ran) & set(examples))
    print(f"\nRan {len(ran)} of the {len(examples)} example DAGs: {', '.join(ran)}")
    print("Demo " + ("FAILED: " + "; ".join(demo.failed) if demo.failed else "finished: every run succeeded"))
    return 1 if demo.failed else 0


if __name__ == "__main__":
    sys.exit(main())

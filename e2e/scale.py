"""The production-shaped e2e scenario (``make e2e``, second part): Celery, Redis and PostgreSQL.

PostgreSQL (metadata DB and Celery result backend) and Redis (broker) from Debian's packages,
the CeleryExecutor with two workers, scheduler, dag-processor, triggerer and api-server, all on
127.0.0.1 and started and stopped here.  The checks are the situations a single-machine test
cannot show: tasks spread over workers, a worker killed while its create is in flight, a
triggerer killed while a sensor is deferred, and a run triggered from the UI's form.

Every wait is bounded, the whole run is capped at ``RUN_BUDGET_S``, and every process is stopped
on success, failure, timeout or SIGTERM (``e2e/run.sh`` kills whatever is left after that).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

import psutil
from deployment import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    Airflow,
    Process,
    Sandbox,
    Supervisor,
    airflow_executable,
    prepare_airflow,
    start_airflow,
    start_sandbox,
    wait_for,
)
from intacct import SandboxReader
from proxy import HoldingProxy, Outage
from rest import AirflowApi, run_path
from run import SENSOR_QUERY_MARK, Report, RunTimeout, Step
from services import Postgres, Redis, create_database, start_postgres, start_redis

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "e2e-celery"
RUN_BUDGET_S = 1800
STARTUP_TIMEOUT_S = 360
RUN_TIMEOUT_S = 420
WORKERS = ("worker-a", "worker-b")
SYNC_DAG = "intacct_daily_ap_ar_sync"
TOUR_DAG = "intacct_catalog_tour"
PAYMENT_DAG = "intacct_bill_payment_flow"
DAGS = (SYNC_DAG, TOUR_DAG, PAYMENT_DAG)
# The payment flow's trigger values for the worker-loss run: a vendor no other check bills.
LOSS_VENDOR = "VEND-300"
LOSS_PARAMS: dict[str, Any] = {
    "vendor_id": LOSS_VENDOR,
    "amount": "321.09",
    "memo": "Created while its worker was killed",
    "bill_date": "2026-11-03",
    "days_due": 10,
}
# What the browser types into the catalog tour's form (not the DAG's defaults): two fields, and the
# first bill line's amount and memo in the form's JSON.
TOUR_TYPED = {"document_date": "2026-10-15", "days_due": "21"}
TOUR_LINE = {"amount": "432.10", "memo": "Typed into the trigger form"}
# The database the sync's warehouse tables are loaded into (apart from Airflow's own metadata DB).
FINANCE_DB = "finance"
# A manual sync whose look-back reaches every record of the seed: the warehouse check's run.
WAREHOUSE_LOOKBACK_S = 3650 * 86400
# How long the proxy may sit on the committed create (the worker is killed within seconds).
HOLD_S = 180


@dataclass
class CeleryE2E:
    """The checks, sharing the services, one Airflow deployment and one REST session."""

    infra: Supervisor
    supervisor: Supervisor
    report: Report
    home: Path
    closing: ExitStack = field(default_factory=ExitStack)
    postgres: Postgres | None = None
    redis: Redis | None = None
    sandbox: Sandbox | None = None
    proxy: HoldingProxy | None = None
    reader: SandboxReader | None = None
    airflow: Airflow | None = None
    api: AirflowApi | None = None
    workers: dict[str, Process] = field(default_factory=dict)
    run_ids: dict[str, str] = field(default_factory=dict)
    loss_bills_before: set[str] = field(default_factory=set)
    outage: Outage | None = None
    finance: dict[str, Any] = field(default_factory=dict)

    # -- services --------------------------------------------------------------------------------
    def start_services(self) -> str:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.postgres = start_postgres(self.infra, env, 60)
        self.closing.callback(self.postgres.remove)
        self.finance = create_database(self.postgres, FINANCE_DB, 60)
        self.redis = start_redis(self.infra, env, self.home / "redis", 30)
        self.sandbox = start_sandbox(self.infra, env)
        self.proxy = HoldingProxy(self.sandbox.base_url).start()
        self.closing.callback(self.proxy.stop)
        self.reader = SandboxReader(self.sandbox.connection)
        return (
            f"PostgreSQL on :{self.postgres.port}, Redis on :{self.redis.port}, sandbox {self.sandbox.base_url} "
            f"behind proxy :{self.proxy.port}"
        )

    def start_airflow(self) -> str:
        assert self.postgres and self.redis and self.sandbox and self.proxy
        started = time.monotonic()
        connection = {**self.sandbox.connection, "host": self.proxy.url_for(self.sandbox.base_url)}
        extra = {
            "AIRFLOW_CONN_SAGE_INTACCT_DEFAULT": json.dumps(connection),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.postgres.sqlalchemy_url,
            "AIRFLOW__CELERY__BROKER_URL": self.redis.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": self.postgres.celery_backend_url,
            # One task per worker and no prefetch: parallel tasks must spread over both workers.
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            # Tasks of the examples that set no retries get one, soon: the worker-loss retry.
            "AIRFLOW__CORE__DEFAULT_TASK_RETRIES": "1",
            "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "2",
            # A dead worker's task is noticed after 60 s instead of 5 minutes (not less: on a loaded
            # 2-core CI machine a live task's heartbeat can lag by tens of seconds).
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "5",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "INTACCT_SYNC_BASE_PATH": str(self.home / "sync"),
            # The sync example's warehouse: the finance database of the same PostgreSQL.
            "AIRFLOW_CONN_INTACCT_WAREHOUSE": json.dumps(self.finance),
        }
        self.airflow = prepare_airflow(self.home / "airflow", REPO / "example_dags", extra)
        start_airflow(self.supervisor, self.airflow, STARTUP_TIMEOUT_S)
        self.api = AirflowApi(self.airflow.url)
        self.api.login(ADMIN_USER, ADMIN_PASSWORD)
        return (
            f"api-server, scheduler, dag-processor, triggerer healthy on {self.airflow.url} "
            f"in {time.monotonic() - started:.0f}s (CeleryExecutor, PostgreSQL, Redis)"
        )

    def start_workers(self) -> str:
        assert self.airflow
        for name in WORKERS:
            self.workers[name] = self._start_worker(name)
        answered = wait_for("both Celery workers to answer a ping", self._ping_all, 120, 2.0)
        return f"ping answered by {', '.join(sorted(answered))}"

    def _start_worker(self, name: str) -> Process:
        assert self.airflow
        env = {
            **self.airflow.env,
            "INTACCT_E2E_WORKER": name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "worker_identity.hostname",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")])),
        }
        argv = [airflow_executable(), "celery", "worker", "--celery-hostname", f"{name}@e2e", "--skip-serve-logs"]
        return self.supervisor.start(name, argv, env)

    def _ping_all(self) -> list[str] | None:
        assert self.airflow
        self.supervisor.check_alive()
        code = (
            "import json; from airflow.providers.celery.executors.celery_executor import app; "
            "print(json.dumps(app.control.ping(timeout=3)))"
        )
        done = subprocess.run(  # noqa: S603 - the project's interpreter, fixed code
            [sys.executable, "-c", code], env=self.airflow.env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise ValueError(done.stderr[-500:])
        names = [name.split("@")[0] for reply in json.loads(done.stdout.splitlines()[-1]) for name in reply]
        return names if sorted(names) == sorted(WORKERS) else None

    def dags_parsed(self) -> str:
        assert self.api
        api = self.api
        for dag_id in DAGS:
            wait_for(f"the dag-processor to serialize {dag_id}", lambda d=dag_id: api.exists(f"dags/{d}"), 120, 1.0)
            api.request("PATCH", f"dags/{dag_id}", json={"is_paused": False})
        errors = api.get("importErrors")["import_errors"]
        assert not errors, f"import errors: {[(e['filename'], e['stack_trace'][-300:]) for e in errors]}"
        return f"{', '.join(DAGS)} serialized and unpaused; no import errors"

    # -- runs spread over the workers ------------------------------------------------------------
    def daily_sync(self) -> str:
        """Unpausing the daily sync makes the scheduler start its latest interval (catchup is off)."""
        assert self.api
        api = self.api

        def scheduled() -> dict[str, Any] | None:
            runs = api.get(f"dags/{SYNC_DAG}/dagRuns", run_type="scheduled")["dag_runs"]
            return runs[0] if runs else None

        run = wait_for(f"the scheduler to start a scheduled {SYNC_DAG} run", scheduled, 60, 1.0)
        self.run_ids[SYNC_DAG] = run["dag_run_id"]
        self._wait_success(SYNC_DAG)
        window = self._xcom(SYNC_DAG, "summary")["window"]
        return f"scheduled run {run['dag_run_id']} (window {window}) succeeded on {sorted(self._hosts(SYNC_DAG))}"

    def warehouse(self) -> str:
        """A sync reaching back over the whole seed merges into the tables the scheduled run created;
        the PostgreSQL tables then hold exactly the sandbox's bills and invoices of that window, to the cent."""
        assert self.api and self.reader
        logical = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        conf = {"lookback_seconds": WAREHOUSE_LOOKBACK_S}
        run = self.api.request("POST", f"dags/{SYNC_DAG}/dagRuns", json={"logical_date": logical, "conf": conf})
        scheduled_run = self.run_ids[SYNC_DAG]
        self.run_ids[SYNC_DAG] = run["dag_run_id"]
        try:
            self._wait_success(SYNC_DAG)
            checked = [self._warehouse_table(name) for name in ("bill", "invoice")]
        finally:
            self.run_ids[SYNC_DAG] = scheduled_run  # the later checks look at the scheduled run's tasks
        return "; ".join(checked)

    def _warehouse_table(self, name: str) -> str:
        import psycopg2

        assert self.reader
        load, tie = self._xcom(SYNC_DAG, f"load_{name}s"), self._xcom(SYNC_DAG, f"tie_out_{name}s")
        start, end = load["window"]
        path = {"bill": "accounts-payable/bill", "invoice": "accounts-receivable/invoice"}[name]
        window = [{"$gte": {"audit.modifiedDateTime": start}}, {"$lt": {"audit.modifiedDateTime": end}}]
        records = self.reader.query(path, ["key", "totalTxnAmount"], window)
        finance = self.finance
        with (
            psycopg2.connect(
                host=finance["host"], port=finance["port"], user=finance["login"], dbname=finance["schema"]
            ) as db,
            db.cursor() as cursor,
        ):
            cursor.execute(f"SELECT key, total_txn_amount FROM intacct_{name}s WHERE NOT _deleted")  # noqa: S608
            stored = dict(cursor.fetchall())
        expected = {str(r["key"]): Decimal(r["totalTxnAmount"]) for r in records}
        assert stored == expected, f"intacct_{name}s differs from the sandbox: {len(stored)} vs {len(expected)} rows"
        assert all(isinstance(amount, Decimal) for amount in stored.values()), "amounts must come back as NUMERIC"
        assert load["rows"] == len(expected), f"load_{name}s: {load}"
        counts = (tie["missing"]["count"], tie["extra"]["count"], tie["different"]["count"])
        assert counts == (0, 0, 0) and tie["checked"] == len(expected), f"tie_out_{name}s: {tie}"
        return (
            f"intacct_{name}s: {len(stored)} rows ({load['inserted']} inserted, {load['updated']} updated), "
            f"total {sum(stored.values(), Decimal(0))} = the sandbox's; tie-out 0 missing, 0 extra, 0 different"
        )

    def tour_from_form(self) -> str:
        from trigger_form import trigger_from_form

        assert self.airflow and self.api

        def wait(run_id: str) -> None:
            self.run_ids[TOUR_DAG] = run_id
            self._wait_success(TOUR_DAG)

        # The whole conf the form must send: the DAG's own defaults, with what the user typed.
        conf = {name: param["value"] for name, param in self.api.get(f"dags/{TOUR_DAG}/details")["params"].items()}
        conf["document_date"], conf["days_due"] = TOUR_TYPED["document_date"], int(TOUR_TYPED["days_due"])
        conf["bill_lines"] = [{**conf["bill_lines"][0], **TOUR_LINE}]
        run_id, shot = trigger_from_form(
            self.airflow.url, ADMIN_USER, ADMIN_PASSWORD, TOUR_DAG, TOUR_TYPED, conf, ARTIFACTS, wait
        )
        return f"{TOUR_DAG} run {run_id} triggered from the form, success shown in the UI ({shot})"

    def tour_bill_values(self) -> str:
        assert self.reader
        created = self._xcom(TOUR_DAG, "create_bill")["ia::result"]
        vendors = self._xcom(TOUR_DAG, "list_vendors")["vendors"]
        (bill,) = [b for b in self.reader.bills_of(vendors[0]["id"]) if str(b["key"]) == str(created["key"])]
        assert bill["createdDate"] == TOUR_TYPED["document_date"], f"bill date {bill['createdDate']}"
        assert Decimal(bill["totalTxnAmount"]) == Decimal(TOUR_LINE["amount"]), f"bill total {bill}"
        (line,) = self.reader.bill_lines(str(created["key"]))
        assert line.get("memo") == TOUR_LINE["memo"], f"bill line {line}"
        assert Decimal(line["txnAmount"]) == Decimal(TOUR_LINE["amount"]), f"bill line {line}"
        return (
            f"bill {bill['id']} (key {bill['key']}) of {bill['vendor.id']}: date {bill['createdDate']}, "
            f"due {bill['dueDate']}, total {bill['totalTxnAmount']}, memo {line['memo']!r}"
        )

    def spread(self) -> str:
        per_dag = {dag_id: self._hosts(dag_id) for dag_id in (SYNC_DAG, TOUR_DAG)}
        seen = set().union(*per_dag.values())
        assert seen == set(WORKERS), f"tasks ran on {per_dag}; expected both {WORKERS}"
        return "; ".join(f"{dag_id}: {sorted(hosts)}" for dag_id, hosts in per_dag.items())

    # -- worker loss -----------------------------------------------------------------------------
    def worker_loss(self) -> str:
        assert self.api and self.proxy and self.reader
        self.loss_bills_before = {str(b["key"]) for b in self.reader.bills_of(LOSS_VENDOR)}
        hold = self.proxy.arm("POST", r"/objects/accounts-payable/bill$", HOLD_S)
        # The sensor later in this run must wait deferred until the triggerer check below.
        self.outage = self.proxy.outage("POST", r"/services/core/query$", SENSOR_QUERY_MARK)
        run = self.api.request("POST", f"dags/{PAYMENT_DAG}/dagRuns", json={"logical_date": None, "conf": LOSS_PARAMS})
        self.run_ids[PAYMENT_DAG] = run["dag_run_id"]
        wait_for("create_bill's POST to be committed and held", hold.held.is_set, 120)
        assert hold.status == 201, f"the held create answered {hold.status}: {hold.body[:300]!r}"
        committed = json.loads(hold.body)["ia::result"]["key"]
        now = {str(b["key"]) for b in self.reader.bills_of(LOSS_VENDOR)}
        assert now - self.loss_bills_before == {str(committed)}, f"bills before {self.loss_bills_before}, now {now}"
        ti = self._ti(PAYMENT_DAG, "create_bill")
        victim = ti["hostname"]
        assert ti["state"] == "running" and victim in self.workers, f"create_bill: {ti['state']} on {victim!r}"
        killed = self._kill_tree(self.workers.pop(victim))
        hold.release.set()
        survivor = next(iter(self.workers))

        def retried() -> dict[str, Any] | None:
            self.supervisor.check_alive()
            current = self._ti(PAYMENT_DAG, "create_bill")
            if current["state"] == "failed":
                raise AssertionError(f"create_bill failed instead of retrying: {current}")
            return current if current["state"] == "success" else None

        done = wait_for("create_bill to be retried and succeed", retried, RUN_TIMEOUT_S, 1.0)
        tries = self.api.get(f"{run_path(PAYMENT_DAG, run['dag_run_id'])}/taskInstances/create_bill/tries")
        history = [(t["try_number"], t["state"], t["hostname"]) for t in tries["task_instances"]]
        assert done["try_number"] >= 2 and done["hostname"] == survivor, f"create_bill tries: {history}"
        after = {str(b["key"]) for b in self.reader.bills_of(LOSS_VENDOR)}
        new = after - self.loss_bills_before
        assert new == {str(committed)}, f"{len(new)} new bills of {LOSS_VENDOR}: {sorted(new)} (committed {committed})"
        result = self._xcom(PAYMENT_DAG, "create_bill")["ia::result"]
        assert str(result["key"]) == str(committed), f"the retry returned {result}, the dead try created {committed}"
        return (
            f"create of bill key {committed} committed and held; kill -9 of {victim} ({killed} processes); "
            f"tries {history}; exactly one new bill of {LOSS_VENDOR}, the retry returned its key"
        )

    # -- triggerer restart -----------------------------------------------------------------------
    def triggerer_restart(self) -> str:
        assert self.api and self.airflow and self.reader and self.outage

        def running_in_triggerer() -> dict[str, Any] | None:
            ti = self._deferred()
            return ti if ti and (ti.get("triggerer_job") or {}).get("id") is not None else None

        deferred = wait_for("wait_for_payment to be deferred to a triggerer", running_in_triggerer, 180, 1.0)
        before = deferred["triggerer_job"]["id"]
        # Kill only once the triggerer has really polled Intacct (its check met the outage), so
        # the restart interrupts a running trigger, not one that was merely assigned.
        polled = self.outage.hits
        wait_for("the triggerer to poll for the payment", lambda: self.outage.hits > polled, 120, 0.5)
        triggerer = next(p for p in self.supervisor.processes if p.name.startswith("triggerer"))
        killed = self._kill_tree(triggerer)
        argv = [airflow_executable(), "triggerer", "--skip-serve-logs"]
        self.supervisor.start("triggerer-restarted", argv, self.airflow.env)

        def taken_over() -> dict[str, Any] | None:
            self.supervisor.check_alive()
            ti = self._deferred()
            job = ((ti or {}).get("triggerer_job") or {}).get("id")
            return ti if job is not None and job != before else None

        ti = wait_for("the new triggerer to take over the deferred sensor", taken_over, 180, 1.0)
        after = ti["triggerer_job"]["id"]
        resumed = self.outage.hits
        wait_for("the restarted triggerer to poll for the payment", lambda: self.outage.hits > resumed, 120, 0.5)
        bill = self._xcom(PAYMENT_DAG, "create_bill")["ia::result"]
        (paid,) = [b for b in self.reader.bills_of(LOSS_VENDOR) if str(b["key"]) == str(bill["key"])]
        assert paid["state"] == "paid", f"the payment tasks left bill {bill['key']} {paid['state']}"
        hits = self.outage.hits
        self.outage.lift()
        self._wait_success(PAYMENT_DAG)
        summary = self._xcom(PAYMENT_DAG, "summarize")
        assert summary["state"] == "paid" and str(summary["key"]) == str(bill["key"]), f"summary {summary}"
        return (
            f"kill -9 of the triggerer ({killed} processes) while deferred on triggerer job {before}; "
            f"restarted one took it (job {after}); bill {bill['key']} paid by the payment tasks, the sensor's "
            f"checks met {hits} outage answers, then the run succeeded: {summary}"
        )

    def _deferred(self) -> dict[str, Any] | None:
        ti = self._ti(PAYMENT_DAG, "wait_for_payment")
        if ti["state"] in ("failed", "upstream_failed", "success"):
            raise AssertionError(f"wait_for_payment is {ti['state']}, expected deferred")
        return ti if ti["state"] == "deferred" else None

    # -- helpers ---------------------------------------------------------------------------------
    def _kill_tree(self, process: Process) -> int:
        """SIGKILL a process and all its descendants at once: what losing the machine looks like."""
        self.supervisor.forget(process)
        parent = psutil.Process(process.popen.pid)
        victims = [parent, *parent.children(recursive=True)]
        for victim in victims:
            victim.kill()
        psutil.wait_procs(victims, timeout=10)
        process.popen.wait(timeout=10)
        return len(victims)

    def _wait_success(self, dag_id: str, timeout: float = RUN_TIMEOUT_S) -> None:
        assert self.api
        api, path = self.api, run_path(dag_id, self.run_ids[dag_id])

        def finished() -> bool:
            self.supervisor.check_alive()
            state = api.get(path)["state"]
            if state == "failed":
                raise AssertionError(f"{dag_id} failed: {self._states(dag_id)}")
            return state == "success"

        wait_for(f"{dag_id} to succeed", finished, timeout, 1.0)

    def _tis(self, dag_id: str) -> list[dict[str, Any]]:
        assert self.api
        return list(self.api.get(f"{run_path(dag_id, self.run_ids[dag_id])}/taskInstances")["task_instances"])

    def _ti(self, dag_id: str, task_id: str) -> dict[str, Any]:
        assert self.api
        return dict(self.api.get(f"{run_path(dag_id, self.run_ids[dag_id])}/taskInstances/{task_id}"))

    def _hosts(self, dag_id: str) -> set[str]:
        return {ti["hostname"] for ti in self._tis(dag_id) if ti["hostname"]}

    def _states(self, dag_id: str) -> dict[str, str | None]:
        return {ti["task_id"]: ti["state"] for ti in self._tis(dag_id)}

    def _xcom(self, dag_id: str, task_id: str) -> Any:
        assert self.api
        path = f"{run_path(dag_id, self.run_ids[dag_id])}/taskInstances/{task_id}/xcomEntries/return_value"
        return self.api.get(path, deserialize="true")["value"]


def main() -> int:
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGALRM, _raise_timeout)
    signal.alarm(RUN_BUDGET_S)
    report = Report()
    logs = ARTIFACTS / "logs"
    infra, supervisor = Supervisor(logs), Supervisor(logs)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="intacct-e2e-celery-") as home:
        e2e = CeleryE2E(infra, supervisor, report, Path(home))
        try:
            _run(e2e, report)
        except (KeyboardInterrupt, RunTimeout) as exc:
            report.failed += 1
            print(f"FAIL run aborted: {exc or type(exc).__name__}", flush=True)
        finally:
            signal.alarm(0)
            if os.environ.get("E2E_KEEP") == "1":  # debugging aid: keep the deployment up until SIGTERM
                print(f"e2e: E2E_KEEP=1, deployment left running: {e2e.airflow and e2e.airflow.url}", flush=True)
                with contextlib.suppress(KeyboardInterrupt):
                    signal.pause()
            supervisor.stop_all()  # Airflow first, while its database and broker are still up
            infra.stop_all()
            e2e.closing.close()
    print(f"e2e-celery: finished in {time.monotonic() - started:.0f}s; logs and screenshots in {ARTIFACTS}")
    print(f"e2e-celery: {report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


def _run(e2e: CeleryE2E, report: Report) -> None:
    steps: list[Step] = [
        ("celery: PostgreSQL, Redis and the sandbox start on loopback", e2e.start_services),
        ("celery: api-server, scheduler, dag-processor, triggerer start on PostgreSQL", e2e.start_airflow),
        ("celery: two Celery workers answer", e2e.start_workers),
        ("celery: example DAGs parsed", e2e.dags_parsed),
        (f"celery: {SYNC_DAG} succeeds", e2e.daily_sync),
        ("celery: the sync merges bills and invoices into PostgreSQL; they tie out to the cent", e2e.warehouse),
        (f"browser: {TOUR_DAG} triggered from its form succeeds in the UI", e2e.tour_from_form),
        ("celery: the tour's bill carries the values typed into the form", e2e.tour_bill_values),
        ("celery: the sync's and the tour's tasks ran on both workers", e2e.spread),
        ("worker loss: create_bill's worker killed after the commit; retried elsewhere, one bill", e2e.worker_loss),
        ("triggerer restart: deferred sensor survives a killed triggerer; run succeeds", e2e.triggerer_restart),
    ]
    report.run(steps)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _raise_timeout(signum: int, frame: FrameType | None) -> None:
    raise RunTimeout(f"the whole run exceeded {RUN_BUDGET_S}s")


if __name__ == "__main__":
    sys.exit(main())

"""End-to-end check of `make airflow` (the third scenario of ``make e2e``): start, use, Ctrl-C, nothing left.

Runs ``make airflow`` as a user would in a terminal, on free ports, in its own process group,
waits for the banner, then checks what the banner promises: the UI answers and its login works
with the printed password, the example DAGs are parsed without import errors, the connection to
the sandbox exists and tests green, and a triggered example DAG succeeds against the sandbox
with its "Intacct record" link. Then it sends SIGINT to the whole process group (what Ctrl-C
does) and checks that make exits, that every process it started (the sandbox, api-server,
scheduler, dag-processor, triggerer and their task processes) is gone, that the ports are
closed and the temporary home removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests
from deployment import LOOPBACK, free_port, wait_for
from rest import AirflowApi, run_path
from run import Report, Step

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "e2e-local"
DAG_ID = "intacct_catalog_tour"
BANNER = re.compile(r"^Airflow UI:\s+(?P<url>\S+)\s+\(user (?P<user>\S+), password (?P<password>\S+)\)$", re.MULTILINE)
EXAMPLES = sorted(path.stem for path in (REPO / "example_dags").glob("*.py"))


class LocalAirflowCheck:
    def __init__(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / "make-airflow.log"
        self.port, self.sandbox_port = free_port(), free_port()
        self.make: subprocess.Popen[bytes] | None = None
        self.url = self.user = self.password = ""
        self.api: AirflowApi | None = None
        self.started: list[psutil.Process] = []
        self.home = ""

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- the steps -------------------------------------------------------------------------------
    def start(self) -> str:
        env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
        with self.log_path.open("wb") as log:
            self.make = subprocess.Popen(  # noqa: S603 - fixed command
                [
                    shutil.which("make") or "make",
                    "--no-print-directory",
                    "airflow",
                    f"AIRFLOW_PORT={self.port}",
                    f"SANDBOX_PORT={self.sandbox_port}",
                ],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal's foreground job
            )
        make = self.make

        def banner() -> re.Match[str] | None:
            if make.poll() is not None:
                raise AssertionError(
                    f"make airflow exited {make.returncode} before it was ready:\n{self.output()[-3000:]}"
                )
            return BANNER.search(self.output())

        started = time.monotonic()
        found = wait_for("make airflow to print the UI's address", banner, 600, 1.0)
        self.url, self.user, self.password = found["url"], found["user"], found["password"]
        home = re.search(r"in (\S+) \(a first start", self.output())
        self.home = home.group(1) if home else ""
        self.started = psutil.Process(make.pid).children(recursive=True)
        names = sorted({_describe(p) for p in self.started if p.is_running()})
        return f"ready in {time.monotonic() - started:.0f}s at {self.url}; {len(self.started)} processes: {names}"

    def ui_and_login(self) -> str:
        page = requests.get(f"{self.url}/", timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower(), f"UI answered {page.status_code}"
        assert self.url == f"http://{LOOPBACK}:{self.port}", f"banner URL {self.url} is not the port asked"
        self.api = AirflowApi(self.url)
        self.api.login(self.user, self.password)
        health = self.api.get("monitor/health")
        states = {
            part: (health.get(part) or {}).get("status")
            for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
        }
        assert set(states.values()) == {"healthy"}, states
        return f"UI and login with the printed password ({self.user}); health {states}"

    def dags_parsed(self) -> str:
        api = self.api
        assert api
        wait_for(
            "the example DAGs to be parsed", lambda: len(api.get("dags", limit=100)["dags"]) >= len(EXAMPLES), 240, 2.0
        )
        listed = sorted(d["dag_id"] for d in api.get("dags", limit=100)["dags"])
        assert listed == EXAMPLES, f"DAGs {listed}, expected {EXAMPLES}"
        errors = api.get("importErrors")["import_errors"]
        assert not errors, f"import errors: {errors}"
        return f"{len(listed)} example DAGs, no import errors"

    def connection_set(self) -> str:
        api = self.api
        assert api
        conn = api.get("connections/sage_intacct_default")
        assert conn["conn_type"] == "sage_intacct" and conn["host"].startswith(
            f"http://{LOOPBACK}:{self.sandbox_port}/"
        )
        tested = api.request(
            "POST",
            "connections/test",
            json={
                "connection_id": "sage_intacct_default",
                "conn_type": "sage_intacct",
                "host": conn["host"],
                "login": conn["login"],
                "password": "sandbox-client-secret",
                "extra": conn["extra"],
            },
        )
        assert tested["status"] is True, tested
        return f"sage_intacct_default -> {conn['host']}; test: {tested['message']}"

    def dag_runs(self) -> str:
        api = self.api
        assert api
        api.request("PATCH", f"dags/{DAG_ID}", json={"is_paused": False})
        run = api.request("POST", f"dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": {}})
        path = run_path(DAG_ID, run["dag_run_id"])

        def finished() -> str | None:
            state = api.get(path)["state"]
            if state == "failed":
                states = {t["task_id"]: t["state"] for t in api.get(f"{path}/taskInstances")["task_instances"]}
                raise AssertionError(f"{DAG_ID} failed: {states}")
            return state if state == "success" else None

        wait_for(f"{DAG_ID} to succeed", finished, 360, 2.0)
        links = api.get(f"{path}/taskInstances/create_bill/links")["extra_links"]
        link = links.get("Intacct record") or ""
        assert link.startswith(
            f"http://{LOOPBACK}:{self.sandbox_port}/ia/api/v1/sandbox/records/accounts-payable/bill/"
        ), links
        assert requests.get(link, timeout=10).status_code == 200
        return f"{DAG_ID} succeeded against the sandbox; create_bill links to {link}"

    def ctrl_c_stops_everything(self) -> str:
        make = self.make
        assert make
        os.killpg(make.pid, signal.SIGINT)  # what the terminal sends its foreground job on Ctrl-C
        started = time.monotonic()
        try:
            code = make.wait(timeout=90)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"make airflow still running 90 s after Ctrl-C:\n{self.output()[-2000:]}") from exc
        took = time.monotonic() - started
        _, alive = psutil.wait_procs(self.started, timeout=10)
        left = [
            f"{p.pid} {' '.join(p.cmdline()[:3])}"
            for p in alive
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        ]
        assert not left, f"processes left after Ctrl-C: {left}"
        for port in (self.port, self.sandbox_port):
            with socket.socket() as sock:
                assert sock.connect_ex((LOOPBACK, port)) != 0, f"port {port} still open"
        assert self.home and not Path(self.home).exists(), f"home {self.home} not removed"
        assert "SIGINT: stopping..." in self.output() and "Stopped: sandbox, api-server" in self.output(), (
            self.output()[-800:]
        )
        gone = f"all {len(self.started)} processes gone, ports closed, home removed"
        how = f"by {signal.Signals(-code).name}" if code < 0 else f"with {code}"  # make re-raises SIGINT
        return f"make exited {how} {took:.0f}s after Ctrl-C; {gone}"

    def kill_leftovers(self) -> None:
        """Whatever a failed check left running (never reached when Ctrl-C worked)."""
        for process in self.started:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        if self.make and self.make.poll() is None:
            os.killpg(self.make.pid, signal.SIGKILL)


def _describe(process: psutil.Process) -> str:
    """``airflow scheduler``, ``python -m intacct_provider.sandbox``...: what a process is, in a few words."""
    try:
        words = [Path(word).name if "/" in word else word for word in process.cmdline()[:4]]
    except psutil.Error:
        return "?"
    return " ".join(words)


def main() -> int:
    report = Report()
    check = LocalAirflowCheck()
    steps: list[Step] = [
        ("make airflow: sandbox and Airflow start, banner printed", check.start),
        ("make airflow: the UI answers, login with the printed password", check.ui_and_login),
        ("make airflow: the example DAGs are parsed", check.dags_parsed),
        ("make airflow: the connection to the sandbox is set and tests green", check.connection_set),
        ("make airflow: an example DAG runs against the sandbox, with its record link", check.dag_runs),
        ("make airflow: Ctrl-C stops every process it started", check.ctrl_c_stops_everything),
    ]
    started = time.monotonic()
    try:
        report.run(steps)
    finally:
        check.kill_leftovers()
    print(f"e2e-local: finished in {time.monotonic() - started:.0f}s; make airflow's output in {check.log_path}")
    print(f"e2e-local: {report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

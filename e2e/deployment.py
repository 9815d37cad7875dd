"""A throwaway Airflow 3 deployment and Intacct sandbox, run as real processes on loopback.

``dag.test()`` runs everything in one process, so it cannot show that the provider registers
in the api-server, that a task survives the scheduler -> LocalExecutor worker hand-off, or
that a deferred sensor is resumed by a separate triggerer.  This module starts each
component the way an operator would (``airflow api-server``, ``scheduler``,
``dag-processor``, ``triggerer``) in a temporary ``AIRFLOW_HOME`` and tears everything down
again, including the task processes the executor forked.

Airflow 3 accepts the LocalExecutor on SQLite (the old "SQLite needs the
SequentialExecutor" refusal is gone), so no database server is needed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

ADMIN_USER = "admin"
ADMIN_PASSWORD = secrets.token_urlsafe(12)
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """Ask the kernel for an unused loopback port (so parallel runs and dev servers never clash)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, probe: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """Poll ``probe`` until it returns something truthy; raise ``TimeoutError`` naming ``what``.

    Every wait in the e2e run goes through here, so none of them can hang the run.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = probe()
        except (requests.RequestException, OSError, ValueError, KeyError) as exc:
            last_error = exc
        else:
            if result:
                return result
        time.sleep(interval)
    detail = f" (last error: {last_error})" if last_error else ""
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")


@dataclass
class Process:
    """One started command: its own session (process group) and a log file kept as an artifact."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    stop_signal: signal.Signals = signal.SIGTERM

    def tail(self, lines: int = 30) -> str:
        """Last lines of the log, printed when a check fails so CI output shows why."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Supervisor:
    """Starts commands in new sessions and stops all of them, descendants included."""

    log_dir: Path
    processes: list[Process] = field(default_factory=list)

    @property
    def pid_file(self) -> Path:
        """Process group ids of everything started, one a line: ``e2e/run.sh`` kills what is left of them.

        The shell's trap is the last line of defence when this interpreter itself is killed
        (``timeout -s KILL``, an OOM kill) before ``stop_all`` could run.
        """
        return self.log_dir / "pgids"

    def start(
        self, name: str, argv: list[str], env: dict[str, str], stop_signal: signal.Signals = signal.SIGTERM
    ) -> Process:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(  # noqa: S603 - argv is built here from fixed parts
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, popen, log_path, stop_signal)
        self.processes.append(process)
        with self.pid_file.open("a") as pids:
            pids.write(f"{popen.pid}\n")
        return process

    def forget(self, process: Process) -> None:
        """Stop watching a process that a check killed on purpose (``check_alive`` would fail on it)."""
        self.processes.remove(process)

    def check_alive(self) -> None:
        """Fail fast (instead of waiting for a timeout) when a component has crashed."""
        for process in self.processes:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n{process.tail()}")

    def stop_all(self, grace: float = 15.0) -> None:
        """Send each process group its stop signal, then SIGKILL whatever is left after ``grace`` seconds.

        Descendants are collected first: a task supervisor may have moved a worker into a
        new session, where killing the parent's group would not reach it.
        """
        victims: list[psutil.Process] = []
        for process in reversed(self.processes):
            try:
                parent = psutil.Process(process.popen.pid)
                victims.extend([parent, *parent.children(recursive=True)])
            except psutil.NoSuchProcess:
                pass
            _signal_group(process.popen.pid, process.stop_signal)
        _, alive = psutil.wait_procs(victims, timeout=grace)
        for victim in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                victim.kill()
        for process in self.processes:
            _signal_group(process.popen.pid, signal.SIGKILL)
            try:
                process.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                print(f"e2e: warning: {process.name} (pid {process.popen.pid}) did not exit")
        self.processes.clear()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


@dataclass
class Sandbox:
    """The provider's fake Intacct server as a separate process, like a real remote API."""

    base_url: str
    connection: dict[str, Any]

    def admin(self, route: str, body: dict[str, Any], method: str = "POST") -> Any:
        """Call an admin route (``/sandbox/...`` under the API prefix; no token needed)."""
        answer = requests.request(method, f"{self.base_url}/sandbox/{route}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json() if answer.content else None


def start_sandbox(
    supervisor: Supervisor, env: dict[str, str], timeout: float = 30.0, port: int = 0, options: tuple[str, ...] = ()
) -> Sandbox:
    """Run ``python -m intacct_provider.sandbox --port <port> <options>``; read its base URL and connection.

    The CLI prints the base URL on its first stdout line and the connection JSON on the
    second; stdout goes to a log file (not a pipe) so the server can never block on it.
    ``port`` 0 (the default) takes a free one.
    """
    process = supervisor.start(
        "sandbox",
        [sys.executable, "-u", "-m", "intacct_provider.sandbox", "--host", LOOPBACK, "--port", str(port), *options],
        env,
    )

    def two_lines() -> list[str] | None:
        supervisor.check_alive()
        lines = process.log_path.read_text().splitlines()
        return lines[:2] if len(lines) >= 2 else None

    base_url, connection_json = wait_for("the sandbox to print its URL", two_lines, timeout, 0.1)
    return Sandbox(base_url=base_url.strip(), connection=json.loads(connection_json))


@dataclass
class Airflow:
    """Configuration and handles of one temporary Airflow deployment."""

    home: Path
    dags_folder: Path
    port: int
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def cli(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run an ``airflow`` CLI command against this deployment and capture its output."""
        return subprocess.run(  # noqa: S603 - fixed executable, arguments from this module
            [airflow_executable(), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def airflow_executable() -> str:
    """The ``airflow`` script next to the running interpreter (the project's virtualenv)."""
    return str(Path(sys.executable).with_name("airflow"))


def airflow_env(home: Path, dags_folder: Path, port: int, extra: dict[str, str]) -> dict[str, str]:
    """Environment shared by every Airflow process of the deployment.

    All processes must agree on the JWT secret (the scheduler's executor signs the task
    tokens that the api-server's Execution API verifies) and on the Fernet key, so they are
    generated once here instead of letting each process invent its own.
    """
    from cryptography.fernet import Fernet

    passwords_file = home / "simple_auth_manager_passwords.json"
    passwords_file.write_text(json.dumps({ADMIN_USER: ADMIN_PASSWORD}))
    base_url = f"http://{LOOPBACK}:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AIRFLOW") and key.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
    }
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "NO_PROXY": f"{LOOPBACK},localhost",
            "no_proxy": f"{LOOPBACK},localhost",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__HOST": LOOPBACK,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
            # The task runner's calls to the api-server: patient (default 5 s), since on a loaded
            # 2-core CI machine the api-server can take longer than that to answer.
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
            "AIRFLOW__WORKERS__EXECUTION_API_RETRIES": "10",
        }
    )
    env.update(extra)
    return env


def prepare_airflow(home: Path, dags_folder: Path, extra_env: dict[str, str], port: int | None = None) -> Airflow:
    """Create the home and the shared configuration (the api-server on ``port``, default a free one); start nothing."""
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    return Airflow(home, dags_folder, port, airflow_env(home, dags_folder, port, extra_env))


def start_airflow(supervisor: Supervisor, airflow: Airflow, timeout: float) -> None:
    """Migrate the metadata DB, start the four components and wait until all report healthy."""
    migrate = airflow.cli("db", "migrate", timeout=timeout)
    if migrate.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout[-2000:]}{migrate.stderr[-2000:]}")
    command = airflow_executable()
    api_server = [command, "api-server", "--host", LOOPBACK, "--port", str(airflow.port)]
    supervisor.start("api-server", api_server, airflow.env)
    supervisor.start("scheduler", [command, "scheduler", "--skip-serve-logs"], airflow.env)
    supervisor.start("dag-processor", [command, "dag-processor"], airflow.env)
    supervisor.start("triggerer", [command, "triggerer", "--skip-serve-logs"], airflow.env)

    def healthy() -> bool:
        supervisor.check_alive()
        health = requests.get(f"{airflow.url}/api/v2/monitor/health", timeout=5).json()
        return all(
            (health.get(part) or {}).get("status") == "healthy"
            for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
        )

    wait_for("api-server, scheduler, dag-processor and triggerer to be healthy", healthy, timeout, 1.0)

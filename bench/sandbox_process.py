"""Start the sandbox in its own process for a benchmark, and read what it saw.

A separate process keeps the server's work (its CPU, its GIL and its memory) out of what a
benchmark measures on the client side, as a real Intacct would be. Request counts come from the
sandbox's own request log, so every client (ours, the public SDK, plain ``requests``) is counted
the same way, 429s included.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests


@dataclass(frozen=True)
class Sandbox:
    """A running sandbox process: where it listens, the Airflow connection for it, its pid."""

    base_url: str
    connection: dict[str, Any]
    pid: int
    startup_seconds: float

    def token(self) -> str:
        """A fresh access token by the client-credentials grant (one request, like any client's first)."""
        extra = self.connection["extra"]
        form = {
            "grant_type": "client_credentials",
            "client_id": self.connection["login"],
            "client_secret": self.connection["password"],
            "username": f"{extra['user_id']}@{extra['company_id']}",
        }
        answer = requests.post(f"{self.base_url}/oauth2/token", data=form, timeout=30)
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def take_request_log(self) -> list[dict[str, Any]]:
        """The requests served since the last call (the log is cleared each time)."""
        log = requests.get(f"{self.base_url}/sandbox/requests", timeout=60).json()["requests"]
        requests.delete(f"{self.base_url}/sandbox/requests", timeout=30).raise_for_status()
        return list(log)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far, in seconds."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()  # after "pid (comm)": state is field 3
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory so far (``VmHWM``), in MiB."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


@contextmanager
def sandbox(*flags: str) -> Iterator[Sandbox]:
    """Yield a sandbox started with CLI ``flags`` on a free loopback port; stop it afterwards."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct_provider.sandbox", "--host", "127.0.0.1", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        connection = json.loads(process.stdout.readline())
        yield Sandbox(base_url, connection, process.pid, time.perf_counter() - started)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def connection_env(connection: dict[str, Any], **extra: Any) -> dict[str, str]:
    """This process's environment with ``sage_intacct_default`` pointing at the sandbox (``extra`` merged)."""
    conn = {**connection, "extra": {**connection.get("extra", {}), **extra}}
    return {**os.environ, "AIRFLOW_CONN_SAGE_INTACCT_DEFAULT": json.dumps(conn)}

"""A throwaway PostgreSQL cluster on a free loopback port, for the warehouse tests and benchmark.

Debian's server binaries (``/usr/lib/postgresql/<major>/bin``, installed by ``make e2e``), run as
the ``postgres`` user when this process is root (initdb refuses root). Durability is off: the
cluster lives for one test session. ``available()`` says whether the binaries are here; tests
that need them are skipped on a machine without them.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

PG_USER = "postgres"


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    return _bindir() is not None and (os.geteuid() != 0 or shutil.which("runuser") is not None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """``with PostgresServer() as pg: pg.connection("finance")`` — an Airflow connection as JSON."""

    def __init__(self) -> None:
        bindir = _bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bindir = bindir
        self.port = _free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="intacct-test-pg-"))
        self.process: subprocess.Popen[bytes] | None = None

    def _as_owner(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", PG_USER, "--", *argv] if os.geteuid() == 0 else argv

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, PG_USER, PG_USER)
        subprocess.run(
            self._as_owner([str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", PG_USER, "-A", "trust"]),
            check=True,
            capture_output=True,
            timeout=120,
        )
        server = [str(self.bindir / "postgres"), "-D", str(self.data_dir), "-h", "127.0.0.1", "-p", str(self.port)]
        server += ["-k", str(self.data_dir), "-c", "fsync=off", "-c", "synchronous_commit=off"]
        self.process = subprocess.Popen(
            self._as_owner(server), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while subprocess.run(
            [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True, check=False
        ).returncode:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start on port {self.port}")
            time.sleep(0.2)
        return self

    def create_database(self, name: str) -> None:
        subprocess.run(
            [
                str(self.bindir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                PG_USER,
                "-c",
                f"CREATE DATABASE {name}",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def connection(self, database: str) -> dict[str, object]:
        """The Airflow connection of ``database`` (a ``postgres`` connection)."""
        return {"conn_type": "postgres", "host": "127.0.0.1", "port": self.port, "login": PG_USER, "schema": database}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # "fast" shutdown: clients are disconnected
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

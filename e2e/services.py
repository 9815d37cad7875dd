"""PostgreSQL and Redis from Debian's packages, each a private instance on a free loopback port.

Nothing here touches a system-wide cluster or service: PostgreSQL gets its own data directory
(``initdb`` into a temporary folder owned by the ``postgres`` user, which Debian's package
creates), Redis runs without persistence; both listen on 127.0.0.1 only and are started and
stopped by the e2e run like every other process.
"""

from __future__ import annotations

import glob
import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from deployment import LOOPBACK, Supervisor, free_port, wait_for

PG_USER = "postgres"
DATABASE = "airflow"


def _pg_bindir() -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` (Debian keeps server binaries off the PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql (e2e/run.sh installs them)")
    return Path(found[-1]).parent


def _as_postgres(argv: list[str]) -> list[str]:
    """Run as the ``postgres`` user: initdb and the server refuse to run as root."""
    return ["runuser", "-u", PG_USER, "--", *argv]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((LOOPBACK, port)) == 0


@dataclass
class Postgres:
    port: int
    data_dir: Path

    @property
    def sqlalchemy_url(self) -> str:
        return f"postgresql+psycopg2://{PG_USER}@{LOOPBACK}:{self.port}/{DATABASE}"

    @property
    def celery_backend_url(self) -> str:
        return f"db+postgresql+psycopg2://{PG_USER}@{LOOPBACK}:{self.port}/{DATABASE}"

    def remove(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)


def create_database(postgres: Postgres, name: str, timeout: float) -> dict[str, object]:
    """Create another database in the cluster (the finance tables live apart from Airflow's own);
    return its Airflow connection (a ``postgres`` connection)."""
    psql = [str(_pg_bindir() / "psql"), "-h", LOOPBACK, "-p", str(postgres.port), "-U", PG_USER]
    created = subprocess.run(  # noqa: S603 - fixed binaries
        [*psql, "-c", f"CREATE DATABASE {name}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if created.returncode != 0:
        raise RuntimeError(f"CREATE DATABASE {name} failed: {created.stderr[-1000:]}")
    return {"conn_type": "postgres", "host": LOOPBACK, "port": postgres.port, "login": PG_USER, "schema": name}


def start_postgres(supervisor: Supervisor, env: dict[str, str], timeout: float) -> Postgres:
    """initdb a throwaway cluster (trust auth on loopback only), start it, create the database.

    Durability settings are off: the cluster lives for one test run, and fsync on a shared
    CI disk would only add seconds.  SIGINT is PostgreSQL's "fast" shutdown (SIGTERM would
    wait for every client to disconnect).
    """
    bindir = _pg_bindir()
    data_dir = Path(tempfile.mkdtemp(prefix="intacct-e2e-pg-"))
    shutil.chown(data_dir, PG_USER, PG_USER)
    initdb = subprocess.run(  # noqa: S603 - fixed binaries
        _as_postgres([str(bindir / "initdb"), "-D", str(data_dir), "-U", PG_USER, "-A", "trust", "-E", "UTF8"]),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if initdb.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{initdb.stdout[-1500:]}{initdb.stderr[-1500:]}")
    port = free_port()
    server = [
        str(bindir / "postgres"),
        "-D",
        str(data_dir),
        "-h",
        LOOPBACK,
        "-p",
        str(port),
        "-k",
        str(data_dir),
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
    ]
    supervisor.start("postgres", _as_postgres(server), env, stop_signal=signal.SIGINT)
    postgres = Postgres(port, data_dir)

    def accepting() -> bool:
        supervisor.check_alive()
        ready = subprocess.run(  # noqa: S603 - fixed binaries
            [str(bindir / "pg_isready"), "-h", LOOPBACK, "-p", str(port), "-U", PG_USER],
            capture_output=True,
            check=False,
        )
        return ready.returncode == 0

    wait_for(f"PostgreSQL on {LOOPBACK}:{port}", accepting, timeout)
    created = subprocess.run(  # noqa: S603 - fixed binaries
        [str(bindir / "psql"), "-h", LOOPBACK, "-p", str(port), "-U", PG_USER, "-c", f"CREATE DATABASE {DATABASE}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if created.returncode != 0:
        raise RuntimeError(f"CREATE DATABASE failed: {created.stderr[-1000:]}")
    return postgres


@dataclass
class Redis:
    port: int

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"


def start_redis(supervisor: Supervisor, env: dict[str, str], work_dir: Path, timeout: float) -> Redis:
    """``redis-server`` in the foreground, loopback only, no RDB/AOF files."""
    executable = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        executable,
        "--bind",
        LOOPBACK,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(work_dir),
        "--daemonize",
        "no",
    ]
    supervisor.start("redis", argv, env)

    def up() -> bool:
        supervisor.check_alive()
        return _listening(port)

    wait_for(f"Redis on {LOOPBACK}:{port}", up, timeout, 0.2)
    return Redis(port)

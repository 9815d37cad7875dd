"""Test harness: a private Airflow home, the sandbox as Intacct, and a DAG runner.

Airflow reads its configuration when first imported, so the environment is set
here at import time, before any test module imports airflow. ``dag.test()``
only runs DAGs whose file lies in the DAGs folder, so the example DAGs and the
test DAGs are copied into one temporary folder per session.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
_HOME = Path(tempfile.mkdtemp(prefix="intacct-airflow-home-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
_DAGS = _HOME / "dags"
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(_DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME}/airflow.db",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
    }
)
os.environ.pop("AIRFLOW_CONN_SAGE_INTACCT_DEFAULT", None)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the SQLite metadata DB once and lay out the DAGs folder."""
    _DAGS.mkdir(parents=True, exist_ok=True)
    dag_files = [p for p in (REPO / "tests" / "dags").glob("*.py") if not p.name.startswith("test_")]
    for source in [*(REPO / "example_dags").glob("*.py"), *dag_files]:
        shutil.copy(source, _DAGS / source.name)
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
        timeout=180,
    )
    return _HOME


@pytest.fixture(scope="session", autouse=True)
def one_execution_api_per_process() -> None:
    """Build ``dag.test()``'s in-process Execution API once per process, as Airflow 3.2+ does.

    On Airflow 3.1 ``dag.test()`` builds a new in-process Execution API (a FastAPI app with
    Cadwyn's versioned routers, plus an a2wsgi event-loop thread) for every task it runs: one to
    two seconds of CPU each, which made the whole-DAG tests (the fault matrix above all) several
    times slower there than on 3.3. Airflow fixed this by caching that app
    (apache/airflow#65235, ``functools.lru_cache`` on ``in_process_api_server`` and dropping a
    stale DAG-bag override when no DAG is given); this applies the same change where it is
    missing, so what a task sees of the API is what it sees on 3.3.
    """
    from airflow.sdk.execution_time import supervisor

    if hasattr(supervisor.in_process_api_server, "cache_clear"):
        return
    cached = functools.lru_cache(maxsize=1)(supervisor.in_process_api_server)
    build_client = supervisor.InProcessTestSupervisor._api_client

    def api_client(dag: Any = None) -> Any:
        if dag is None:
            from airflow.api_fastapi.common.dagbag import dag_bag_from_app

            cached().app.dependency_overrides.pop(dag_bag_from_app, None)
        return build_client(dag)

    supervisor.in_process_api_server = cached
    supervisor.InProcessTestSupervisor._api_client = staticmethod(api_client)


@pytest.fixture(autouse=True)
def fresh_model_cache() -> Iterator[None]:
    """Every test reads the company's models afresh: tests share one sandbox and change its tenant."""
    from intacct_provider.hooks import model_cache

    model_cache.clear()
    yield
    model_cache.clear()


@pytest.fixture
def intacct_conn(intacct_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Point ``sage_intacct_default`` at the sandbox; call it again to change extras."""

    def configure(conn_id: str = "sage_intacct_default", **extra: Any) -> str:
        conn = intacct_sandbox.connection(**extra)
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return conn_id

    configure(max_retries=4)
    return configure


@pytest.fixture
def hook(intacct_conn: Callable[..., str]) -> Iterator[Any]:
    from intacct_provider.hooks.intacct import IntacctHook

    hook = IntacctHook()
    yield hook
    hook.close()


@pytest.fixture
def warehouse_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite warehouse behind ``intacct_warehouse`` (the sync example loads its tables there)."""
    path = tmp_path / "warehouse.db"
    monkeypatch.setenv("AIRFLOW_CONN_INTACCT_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    return path


@pytest.fixture
def run_dag(airflow_db: Path, intacct_conn: Callable[..., str], warehouse_db: Path) -> Callable[..., Any]:
    """Run a DAG from the DAGs folder with ``dag.test()``; return ``(dag_run, xcoms)``."""

    def run(
        dag_id: str, file: str | None = None, conf: dict[str, Any] | None = None, logical_date: Any = None
    ) -> tuple[Any, dict]:
        module_file = _DAGS / f"{file or dag_id}.py"
        spec = importlib.util.spec_from_file_location(f"dagfile_{module_file.stem}", module_file)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        dag = next(v for v in vars(module).values() if getattr(v, "dag_id", None) == dag_id and hasattr(v, "test"))
        dag_run = dag.test(run_conf=conf, logical_date=logical_date)
        return dag_run, xcoms_of(dag_run)

    return run


def xcoms_of(dag_run: Any) -> dict[str, Any]:
    """``{task_id: value}`` (``{task_id: {map_index: value}}`` for mapped tasks) of one run."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    result: dict[str, Any] = {}
    with create_session() as session:
        rows = (
            session.query(XComModel)
            .filter(XComModel.run_id == dag_run.run_id, XComModel.dag_id == dag_run.dag_id)
            .filter(XComModel.key == "return_value")
            .all()
        )
        for row in rows:
            value = XComModel.deserialize_value(row)
            if row.map_index >= 0:
                result.setdefault(row.task_id, {})[row.map_index] = value
            else:
                result[row.task_id] = value
    return result


#: Tests that take a minute or more on a loaded 2-core machine (the fault matrix, the benchmark
#: smoke runs, whole-DAG runs). ``make test`` runs the suite on xdist workers that take two tests
#: at a time (``--maxschedchunk 2``): collected first and one every other item, each of these
#: starts early on a worker of its own instead of leaving one worker busy long after the others.
LONG_RUNNING = (
    "test_demo.py::",
    "test_docs_routes.py::test_the_first_dag_route",
    "test_fault_matrix.py::",
    "test_bench_smoke.py::",
    "test_lineage.py::test_a_dag_run",
    "test_secrets.py::test_no_secret_in_logs",
    "test_contract_conformance.py::test_every_example_dag",
    "test_example_dags.py::test_catalog_tour",
    "test_sensor.py::test_each_mode_waits",
    "test_bulk_dag.py::test_invoices_from_orders_example",
    "test_assets.py::test_the_bill_sync_triggers",
    "test_seed.py::test_large_seed_answers_deep_pages",
    "test_retry_safety.py::test_airflow_retries_mapped_creates",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, part in enumerate(LONG_RUNNING) if part in item.nodeid), len(LONG_RUNNING))

    long = sorted((item for item in items if rank(item) < len(LONG_RUNNING)), key=rank)  # longest first
    chosen = {id(item) for item in long}
    others = [item for item in items if id(item) not in chosen]
    head = [test for pair in zip(long, others, strict=False) for test in pair]
    items[:] = head + long[len(others) :] + others[len(long) :]

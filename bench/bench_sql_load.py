"""Warehouse load of ~200,000 bills into PostgreSQL at 100 ms latency, against reading them alone.

Run: ``.venv/bin/python bench/bench_sql_load.py`` (``--quick`` for a small smoke run). Needs
PostgreSQL's server binaries (``make e2e`` installs Debian's); it starts its own throwaway cluster
with the warehouse tests' helper (``tests/integration/postgres_server.py``, which the sdist ships).

The sandbox runs in its own process (``--seed-scale 4000``, about 200,000 bills, ``--latency-ms
100 --max-concurrency 2``). Every measurement is a fresh interpreter, timed from the task's start
to its end (imports excluded) and reporting its own peak RSS, interleaved so machine noise hits
both alike (median of 2):

* **read**: ``IntacctHook.iter_query`` of the load's fields, rows counted and dropped: the yardstick;
* **load**: ``IntacctToSqlOperator(mode="merge")`` into a table it creates: the same read, rows
  converted, checked and inserted in batches while the next pages are fetched (goal: <= 1.15x the
  read, peak RSS <= 100 MB over it);
* **rerun**: the same load again over the full table (every row compared, none changed);
* **tie-out**: ``IntacctTieOutOperator`` of the loaded table: billed queries (goal <= 51) and time.

Billed queries come from the sandbox's request log.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests" / "integration"))  # the test suite's PostgreSQL, shipped in the sdist
from postgres_server import PostgresServer  # noqa: E402
from sandbox_process import connection_env, sandbox  # noqa: E402

CONCURRENCY = 2
TIME_GOAL = 1.15
MEMORY_GOAL_MB = 100
QUERY_GOAL = 51
FIELDS = [
    "id", "vendor.id", "billNumber", "createdDate", "dueDate", "state", "totalTxnAmount", "totalTxnAmountDue",
    "description", "audit.modifiedDateTime",
]  # fmt: skip
PROBE = """
import json, resource, sys, time
kind, fields = sys.argv[1], json.loads(sys.argv[2])
from intacct_provider.hooks.intacct import IntacctHook
from intacct_provider.operators import IntacctTieOutOperator, IntacctToSqlOperator
from intacct_provider.operators.execute.warehouse.target import sql_hook
from sqlalchemy.dialects import registry
# What any task pays once before its first row, whatever it does, stays outside the time of every kind
# alike: the providers' discovery behind Connection.get_hook, the driver and dialect imports.
database = sql_hook("finance")
registry.load("postgresql")
database.run("DROP TABLE IF EXISTS bench_bills" if kind == "load" else "SELECT 1")
context = {"ti": None, "outlet_events": {}}
started = time.perf_counter()
if kind == "read":
    hook = IntacctHook()
    result = {"rows": sum(1 for _ in hook.iter_query("bill", fields=["key", *fields]))}
    hook.close()
elif kind == "tie_out":
    operator = IntacctTieOutOperator(task_id="t", object="bill", sql_conn_id="finance", table="bench_bills")
    result = operator.execute(context)
else:
    operator = IntacctToSqlOperator(
        task_id="l", object="bill", sql_conn_id="finance", table="bench_bills", fields=fields
    )
    result = operator.execute(context)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "result": result, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(kind: str, env: dict[str, str], sb) -> dict:
    """One fresh task process: its seconds, result, peak RSS (KiB), and the billed queries it made."""
    sb.take_request_log()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, kind, json.dumps(FIELDS)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"{kind} failed:\n{out.stderr[-3000:]}")
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    measured["queries"] = sum(1 for r in sb.take_request_log() if r["path"].endswith("/services/core/query"))
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 1,000 bills, 10 ms latency, once (smoke)")
    args = parser.parse_args()
    scale, latency, repeats = ("20", "10", 1) if args.quick else ("4000", "100", 2)
    flags = ("--seed-scale", scale, "--latency-ms", latency, "--max-concurrency", str(CONCURRENCY))
    with PostgresServer() as postgres:
        postgres.create_database("finance")
        with sandbox(*flags) as sb:
            env = connection_env(sb.connection, max_concurrency=CONCURRENCY, max_retries=5)
            env["AIRFLOW_CONN_FINANCE"] = json.dumps(postgres.connection("finance"))
            runs: dict[str, list[dict]] = {"read": [], "load": [], "rerun": []}
            for _ in range(repeats):
                runs["read"].append(measure("read", env, sb))
                runs["load"].append(measure("load", env, sb))
                runs["rerun"].append(measure("rerun", env, sb))
            tie_out = measure("tie_out", env, sb)
    total = runs["read"][0]["result"]["rows"]
    loaded = runs["load"][0]["result"]
    assert loaded["rows"] == loaded["inserted"] == total, (loaded, total)
    assert all(r["result"]["inserted"] == r["result"]["updated"] == 0 for r in runs["rerun"])
    seconds = {name: statistics.median(r["seconds"] for r in results) for name, results in runs.items()}
    peak = {name: max(r["peak_kb"] for r in results) / 1024 for name, results in runs.items()}
    print(f"warehouse load of {total} bills ({len(FIELDS) + 1} fields) into PostgreSQL, {latency} ms latency, "
          f"max_concurrency {CONCURRENCY}, median of {repeats}, same run")  # fmt: skip
    print(f"{'task':<44}{'seconds':>9}{'rows/s':>10}{'queries':>9}{'peak RSS':>11}{'/read':>8}")
    for name, label in (
        ("read", "read alone: IntacctHook.iter_query"),
        ("load", "load: IntacctToSqlOperator, new table"),
        ("rerun", "rerun: same load, nothing changed"),
    ):
        queries = runs[name][0]["queries"]
        line = f"{label:<44}{seconds[name]:>9.2f}{total / seconds[name]:>10.0f}{queries:>9}{peak[name]:>8.1f} MB"
        print(f"{line}{seconds[name] / seconds['read']:>7.2f}x")
    ratio = seconds["load"] / seconds["read"]
    extra_mb = peak["load"] - peak["read"]
    print(f"goal load <= {TIME_GOAL} x read: {'met' if ratio <= TIME_GOAL else 'NOT met'} ({ratio:.3f}x)")
    print(f"memory goal <= {MEMORY_GOAL_MB} MB over the read: {'met' if extra_mb <= MEMORY_GOAL_MB else 'NOT met'} "
          f"({extra_mb:+.1f} MB)")  # fmt: skip
    result = tie_out["result"]
    print(f"tie-out of {result['checked']} bills: {tie_out['seconds']:.2f} s, {tie_out['queries']} billed queries "
          f"(goal <= {QUERY_GOAL}: {'met' if tie_out['queries'] <= QUERY_GOAL else 'NOT met'}), "
          f"{result['missing']['count']} missing, {result['extra']['count']} extra, "
          f"{result['different']['count']} different")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

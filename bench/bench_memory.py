"""Peak memory of streaming 200,000 rows to JSON Lines, against the same command reading zero rows.

Run: ``.venv/bin/python bench/bench_memory.py`` (``--quick`` for a small smoke run).

The sandbox (about 200,000 bills at ``--seed-scale 4000``) runs in its own process so its memory
does not count. Each measurement is a fresh interpreter that runs ``IntacctQueryOperator`` with an
``output_path`` and reports its own peak RSS (``ru_maxrss``): once for every bill, once with a
filter that matches nothing. The difference is what streaming costs; the goal is at most 60 MB,
whatever the row count, because rows are written page by page.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_process import sandbox

GOAL_MB = 60
PROBE = """
import json, resource, sys
from intacct_provider.operators import IntacctQueryOperator
filters = json.loads(sys.argv[2])
result = IntacctQueryOperator(
    task_id="stream",
    object="bill",
    fields=["key", "id", "vendor.id", "createdDate", "dueDate", "state", "totalTxnAmount", "audit.modifiedDateTime"],
    filters=filters or None,
    output_path=sys.argv[1],
).execute({})
print(json.dumps({"count": result["count"], "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(connection: dict, filters: list, target: str) -> dict:
    env = {**os.environ, "AIRFLOW_CONN_SAGE_INTACCT_DEFAULT": json.dumps(connection)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, target, json.dumps(filters)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 2,000 rows (smoke test)")
    args = parser.parse_args()
    scale = "40" if args.quick else "4000"
    with sandbox("--seed-scale", scale) as (_url, conn), tempfile.TemporaryDirectory() as tmp:
        conn = {**conn, "extra": {**conn["extra"], "max_concurrency": 2}}
        zero = measure(conn, [{"$eq": {"id": "NO-SUCH-BILL"}}], f"{tmp}/zero.jsonl")
        every = measure(conn, [], f"{tmp}/all.jsonl")
        size_mb = Path(f"{tmp}/all.jsonl").stat().st_size / 2**20
    extra_mb = (every["peak_kb"] - zero["peak_kb"]) / 1024
    print(f"streaming bills to JSON Lines ({size_mb:.1f} MB file), peak RSS of the task process")
    print(f"{'rows':>9}{'peak RSS':>12}")
    print(f"{zero['count']:>9}{zero['peak_kb'] / 1024:>9.1f} MB")
    print(f"{every['count']:>9}{every['peak_kb'] / 1024:>9.1f} MB")
    verdict = "met" if extra_mb <= GOAL_MB else "NOT met"
    print(f"streaming {every['count']} rows costs {extra_mb:.1f} MB over reading none", end=" ")
    print(f"(goal <= {GOAL_MB} MB: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

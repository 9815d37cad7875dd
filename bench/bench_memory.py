"""Peak memory of streaming 200,000 rows to JSON Lines, against the same command reading zero rows.

Run: ``.venv/bin/python bench/bench_memory.py`` (``--quick`` for a small smoke run).

A worker runs many tasks side by side, so a sync must not hold its whole result in memory. The
sandbox (one seed of about 200,000 bills, ``--seed-scale 4000``; its start-up time and memory are
reported) runs in its own process, so its memory does not count. Each measurement is a fresh
interpreter that runs ``IntacctQueryOperator(..., output_path=...).execute()`` and reports its own
peak RSS (``ru_maxrss``): with a filter that matches nothing, with ``max_records`` at half the
rows, and with every bill, twice each for zero and all. The difference between all and zero is
what streaming costs (goal: at most 60 MB); the half-way run shows how much of it grows with the
row count rather than with the pages in flight.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_process import connection_env, sandbox

GOAL_MB = 60
NOTHING = [{"$eq": {"id": "NO-SUCH-BILL"}}]
PROBE = """
import json, resource, sys
from intacct_provider.operators import IntacctQueryOperator
filters, max_records = json.loads(sys.argv[2]), json.loads(sys.argv[3])
result = IntacctQueryOperator(
    task_id="stream",
    object="bill",
    fields=["key", "id", "vendor.id", "createdDate", "dueDate", "state", "totalTxnAmount", "audit.modifiedDateTime"],
    filters=filters,
    max_records=max_records,
    output_path=sys.argv[1],
).execute({})
print(json.dumps({"count": result["count"], "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(env: dict[str, str], target: Path, filters: list | None = None, max_records: int | None = None) -> dict:
    """Peak RSS (KiB) and row count of one fresh task process; checks the file holds every row."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(target), json.dumps(filters), json.dumps(max_records)],
        capture_output=True,
        text=True,
        check=True,
        timeout=150,
        env=env,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    with target.open("rb") as lines:
        assert sum(1 for _ in lines) == result["count"], "the file and the reported count disagree"
    result["file_mb"] = target.stat().st_size / 2**20
    target.unlink()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 2,000 rows, once each (smoke test)")
    args = parser.parse_args()
    scale, repeats = ("40", 1) if args.quick else ("4000", 2)
    with sandbox("--seed-scale", scale, "--max-concurrency", "2") as sb, tempfile.TemporaryDirectory() as tmp:
        env = connection_env(sb.connection, max_concurrency=2)
        target = Path(tmp) / "bills.jsonl"
        zero, every = [], []
        for _ in range(repeats):
            zero.append(measure(env, target, NOTHING))
            every.append(measure(env, target))
        total = every[0]["count"]
        half = measure(env, target, max_records=total // 2)
        server_mb = sb.peak_rss_mb()
    zero_mb = max(r["peak_kb"] for r in zero) / 1024
    every_mb = max(r["peak_kb"] for r in every) / 1024
    half_mb = half["peak_kb"] / 1024
    extra_mb = every_mb - zero_mb
    print(f"sandbox: {total} bills, seeded and serving in {sb.startup_seconds:.1f} s, peak RSS {server_mb:.0f} MB")
    print(f"peak RSS of the task process (max of {repeats} runs), streaming to JSON Lines")
    print(f"{'rows':>9}{'peak RSS':>12}{'over zero':>12}{'file':>10}")
    for count, peak, file_mb in ((0, zero_mb, 0.0), (half["count"], half_mb, half["file_mb"])):
        print(f"{count:>9}{peak:>9.1f} MB{peak - zero_mb:>9.1f} MB{file_mb:>7.1f} MB")
    print(f"{total:>9}{every_mb:>9.1f} MB{extra_mb:>9.1f} MB{every[0]['file_mb']:>7.1f} MB")
    per_row = (every_mb - half_mb) * 2**20 / max(1, total - half["count"])
    print(f"growth from {half['count']} to {total} rows: {per_row:.0f} bytes a row")
    verdict = "met" if extra_mb <= GOAL_MB else "NOT met"
    print(f"streaming {total} rows costs {extra_mb:.1f} MB over reading none (goal <= {GOAL_MB} MB: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What tracking deletes costs: a 40,000-bill sync with 400 deletions, with and without ``track_deletes``.

Run: ``.venv/bin/python bench/bench_deletes.py`` (``--quick`` for a small smoke run).

The sandbox runs in its own process with ``--seed-scale 800`` (40,000 bills), ``--latency-ms 100``
and ``--max-concurrency 2`` (a WAN link and the common tier, as in ``bench_bulk_read.py``); 400
unpaid bills, spread over the table, are deleted first (with no latency), so the audit trail holds
400 delete entries. Then, in pairs run back to back, the order alternating, so machine noise hits
both alike (9 pairs; the verdict is the median of the pairs' ratios):

* **without**: ``IntacctQueryOperator(object="bill", modified_since=2000, modified_until=2100,
  output_path=...)``: every live bill to JSON Lines;
* **with**: the same with ``track_deletes=True``: the audit trail is read first (one page of 400
  entries), then the same rows, then 400 tombstones.

Billed queries come from the sandbox's request log. The goal (issue 21): at most one extra query
per 4,000 deletions, plus one, and at most 1.1x the time. ``track_deletes="keys"`` (every key read,
compared with a stored set) is measured too, for the record: it reads the whole key list each run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_process import Sandbox, connection_env, sandbox

CONCURRENCY = 2
BILL = "accounts-payable/bill"
QUERY_PATH = "/services/core/query"
WINDOW = {"modified_since": "2000-01-01T00:00:00Z", "modified_until": "2100-01-01T00:00:00Z"}
FIELDS = ["key", "id", "vendor.id", "totalTxnAmount", "audit.modifiedDateTime"]


def delete_bills(sb: Sandbox, count: int) -> list[str]:
    """Delete ``count`` unpaid bills spread over the table; return their keys."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {sb.token()}"
        body = {"object": BILL, "fields": ["key", "state"], "orderBy": [{"key": "asc"}], "size": 4000}
        unpaid: list[str] = []
        start = 1
        while True:
            page = session.post(f"{sb.base_url}{QUERY_PATH}", json={**body, "start": start}, timeout=60).json()
            unpaid += [row["key"] for row in page["ia::result"] if row["state"] not in ("paid", "partiallyPaid")]
            if not page["ia::meta"]["next"]:
                break
            start = page["ia::meta"]["next"]
        step = len(unpaid) // count
        chosen = unpaid[::step][:count]
        for key in chosen:
            answer = session.delete(f"{sb.base_url}/objects/{BILL}/{key}", timeout=60)
            assert answer.status_code == 204, answer.text
    return chosen


def set_latency(sb: Sandbox, milliseconds: int) -> None:
    requests.patch(f"{sb.base_url}/sandbox/settings", json={"latency_ms": milliseconds}, timeout=30).raise_for_status()


def sync(target: Path, **extra: Any) -> tuple[float, dict[str, Any]]:
    """One run of the sync task (the operator's execute, as a worker runs it); (seconds, XCom)."""
    from intacct_provider.operators import IntacctQueryOperator

    context: Any = {"ti": SimpleNamespace(dag_id="bench", task_id="sync", run_id="r", map_index=-1)}
    arguments = {**WINDOW, **extra}
    operator = IntacctQueryOperator(task_id="sync", object="bill", fields=FIELDS, output_path=str(target), **arguments)
    started = time.perf_counter()
    result = operator.execute(context)
    elapsed = time.perf_counter() - started
    operator.hook.close()
    return elapsed, result


def key_set_memory(count: int, work: Path) -> tuple[float, float, int]:
    """Peak Python memory (MiB) of collecting ``count`` keys, and of comparing them with a stored set
    of as many (one in 1,000 gone), measured with ``tracemalloc``; plus the file's size in bytes."""
    import tracemalloc

    from intacct_provider.core.deletions import KeyCollector, gone
    from intacct_provider.operators.execute.key_sets import StoredKeys

    stored = StoredKeys(work / "million.keys", BILL)
    stored.save((str(n) for n in range(1, count + 1)), count, "2026-01-01T00:00:00Z", keep_previous=False)
    tracemalloc.start()
    current = KeyCollector()
    for n in range(1, count + 1):
        if n % 1000:
            current.add(str(n))
    collected = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.reset_peak()
    held = tracemalloc.get_traced_memory()[0]  # the collected keys, still held
    missing = sum(1 for _ in gone(stored.keys(), current))
    compared = (tracemalloc.get_traced_memory()[1] - held) / 2**20
    tracemalloc.stop()
    assert missing == count // 1000, missing
    return collected, compared, (work / "million.keys").stat().st_size


def queries(sb: Sandbox) -> int:
    return sum(1 for entry in sb.take_request_log() if entry["path"] == QUERY_PATH)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 bills, 50 deletions, 10 ms latency, 1 run")
    args = parser.parse_args()
    # The task's own lines, and Airflow's warning that no task runner runs it, stay out of the table.
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "ERROR"
    scale, deletions, latency, repeats = ("100", 50, 10, 1) if args.quick else ("800", 400, 100, 9)
    work = Path(tempfile.mkdtemp(prefix="bench-deletes-"))
    with sandbox("--seed-scale", scale, "--max-concurrency", str(CONCURRENCY)) as sb:
        os.environ.update(connection_env(sb.connection, max_concurrency=CONCURRENCY, max_retries=5))
        deleted = delete_bills(sb, deletions)
        set_latency(sb, latency)
        sync(work / "warm-up.jsonl")  # imports, the token, the sandbox's caches: out of the measured runs
        sb.take_request_log()
        runs: dict[str, list[tuple[float, int, dict[str, Any]]]] = {"without": [], "with": []}
        for repeat in range(repeats):
            order = ("without", "with") if repeat % 2 == 0 else ("with", "without")
            for name in order:
                seconds, result = sync(work / f"{name}.jsonl", track_deletes=name == "with")
                runs[name].append((seconds, queries(sb), result))
        state = work / "bills.keys"
        keys_first = sync(work / "keys1.jsonl", track_deletes="keys", keys_state_path=str(state))
        keys_first_queries = queries(sb)
        keys_next = sync(
            work / "keys2.jsonl",
            track_deletes="keys",
            keys_state_path=str(state),
            modified_until="2100-01-02T00:00:00Z",
        )  # fmt: skip (the next window: compared)
        keys_next_queries = queries(sb)
    million = 100_000 if args.quick else 1_000_000
    collected, compared, size = key_set_memory(million, work)
    median = {name: statistics.median(r[0] for r in results) for name, results in runs.items()}
    plain, tracked = runs["without"][0], runs["with"][0]
    rows = plain[2]["count"]
    tombstones = tracked[2]["deleted"]
    lines = (work / "with.jsonl").read_text().splitlines()
    assert tombstones == len(deleted) and {json.loads(line)["key"] for line in lines[-tombstones:]} == set(deleted)
    assert tracked[2]["count"] == rows + tombstones
    print(f"sync of {rows} bills with {len(deleted)} deleted, {latency} ms latency, max_concurrency {CONCURRENCY}")
    print(f"sandbox started (seeded) in {sb.startup_seconds:.1f} s; medians of {repeats} back-to-back pairs")
    print(f"{'run':<52}{'seconds':>8}{'queries':>8}{'lines':>8}{'/without':>9}")
    table = [
        ("without track_deletes", median["without"], plain[1], plain[2]["count"]),
        ("track_deletes=True (audit trail)", median["with"], tracked[1], tracked[2]["count"]),
        ("track_deletes='keys', first run (stores the set)", keys_first[0], keys_first_queries, keys_first[1]["count"]),
        ("track_deletes='keys', next run (compares)", keys_next[0], keys_next_queries, keys_next[1]["count"]),
    ]
    for name, seconds, used, count in table:
        print(f"{name:<52}{seconds:>8.2f}{used:>8}{count:>8}{seconds / median['without']:>8.2f}x")
    print(f"key set of {million:,} keys: {size / 2**20:.1f} MiB on disk; peak Python memory {collected:.1f} MiB to")
    print(f"collect them, {compared:.1f} MiB more to compare them with a stored set (streamed), tracemalloc")
    extra = tracked[1] - plain[1]
    allowed = math.floor(len(deleted) / 4000 + 1)
    verdict = "met" if extra <= allowed else "NOT met"
    print(f"goal extra queries <= deletions / 4000 + 1 = {allowed}: {verdict} ({extra})")
    pairs = sorted(w[0] / o[0] for w, o in zip(runs["with"], runs["without"], strict=True))
    ratio = statistics.median(pairs)
    of_medians = median["with"] / median["without"]
    spread = f"pairs {pairs[0]:.2f}x to {pairs[-1]:.2f}x; ratio of the medians {of_medians:.3f}x"
    print(f"goal time with / without <= 1.1x: {'met' if ratio <= 1.1 else 'NOT met'} ({ratio:.3f}x; {spread})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

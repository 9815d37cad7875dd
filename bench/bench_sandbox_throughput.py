"""Sandbox throughput: requests/second for a one-row query and a GET by key, 1 vs 4 clients.

Run: ``.venv/bin/python bench/bench_sandbox_throughput.py [--seconds 3]`` (``--quick`` for a smoke
run).  Tests and demos lean on the sandbox, so it has to keep up with several clients at once.  The
sandbox runs as its own process (``python -m intacct_provider.sandbox``) so the client threads do
not share its GIL; each client thread uses its own keep-alive ``requests.Session``.  Bounded: 4 runs of
``--seconds`` each plus start-up, about 15 s by default.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_process import sandbox

Scenario = Callable[[requests.Session, str], requests.Response]


def _query_one_row(session: requests.Session, base_url: str) -> requests.Response:
    body = {
        "object": "accounts-payable/bill",
        "fields": ["key", "id"],
        "filters": [{"$eq": {"id": "BILL-100"}}],
        "size": 1,
    }
    return session.post(f"{base_url}/services/core/query", json=body, timeout=10)


def _get_by_key(session: requests.Session, base_url: str) -> requests.Response:
    return session.get(f"{base_url}/objects/accounts-payable/bill/2001", timeout=10)


def _run(base_url: str, token: str, scenario: Scenario, clients: int, seconds: float) -> tuple[int, int, float]:
    """(successful requests, failures, elapsed seconds) for ``clients`` threads hammering ``scenario``."""
    counts = [0] * clients
    failures = [0] * clients
    deadline = time.monotonic() + seconds

    def work(index: int) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            while time.monotonic() < deadline:
                if scenario(session, base_url).status_code == 200:
                    counts[index] += 1
                else:
                    failures[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), sum(failures), time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each run")
    parser.add_argument("--seed-scale", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="0.3 s runs (smoke test)")
    args = parser.parse_args()
    seconds = 0.3 if args.quick else args.seconds
    rows = []
    with sandbox("--seed-scale", str(args.seed_scale)) as sb:
        token = sb.token()
        for name, scenario in (("query, 1 row", _query_one_row), ("GET by key", _get_by_key)):
            for clients in (1, 4):
                done, failed, elapsed = _run(sb.base_url, token, scenario, clients, seconds)
                rows.append((name, clients, done, failed, done / elapsed))
    print(f"{'scenario':<14} {'clients':>7} {'requests':>9} {'errors':>7} {'req/s':>8}")
    for name, clients, done, failed, rate in rows:
        print(f"{name:<14} {clients:>7} {done:>9} {failed:>7} {rate:>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

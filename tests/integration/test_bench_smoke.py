"""Each benchmark script still runs, on tiny ``--quick`` inputs, so a broken script fails ``make test``.

The figures themselves are produced by hand and recorded in bench/README.md; here only the script's
exit status and its verdict line are checked, never a timing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("bench_bulk_read.py", "goal ours <= 1.15 x ideal"),
        ("bench_bulk_write.py", "memory goal <= 80 MB over an empty run"),
        ("bench_deletes.py", "goal time with / without <= 1.1x"),
        ("bench_import.py", "ours / http provider"),
        ("bench_memory.py", "over reading none (goal <= 60 MB"),
        ("bench_sandbox_throughput.py", "req/s"),
    ],
)
def test_benchmark_runs(script: str, expected: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout


@pytest.mark.skipif(
    not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")), reason="PostgreSQL server binaries not installed"
)
def test_warehouse_benchmark_runs() -> None:
    """bench_sql_load.py starts its own PostgreSQL, as the e2e scenario does."""
    result = subprocess.run(
        [sys.executable, str(BENCH / "bench_sql_load.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "memory goal <= 100 MB over the read" in result.stdout
    assert "tie-out of " in result.stdout

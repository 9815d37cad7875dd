"""Each benchmark script still runs (tiny ``--quick`` inputs); the figures themselves are in bench/README.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize(
    ("script", "flags", "expected"),
    [
        ("bench_bulk_read.py", ["--quick"], "goal ours <= 1.15 x ideal"),
        ("bench_import.py", ["--quick"], "ours / http provider"),
        ("bench_memory.py", ["--quick"], "costs"),
        ("bench_sandbox_throughput.py", ["--seconds", "0.3"], "req/s"),
    ],
)
def test_benchmark_runs(script, flags, expected):
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *flags], capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout

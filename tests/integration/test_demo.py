"""``make demo`` (the README's quick start): every example DAG runs, and the output says what each did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


# The demo runs seven DAGs with a real Airflow, one process each: about a minute on a quiet machine,
# several on a loaded one running the rest of the suite beside it (make compat's legs on 2 cores).
@pytest.mark.timeout(1200)
def test_make_demo_runs_every_example_dag_and_reports_it():
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    done = subprocess.run(
        [sys.executable, str(REPO / "demo" / "run_demo.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    examples = sorted(path.stem for path in (REPO / "example_dags").glob("*.py"))
    assert f"Ran {len(examples)} of the {len(examples)} example DAGs: {', '.join(examples)}" in out
    assert "Demo finished: every run succeeded" in out
    # Yesterday's window has the demo company's newest documents, with exact totals.
    assert "-> bills: 3 changed in " in out and ", total 4736.40 USD -> sync/" in out
    assert "-> invoices: 2 changed in " in out and ", total 3730.00 USD -> sync/" in out
    assert "3 open of 3 bills; due by age: current 4736.40, 1-30 0.00" in out  # the asset-triggered report
    assert "-> 3 invoices, one per order (keys " in out and "total 1650.49 USD" in out
    assert "-> 100 invoices created in one bulk task, 0 already there, 0 failed, 0 skipped; total 14950.00 USD" in out
    assert "Intacct record: http://127.0.0.1:" in out  # each create's link into Intacct (the sandbox)
    # The demo sandbox's default payment reading: approve, print, confirm, and only then paid out.
    assert ": a draft, submitted, then approve -> approved, print -> delivered, confirm -> confirmed" in out
    assert "-> bill PAY-" in out and "of 1250.00 is paid, 0.00 due" in out
    assert "-> tombstone in sync-deletes/2026-01-06/bill.jsonl: " in out  # a deletion reaches the copy
    assert "   ties out: " in out and "the tie-out fails (no retries)" in out  # the warehouse step

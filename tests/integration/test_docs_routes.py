"""The user docs' routes, run as written: docs/first-dag.md command by command, docs/hook.md's DAG.

``docs/first-dag.md``'s route (a fresh clone to ``airflow dags test my_dag`` against the sandbox,
then ``airflow connections test``) runs in a temporary folder standing for the clone, in a shell
with no Airflow setting of this test session. Two substitutions, and only these: the clone and
the virtualenv build are this checkout and the virtualenv running the tests (``.venv``; building
another would take minutes and the network), and the sandbox's port 8765 is a free one, so parallel runs cannot collide.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PORT = "8765"


def blocks(page: Path, language: str) -> list[str]:
    """The fenced ``language`` blocks of a Markdown page, in order."""
    text = page.read_text(encoding="utf-8")
    return [match.group(1) for match in re.finditer(rf"^```{language}\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)]


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def test_the_first_dag_route_runs_command_by_command(tmp_path):
    page = DOCS / "first-dag.md"
    route = next(block for block in blocks(page, "bash") if block.startswith("git clone "))
    check = next(block for block in blocks(page, "bash") if "airflow connections test" in block)
    my_dag = blocks(page, "python")[0]
    commands = route.strip().splitlines()
    assert len(commands) == 5, "the page promises five commands"
    assert commands[0].startswith("git clone https://github.com/airflow-provider-sage-intacct/")
    assert commands[1] == "make .venv/.installed && . .venv/bin/activate"
    port = free_port()
    script = [
        "set -euo pipefail",
        "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
        f". {Path(sys.executable).parent / 'activate'}",  # commands 1 and 2: this checkout, the running virtualenv
        *(line.replace(PORT, port) for line in commands[2:]),
        *(line.replace(PORT, port) for line in check.strip().splitlines()),
    ]
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "my_dag.py").write_text(my_dag, encoding="utf-8")  # "Save this as dags/my_dag.py"
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    # The exported connection is exactly what the sandbox printed on its second line.
    printed = (tmp_path / "sandbox.log").read_text().splitlines()
    exported = re.search(r"AIRFLOW_CONN_SAGE_INTACCT_DEFAULT='([^']*)'", commands[3])
    assert exported and printed[1] == exported.group(1).replace(PORT, port)
    assert "Connection success!" in out
    assert (tmp_path / ".airflow" / "airflow.db").exists()
    # Yesterday's interval: the demo company's three newest bills, then the bill of my own.
    report = re.search(r"(\d+) bills changed in \[.*?\]; bill (\d+) created", out)
    assert report, out[-3000:]
    assert report.group(1) == "3"


def test_the_hook_example_runs_against_the_sandbox(airflow_db, intacct_conn, intacct_sandbox):
    from decimal import Decimal

    code = blocks(DOCS / "hook.md", "python")[0]
    path = airflow_db / "dags" / "docs_hook_example.py"
    path.write_text(code, encoding="utf-8")
    try:
        namespace: dict = {"__name__": "docs_hook_example", "__file__": str(path)}
        exec(compile(code, str(path), "exec"), namespace)  # noqa: S102 - the repository's own documentation
        dag_run = namespace["dag"].test()
    finally:
        path.unlink()
    assert dag_run.state == "success"
    owed = [
        Decimal(bill["totalTxnAmountDue"])
        for bill in intacct_sandbox.records("bill")
        if bill["vendor"]["id"] == "VEND-500" and bill["state"] in ("posted", "partiallyPaid")
    ]
    entry = intacct_sandbox.records("journal_entry")[-1]
    assert entry["description"].startswith("Accrued payables of VEND-500 on ")
    assert {line["txnType"]: Decimal(line["txnAmount"]) for line in entry["lines"]} == {
        "debit": sum(owed),
        "credit": sum(owed),
    }
    assert len(owed) > 0

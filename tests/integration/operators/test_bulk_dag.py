"""Bulk creates inside real task runs: the example DAG, and Airflow's own retry of a task killed mid-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bulk_helpers import BILL_POST, copies, fast_backoff  # noqa: F401 - fast_backoff is an autouse fixture

INVOICE = "accounts-receivable/invoice"


def test_invoices_from_orders_example(run_dag, intacct_sandbox, tmp_path):
    before = {r["key"] for r in intacct_sandbox.records(INVOICE)}
    dag_run, xcoms = run_dag(
        "intacct_invoices_from_orders", conf={"base_path": f"file://{tmp_path}", "order_count": 230}
    )
    assert dag_run.state == "success"
    created = [r for r in intacct_sandbox.records(INVOICE) if r["key"] not in before]
    assert len(created) == 230
    report = xcoms["report"]
    assert report["invoiced"] == 230 and report["failed"] == []
    assert report["summary"] == xcoms["create_invoices"]
    assert xcoms["create_invoices"]["created"] == 230
    assert {r["invoiceNumber"]: r["key"] for r in created} == report["keys"]
    orders = Path(xcoms["export_orders"]["orders"].removeprefix("file://")).read_text().splitlines()
    assert [json.loads(line)["invoice_number"] for line in orders] == sorted(
        report["keys"], key=lambda n: int(n.split("-")[-1])
    )
    posts = [r for r in intacct_sandbox.requests if r["method"] == "POST" and r["path"] == f"/objects/{INVOICE}"]
    assert sorted(len(p["body"]) for p in posts) == [30, 100, 100]


@pytest.mark.parametrize(
    ("dag_id", "replay"),
    [("intacct_bulk_retry", False), ("intacct_bulk_retry_no_store", True)],
    ids=["store-conflict", "no_store-replay"],  # both settings of each are covered in test_bulk_faults.py
)
def test_task_killed_mid_run_is_retried_by_airflow(run_dag, intacct_sandbox, dag_id, replay):
    from test_retry_safety import HAS_TASK_STATE_STORE, state_store_rows, task_tries

    intacct_sandbox.idempotency = "replay" if replay else "conflict"
    # Try 1 loses the answer to its second batch, and every look-up that would settle it fails
    # (a query-service outage outlasting the connection's retries): the task dies mid-run.
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST, after=1)
    intacct_sandbox.inject("status", status=503, count=5, method="POST", path="^/services/core/query$")
    tag = f"{dag_id[-5:]}-{int(replay)}"
    dag_run, xcoms = run_dag(dag_id, file="bulk_retry", conf={"tag": tag, "numbered": True})
    assert dag_run.state == "success"
    assert task_tries(dag_run)[("bulk_bills", -1)] == ("success", 2)
    assert copies(intacct_sandbox, tag) == {f"{tag}-{i}": 1 for i in range(60)}
    assert xcoms["bulk_bills"] == {"created": 60, "failed": 0, "skipped": 0, "results_path": None}
    rows = state_store_rows(dag_run)
    if dag_id == "intacct_bulk_retry" and HAS_TASK_STATE_STORE:
        header = rows[("bulk_bills", -1, "intacct_bulk")]
        assert len((json.loads(header) if isinstance(header, str) else header)["done"]) == 6
    else:
        assert rows == {}

"""A full read of bills and invoices in small pages, for tests/test_fault_matrix.py.

The example sync reads 4000 rows a page, so against the demo seed it never pages;
this DAG reads the same objects ``params.page_size`` rows at a time (pages after
the first fetched concurrently) so faults and token expiry can strike mid-paging.
Each object is written to ``<params.out_dir>/<object>.jsonl``.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task

with DAG(
    dag_id="intacct_fault_matrix_paging",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"out_dir": "/tmp/intacct-fault-matrix", "page_size": 7},
) as intacct_fault_matrix_paging:

    @task
    def read_all(name: str, params: dict | None = None) -> dict:
        from intacct_provider.hooks.intacct import IntacctHook
        from intacct_provider.windows import write_json_lines

        assert params is not None
        hook = IntacctHook()
        try:
            rows = hook.iter_query(name, fields=["key", "id"], page_size=int(params["page_size"]))
            path, count = write_json_lines(os.path.join(params["out_dir"], f"{name}.jsonl"), rows)
        finally:
            hook.close()
        return {"object": name, "path": path, "count": count}

    read_all.override(task_id="read_bills")("bill")
    read_all.override(task_id="read_invoices")("invoice")

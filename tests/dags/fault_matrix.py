"""A full read of bills and invoices in small pages, and creates without document numbers, for tests/test_fault_matrix.py.

The example sync reads 4000 rows a page, so against the demo seed it never pages;
this DAG reads the same objects ``params.page_size`` rows at a time (pages after
the first fetched concurrently) so faults and token expiry can strike mid-paging.
Each object is written to ``<params.out_dir>/<object>.jsonl``.

``intacct_fault_matrix_creates`` creates a journal entry (found again only by its journal, date,
description and lines) and a vendor (by its id): the records no document number protects.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task

from intacct_provider.operators import IntacctCreateJournalEntryOperator, IntacctCreateVendorOperator

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
        from intacct_provider.operators.execute.windows import write_json_lines

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


with DAG(
    dag_id="intacct_fault_matrix_creates",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"tag": "FM-0"},
) as intacct_fault_matrix_creates:
    IntacctCreateJournalEntryOperator(
        task_id="create_entry",
        journal_id="GJ",
        posting_date="2026-11-30",
        description="Fault matrix accrual {{ params.tag }}",
        lines=[
            {"glaccountno": "6500", "amount": "42.00", "tr_type": "debit", "memo": "{{ params.tag }}"},
            {"glaccountno": "2000", "amount": "42.00", "tr_type": "credit"},
        ],
    )
    IntacctCreateVendorOperator(task_id="create_vendor", vendor_id="VEND-{{ params.tag }}", name="Fault Matrix Ltd")

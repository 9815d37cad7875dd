"""Mapped creates of bills with custom fields, for tests/dags/test_example_dags.py (the model cache).

``intacct_custom_fields_mapped`` creates five bills, one mapped task instance each, every one with
a custom field and a line dimension: every instance checks them against the company's model, and
the worker process reads that model once (``model_cache_seconds``), not five times.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from intacct_provider.operators import IntacctCreateBillOperator

LINE = {"glaccountno": "6700", "amount": "75.00", "locationid": "US", "nsp::project_type": "10001"}

with DAG(
    dag_id="intacct_custom_fields_mapped",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["intacct", "test"],
) as dag:
    IntacctCreateBillOperator.partial(
        task_id="create_bill",
        vendor_id="VEND-100",
        date_created="2026-11-02",
        date_due="2026-12-02",
        currency="USD",
        line_items=[LINE],
    ).expand_kwargs(
        [
            {
                "bill_number": f"MAPPED-{i}",
                "extra_fields": {"nsp::APPROVER": f"approver-{i}", "nsp::PRIORITY": "normal"},
            }
            for i in range(5)
        ]
    )

"""Mapped creates fed by an upstream task, as a CSV import is: one with a misspelt key, one with a bad row.

``mapped_misspelt_key`` passes ``due_date`` (meant: ``date_due``) through ``expand_kwargs``: the
error must suggest ``date_due`` and never report Airflow's own ``_airflow_from_mapped``.
``mapped_bad_row`` has one row whose amount is not a decimal: its error must name the bill (number,
vendor, date) and the map index, so the user finds the CSV row without counting.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

from intacct_provider.operators import IntacctCreateBillOperator

ROWS = [
    {"vendor_id": "VEND-100", "bill_number": "CSV-1", "amount": "120.00"},
    {"vendor_id": "VEND-200", "bill_number": "CSV-2", "amount": "12,50"},
    {"vendor_id": "VEND-100", "bill_number": "CSV-3", "amount": "99.99"},
]

for dag_id, due_key in (("mapped_misspelt_key", "due_date"), ("mapped_bad_row", "date_due")):
    with DAG(dag_id=dag_id, schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:

        @task
        def read_csv(due_key: str = due_key) -> list[dict]:
            return [
                {
                    "vendor_id": row["vendor_id"],
                    "date_created": "2026-11-02",
                    due_key: "2026-12-02",
                    "bill_number": row["bill_number"],
                    "currency": "USD",
                    "line_items": [{"glaccountno": "6700", "amount": row["amount"], "locationid": "US"}],
                }
                for row in ROWS
            ]

        IntacctCreateBillOperator.partial(task_id="create_bill").expand_kwargs(read_csv())
    globals()[dag_id] = dag

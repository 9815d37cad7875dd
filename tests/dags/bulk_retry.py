"""Bulk creates that Airflow itself retries (``retries=1, retry_delay=0``), for tests/integration/operators/test_bulk_dag.py.

* ``intacct_bulk_retry``: 60 bills in batches of ten; a test loses a batch's answer and makes the
  look-ups that would settle it fail, so try 1 dies mid-run and try 2 resumes from
  ``task_state_store``.
* ``intacct_bulk_retry_no_store``: the same as Airflow < 3.3 sees it, without ``task_state_store``.

Params: ``tag`` (bill numbers and descriptions), ``numbered``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from intacct_provider.operators import IntacctBulkCreateOperator


class BulkWithoutStateStore(IntacctBulkCreateOperator):
    """What the operator sees on Airflow < 3.3: a context without ``task_state_store``."""

    def execute(self, context: Any) -> Any:
        return super().execute({k: v for k, v in context.items() if k != "task_state_store"})


for dag_id, operator_class in (
    ("intacct_bulk_retry", IntacctBulkCreateOperator),
    ("intacct_bulk_retry_no_store", BulkWithoutStateStore),
):
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        params={"tag": "dagretry", "numbered": True},
    ) as dag:

        @task
        def bills(params: dict | None = None) -> list[dict]:
            tag, numbered = (params or {})["tag"], (params or {})["numbered"]
            return [
                {
                    "vendor_id": "VEND-200",
                    "date_created": "2026-11-03",
                    "date_due": "2026-12-03",
                    "description": f"{tag}-{i}",
                    **({"bill_number": f"{tag}-{i}"} if numbered else {}),
                    "currency": "USD",
                    "line_items": [{"glaccountno": "6700", "amount": f"{i + 1}.00", "locationid": "US"}],
                }
                for i in range(60)
            ]

        operator_class(
            task_id="bulk_bills",
            object="bill",
            records=bills(),
            batch_size=10,
            max_concurrency=2,
            retries=1,
            retry_delay=timedelta(seconds=0),
        )
    globals()[dag_id] = dag

"""One AR invoice per upstream order, with dynamic task mapping.

``IntacctCreateInvoiceOperator.partial(...).expand_kwargs(orders)`` creates one
mapped task instance per order. Each instance sends its own idempotency key
(DAG, task, run and map index), and the order number is the invoice number,
so a retried or re-run instance finds its invoice instead of creating another.
Each invoice carries its currency and a location on its line, as Sage's contract asks.
"""

from __future__ import annotations

import zlib

import pendulum
from airflow.sdk import DAG, task

from intacct_provider.operators import IntacctCreateInvoiceOperator

with DAG(
    dag_id="intacct_invoice_per_order",
    description="Create one Intacct invoice per order from an upstream system",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["intacct", "example", "mapping"],
) as dag:

    @task
    def fetch_orders(dag_run=None, run_id: str | None = None) -> list[dict]:
        """Stand-in for an order system's export: three orders for two customers, dated the day the run ran."""
        day = pendulum.instance(dag_run.run_after)
        suffix = zlib.crc32(str(run_id).encode()) % 100000  # stable across processes, unlike hash()
        orders = [("CUST-100", "1200.00", "Annual support"), ("CUST-200", "350.50", "Training"),
                  ("CUST-100", "99.99", "Extra seat")]  # fmt: skip
        return [
            {
                "customer_id": customer,
                "date_created": day.to_date_string(),
                "date_due": day.add(days=30).to_date_string(),
                "invoice_number": f"SO-{suffix}-{n}",
                "currency": "USD",
                "line_items": [{"glaccountno": "4000", "amount": amount, "memo": memo, "locationid": "US"}],
            }
            for n, (customer, amount, memo) in enumerate(orders, start=1)
        ]

    invoices = IntacctCreateInvoiceOperator.partial(task_id="create_invoice").expand_kwargs(fetch_orders())

    @task
    def report(results: list[dict]) -> dict:
        """Keys of the invoices created by this run, in order (an invoice's number is its invoice_number)."""
        # Index by position: iterating a mapped task's lazy XCom sequence probes one past the end.
        return {"created": [results[i]["ia::result"]["key"] for i in range(len(results))]}

    report(invoices.output)

"""The day's orders become Intacct invoices in one bulk task, with a results file to act on.

``export_orders`` stands in for an order system: it writes the day's orders as JSON Lines to
object storage (here a local ``file://`` path; any ``ObjectStoragePath`` such as ``s3://`` works
the same). ``IntacctBulkCreateOperator`` checks every order before sending any, creates the
invoices in array requests of up to 500, and writes one result line per order. A retry of the
task resumes where it stopped and never creates an invoice twice (the order number is the
invoice number). ``report`` reads the results file, as a downstream system would to mark its
orders invoiced or send the failures back.

Params: ``base_path`` (where the files go; default ``<AIRFLOW_HOME>/intacct-bulk``),
``order_count``.
"""

from __future__ import annotations

import json
import os
import zlib

import pendulum
from airflow.sdk import DAG, ObjectStoragePath, task

from intacct_provider.operators import IntacctBulkCreateOperator

with DAG(
    dag_id="intacct_invoices_from_orders",
    description="Create the day's invoices from an order export in one bulk task",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"base_path": "", "order_count": 250},
    tags=["intacct", "example", "bulk"],
) as dag:

    @task
    def export_orders(params: dict | None = None, dag_run=None, run_id: str | None = None) -> dict:
        """Write the day's orders as JSON Lines; return where the orders and the results go."""
        params = params or {}
        day = pendulum.instance(dag_run.logical_date or dag_run.run_after)
        home = os.environ.get("AIRFLOW_HOME", os.path.expanduser("~/airflow"))
        base = ObjectStoragePath(params.get("base_path") or f"file://{home}/intacct-bulk") / day.to_date_string()
        base.mkdir(parents=True, exist_ok=True)
        orders = base / "orders.jsonl"
        suffix = zlib.crc32(str(run_id).encode()) % 100000  # order numbers unique per run
        customers = ("CUST-100", "CUST-200")
        with orders.open("w") as out:
            for n in range(int(params.get("order_count") or 250)):
                order = {
                    "customer_id": customers[n % 2],
                    "date_created": day.to_date_string(),
                    "date_due": day.add(days=30).to_date_string(),
                    "invoice_number": f"SO-{suffix}-{n}",
                    "currency": "USD",
                    "line_items": [
                        {"glaccountno": "4000", "amount": f"{100 + n}.00", "memo": f"Order {n}", "locationid": "US"}
                    ],
                }
                out.write(json.dumps(order) + "\n")
        return {"orders": str(orders), "results": str(base / "invoice-results.jsonl")}

    files = export_orders()

    invoices = IntacctBulkCreateOperator(
        task_id="create_invoices",
        object="invoice",
        input_path="{{ ti.xcom_pull(task_ids='export_orders')['orders'] }}",
        output_path="{{ ti.xcom_pull(task_ids='export_orders')['results'] }}",
        batch_size=100,
        on_error="continue",
    )

    @task
    def report(summary: dict) -> dict:
        """What the order system needs back: the invoice key of each order, and the failures.

        ``exists``: a re-run of the same orders found the invoice an earlier run made (same key).
        """
        invoiced, failed = {}, []
        with ObjectStoragePath(summary["results_path"]).open("r") as results:
            for line in results:
                row = json.loads(line)
                if row["status"] in ("created", "exists"):
                    invoiced[row["natural_key"]["invoiceNumber"]] = row["key"]
                else:
                    failed.append({"order": row["index"], "error": row["error"]})
        return {"invoiced": len(invoiced), "failed": failed, "summary": summary, "keys": invoiced}

    files >> invoices
    report(invoices.output)

"""Operators fed by Jinja: plain strings, and native objects with render_template_as_native_obj.

Every kind of argument goes through a template here, the bulk operator's ``batch_size``,
``max_concurrency`` and ``on_error`` and the sensor's ``deferrable`` included.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

from intacct_provider.operators import IntacctBulkCreateOperator, IntacctCreateBillOperator, IntacctListBillsOperator
from intacct_provider.sensors.record import IntacctRecordSensor

for dag_id, native in (("templating_strings", False), ("templating_native", True)):
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        render_template_as_native_obj=native,
        params={
            "size": 3,
            "lines": [{"glaccountno": "6700", "amount": 12.5, "locationid": "US"}],
            "vendor": "VEND-200",
            "currency": "USD",
            "batch": 1,
            "concurrency": 1,
            "on_error": "continue",
            "defer": False,
        },
    ) as dag:

        @task
        def upstream() -> dict:
            return {"vendor": "VEND-200", "due": "2026-12-31"}

        up = upstream()
        bill = IntacctCreateBillOperator(
            task_id="create_bill",
            vendor_id="{{ ti.xcom_pull(task_ids='upstream')['vendor'] }}",
            date_created="2026-12-01",
            date_due="{{ ti.xcom_pull(task_ids='upstream')['due'] }}",
            line_items="{{ params.lines }}" if native else "{{ params.lines | tojson }}",
            currency="{{ params.currency }}",
            bill_number="TPL-{{ dag_run.dag_id }}-{{ dag_run.run_id[-12:] }}",
            extra_fields={"paymentPriority": "{{ 'high' }}"},
        )
        listed = IntacctListBillsOperator(
            task_id="list_bills", vendor_id="{{ params.vendor }}", pagesize="{{ params.size }}"
        )
        vendors = IntacctBulkCreateOperator(
            task_id="bulk_vendors",
            object="vendor",
            records=[
                {"vendor_id": f"TPL-{dag_id}-1", "name": "Templated one"},
                {"vendor_id": f"TPL-{dag_id}-2", "name": "Templated two"},
                {"vendor_id": "", "name": "Skipped: no id"},
            ],
            batch_size="{{ params.batch }}",
            max_concurrency="{{ params.concurrency }}",
            on_error="{{ params.on_error }}",
        )
        found = IntacctRecordSensor(
            task_id="vendors_there",
            object="vendor",
            filters={"name": "Templated two"},
            deferrable="{{ params.defer }}",
            mode="poke",
            poke_interval=1,
            timeout=60,
        )
        up >> bill >> listed
        vendors >> found
    globals()[dag_id] = dag

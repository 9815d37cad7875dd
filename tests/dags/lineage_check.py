"""Every kind of Intacct task whose OpenLineage datasets and asset events the tests check.

A read to a file, a create and an update (lineage only); a bulk upsert of vendors, a bulk create
of bills with a results file, and a workflow action on one of those bills (each with
``emit_asset=True``). tests/integration/operators/test_lineage.py runs it under the OpenLineage file
transport, tests/integration/test_assets.py reads its asset events from the metadata DB.

Params: ``out`` (the read's file), ``results`` (the bulk create's results file), ``tag`` (ids and
bill numbers, so two runs against one sandbox do not collide).
"""

from __future__ import annotations

import os
import tempfile

import pendulum
from airflow.sdk import DAG, task

from intacct_provider.operators import (
    IntacctBulkCreateOperator,
    IntacctBulkUpsertOperator,
    IntacctCreateVendorOperator,
    IntacctQueryOperator,
    IntacctUpdateRecordOperator,
    IntacctWorkflowOperator,
)

TAG = "{{ params.tag }}"

with DAG(
    dag_id="lineage_check",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={
        "out": os.path.join(tempfile.gettempdir(), "lineage-check-bills.jsonl"),
        "results": os.path.join(tempfile.gettempdir(), "lineage-check-results.jsonl"),
        "tag": "LIN",
    },
    default_args={"asset_company_id": "SANDBOX-CO"},  # the sandbox's company
) as dag:
    read = IntacctQueryOperator(
        task_id="read_bills",
        object="bill",
        fields=["id", "vendor.id", "totalTxnAmountDue"],
        max_records=5,
        output_path="{{ params.out }}",
    )
    create = IntacctCreateVendorOperator(task_id="create_vendor", vendor_id="V-LINEAGE", name="Lineage Vendor")
    update = IntacctUpdateRecordOperator(
        task_id="rename_vendor",
        object="vendor",
        key="{{ ti.xcom_pull(task_ids='create_vendor')['ia::result']['key'] }}",
        changes={"name": "Lineage Vendor Ltd"},
    )
    upsert = IntacctBulkUpsertOperator(
        task_id="upsert_vendors",
        object="vendor",
        records=[{"vendor_id": TAG + f"-V{i}", "name": f"Lineage bulk vendor {i}"} for i in range(3)],
        emit_asset=True,
    )
    load = IntacctBulkCreateOperator(
        task_id="load_bills",
        object="bill",
        records=[
            {
                "vendor_id": "VEND-100",
                "date_created": "2026-11-02",
                "date_due": "2026-12-02",
                "bill_number": TAG + f"-B{i}",
                "currency": "USD",
                "line_items": [{"glaccountno": "6700", "amount": f"{i + 1}.50", "locationid": "US"}],
            }
            for i in range(2)
        ],
        output_path="{{ params.results }}",
        emit_asset=True,
    )

    @task
    def first_bill(summary: dict) -> str:
        """The key of the first loaded bill, from the bulk task's results file."""
        import json

        from airflow.sdk import ObjectStoragePath

        rows = [json.loads(line) for line in ObjectStoragePath(summary["results_path"]).read_text().splitlines()]
        return next(row["key"] for row in rows if row["index"] == 0)

    submit = IntacctWorkflowOperator(
        task_id="submit_bill", object="bill", action="submit", key=first_bill(load.output), emit_asset=True
    )
    read >> create >> update >> upsert >> load

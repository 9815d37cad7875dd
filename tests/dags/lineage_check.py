"""A read to a file, a create and an update: the datasets their OpenLineage events must name."""

from __future__ import annotations

import os
import tempfile

import pendulum
from airflow.sdk import DAG

from intacct_provider.operators import IntacctCreateVendorOperator, IntacctQueryOperator, IntacctUpdateRecordOperator

with DAG(
    dag_id="lineage_check",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={"out": os.path.join(tempfile.gettempdir(), "lineage-check-bills.jsonl")},
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
    read >> create >> update

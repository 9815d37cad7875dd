"""OpenLineage: a DAG run under the OpenLineage provider's file transport names the Intacct datasets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from intacct_provider.assets import intacct_asset
from intacct_provider.lineage import file_dataset, object_dataset

COMPANY = "SANDBOX-CO"


def test_a_dag_run_emits_the_intacct_datasets(airflow_db, intacct_conn, intacct_sandbox, tmp_path):
    events_file = tmp_path / "openlineage.jsonl"
    out = tmp_path / "bills.jsonl"
    env = {
        **os.environ,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events_file), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "intacct-tests",
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",  # no fork of the task process per event
    }
    run = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "lineage_check", "-c", json.dumps({"out": str(out)})],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    events = [json.loads(line) for line in events_file.read_text().splitlines() if line.strip()]
    complete = {
        e["job"]["name"].split(".")[-1]: e
        for e in events
        if e.get("eventType") == "COMPLETE" and "." in e["job"]["name"]
    }
    assert {"read_bills", "create_vendor", "rename_vendor"} <= set(complete), sorted(complete)

    read = complete["read_bills"]
    (source,) = read["inputs"]
    assert (source["namespace"], source["name"]) == (f"intacct://{COMPANY}", "accounts-payable/bill")
    assert [f["name"] for f in source["facets"]["schema"]["fields"]] == ["id", "vendor.id", "totalTxnAmountDue", "key"]
    (target,) = read["outputs"]
    assert (target["namespace"], target["name"]) == ("file", str(out))
    assert out.read_text().count("\n") == 5

    for task_id in ("create_vendor", "rename_vendor"):
        (written,) = complete[task_id]["outputs"]
        assert (written["namespace"], written["name"]) == (f"intacct://{COMPANY}", "accounts-payable/vendor")
        assert complete[task_id]["inputs"] == []
    assert [f["name"] for f in complete["rename_vendor"]["outputs"][0]["facets"]["schema"]["fields"]] == ["name"]


def test_datasets_match_the_asset_uris():
    """The lineage node of an object and its Airflow Asset are one thing (same company, path, entity)."""
    from intacct_provider.assets import convert_asset_to_openlineage

    for entity in (None, "US"):
        asset = intacct_asset(COMPANY, "invoice", entity)
        dataset = convert_asset_to_openlineage(asset)
        assert f"{dataset.namespace}/{dataset.name}" == asset.uri
        assert dataset == object_dataset(COMPANY, "accounts-receivable/invoice", entity)
    assert (file_dataset("s3://lake/intacct/bills.jsonl").namespace, file_dataset("s3://lake/x/b.jsonl").name) == (
        "s3://lake",
        "x/b.jsonl",
    )


def test_a_task_that_failed_before_reading_reports_no_datasets(intacct_conn):
    from intacct_provider.operators import IntacctQueryOperator

    op = IntacctQueryOperator(task_id="q", object="bill")
    lineage = op.get_openlineage_facets_on_complete(None)
    assert (lineage.inputs, lineage.outputs) == ([], [])


def test_an_entity_connection_names_the_entity(intacct_conn):
    from intacct_provider.operators import IntacctUpdateRecordOperator

    intacct_conn(entity_id="US")
    op = IntacctUpdateRecordOperator(task_id="u", object="bill", key="1", changes={"description": "x"})
    op.record_lineage("accounts-payable/bill", "output", fields=["description"])
    (written,) = op.get_openlineage_facets_on_complete(None).outputs
    assert (written.namespace, written.name) == (f"intacct://{COMPANY}", "accounts-payable/bill?entity=US")

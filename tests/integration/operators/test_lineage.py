"""OpenLineage: a DAG run under the OpenLineage provider's file transport names the Intacct datasets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from intacct_provider.assets import intacct_asset
from intacct_provider.core.datasets import file_dataset, object_dataset
from intacct_provider.exceptions import IntacctValidationError

COMPANY = "SANDBOX-CO"


def test_a_dag_run_emits_the_intacct_datasets(airflow_db, intacct_conn, intacct_sandbox, tmp_path):
    events_file = tmp_path / "openlineage.jsonl"
    out = tmp_path / "bills.jsonl"
    results = tmp_path / "results.jsonl"
    conf = {"out": str(out), "results": str(results), "tag": "OL"}
    env = {
        **os.environ,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events_file), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "intacct-tests",
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",  # no fork of the task process per event
    }
    run = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "lineage_check", "-c", json.dumps(conf)],
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
    writers = {"create_vendor", "rename_vendor", "upsert_vendors", "load_bills", "submit_bill"}
    assert {"read_bills", *writers} <= set(complete), sorted(complete)

    read = complete["read_bills"]
    (source,) = read["inputs"]
    assert (source["namespace"], source["name"]) == (f"intacct://{COMPANY}", "accounts-payable/bill")
    assert [f["name"] for f in source["facets"]["schema"]["fields"]] == ["id", "vendor.id", "totalTxnAmountDue", "key"]
    (target,) = read["outputs"]
    assert (target["namespace"], target["name"]) == ("file", str(out))
    assert out.read_text().count("\n") == 5

    def written(task_id):
        """``[(namespace, name, schema field names)]`` of a task's outputs; it reads nothing."""
        assert complete[task_id]["inputs"] == []
        return [
            (d["namespace"], d["name"], [f["name"] for f in d["facets"].get("schema", {}).get("fields", [])])
            for d in complete[task_id]["outputs"]
        ]

    intacct = f"intacct://{COMPANY}"
    assert written("create_vendor") == [(intacct, "accounts-payable/vendor", ["id", "name"])]
    assert written("rename_vendor") == [(intacct, "accounts-payable/vendor", ["name"])]
    assert written("upsert_vendors") == [(intacct, "accounts-payable/vendor", ["id", "name"])]
    # The bulk create writes the bills and its results file (the file's columns are its own).
    (bills, results_file) = written("load_bills")
    assert bills[:2] == (intacct, "accounts-payable/bill") and {"vendor", "billNumber", "lines"} <= set(bills[2])
    assert results_file == (
        "file", str(results), ["index", "status", "natural_key", "key", "error", "field", "value"]
    )  # fmt: skip
    assert results.read_text().count("\n") == 2
    assert written("submit_bill") == [(intacct, "accounts-payable/bill", ["state"])]


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


def test_a_bulk_task_that_failed_after_writing_names_what_it_wrote(intacct_sandbox, intacct_conn, tmp_path):
    """The OpenLineage provider asks a failed task for its datasets too (``on_complete`` stands in for
    ``on_failure``): records were written, so the object is an output; the events of Airflow Assets are not."""
    from bulk_helpers import bills, context

    from intacct_provider.operators import IntacctBulkCreateOperator
    from intacct_provider.operators.execute.bulk.run import IntacctBulkWriteError

    records = bills(4, "ol-part")
    records[1]["vendor_id"] = "VEND-NOPE"  # refused by Intacct, after the pre-flight
    out = tmp_path / "results.jsonl"
    op = IntacctBulkCreateOperator(task_id="b", object="bill", records=records, output_path=f"file://{out}")
    with pytest.raises(IntacctBulkWriteError):
        op.execute(context())
    assert not hasattr(op, "get_openlineage_facets_on_failure")  # so the provider falls back to on_complete
    bills_out, results_file = op.get_openlineage_facets_on_complete(None).outputs
    assert (bills_out.namespace, bills_out.name) == (f"intacct://{COMPANY}", "accounts-payable/bill")
    assert (results_file.namespace, results_file.name) == ("file", str(out))

    invalid = bills(2, "ol-bad")
    invalid[0]["date_created"] = "2026-02-30"  # the pre-flight refuses it: nothing was sent
    op = IntacctBulkCreateOperator(task_id="b", object="bill", records=invalid)
    with pytest.raises(IntacctValidationError):
        op.execute(context())
    assert op.get_openlineage_facets_on_complete(None).outputs == []


def test_an_entity_connection_names_the_entity(intacct_conn):
    from intacct_provider.operators import IntacctUpdateRecordOperator

    intacct_conn(entity_id="US")
    op = IntacctUpdateRecordOperator(task_id="u", object="bill", key="1", changes={"description": "x"})
    op.record_lineage("accounts-payable/bill", "output", fields=["description"])
    (written,) = op.get_openlineage_facets_on_complete(None).outputs
    assert (written.namespace, written.name) == (f"intacct://{COMPANY}", "accounts-payable/bill?entity=US")

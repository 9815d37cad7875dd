"""Every example DAG (and the templating DAGs) runs end to end with dag.test() against the sandbox."""

from __future__ import annotations

import pytest


def test_catalog_tour(run_dag, intacct_sandbox):
    dag_run, xcoms = run_dag("intacct_catalog_tour", conf={"document_date": "2026-11-26", "days_due": 30})
    assert dag_run.state == "success"
    summary = xcoms["summarize"]
    bill = intacct_sandbox.get_record("accounts-payable/bill", summary["bill"]["key"])
    assert bill["vendor"]["id"] == "VEND-100"
    assert bill["createdDate"] == "2026-11-26" and bill["dueDate"] == "2026-12-26"
    invoice = intacct_sandbox.get_record("accounts-receivable/invoice", summary["invoice"]["key"])
    assert invoice["customer"]["id"] == "CUST-100"
    keys = {row["key"] for row in xcoms["list_vendor_bills"]["bills"]}
    assert summary["bill"]["key"] in keys
    assert summary["gl_accounts"] == len(intacct_sandbox.records("general-ledger/account"))
    assert xcoms["list_vendors"]["vendors"][0] == {
        "href": "/objects/accounts-payable/vendor/33",
        "id": "VEND-100",
        "key": "33",
    }


@pytest.mark.parametrize("dag_id", ["templating_strings", "templating_native"])
def test_templated_values_as_strings_and_native(run_dag, intacct_sandbox, dag_id):
    dag_run, xcoms = run_dag(dag_id, file="templating_check")
    assert dag_run.state == "success"
    key = xcoms["create_bill"]["ia::result"]["key"]
    bill = intacct_sandbox.get_record("accounts-payable/bill", key)
    assert bill["vendor"]["id"] == "VEND-200" and bill["dueDate"] == "2026-12-31"
    assert bill["lines"][0]["txnAmount"] == "12.50"
    posted = [r for r in intacct_sandbox.requests if r["method"] == "POST" and r["path"].endswith("/bill")]
    assert posted[-1]["body"]["lines"][0]["txnAmount"] == "12.5"  # a decimal string, never a float
    assert len(xcoms["list_bills"]["bills"]) == 3
    # batch_size 1 and on_error "continue" came through templates: two POSTs, the bad record skipped.
    assert xcoms["bulk_vendors"] == {"created": 2, "exists": 0, "failed": 0, "skipped": 1, "results_path": None}
    vendor_posts = [r for r in intacct_sandbox.requests if r["method"] == "POST" and r["path"].endswith("/vendor")]
    assert len(vendor_posts) == 2
    assert xcoms["vendors_there"]["count"] == 1  # deferrable rendered to false: poked in the worker


def in_window(record, start, end):
    return start <= record["audit"]["modifiedDateTime"] < end


def test_daily_ap_ar_sync(run_dag, intacct_sandbox, tmp_path, warehouse_db):
    import json
    import sqlite3
    from collections import Counter
    from decimal import Decimal

    import pendulum

    stamps = [
        r["audit"]["modifiedDateTime"][:10]
        for path in ("accounts-payable/bill", "accounts-receivable/invoice")
        for r in intacct_sandbox.records(path)
    ]
    busiest_day = pendulum.parse(Counter(stamps).most_common(1)[0][0])
    # A bill deleted that day (a discarded draft) must reach the copy as a tombstone.
    drafts = [b for b in intacct_sandbox.records("accounts-payable/bill") if b["state"] == "draft"]
    discarded = drafts[0]
    intacct_sandbox.freeze_time(busiest_day.add(hours=12).strftime("%Y-%m-%dT%H:%M:%SZ"))
    intacct_sandbox.delete_record("accounts-payable/bill", discarded["key"])
    intacct_sandbox.unfreeze_time()
    dag_run, xcoms = run_dag(
        "intacct_daily_ap_ar_sync",
        conf={"base_path": str(tmp_path), "lookback_seconds": 3600},
        logical_date=busiest_day.add(days=1),  # the run after a day covers that day
    )
    assert dag_run.state == "success"
    summary = xcoms["summary"]
    start, end = pendulum.instance(dag_run.data_interval_start), pendulum.instance(dag_run.data_interval_end)
    assert end - start == pendulum.duration(days=1)
    assert summary["window"] == [
        start.subtract(hours=1).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]
    ds = start.to_date_string()
    total = 0
    for name, path in (
        ("bill", "accounts-payable/bill"),
        ("invoice", "accounts-receivable/invoice"),
        ("vendor", "accounts-payable/vendor"),
        ("customer", "accounts-receivable/customer"),
    ):
        expected = {r["key"] for r in intacct_sandbox.records(path) if in_window(r, *summary["window"])}
        lines = [json.loads(line) for line in (tmp_path / ds / f"{name}.jsonl").read_text().splitlines()]
        keys = [line["key"] for line in lines if not line.get("_deleted")]
        tombstones = [line for line in lines if line.get("_deleted")]
        assert len(keys) == len(set(keys)) == len(expected)
        assert set(keys) == expected
        assert lines[len(keys) :] == tombstones  # the tombstones follow the rows
        assert summary["counts"][path] == len(lines)
        assert summary["deleted"][path] == len(tombstones)
        assert xcoms[f"sync_{name}s"]["path"].endswith(f"{ds}/{name}.jsonl")
        total += len(keys)
        if name in ("bill", "invoice"):  # loaded into the warehouse and tied out
            records = [r for r in intacct_sandbox.records(path) if in_window(r, *summary["window"])]
            with sqlite3.connect(warehouse_db) as db:
                stored = db.execute(f"SELECT key, total_txn_amount FROM intacct_{name}s").fetchall()  # noqa: S608
            assert sorted(k for k, _ in stored) == sorted(expected)
            assert sum(Decimal(a) for _, a in stored) == sum(Decimal(r["totalTxnAmount"]) for r in records)
            assert xcoms[f"load_{name}s"]["inserted"] == len(expected)
            assert xcoms[f"load_{name}s"]["window"] == summary["window"]
            tie = xcoms[f"tie_out_{name}s"]
            assert tie["checked"] == len(expected)
            assert (tie["missing"]["count"], tie["extra"]["count"], tie["different"]["count"]) == (0, 0, 0)
        if name == "bill":
            assert [t["key"] for t in tombstones] == [discarded["key"]]
    assert total > 0, f"the seed should have records modified on {ds}"


def test_invoice_per_order_maps_one_invoice_per_row(run_dag, intacct_sandbox):
    before = {r["key"] for r in intacct_sandbox.records("accounts-receivable/invoice")}
    dag_run, xcoms = run_dag("intacct_invoice_per_order")
    assert dag_run.state == "success"
    created = [r for r in intacct_sandbox.records("accounts-receivable/invoice") if r["key"] not in before]
    assert len(created) == 3
    assert sorted(r["customer"]["id"] for r in created) == ["CUST-100", "CUST-100", "CUST-200"]
    assert xcoms["report"]["created"] == [xcoms["create_invoice"][i]["ia::result"]["key"] for i in range(3)]
    keys = {
        r["headers"]["Idempotency-Key"]
        for r in intacct_sandbox.requests
        if r["method"] == "POST" and r["path"].endswith("/invoice")
    }
    assert len(keys) == 3


def test_custom_fields_example(run_dag, intacct_sandbox):
    """A bill with custom fields and a line dimension, then a custom object's records, with the example tenant."""
    from intacct_provider.sandbox.tenant import EXAMPLE_TENANT

    intacct_sandbox.reset(tenant=EXAMPLE_TENANT)
    dag_run, xcoms = run_dag("intacct_custom_fields")
    assert dag_run.state == "success"
    assert xcoms["find_project_type"] == [{"key": "10001", "name": "Capex"}]
    bill = intacct_sandbox.get_record("accounts-payable/bill", xcoms["create_bill"]["ia::result"]["key"])
    assert (bill["nsp::APPROVER"], bill["nsp::PRIORITY"]) == ("jdoe", "normal")
    assert bill["nsp::CONTRACT"] == {"key": "10001", "id": "10001"}
    assert bill["lines"][0]["nsp::COST_CODE"] == "CC-7"
    assert bill["lines"][0]["dimensions"]["nsp::project_type"]["key"] == "10001"
    assert [row["name"] for row in xcoms["read_cip_assets"]] == ["Server room fit-out", "Office HVAC"]


def test_mapped_instances_read_the_model_once(run_dag, intacct_sandbox):
    """Five mapped task instances in one worker process check their custom fields against one model read."""
    from intacct_provider.sandbox.tenant import EXAMPLE_TENANT

    intacct_sandbox.reset(tenant=EXAMPLE_TENANT)
    dag_run, xcoms = run_dag("intacct_custom_fields_mapped", file="custom_fields_mapped")
    assert dag_run.state == "success"
    assert len(xcoms["create_bill"]) == 5
    reads = [r for r in intacct_sandbox.requests if r["path"] == "/services/core/model"]
    # Once: the bill's model, and its lines' owned object's (the sandbox's default owned_lists reading).
    assert [r["query"] for r in reads] == [{"name": "accounts-payable/bill"}, {"name": "accounts-payable/bill-line"}]
    approvers = {
        r["billNumber"]: r["nsp::APPROVER"]
        for r in intacct_sandbox.records("accounts-payable/bill")
        if str(r.get("billNumber")).startswith("MAPPED-")
    }
    assert approvers == {f"MAPPED-{i}": f"approver-{i}" for i in range(5)}

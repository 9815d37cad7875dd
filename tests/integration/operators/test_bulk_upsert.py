"""IntacctBulkUpsertOperator: create the missing, PATCH only changed fields, leave identical records alone."""

from __future__ import annotations

import pytest
from bulk_helpers import BILL, bills, context, copies, fast_backoff, read_results  # noqa: F401 - fast_backoff is an autouse fixture

from intacct_provider.catalog.bulk_records import BulkRecordsError
from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.operators import IntacctBulkCreateOperator, IntacctBulkUpsertOperator

VENDOR = "accounts-payable/vendor"


def upsert(records, **kwargs):
    kwargs.setdefault("object", "vendor")
    kwargs.setdefault("batch_size", 10)
    kwargs.setdefault("max_concurrency", 2)
    return IntacctBulkUpsertOperator(task_id="upsert", records=records, **kwargs)


def vendors(count, name="CRM vendor"):
    return [{"vendor_id": f"CRM-{i}", "name": f"{name} {i}"} for i in range(count)]


def test_upsert_creates_updates_and_leaves_alone(intacct_sandbox, intacct_conn, tmp_path):
    first = upsert(vendors(25)).execute(context())
    assert first == {"created": 25, "updated": 0, "unchanged": 0, "failed": 0, "skipped": 0, "results_path": None}
    changed = vendors(30)
    for i in (2, 11, 24):
        changed[i]["name"] = f"Renamed {i}"
    intacct_sandbox.clear_requests()
    out = tmp_path / "r.jsonl"
    second = upsert(changed, output_path=str(out)).execute(context())
    assert (second["created"], second["updated"], second["unchanged"], second["failed"]) == (5, 3, 22, 0)
    by_id = {r["id"]: r for r in intacct_sandbox.records(VENDOR) if r["id"].startswith("CRM-")}
    assert len(by_id) == 30 and by_id["CRM-11"]["name"] == "Renamed 11"
    patches = [r for r in intacct_sandbox.requests if r["method"] == "PATCH"]
    sent = [item for request in patches for item in request["body"]]
    assert sorted(item["name"] for item in sent) == ["Renamed 11", "Renamed 2", "Renamed 24"]
    assert all(set(item) == {"key", "name"} for item in sent)  # only the changed field
    queries = [r for r in intacct_sandbox.requests if r["path"] == "/services/core/query"]
    assert len(queries) == 3  # one $in query per batch
    assert all(
        q["body"]["filters"][0] == {"$in": {"id": sorted(q["body"]["filters"][0]["$in"]["id"])}} for q in queries
    )
    rows = read_results(out)
    assert rows[11]["status"] == "updated" and rows[11]["key"] == by_id["CRM-11"]["key"]
    assert rows[0]["status"] == "unchanged" and rows[29]["status"] == "created"


def test_rerunning_a_days_bill_import_is_safe(intacct_sandbox, intacct_conn):
    records = bills(20, "day")
    IntacctBulkCreateOperator(task_id="c", object="bill", records=records[:12], batch_size=5).execute(context())
    records[3]["description"] = "day-3"  # same
    records[6]["description"] = "day-6 (corrected)"  # a field the registry does not compare still counts
    records[4]["line_items"] = [{"glaccountno": "6700", "amount": "99.00", "memo": "corrected", "locationid": "US"}]
    summary = upsert(records, object="bill").execute(context())
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (8, 2, 10)
    assert all(n == 1 for n in copies(intacct_sandbox, "day").values()) and len(copies(intacct_sandbox, "day")) == 20
    (bill,) = [r for r in intacct_sandbox.records(BILL) if r.get("description") == "day-4"]
    assert bill["lines"][0]["txnAmount"] == "99.00"


def test_refused_updates_are_reported(intacct_sandbox, intacct_conn):
    upsert(vendors(4)).execute(context())
    changed = vendors(4)
    changed[1]["name"] = "Renamed"
    intacct_sandbox.inject("item_status", status=422, method="PATCH", item=0)
    summary = upsert(changed, on_error="continue").execute(context())
    assert (summary["updated"], summary["unchanged"], summary["failed"]) == (0, 3, 1)


def test_match_on_other_fields(intacct_sandbox, intacct_conn):
    upsert(vendors(3)).execute(context())
    intacct_sandbox.clear_requests()
    summary = upsert(vendors(3), match_on=["name"]).execute(context())
    assert (summary["unchanged"], summary["created"]) == (3, 0)
    (query,) = [r for r in intacct_sandbox.requests if r["path"] == "/services/core/query"]
    assert list(query["body"]["filters"][0]["$in"]) == ["name"]
    renamed = [{"vendor_id": f"NEW-{i}", "name": f"CRM vendor {i}"} for i in range(3)]
    summary = upsert(renamed, match_on=["name"], on_error="continue").execute(context())
    assert summary["failed"] == 3  # found by name, but a vendor's id cannot change: reported, not hidden


def test_match_on_must_name_fields_of_every_record(intacct_sandbox, intacct_conn):
    with pytest.raises(BulkRecordsError) as info:
        upsert(vendors(2), match_on='["email"]').execute(context())
    assert [(p.index, p.field) for p in info.value.problems] == [(0, "email"), (1, "email")]
    with pytest.raises(IntacctValidationError) as info:
        upsert([{"id": "X"}], object="gl_account").execute(context())
    assert info.value.parameter == "match_on"
    assert intacct_sandbox.requests == []

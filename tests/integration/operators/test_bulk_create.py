"""IntacctBulkCreateOperator against the sandbox: batches, pre-flight, 207 partial failures, results file."""

from __future__ import annotations

import json

import pytest
from bulk_helpers import BILL, bill_posts, bills, context, copies, fast_backoff, read_results  # noqa: F401 - fast_backoff is an autouse fixture

from intacct_provider.catalog.bulk_records import BulkRecordsError
from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.operators import IntacctBulkCreateOperator
from intacct_provider.operators.execute.bulk.run import IntacctBulkWriteError


def operator(**kwargs):
    kwargs.setdefault("task_id", "bulk")
    kwargs.setdefault("object", "bill")
    kwargs.setdefault("batch_size", 10)
    kwargs.setdefault("max_concurrency", 2)
    return IntacctBulkCreateOperator(**kwargs)


def test_creates_every_record_once_in_array_batches(intacct_sandbox, intacct_conn, tmp_path):
    records = bills(35, "ok")
    out = tmp_path / "results.jsonl"
    summary = operator(records=records, output_path=str(out)).execute(context())
    assert summary == {"created": 35, "exists": 0, "failed": 0, "skipped": 0, "results_path": str(out)}
    assert copies(intacct_sandbox, "ok") == {f"ok-{i}": 1 for i in range(35)}
    posts = bill_posts(intacct_sandbox)
    assert sorted(len(p["body"]) for p in posts) == [5, 10, 10, 10]
    keys = [p["headers"]["Idempotency-Key"] for p in posts]
    assert len(set(keys)) == 4 and all(k.startswith("airflow-") for k in keys)
    rows = read_results(out)
    assert sorted(rows) == list(range(35))
    for index, row in rows.items():
        stored = intacct_sandbox.get_record(BILL, row["key"])
        assert stored["description"] == f"ok-{index}" and row["status"] == "created" and row["error"] is None
        assert row["natural_key"] == {"vendor.id": "VEND-100", "billNumber": f"ok-{index}"}


def test_preflight_reports_every_bad_record_and_sends_nothing(intacct_sandbox, intacct_conn):
    records = bills(10, "pf")
    records[2]["date_due"] = "2026-10-01"  # before date_created
    records[5]["line_items"] = [{"glaccountno": "6700", "amount": "twelve"}]
    records[7]["vendor"] = "VEND-100"  # not an argument of the bill create
    records[9]["bill_number"] = "pf-0"  # repeats record 0's natural key
    with pytest.raises(BulkRecordsError) as info:
        operator(records=records).execute(context())
    assert [(p.index, p.field) for p in info.value.problems] == [
        (2, "date_due"),
        (5, "line_items[0].amount"),
        (7, "vendor"),
        (9, "vendor.id, billNumber"),
    ]
    assert "4 of 10" in str(info.value)
    assert intacct_sandbox.requests == []


def test_on_error_continue_skips_bad_records(intacct_sandbox, intacct_conn, tmp_path):
    records = bills(12, "skip")
    records[3]["date_created"] = "2026-02-30"
    out = tmp_path / "r.jsonl"
    summary = operator(records=records, on_error="continue", output_path=str(out)).execute(context())
    assert (summary["created"], summary["failed"], summary["skipped"]) == (11, 0, 1)
    assert "skip-3" not in copies(intacct_sandbox, "skip") and len(copies(intacct_sandbox, "skip")) == 11
    row = read_results(out)[3]
    assert row["status"] == "skipped" and row["error"].startswith("date_created: expected")
    assert row["error"].endswith("got '2026-02-30'")
    assert (row["field"], row["value"]) == ("date_created", "2026-02-30")
    assert row["natural_key"] == {"vendor.id": "VEND-100", "billNumber": "skip-3"}  # named, though never sent


@pytest.mark.parametrize("shape", ["composite", "bare", "atomic"])
def test_partial_failures_are_reported_record_by_record(intacct_sandbox, intacct_conn, tmp_path, shape):
    intacct_sandbox.bulk_result_shape = shape
    records = bills(25, "part")
    records[4]["vendor_id"] = "VEND-NOPE"  # refused by Intacct, not by the pre-flight
    records[17]["line_items"][0]["glaccountno"] = "0000"
    out = tmp_path / "r.jsonl"
    with pytest.raises(IntacctBulkWriteError) as info:
        operator(records=records, output_path=str(out)).execute(context())
    message = str(info.value)
    assert "record 4 (vendor.id=VEND-NOPE, billNumber=part-4)" in message and "record 17" in message
    assert "VEND-NOPE" in message and str(out) in message
    held = copies(intacct_sandbox, "part")
    assert held == {f"part-{i}": 1 for i in range(25) if i not in (4, 17)}
    rows = read_results(out)
    assert sorted(i for i, row in rows.items() if row["status"] == "failed") == [4, 17]
    assert "VEND-NOPE" in rows[4]["error"]


def test_input_from_a_json_lines_file(intacct_sandbox, intacct_conn, tmp_path):
    source = tmp_path / "in.jsonl"
    records = bills(15, "file")
    source.write_text(
        "\n".join(json.dumps(r) for r in records[:7]) + "\n\n" + "\n".join(json.dumps(r) for r in records[7:])
    )
    summary = operator(input_path=f"file://{source}", on_error="continue").execute(context())
    assert summary["created"] == 15
    assert copies(intacct_sandbox, "file") == {f"file-{i}": 1 for i in range(15)}


def test_a_bad_json_line_is_a_problem_of_that_record(intacct_sandbox, intacct_conn, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(bills(1, "j")[0]) + "\n{not json\n")
    with pytest.raises(BulkRecordsError) as info:
        operator(input_path=str(source)).execute(context())
    assert [p.index for p in info.value.problems] == [1]
    assert intacct_sandbox.requests == []


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"batch_size": 501}, "batch_size"),
        ({"batch_size": "ten"}, "batch_size"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"on_error": "ignore"}, "on_error"),
        ({"input_path": "/tmp/x.jsonl"}, "records"),
        ({"records": None}, "records"),
        ({"records": {"a": 1}}, "records"),
        ({"object": "bills"}, "object"),
    ],
)
def test_bad_arguments_fail_before_any_request(intacct_sandbox, intacct_conn, kwargs, parameter):
    arguments = {"records": bills(1, "arg"), **kwargs}
    with pytest.raises(IntacctValidationError) as info:
        operator(**arguments).execute(context())
    assert info.value.parameter == parameter
    assert intacct_sandbox.requests == []


def test_vendors_and_journal_entries_use_their_create_arguments(intacct_sandbox, intacct_conn):
    vendors = [{"vendor_id": f"BV-{i}", "name": f"Bulk vendor {i}"} for i in range(3)]
    assert operator(object="vendor", records=vendors).execute(context())["created"] == 3
    lines = [
        {"glaccountno": "6700", "amount": "10.00", "tr_type": "debit"},
        {"glaccountno": "1000", "amount": "10.00", "tr_type": "credit"},
    ]
    entries = [
        {"journal_id": "GJ", "posting_date": "2026-11-02", "lines": lines, "description": f"je-{i}"} for i in range(4)
    ]
    assert operator(object="journal_entry", records=entries).execute(context())["created"] == 4
    ids = {r["id"] for r in intacct_sandbox.records("accounts-payable/vendor")}
    assert {"BV-0", "BV-1", "BV-2"} <= ids


def test_results_file_is_in_input_order_and_progress_is_logged(intacct_sandbox, intacct_conn, tmp_path, caplog):
    """Skipped records among sent ones, two batches in flight: the rows still come in input order."""
    import logging

    caplog.set_level(logging.INFO, logger="intacct_provider.operators.execute.bulk.run")
    records = bills(45, "order")
    for bad in (4, 17, 44):
        records[bad]["date_due"] = "2026-13-01"
    out = tmp_path / "results.jsonl"
    summary = operator(records=records, output_path=str(out), on_error="continue").execute(context())
    assert (summary["created"], summary["skipped"]) == (42, 3)
    indexes = [json.loads(line)["index"] for line in out.read_text().splitlines()]
    assert indexes == list(range(45))
    lines = [r.getMessage() for r in caplog.records if r.name == "intacct_provider.operators.execute.bulk.run"]
    requests = len([r for r in intacct_sandbox.requests if r["path"].startswith("/objects/")])
    (summary_line,) = [line for line in lines if line.startswith("accounts-payable/bill create: 42 records in ")]
    assert summary_line.endswith(f", {requests} API requests (billed transactions), 0 retries")
    (skipped,) = [line for line in lines if line.startswith("Skipped ")]
    assert skipped.startswith(
        "Skipped 3 of 45 records (not valid, so not sent): record 4 (vendor.id=VEND-100, billNumber=order-4): "
        "date_due: expected a real calendar date as YYYY-MM-DD, got '2026-13-01'; record 17 "
    )
    assert skipped.endswith(f"every record's result is in {out}")

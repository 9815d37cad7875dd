"""IntacctQueryOperator, IntacctGetRecordOperator, IntacctUpdateRecordOperator and the window logic."""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from bills import new_bill

from intacct_provider.exceptions import IntacctNotFoundError, IntacctValidationError
from intacct_provider.hooks.intacct import IntacctHook
from intacct_provider.operators import IntacctGetRecordOperator, IntacctQueryOperator, IntacctUpdateRecordOperator

BILL = "accounts-payable/bill"
T0 = "2030-01-01T00:00:00Z"


def context():
    return {"ti": SimpleNamespace(dag_id="d", task_id="t", run_id="r", map_index=-1)}


@pytest.fixture
def timeline(intacct_sandbox, hook):
    """Bills A, B, C created one hour apart from 2030-01-01T00:00Z (after every seeded record)."""
    intacct_sandbox.freeze_time(T0)
    keys = {}
    for name in "ABC":
        keys[name] = new_bill(hook, f"W-{name}")
        intacct_sandbox.advance_time(3600)
    return keys


def run_query(**kwargs):
    return IntacctQueryOperator(task_id="q", **kwargs).execute(context())


def test_rows_to_xcom(intacct_sandbox, intacct_conn):
    rows = run_query(object="bill", fields=["id", "vendor.id"], filters={"vendor.id": "VEND-100"})
    expected = sorted(int(b["key"]) for b in intacct_sandbox.records(BILL) if b["vendor"]["id"] == "VEND-100")
    assert [int(r["key"]) for r in rows] == expected
    assert {r["vendor.id"] for r in rows} == {"VEND-100"}


def test_window_is_inclusive_then_exclusive(intacct_conn, timeline):
    rows = run_query(object="bill", modified_since="2030-01-01T01:00:00Z", modified_until="2030-01-01T02:00:00Z")
    assert [r["key"] for r in rows] == [timeline["B"]]


def test_open_ended_window(intacct_conn, timeline):
    rows = run_query(object="bill", modified_since="2030-01-01T01:00:00+00:00")
    assert [r["key"] for r in rows] == [timeline["B"], timeline["C"]]


def test_lookback_widens_the_window(intacct_conn, timeline):
    rows = run_query(
        object="bill", modified_since="2030-01-01T01:00:00Z", modified_until="2030-01-01T02:00:00Z", lookback=3600
    )
    assert [r["key"] for r in rows] == [timeline["A"], timeline["B"]]
    rows = run_query(
        object="bill", modified_since="2030-01-01T01:00:00Z", modified_until="2030-01-01T02:00:00Z", lookback="3600"
    )
    assert len(rows) == 2


def test_a_modified_record_moves_to_the_later_window(intacct_sandbox, intacct_conn, hook, timeline):
    hook.update_record("bill", timeline["A"], {"description": "edited"})  # clock is now 03:00
    early = run_query(object="bill", modified_since=T0, modified_until="2030-01-01T01:00:00Z")
    late = run_query(object="bill", modified_since="2030-01-01T03:00:00Z")
    assert early == []
    assert [r["key"] for r in late] == [timeline["A"]]


def test_user_filters_and_expression_combine_with_window(intacct_conn, timeline):
    rows = run_query(
        object="bill",
        filters=[{"$eq": {"billNumber": "W-A"}}, {"$eq": {"billNumber": "W-C"}}],
        filter_expression="1 or 2",
        modified_since="2030-01-01T01:00:00Z",
    )
    assert [r["key"] for r in rows] == [timeline["C"]]


def test_no_row_skipped_or_repeated_while_records_change(intacct_sandbox, intacct_conn, monkeypatch):
    hook = IntacctHook()
    window = {"modified_until": "2029-01-01T00:00:00Z"}
    expected = list(hook.iter_query("bill", filters=[{"$lt": {"audit.modifiedDateTime": window["modified_until"]}}]))
    assert len(expected) > 15
    original = IntacctHook.query
    calls = []

    def query_then_change(self, *args, **kwargs):
        page = original(self, *args, **kwargs)
        calls.append(kwargs.get("start", args[5] if len(args) > 5 else 1))
        if len(calls) == 1:
            # Two rows already read leave the window: every later row shifts left by two.
            for row in page["ia::result"][:2]:
                original_update(row["key"])
        return page

    def original_update(key):
        intacct_sandbox.freeze_time("2031-01-01T00:00:00Z")
        IntacctHook().update_record("bill", key, {"description": "moved"})

    monkeypatch.setattr(IntacctHook, "query", query_then_change)
    rows = list(
        IntacctHook().iter_query(
            "bill", filters=[{"$lt": {"audit.modifiedDateTime": window["modified_until"]}}], page_size=5
        )
    )
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == {r["key"] for r in expected}


def test_output_path_local_json_lines(intacct_sandbox, intacct_conn, tmp_path):
    target = tmp_path / "out" / "bills.jsonl"
    result = run_query(object="bill", fields=["id", "totalTxnAmount"], output_path=str(target))
    lines = target.read_text().splitlines()
    assert result == {"path": str(target), "count": len(lines), "object": BILL, "window": [None, None]}
    assert len(lines) == len(intacct_sandbox.records(BILL))
    assert set(json.loads(lines[0])) == {"key", "id", "totalTxnAmount"}
    assert not (tmp_path / "out" / "bills.jsonl.part").exists()


@pytest.fixture
def memory_scheme(monkeypatch):
    """Register fsspec's in-memory filesystem the way a provider registers s3:// or gs://."""
    from airflow.sdk.io import fs
    from fsspec.implementations.memory import MemoryFileSystem

    monkeypatch.setitem(fs._BUILTIN_SCHEME_TO_FS, "memory", lambda _conn_id, _options: MemoryFileSystem())
    fs._register_filesystems.cache_clear()
    yield
    fs._register_filesystems.cache_clear()


@pytest.mark.parametrize("scheme", ["file", "memory"])
def test_output_path_object_storage(intacct_sandbox, intacct_conn, tmp_path, scheme, memory_scheme):
    from airflow.sdk import ObjectStoragePath

    uri = f"file://{tmp_path}/sync/vendors.jsonl" if scheme == "file" else "memory://intacct-test/sync/vendors.jsonl"
    result = run_query(
        object="vendor", modified_since="2000-01-01T00:00:00Z", modified_until="2100-01-01T00:00:00Z", output_path=uri
    )
    text = ObjectStoragePath(uri).read_text()
    assert result["count"] == len(text.splitlines()) == len(intacct_sandbox.records("accounts-payable/vendor"))
    assert result["window"] == ["2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"]


def test_xcom_ceiling_points_to_output_path(intacct_conn, monkeypatch):
    monkeypatch.setattr("intacct_provider.operators.execute.xcom.MAX_XCOM_ROWS", 5)
    with pytest.raises(IntacctValidationError, match="output_path"):
        run_query(object="bill")


def test_max_records(intacct_conn):
    assert len(run_query(object="invoice", max_records="7")) == 7


def test_get_record_by_key_and_by_id(intacct_conn):
    by_key = IntacctGetRecordOperator(task_id="g", object="bill", key="2001").execute(context())
    # By spec a bill's id is its key (its own number is billNumber): never look a bill up by number via id.
    by_id = IntacctGetRecordOperator(task_id="g", object="accounts-payable/bill", id="2001").execute(context())
    assert by_key == by_id
    assert by_key["vendor"]["id"] == "VEND-100" and by_key["billNumber"] == "BILL-100"
    vendor = IntacctGetRecordOperator(task_id="g", object="vendor", id="VEND-100").execute(context())
    assert vendor["key"] == "33"
    with pytest.raises(IntacctNotFoundError, match="BILL-404"):
        IntacctGetRecordOperator(task_id="g", object="bill", id="BILL-404").execute(context())


def test_update_record(intacct_sandbox, intacct_conn):
    result = IntacctUpdateRecordOperator(
        task_id="u", object="vendor", key="33", changes='{"name": "Renamed Supplies"}'
    ).execute(context())
    assert result == {"ia::result": {"key": "33", "id": "VEND-100", "href": "/objects/accounts-payable/vendor/33"}}
    assert intacct_sandbox.get_record("accounts-payable/vendor", "33")["name"] == "Renamed Supplies"


def test_a_templated_amount_filter_reaches_intacct_exactly(intacct_sandbox, intacct_conn):
    """Filters rendered from a template are JSON text; their fractional amounts decode as Decimal
    and go out with the digits written, and the sandbox compares them with its decimal amounts."""
    amounts = {b["key"]: b["totalTxnAmount"] for b in intacct_sandbox.records(BILL)}
    threshold = sorted(Decimal(a) for a in amounts.values())[len(amounts) // 2]
    rows = run_query(
        object="bill", fields=["totalTxnAmount"], filters=f'[{{"$gte": {{"totalTxnAmount": {threshold:.2f}}}}}]'
    )
    assert sorted(int(r["key"]) for r in rows) == sorted(int(k) for k, a in amounts.items() if Decimal(a) >= threshold)
    sent = [r["body"]["filters"] for r in intacct_sandbox.requests if r["path"].endswith("/services/core/query")]
    assert sent and str(sent[-1][0]["$gte"]["totalTxnAmount"]) == f"{threshold:.2f}"

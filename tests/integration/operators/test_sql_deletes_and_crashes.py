"""Deletions applied to a warehouse table (tombstones fed in), and loads that die mid-way."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bills import new_bill
from warehouse_helpers import BILL, CONN_ID, context, rows, sqlite_connection, without

from intacct_provider.core.columns import plan_columns
from intacct_provider.hooks.intacct import IntacctHook
from intacct_provider.operators import IntacctToSqlOperator
from intacct_provider.operators.execute.warehouse import load as load_module
from intacct_provider.operators.execute.warehouse.load import TableLoad
from intacct_provider.operators.execute.warehouse.target import SqlTarget, sql_hook

SCHEMAS = {"amount": {"type": "string", "format": "decimal-precision-2"}}
COLUMNS = plan_columns(["id", "amount"], SCHEMAS)
T1 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


def write(rows_in, *, mode="merge", deletes="soft", at=T1, table="t"):
    target = SqlTarget(sql_hook(CONN_ID), table)
    return TableLoad(target, COLUMNS, mode=mode, deletes=deletes, synced_at=at).run(rows_in)


def live(*keys):
    return [{"key": k, "id": k, "amount": f"{k}.50"} for k in keys]


def tombstone(key, at="2026-03-02T08:00:00Z"):
    return {"key": key, "id": key, "_deleted": True, "_deleted_at": at}


def test_soft_delete_flags_the_row_once_and_a_live_row_unflags_it(warehouse):
    write(live("1", "2", "3"))
    counts = write([*live("1"), tombstone("2"), tombstone("404")], at=T2)
    assert (counts.rows, counts.inserted, counts.updated, counts.deleted) == (1, 0, 0, 1)
    stored = {r["key"]: r for r in rows(warehouse, "t")}
    assert stored["2"]["_deleted"] == 1 and stored["2"]["_deleted_at"] == "2026-03-02T08:00:00Z"
    assert stored["2"]["amount"] == "2.50"  # the last known values are kept
    assert stored["3"]["_deleted"] == 0 and "404" not in stored
    assert write([tombstone("2")], at=T2).deleted == 0  # already deleted: nothing changes
    back = write(live("2"), at=T2)
    assert (back.updated, back.deleted) == (1, 0)
    assert {r["key"]: r["_deleted"] for r in rows(warehouse, "t")}["2"] == 0


def test_a_tombstone_without_a_time_takes_the_run_time(warehouse):
    write(live("1"))
    write([{"key": "1", "id": "1", "_deleted": True, "_deleted_at": None}], at=T2)
    assert rows(warehouse, "t")[0]["_deleted_at"] == "2026-03-02T12:00:00Z"


def test_hard_delete_removes_the_row(warehouse):
    write(live("1", "2"), deletes="hard")
    counts = write([tombstone("2"), tombstone("9")], deletes="hard", at=T2)
    assert counts.deleted == 1
    assert [r["key"] for r in rows(warehouse, "t")] == ["1"]


def test_append_soft_delete_appends_a_tombstone_row(warehouse):
    write(live("1", "2"), mode="append")
    counts = write([tombstone("2")], mode="append", at=T2)
    assert counts.deleted == 1
    history = [r for r in rows(warehouse, "t", order="key, _synced_at") if r["key"] == "2"]
    assert [(r["_deleted"], r["amount"], r["id"]) for r in history] == [(0, "2.50", "2"), (1, None, "2")]


def test_append_hard_delete_removes_the_key_history(warehouse):
    write(live("1", "2"), mode="append")
    write(live("2"), mode="append", at=T2)
    counts = write([tombstone("2")], mode="append", deletes="hard", at=T2 + dt.timedelta(hours=1))
    assert counts.deleted == 1
    assert [r["key"] for r in rows(warehouse, "t")] == ["1"]


def test_a_value_not_of_its_kind_fails_the_load_and_writes_nothing(warehouse):
    write(live("1"))
    with pytest.raises(Exception, match=r"record 2, field 'amount': 'abc' is not a decimal value"):
        write([*live("3"), {"key": "2", "id": "2", "amount": "abc"}], at=T2)
    assert [r["key"] for r in rows(warehouse, "t")] == ["1"]


# ------------------------------------------------------------------ crashes
FIELDS = ["id", "totalTxnAmount", "description"]


def run_load():
    operator = IntacctToSqlOperator(task_id="l", object="bill", sql_conn_id=CONN_ID, table="bills", fields=FIELDS)
    return operator.execute(context())


def failing_after(limit, monkeypatch):
    """The hook's reads die after ``limit`` rows, as a load killed between pages would."""
    real = IntacctHook.iter_query

    def iter_query(self, *args, **kwargs):
        for count, row in enumerate(real(self, *args, **kwargs)):
            if count == limit:
                raise ConnectionResetError("killed between pages")
            yield row

    monkeypatch.setattr(IntacctHook, "iter_query", iter_query)


@pytest.mark.parametrize("mode", ["merge", "replace", "append"])
def test_a_load_killed_between_pages_leaves_the_previous_table_and_reruns_identically(
    warehouse, intacct_sandbox, hook, monkeypatch, mode
):
    monkeypatch.setattr(load_module, "BATCH_ROWS", 10)  # five batches: the failure comes after two were written

    def run():
        operator = IntacctToSqlOperator(
            task_id="l", object="bill", sql_conn_id=CONN_ID, table="bills", fields=FIELDS, mode=mode
        )
        return operator.execute(context())

    run()
    before = rows(warehouse, "bills", order="key, _synced_at")
    keys = [r["key"] for r in before]
    hook.update_record("bill", keys[0], {"description": "changed after the first load"})
    with monkeypatch.context() as patch:
        failing_after(25, patch)
        with pytest.raises(ConnectionResetError):
            run()
    assert rows(warehouse, "bills", order="key, _synced_at") == before  # not one row of the dead run
    result = run()
    after = rows(warehouse, "bills", order="key, _synced_at")
    if mode == "append":
        assert len(after) == 2 * len(before) and result["inserted"] == len(before)
        return
    assert result["updated"] == 1 and result["inserted"] == 0
    clean = run()  # the same window once more
    assert (clean["inserted"], clean["updated"]) == (0, 0)
    assert without(rows(warehouse, "bills"), "_synced_at") == without(after, "_synced_at")


KILLED_LOAD = """
import json, os, sys, time
from intacct_provider.hooks.intacct import IntacctHook
from intacct_provider.operators import IntacctToSqlOperator
from intacct_provider.operators.execute.warehouse import load

load.BATCH_ROWS = 10
real = IntacctHook.iter_query
marker = sys.argv[1]

def iter_query(self, *args, **kwargs):
    for count, row in enumerate(real(self, *args, **kwargs)):
        if count == 25:
            open(marker, "w").close()  # two batches are written inside the open transaction
            time.sleep(600)
        yield row

IntacctHook.iter_query = iter_query
operator = IntacctToSqlOperator(
    task_id="l", object="bill", sql_conn_id="warehouse", table="bills", fields=json.loads(sys.argv[2])
)
operator.execute({"ti": None, "outlet_events": {}})
"""


def test_a_load_process_killed_mid_transaction_leaves_the_previous_table(warehouse, intacct_sandbox, hook, tmp_path):
    run_load()
    before = rows(warehouse, "bills")
    hook.update_record("bill", before[0]["key"], {"description": "changed after the first load"})
    marker = tmp_path / "mid-load"
    env = {**os.environ, f"AIRFLOW_CONN_{CONN_ID.upper()}": sqlite_connection(warehouse)}
    process = subprocess.Popen(  # this interpreter, a fixed script
        [sys.executable, "-c", KILLED_LOAD, str(marker), json.dumps(FIELDS)], env=env
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, "the load process ended before it was killed"
            assert time.monotonic() < deadline, "the load process never reached the middle of its load"
            time.sleep(0.1)
        # The reader has handed two batches over; the writer thread writes them in its own time.
        journal = Path(f"{warehouse}-journal")
        while not journal.exists():  # its transaction is open and has written
            assert time.monotonic() < deadline, "the load's writer never wrote inside its transaction"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert rows(warehouse, "bills") == before
    result = run_load()
    assert (result["inserted"], result["updated"]) == (0, 1)
    assert len(rows(warehouse, "bills")) == len(intacct_sandbox.records(BILL))


# ------------------------------------------------------------ deletions read from Intacct
T0 = "2030-01-01T00:00:00Z"
DAY = {"modified_since": "2030-01-01T00:00:00Z", "modified_until": "2030-01-02T00:00:00Z"}


def sync(**kwargs):
    arguments = {"task_id": "l", "object": "bill", "sql_conn_id": CONN_ID, "table": "bills", "fields": FIELDS}
    return IntacctToSqlOperator(**{**arguments, **kwargs}).execute(context())


@pytest.mark.parametrize("deletes", ["soft", "hard"])
def test_records_deleted_in_intacct_are_applied_from_the_audit_trail(warehouse, intacct_sandbox, hook, deletes):
    intacct_sandbox.freeze_time(T0)
    kept, doomed = new_bill(hook, "WH-1"), new_bill(hook, "WH-2")
    intacct_sandbox.advance_time(86400)
    first = sync(deletes=deletes)  # everything, the two new bills included
    assert first["deleted"] == 0
    intacct_sandbox.freeze_time("2030-01-02T10:00:00Z")
    hook.delete_record("bill", doomed)
    intacct_sandbox.advance_time(86400)
    window = {"modified_since": "2030-01-02T00:00:00Z", "modified_until": "2030-01-03T00:00:00Z"}
    result = sync(deletes=deletes, track_deletes=True, **window)
    assert (result["rows"], result["deleted"]) == (0, 1)
    stored = {r["key"]: r for r in rows(warehouse, "bills")}
    assert kept in stored and stored[kept]["_deleted"] == 0
    if deletes == "soft":
        assert stored[doomed]["_deleted"] == 1 and stored[doomed]["_deleted_at"] == "2030-01-02T10:00:00Z"
    else:
        assert doomed not in stored
    assert sync(deletes=deletes, track_deletes=True, **window)["deleted"] == 0  # the same window again


def test_deletions_named_by_id_are_matched_through_the_id_column(warehouse, intacct_sandbox, hook):
    intacct_sandbox.audit_object_id = "id"
    intacct_sandbox.freeze_time(T0)
    key = hook.create_record("vendor", {"id": "VEND-900", "name": "Short-lived"})["key"]
    intacct_sandbox.advance_time(3600)
    vendors = {"object": "vendor", "table": "vendors", "fields": ["name"], "track_deletes": True}
    sync(**vendors, **DAY, audit_object_id="id")  # the daily task: the same arguments each run
    hook.delete_record("vendor", key)
    intacct_sandbox.advance_time(86400)
    result = sync(**vendors, **DAY, audit_object_id="id")
    assert result["deleted"] == 1
    (row,) = [r for r in rows(warehouse, "vendors") if r["key"] == key]
    assert (row["id"], row["_deleted"]) == ("VEND-900", 1)  # id loaded because deletions were tracked

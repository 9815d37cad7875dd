"""IntacctTieOutOperator on SQLite: a clean load ties out; each kind of drift is reported by key and fails."""

from __future__ import annotations

from decimal import Decimal

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from warehouse_helpers import BILL, CONN_ID, context, execute, rows, sqlite_connection

from intacct_provider.exceptions import (
    IntacctRequestError,
    IntacctTieOutError,
    IntacctValidationError,
    IntacctWarehouseError,
)
from intacct_provider.operators import IntacctTieOutOperator, IntacctToSqlOperator


@pytest.fixture
def loaded(tmp_path, monkeypatch, intacct_conn, intacct_sandbox):
    """The sandbox's bills loaded into ``intacct_bills`` (every field) in a fresh SQLite file."""
    path = tmp_path / "warehouse.db"
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", sqlite_connection(path))
    load()
    intacct_sandbox.clear_requests()
    return path


def load(**kwargs):
    arguments = {"task_id": "load", "object": "bill", "sql_conn_id": CONN_ID, "table": "intacct_bills", **kwargs}
    return IntacctToSqlOperator(**arguments).execute(context())


def tie_out(ctx=None, **kwargs):
    arguments = {"task_id": "tie_out", "object": "bill", "sql_conn_id": CONN_ID, "table": "intacct_bills", **kwargs}
    operator = IntacctTieOutOperator(**arguments)
    return operator, operator.execute(ctx or context())


def failure(**kwargs):
    ctx = context()
    with pytest.raises(IntacctTieOutError) as raised:
        tie_out(ctx, **kwargs)
    assert raised.value.result == ctx["ti"].pushed["tie_out"]
    return raised.value


def keys(path):
    return [r["key"] for r in rows(path)]


def test_a_clean_load_ties_out_in_one_query(loaded, intacct_sandbox):
    _operator, result = tie_out()
    total = sum(Decimal(r["totalTxnAmount"]) for r in intacct_sandbox.records(BILL))
    assert result == {
        "checked": len(intacct_sandbox.records(BILL)),
        "missing": {"count": 0, "keys": []},
        "extra": {"count": 0, "keys": []},
        "different": {"count": 0, "rows": []},
        "totals": {"totalTxnAmount": {"intacct": str(total), "table": str(total)}},
    }
    queries = [r for r in intacct_sandbox.requests if r["path"].endswith("/services/core/query")]
    assert len(queries) == 1 and queries[0]["body"]["fields"] == ["key", "totalTxnAmount", "state"]


def test_a_changed_amount_is_reported_by_key_and_fails_without_retries(loaded):
    key = keys(loaded)[3]
    original = next(r for r in rows(loaded) if r["key"] == key)["total_txn_amount"]
    execute(loaded, "UPDATE intacct_bills SET total_txn_amount = '0.01' WHERE key = ?", (key,))
    error = failure()
    assert isinstance(error, AirflowFailException)  # Airflow fails the task at once, keeping its retries
    assert error.result["different"] == {
        "count": 1,
        "rows": [{"key": key, "field": "totalTxnAmount", "intacct": original, "table": "0.01"}],
    }
    totals = error.result["totals"]["totalTxnAmount"]
    assert totals["intacct"] != totals["table"]
    assert key in str(error) and "0.01" in str(error) and "1 different" in str(error)


def test_decimals_compare_as_decimals(loaded):
    row = rows(loaded)[0]
    execute(
        loaded,
        "UPDATE intacct_bills SET total_txn_amount = ? WHERE key = ?",
        (row["total_txn_amount"].rstrip("0"), row["key"]),
    )
    assert tie_out()[1]["different"]["count"] == 0


def test_a_deleted_or_soft_deleted_row_is_missing(loaded):
    gone, flagged = keys(loaded)[1], keys(loaded)[2]
    execute(loaded, "DELETE FROM intacct_bills WHERE key = ?", (gone,))
    execute(loaded, "UPDATE intacct_bills SET _deleted = 1 WHERE key = ?", (flagged,))
    error = failure()
    assert error.result["missing"] == {"count": 2, "keys": sorted([gone, flagged], key=int)}
    assert "missing from the table" in str(error)


def test_an_extra_row_is_reported(loaded):
    execute(
        loaded,
        "INSERT INTO intacct_bills (key, total_txn_amount, state, _synced_at, _deleted) VALUES (?, ?, ?, ?, 0)",
        ("990001", "12.00", "posted", "2026-01-01T00:00:00Z"),
    )
    error = failure()
    assert error.result["extra"] == {"count": 1, "keys": ["990001"]}
    totals = error.result["totals"]["totalTxnAmount"]
    assert Decimal(totals["table"]) - Decimal(totals["intacct"]) == 12


def test_a_record_deleted_in_intacct_but_live_in_the_table_is_extra(loaded, hook):
    key = delete_any(hook, keys(loaded))
    assert failure().result["extra"]["keys"] == [key]


def test_warn_logs_the_differences_and_succeeds(loaded, capsys):
    key = keys(loaded)[0]
    execute(loaded, "UPDATE intacct_bills SET state = 'paid' WHERE key = ?", (key,))
    _operator, result = tie_out(on_mismatch="warn")
    assert result["different"]["rows"][0]["field"] == "state" and result["different"]["rows"][0]["table"] == "paid"
    logged = capsys.readouterr().out  # the task logger writes the warning with its table of differences
    assert "does not tie out" in logged and f"{key} " in logged


def test_lists_are_cut_at_max_reported_but_counts_are_not(loaded):
    execute(loaded, "DELETE FROM intacct_bills")
    result = failure(max_reported="3").result
    assert result["missing"]["count"] == result["checked"] > 3
    assert len(result["missing"]["keys"]) == 3


def test_a_window_checks_only_its_records(loaded, intacct_sandbox, hook):
    stamps = sorted(r["audit"]["modifiedDateTime"] for r in intacct_sandbox.records(BILL))
    since = stamps[-5]
    in_window = [r["key"] for r in intacct_sandbox.records(BILL) if r["audit"]["modifiedDateTime"] >= since]
    outside = next(r["key"] for r in intacct_sandbox.records(BILL) if r["audit"]["modifiedDateTime"] < since)
    _operator, result = tie_out(modified_since=since)
    assert result["checked"] == len(in_window) and result["extra"]["count"] == 0
    execute(loaded, "UPDATE intacct_bills SET state = 'paid' WHERE key = ?", (outside,))
    assert tie_out(modified_since=since)[1]["different"]["count"] == 0  # outside the window: not checked
    deleted = delete_any(hook, in_window)
    assert failure(modified_since=since).result["extra"]["keys"] == [deleted]


def delete_any(hook, keys):
    """Delete the first of ``keys`` Intacct lets go (a bill with payments cannot be deleted)."""
    for key in keys:
        try:
            hook.delete_record("bill", key)
        except IntacctRequestError:
            continue
        return key
    raise AssertionError("no deletable bill")


def test_filters_narrow_the_check_without_calling_other_records_extra(loaded, intacct_sandbox):
    _operator, result = tie_out(filters={"vendor.id": "VEND-100"})
    expected = [r for r in intacct_sandbox.records(BILL) if r["vendor"]["id"] == "VEND-100"]
    assert result["checked"] == len(expected) and result["extra"]["count"] == 0


def test_compare_names_other_fields(loaded):
    key = keys(loaded)[0]
    execute(loaded, "UPDATE intacct_bills SET due_date = '2099-01-01' WHERE key = ?", (key,))
    assert tie_out()[1]["different"]["count"] == 0
    assert failure(compare=["dueDate", "totalTxnAmountDue"]).result["different"]["rows"][0]["field"] == "dueDate"


def test_arguments_are_checked_before_any_request(loaded, intacct_sandbox):
    for kwargs, parameter in (
        ({"on_mismatch": "ignore"}, "on_mismatch"),
        ({"max_reported": 0}, "max_reported"),
        ({"object": "general-ledger/budget"}, "compare"),
        ({"table": "Bills"}, "table"),
    ):
        with pytest.raises(IntacctValidationError) as raised:
            tie_out(**kwargs)
        assert raised.value.parameter == parameter
    assert not intacct_sandbox.requests


def test_a_column_the_table_lacks_is_named(loaded):
    load(fields=["id"], table="narrow")
    with pytest.raises(IntacctWarehouseError, match=r"no column for isOnHold \(is_on_hold\)"):
        tie_out(table="narrow", compare=["isOnHold"])


def test_entity_scoped_tables_tie_out_per_entity(loaded, intacct_conn):
    for entity in ("US", "UK"):
        intacct_conn(entity_id=entity)
        load(table="entity_bills")
    for entity in ("US", "UK"):
        intacct_conn(entity_id=entity)
        assert tie_out(table="entity_bills")[1]["missing"]["count"] == 0


def test_lineage_names_the_object_and_the_table_with_its_assertions(loaded):
    key = keys(loaded)[0]
    execute(loaded, "UPDATE intacct_bills SET state = 'paid' WHERE key = ?", (key,))
    operator, _result = tie_out(on_mismatch="warn")
    lineage = operator.get_openlineage_facets_on_complete(None)
    source, table = lineage.inputs
    assert (source.namespace, source.name) == ("intacct://SANDBOX-CO", BILL)
    assert (table.namespace, table.name) == (f"sqlite://{loaded}", "intacct_bills")
    assertions = {a.assertion: a.success for a in table.inputFacets["dataQualityAssertions"].assertions}
    assert assertions == {
        "missing": True,
        "extra": True,
        "equal_total_txn_amount": True,
        "equal_state": False,
        "total_totalTxnAmount": True,
    }
    loader = IntacctToSqlOperator(task_id="l", object="bill", sql_conn_id=CONN_ID, table="intacct_bills")
    loader.execute(context())
    written = loader.get_openlineage_facets_on_complete(None)
    (output,) = written.outputs
    assert (output.namespace, output.name) == (f"sqlite://{loaded}", "intacct_bills")
    types = {f.name: f.type for f in output.facets["schema"].fields}
    assert types["total_txn_amount"] == "TEXT" and types["_deleted"] == "BOOLEAN" and types["key"] == "TEXT"

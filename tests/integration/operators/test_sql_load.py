"""IntacctToSqlOperator against the sandbox into SQLite: modes, deletions, columns, exact money, crash safety."""

from __future__ import annotations

import datetime as dt

import pytest
from warehouse_helpers import (
    BILL,
    CONN_ID,
    column_types,
    context,
    exact_total,
    execute,
    rows,
    sandbox_total,
    without,
)

from intacct_provider.exceptions import IntacctValidationError, IntacctWarehouseError
from intacct_provider.operators import IntacctToSqlOperator

FIELDS = ["id", "vendor.id", "billNumber", "state", "totalTxnAmount", "dueDate", "isOnHold", "audit.modifiedDateTime"]


def load(**kwargs):
    arguments = {"task_id": "load", "object": "bill", "sql_conn_id": CONN_ID, "table": "intacct_bills", **kwargs}
    return IntacctToSqlOperator(**arguments).execute(context())


def test_merge_loads_every_bill_with_exact_money_and_a_rerun_changes_nothing(warehouse, intacct_sandbox):
    first = load(fields=FIELDS)
    expected = len(intacct_sandbox.records(BILL))
    assert first == {
        "table": "intacct_bills",
        "rows": expected,
        "inserted": expected,
        "updated": 0,
        "deleted": 0,
        "window": [None, None],
    }
    stored = rows(warehouse)
    assert exact_total(stored) == sandbox_total(intacct_sandbox)  # to the cent, summed as decimals
    assert column_types(warehouse)["total_txn_amount"] == "TEXT"  # SQLite: the exact decimal text
    assert column_types(warehouse)["due_date"] == "DATE"
    bill = intacct_sandbox.get_record(BILL, stored[0]["key"])
    assert stored[0]["total_txn_amount"] == bill["totalTxnAmount"]
    assert stored[0]["vendor_id"] == bill["vendor"]["id"]
    assert {r["is_on_hold"] for r in stored} <= {0, 1, None}
    assert stored[0]["_deleted"] == 0 and stored[0]["_deleted_at"] is None
    assert stored[0]["_synced_at"].endswith("Z")

    again = load(fields=FIELDS)
    assert (again["inserted"], again["updated"], again["deleted"]) == (0, 0, 0)
    after = rows(warehouse)
    assert without(after, "_synced_at") == without(stored, "_synced_at")
    assert after[0]["_synced_at"] > stored[0]["_synced_at"]  # every row read carries the run's time


def test_merge_counts_only_rows_whose_values_changed(warehouse, intacct_sandbox, hook):
    load(fields=FIELDS)
    key = rows(warehouse)[0]["key"]
    hook.update_record("bill", key, {"description": "changed", "dueDate": "2027-01-31"})
    result = load(fields=FIELDS)
    assert (result["inserted"], result["updated"]) == (0, 1)
    assert next(r for r in rows(warehouse) if r["key"] == key)["due_date"] == "2027-01-31"


def test_default_fields_are_every_scalar_field_of_the_record(warehouse, intacct_sandbox):
    load()
    columns = column_types(warehouse)
    for name in ("key", "vendor_id", "total_txn_amount", "audit_modified_date_time", "currency_exchange_rate_rate"):
        assert name in columns
    assert "lines" not in columns and "location" not in columns  # arrays and opaque objects are not header columns
    assert {"_synced_at", "_deleted", "_deleted_at"} <= set(columns)
    assert "_entity" not in columns


def test_a_window_loads_only_what_changed_in_it(warehouse, intacct_sandbox):
    stamps = sorted(r["audit"]["modifiedDateTime"] for r in intacct_sandbox.records(BILL))
    since, until = stamps[len(stamps) // 2], "2099-01-01T00:00:00Z"
    result = load(fields=FIELDS, modified_since=since, modified_until=until, lookback="0")
    expected = {r["key"] for r in intacct_sandbox.records(BILL) if r["audit"]["modifiedDateTime"] >= since}
    assert {r["key"] for r in rows(warehouse)} == expected
    assert result["window"] == [since, until] and result["rows"] == len(expected)


def test_append_keeps_every_read_as_new_rows(warehouse, intacct_sandbox):
    first = load(fields=FIELDS, mode="append")
    second = load(fields=FIELDS, mode="append")
    count = len(intacct_sandbox.records(BILL))
    assert first["inserted"] == second["inserted"] == count
    stored = rows(warehouse, order="key, _synced_at")
    assert len(stored) == 2 * count
    assert len({r["_synced_at"] for r in stored}) == 2


def test_replace_rebuilds_the_table_and_counts_what_changed(warehouse, intacct_sandbox, hook):
    load(fields=FIELDS, mode="replace")
    execute(warehouse, "INSERT INTO intacct_bills (key, _synced_at, _deleted) VALUES ('99999', 'x', 0)")
    gone = rows(warehouse)[1]["key"]
    hook.delete_record("bill", gone)
    result = load(fields=FIELDS, mode="replace")
    keys = {r["key"] for r in rows(warehouse)}
    assert gone not in keys and "99999" not in keys
    assert keys == {r["key"] for r in intacct_sandbox.records(BILL)}
    assert (result["inserted"], result["updated"], result["deleted"]) == (0, 0, 2)
    assert not [name for name in column_types(warehouse) if "intacct_new" in name]


def test_replace_refuses_track_deletes_before_any_request(warehouse, intacct_sandbox):
    with pytest.raises(IntacctValidationError, match="track_deletes"):
        load(mode="replace", track_deletes=True)
    assert not intacct_sandbox.requests


def test_new_fields_become_columns_or_fail_as_asked(warehouse, intacct_sandbox):
    load(fields=["id", "totalTxnAmount"])
    with pytest.raises(IntacctWarehouseError, match=r"no column for dueDate \(due_date\).*on_new_fields='fail'"):
        load(fields=["id", "totalTxnAmount", "dueDate"], on_new_fields="fail")
    assert "due_date" not in column_types(warehouse)
    result = load(fields=["id", "totalTxnAmount", "dueDate"])
    assert "due_date" in column_types(warehouse)
    assert result["updated"] == len(intacct_sandbox.records(BILL))  # each row's new column got its value
    assert all(r["due_date"] for r in rows(warehouse))


def test_a_column_the_load_no_longer_reads_is_written_as_null(warehouse, intacct_sandbox):
    load(fields=["id", "totalTxnAmount", "dueDate"])
    result = load(fields=["id", "totalTxnAmount"])
    assert result["updated"] == len(intacct_sandbox.records(BILL))
    assert {r["due_date"] for r in rows(warehouse)} == {None}


def test_values_are_bound_never_spliced(warehouse, intacct_sandbox, hook):
    hostile = "x'); DROP TABLE intacct_bills; --"
    key = rows_after_first_load(warehouse)[0]["key"]
    hook.update_record("bill", key, {"description": hostile})
    load(fields=["id", "description"])
    assert next(r for r in rows(warehouse) if r["key"] == key)["description"] == hostile


def rows_after_first_load(path):
    load(fields=["id", "description"])
    return rows(path)


def test_unsafe_or_colliding_field_names_are_refused_before_any_request(warehouse, intacct_sandbox):
    with pytest.raises(IntacctWarehouseError, match=r"'vendor\.id' and 'vendorId' would both be column 'vendor_id'"):
        load(fields=["vendor.id", "vendorId"])
    assert not [r for r in intacct_sandbox.requests if r["path"].endswith("/query")]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"mode": "upsert"}, "mode"),
        ({"deletes": "purge"}, "deletes"),
        ({"on_new_fields": "ignore"}, "on_new_fields"),
        ({"create_table": "perhaps"}, "create_table"),
        ({"table": "Intacct Bills"}, "table"),
        ({"schema": "a.b"}, "schema"),
        ({"sql_conn_id": ""}, "sql_conn_id"),
        ({"lookback": "-1"}, "lookback"),
        ({"modified_since": "yesterday"}, "modified_since"),
        ({"fields": "not json"}, "fields"),
    ],
)
def test_bad_arguments_fail_naming_them_before_any_request(warehouse, intacct_sandbox, kwargs, parameter):
    with pytest.raises(IntacctValidationError) as raised:
        load(**kwargs)
    assert raised.value.parameter == parameter
    assert not intacct_sandbox.requests


def test_templated_text_arguments_are_accepted(warehouse, intacct_sandbox):
    result = load(fields='["id", "totalTxnAmount"]', mode=" MERGE ", create_table="True", lookback="3600")
    assert result["inserted"] == len(intacct_sandbox.records(BILL))


def test_a_missing_table_is_refused_without_create_table(warehouse, intacct_sandbox):
    with pytest.raises(IntacctWarehouseError, match="does not exist and create_table=False"):
        load(fields=["id"], create_table=False)


def test_a_table_not_made_by_the_load_is_refused(warehouse, intacct_sandbox):
    execute(warehouse, "CREATE TABLE intacct_bills (key TEXT PRIMARY KEY, id TEXT)")
    with pytest.raises(IntacctWarehouseError, match="lacks _synced_at, _deleted, _deleted_at"):
        load(fields=["id"])


def test_entities_share_one_table_keyed_by_entity(warehouse, intacct_sandbox, intacct_conn):
    for entity in ("US", "UK"):
        intacct_conn(entity_id=entity)
        result = load(fields=FIELDS, table="entity_bills")
        assert result["inserted"] == len(intacct_sandbox.records(BILL, entity))
    stored = rows(warehouse, "entity_bills")
    assert {r["_entity"] for r in stored} == {"US", "UK"}
    for entity in ("US", "UK"):
        mine = [r for r in stored if r["_entity"] == entity]
        assert exact_total(mine) == sandbox_total(intacct_sandbox, entity)
    intacct_conn(entity_id="US")
    assert load(fields=FIELDS, table="entity_bills")["inserted"] == 0
    assert len(rows(warehouse, "entity_bills")) == len(stored)  # UK's rows untouched
    intacct_conn()
    with pytest.raises(IntacctWarehouseError, match="has an _entity column"):
        load(fields=FIELDS, table="entity_bills")


def test_replace_in_one_entity_keeps_the_others(warehouse, intacct_sandbox, intacct_conn):
    for entity in ("US", "UK"):
        intacct_conn(entity_id=entity)
        load(fields=FIELDS, table="entity_bills", mode="replace")
    stored = rows(warehouse, "entity_bills")
    assert {r["_entity"] for r in stored} == {"US", "UK"}
    assert len(stored) == len(intacct_sandbox.records(BILL, "US")) + len(intacct_sandbox.records(BILL, "UK"))


def test_the_run_time_is_utc(warehouse, intacct_sandbox):
    before = dt.datetime.now(dt.UTC)
    load(fields=["id"])
    after = dt.datetime.now(dt.UTC)
    synced = {dt.datetime.fromisoformat(r["_synced_at"].replace("Z", "+00:00")) for r in rows(warehouse)}
    assert len(synced) == 1 and before <= synced.pop() <= after


def test_the_object_asset_event_carries_the_load_counts(warehouse, intacct_sandbox):
    from types import SimpleNamespace

    class OutletEvents(dict):
        """Airflow's accessor, keyed by URI (an Asset is not hashable on Airflow 3.1)."""

        def __getitem__(self, asset):
            return self.setdefault(asset.uri, SimpleNamespace())

    ctx = {**context(), "outlet_events": OutletEvents()}
    operator = IntacctToSqlOperator(
        task_id="load", object="bill", sql_conn_id=CONN_ID, table="intacct_bills", fields=["id"],
        emit_asset=True, asset_company_id="SANDBOX-CO",
    )  # fmt: skip
    result = operator.execute(ctx)
    (asset,) = operator.outlets
    assert asset.uri == "intacct://SANDBOX-CO/accounts-payable/bill"
    assert ctx["outlet_events"][asset].extra == result

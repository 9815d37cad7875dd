"""The warehouse load and tie-out on a real PostgreSQL: exact NUMERIC, real types, the merge path.

Skipped where PostgreSQL's server binaries are missing (``make e2e`` installs them).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import postgres_server
import pytest
from warehouse_helpers import BILL, context, sandbox_total

from intacct_provider.hooks.intacct import IntacctHook
from intacct_provider.operators import IntacctTieOutOperator, IntacctToSqlOperator
from intacct_provider.operators.execute.warehouse.target import sql_hook

pytestmark = pytest.mark.skipif(not postgres_server.available(), reason="PostgreSQL server binaries not installed")
CONN_ID = "finance"


@pytest.fixture(scope="module")
def postgres():
    with postgres_server.PostgresServer() as server:
        yield server


@pytest.fixture
def finance(postgres, monkeypatch, intacct_conn, request):
    database = f"finance_{abs(hash(request.node.name)) % 10**8}"
    postgres.create_database(database)
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(postgres.connection(database)))
    return sql_hook(CONN_ID)


def load(**kwargs):
    arguments = {"task_id": "load", "object": "bill", "sql_conn_id": CONN_ID, "table": "intacct_bills", **kwargs}
    return IntacctToSqlOperator(**arguments).execute(context())


def test_merge_on_postgres_keeps_money_exact_and_types_real(finance, intacct_sandbox, hook):
    count = len(intacct_sandbox.records(BILL))
    assert load()["inserted"] == count
    types = dict(
        finance.get_records(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'intacct_bills'"
        )
    )
    assert types["total_txn_amount"] == "numeric"
    assert types["due_date"] == "date"
    assert types["audit_modified_date_time"] == "timestamp with time zone"
    assert types["is_on_hold"] == types["_deleted"] == "boolean"
    (total,) = finance.get_first("SELECT SUM(total_txn_amount) FROM intacct_bills")
    assert isinstance(total, Decimal) and total == sandbox_total(intacct_sandbox)  # NUMERIC's own exact SUM
    key, stamp = finance.get_first("SELECT key, audit_modified_date_time FROM intacct_bills ORDER BY key LIMIT 1")
    record = intacct_sandbox.get_record(BILL, key)
    assert stamp == dt.datetime.fromisoformat(record["audit"]["modifiedDateTime"].replace("Z", "+00:00"))

    again = load()
    assert (again["inserted"], again["updated"], again["deleted"]) == (0, 0, 0)
    hook.update_record("bill", key, {"description": "changed"})
    changed = load()
    assert (changed["inserted"], changed["updated"]) == (0, 1)
    tie = IntacctTieOutOperator(task_id="t", object="bill", sql_conn_id=CONN_ID, table="intacct_bills")
    result = tie.execute(context())
    assert result["different"]["count"] == result["missing"]["count"] == result["extra"]["count"] == 0
    assert result["totals"]["totalTxnAmount"]["table"] == str(sandbox_total(intacct_sandbox))


def test_a_failed_load_on_postgres_rolls_back_whole(finance, intacct_sandbox, hook, monkeypatch):
    load(fields=["id", "description"])
    before = finance.get_records("SELECT key, description, _synced_at FROM intacct_bills ORDER BY key")
    hook.update_record("bill", before[0][0], {"description": "changed"})
    real = IntacctHook.iter_query

    def dying(self, *args, **kwargs):
        for count, row in enumerate(real(self, *args, **kwargs)):
            if count == 30:
                raise ConnectionResetError("killed between pages")
            yield row

    monkeypatch.setattr(IntacctHook, "iter_query", dying)
    with pytest.raises(ConnectionResetError):
        load(fields=["id", "description"])
    assert finance.get_records("SELECT key, description, _synced_at FROM intacct_bills ORDER BY key") == before


def test_new_fields_and_entities_on_postgres(finance, intacct_sandbox, intacct_conn):
    for entity in ("US", "UK"):
        intacct_conn(entity_id=entity)
        load(fields=["id"], table="entity_bills")
    intacct_conn(entity_id="US")
    result = load(fields=["id", "totalTxnAmount"], table="entity_bills")
    assert result["updated"] == len(intacct_sandbox.records(BILL, "US"))
    (total,) = finance.get_first("SELECT SUM(total_txn_amount) FROM entity_bills WHERE _entity = 'US'")
    assert total == sandbox_total(intacct_sandbox, "US")
    (uk_amounts,) = finance.get_first("SELECT COUNT(total_txn_amount) FROM entity_bills WHERE _entity = 'UK'")
    assert uk_amounts == 0

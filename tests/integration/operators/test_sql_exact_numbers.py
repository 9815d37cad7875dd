"""A number field loads into a warehouse table exactly, and the tie-out compares it exactly.

The rows ``IntacctToSqlOperator`` writes hold what :func:`~intacct_provider.core.exact_json.loads`
read: ``Decimal("12345678901234567.89")``, never the float ``12345678901234568.0``. So the table
holds every digit (SQLite: the decimal text; PostgreSQL: ``NUMERIC``), the tie-out's totals are
exact sums, and a table value one cent off a 19-digit amount (one float, two amounts) is reported.
The company is the one of ``test_exact_numbers.py``: a custom object whose ``nsp::AMOUNT`` is a
number field, seeded from a tenant file written as JSON text.
"""

from __future__ import annotations

import json
from decimal import Decimal

import postgres_server
import pytest
from test_exact_numbers import BIG, HUGE_UNITS, SEEDED, TENANT
from warehouse_helpers import CONN_ID, column_types, context, execute, rows, sqlite_connection

from intacct_provider.core.exact_json import loads
from intacct_provider.exceptions import IntacctTieOutError, IntacctWarehouseError
from intacct_provider.operators import IntacctTieOutOperator, IntacctToSqlOperator
from intacct_provider.operators.execute.warehouse.target import sql_hook

TABLE = "ledger_lines"
CENT_LESS = "12345678901234567.88"  # the same float as BIG
TOTAL = sum(SEEDED.values(), Decimal(0))  # 12345678901234627.29


@pytest.fixture
def intacct_tenant(tmp_path):
    """The ledger company, its integer beyond 64 bits made small: a BIGINT column cannot hold it."""
    path = tmp_path / "ledger_tenant.json"
    path.write_text(TENANT.replace(str(HUGE_UNITS), "4"), encoding="utf-8")
    return str(path)


def load(conn_id: str) -> dict:
    operator = IntacctToSqlOperator(task_id="load", object="nsp::ledger_line", sql_conn_id=conn_id, table=TABLE)
    return operator.execute(context())


def tie_out(conn_id: str) -> dict:
    operator = IntacctTieOutOperator(
        task_id="tie_out", object="nsp::ledger_line", sql_conn_id=conn_id, table=TABLE, compare=["nsp::AMOUNT"]
    )
    try:
        return operator.execute(context())
    except IntacctTieOutError as exc:
        return exc.result


def assert_ties_out_then_catches_a_cent(conn_id: str, big_key: str, set_amount) -> None:
    clean = tie_out(conn_id)
    assert (clean["different"]["count"], clean["missing"]["count"], clean["extra"]["count"]) == (0, 0, 0)
    assert clean["totals"]["nsp::AMOUNT"] == {"intacct": str(TOTAL), "table": str(TOTAL)}
    set_amount(big_key, CENT_LESS)
    drift = tie_out(conn_id)
    assert drift["different"]["rows"] == [{"key": big_key, "field": "nsp::AMOUNT", "intacct": BIG, "table": CENT_LESS}]
    assert Decimal(drift["totals"]["nsp::AMOUNT"]["intacct"]) - Decimal(drift["totals"]["nsp::AMOUNT"]["table"]) == (
        Decimal("0.01")
    )


def test_sqlite_holds_every_digit_and_the_tie_out_sees_a_cent(tmp_path, monkeypatch, intacct_conn, intacct_sandbox):
    path = tmp_path / "warehouse.db"
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", sqlite_connection(path))
    assert load(CONN_ID)["inserted"] == 4
    assert column_types(path, TABLE)["nsp__amount"] == "TEXT"  # exact decimal text: SQLite's NUMERIC is a float
    stored = {r["name"]: r["nsp__amount"] for r in rows(path, TABLE)}
    assert stored == {"big": BIG, "tenth": "0.1", "fifth": "0.2", "freight": "59.10"}
    big_key = next(r["key"] for r in rows(path, TABLE) if r["name"] == "big")

    def set_amount(key: str, text: str) -> None:
        execute(path, f"UPDATE {TABLE} SET nsp__amount = ? WHERE key = ?", (text, key))  # noqa: S608

    assert_ties_out_then_catches_a_cent(CONN_ID, big_key, set_amount)


def test_an_integer_no_column_can_hold_is_refused_by_name(tmp_path, monkeypatch, intacct_conn, intacct_sandbox):
    """Never truncated, never a driver's OverflowError: a permanent error naming the record and the field."""
    intacct_sandbox.reset(tenant=loads(TENANT))  # the ledger company with its integer beyond 64 bits
    path = tmp_path / "warehouse.db"
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", sqlite_connection(path))
    with pytest.raises(IntacctWarehouseError, match=rf"field 'nsp::UNITS': {HUGE_UNITS} is not a integer value"):
        load(CONN_ID)


@pytest.mark.skipif(not postgres_server.available(), reason="PostgreSQL server binaries not installed")
def test_postgres_numeric_holds_every_digit_and_the_tie_out_sees_a_cent(monkeypatch, intacct_conn, intacct_sandbox):
    with postgres_server.PostgresServer() as server:
        server.create_database("ledger")
        monkeypatch.setenv("AIRFLOW_CONN_FINANCE", json.dumps(server.connection("ledger")))
        finance = sql_hook("finance")
        assert load("finance")["inserted"] == 4
        stored = dict(finance.get_records(f"SELECT name, nsp__amount FROM {TABLE}"))  # noqa: S608
        assert stored == SEEDED and all(type(v) is Decimal for v in stored.values())
        assert {name: str(v) for name, v in stored.items()}["freight"] == "59.10"  # NUMERIC keeps the scale
        (total,) = finance.get_first(f"SELECT SUM(nsp__amount) FROM {TABLE}")  # noqa: S608
        assert total == TOTAL
        (big_key,) = finance.get_first(f"SELECT key FROM {TABLE} WHERE name = 'big'")  # noqa: S608

        def set_amount(key: str, text: str) -> None:
            finance.run(f"UPDATE {TABLE} SET nsp__amount = %s WHERE key = %s", parameters=(Decimal(text), key))  # noqa: S608

        assert_ties_out_then_catches_a_cent("finance", big_key, set_amount)

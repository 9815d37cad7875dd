"""Shared by the warehouse tests: a SQLite warehouse connection, the operators' context, table reads."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

BILL = "accounts-payable/bill"
CONN_ID = "warehouse"


def sqlite_connection(path: Path) -> str:
    """The Airflow connection JSON of a SQLite file (the form the sqlite provider accepts)."""
    return json.dumps({"conn_type": "sqlite", "host": str(path)})


class FakeTI(SimpleNamespace):
    """The task instance the operators touch: ``xcom_push`` (a failing tie-out pushes its result)."""

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def context() -> dict[str, Any]:
    return {"ti": FakeTI(dag_id="d", task_id="t", run_id="r", map_index=-1, pushed={}), "outlet_events": {}}


def rows(path: Path, table: str = "intacct_bills", order: str = "key") -> list[dict[str, Any]]:
    """Every row of ``table`` as dicts, ordered by ``order``."""
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]  # noqa: S608


def without(records: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in names} for r in records]


def column_types(path: Path, table: str = "intacct_bills") -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return {r[1]: r[2] for r in conn.execute(f"PRAGMA table_info({table})")}


def exact_total(records: list[dict[str, Any]], column: str = "total_txn_amount") -> Decimal:
    return sum((Decimal(r[column]) for r in records if r[column] is not None), Decimal(0))


def sandbox_total(sandbox: Any, entity: str | None = None) -> Decimal:
    return sum((Decimal(r["totalTxnAmount"]) for r in sandbox.records(BILL, entity)), Decimal(0))


def execute(sql_path: Path, statement: str, parameters: tuple[Any, ...] = ()) -> None:
    with sqlite3.connect(sql_path) as conn:
        conn.execute(statement, parameters)

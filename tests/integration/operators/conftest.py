"""Fixtures the operator tests share: the SQLite warehouse the warehouse operators load into."""

from __future__ import annotations

from pathlib import Path

import pytest
from warehouse_helpers import CONN_ID, sqlite_connection


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, intacct_conn: object) -> Path:
    """An empty SQLite file behind the Airflow connection ``CONN_ID`` (the Intacct connection set too)."""
    path = tmp_path / "warehouse.db"
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", sqlite_connection(path))
    return path

"""Shared pieces of the bulk integration tests: records, a task context, counting what Intacct holds."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest

BILL = "accounts-payable/bill"
BILL_POST = "/objects/accounts-payable/bill$"


def bills(count: int, tag: str, numbered: bool = True, vendor: str = "VEND-100") -> list[dict[str, Any]]:
    """Bill records shaped like IntacctCreateBillOperator's arguments; ``description`` identifies each."""
    records = []
    for i in range(count):
        record: dict[str, Any] = {
            "vendor_id": vendor,
            "date_created": "2026-11-02",
            "date_due": "2026-12-02",
            "description": f"{tag}-{i}",
            "currency": "USD",
            "line_items": [{"glaccountno": "6700", "amount": f"{i + 1}.25", "memo": "bulk", "locationid": "US"}],
        }
        if numbered:
            record["bill_number"] = f"{tag}-{i}"
        records.append(record)
    return records


class MemoryStore(dict):
    """The slice of ``task_state_store`` the bulk operators use (values round-trip through JSON)."""

    def set(self, key: str, value: Any, **_kw: Any) -> None:
        self[key] = json.loads(json.dumps(value))


def context(store: MemoryStore | None = None, try_number: int = 1, task_id: str = "bulk") -> dict[str, Any]:
    ti = SimpleNamespace(dag_id="bulk_tests", task_id=task_id, run_id="run-1", map_index=-1, try_number=try_number)
    ctx: dict[str, Any] = {"ti": ti}
    if store is not None:
        ctx["task_state_store"] = store
    return ctx


def copies(sandbox: Any, tag: str) -> Counter[str]:
    """How many bills Intacct holds per description of this test's records."""
    return Counter(
        r["description"] for r in sandbox.records(BILL) if str(r.get("description") or "").startswith(f"{tag}-")
    )


def read_results(path: Any) -> dict[int, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    by_index = {row["index"]: row for row in rows}
    assert len(by_index) == len(rows), "one row per input record"
    return by_index


def bill_posts(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests if r["method"] == "POST" and r["path"] == f"/objects/{BILL}"]


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait milliseconds, not seconds (``backoff`` reads these at call time); import it to use it."""
    monkeypatch.setattr("intacct_provider.core.backoff.BACKOFF_BASE", 0.01)
    monkeypatch.setattr("intacct_provider.core.backoff.BACKOFF_CAP", 0.05)

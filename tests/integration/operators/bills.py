"""Shared by the sync and warehouse tests: a bill made through the hook, dated after every seeded record."""

from __future__ import annotations

from typing import Any


def new_bill(hook: Any, number: str) -> str:
    """Create bill ``number`` (VEND-100, one 10.00 line, due 2029-12-31) and return its key."""
    payload = {
        "vendor": {"id": "VEND-100"},
        "createdDate": "2029-12-01",
        "dueDate": "2029-12-31",
        "billNumber": number,
        "currency": {"txnCurrency": "USD"},
        "lines": [{"glAccount": {"id": "6700"}, "txnAmount": "10.00", "dimensions": {"location": {"id": "US"}}}],
    }
    return hook.create_record("bill", payload)["key"]

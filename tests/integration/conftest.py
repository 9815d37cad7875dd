"""Fixtures of the integration tests: retries that wait milliseconds instead of seconds."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """``backoff`` reads these at call time; a 429's Retry-After is kept short by the tests themselves."""
    monkeypatch.setattr("intacct_provider.retrying.BACKOFF_BASE", 0.01)
    monkeypatch.setattr("intacct_provider.retrying.BACKOFF_CAP", 0.05)

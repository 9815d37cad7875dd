"""The hook's long reads log progress lines and one summary with the billed queries (fake clock)."""

from __future__ import annotations

import logging


class FakeClock:
    """A monotonic clock that moves ``step`` seconds at every reading."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_the_hook_logs_progress_of_a_long_read(intacct_sandbox, hook, caplog, monkeypatch):
    monkeypatch.setattr("intacct_provider.hooks.progress.monotonic", FakeClock(step=4))
    caplog.set_level(logging.INFO, logger="intacct_provider.hooks.intacct")
    intacct_sandbox.clear_requests()
    rows = list(hook.iter_query("bill", fields=["key"], page_size=7))
    queries = [r for r in intacct_sandbox.requests if r["path"].endswith("/services/core/query")]
    messages = [r.getMessage() for r in caplog.records if r.name == "intacct_provider.hooks.intacct"]
    progress = [m for m in messages if m.startswith("accounts-payable/bill: ") and " of " in m]
    assert len(rows) == len(intacct_sandbox.records("accounts-payable/bill")) > 14
    assert progress, messages
    assert all(f" of {len(rows)} rows (" in m for m in progress)
    summary = [m for m in messages if "billed API transactions" in m]
    assert len(summary) == 1
    assert summary[0].startswith(f"accounts-payable/bill: {len(rows)} rows in ")
    assert summary[0].endswith(f", {len(queries)} queries (billed API transactions), 0 retries")

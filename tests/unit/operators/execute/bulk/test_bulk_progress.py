"""Bulk progress: checked after every batch, a line at most every 10 s, one summary (fake clock, caplog)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from intacct_provider.operators.execute.bulk.run import BulkProgress

LOGGER = "intacct.bulk.progress.test"


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_lines_per_batch_at_most_every_ten_seconds_and_a_summary(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    clock = FakeClock()
    transport = SimpleNamespace(retries=3)  # retries before this run are not counted
    writer = SimpleNamespace(requests=0, resends=0, channel=SimpleNamespace(transport=transport))
    progress = BulkProgress(
        "accounts-payable/bill create", 10_000, writer, logger=logging.getLogger(LOGGER), clock=clock
    )
    for batch in range(1, 11):  # ten batches of 500, 4 s apart: lines after 12, 24 and 36 s (batches 3, 6, 9)
        clock.now += 4
        writer.requests += 1
        if batch == 5:
            writer.resends += 1
            transport.retries += 2
        progress.batch(500)
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert lines == [
        "accounts-payable/bill create: 1,500 of 10,000 records (15%), 125 records/s, ETA 1m08s",
        "accounts-payable/bill create: 3,000 of 10,000 records (30%), 125 records/s, ETA 56s",
        "accounts-payable/bill create: 4,500 of 10,000 records (45%), 125 records/s, ETA 44s",
    ]
    clock.now += 40
    summary = progress.finish()
    assert summary == (
        "accounts-payable/bill create: 5,000 records in 1m20s, 10 API requests (billed transactions), 3 retries"
    )
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER][-1] == summary
    progress.finish()
    assert len([r for r in caplog.records if r.name == LOGGER]) == 4  # the summary is logged once

"""Progress lines: at most one per 10 s, checked at every page, and one summary at the end (fake clock)."""

from __future__ import annotations

import logging

import pytest

from intacct_provider.hooks.progress import Progress, duration


class FakeClock:
    """A monotonic clock that moves only when told to (or by ``step`` at every reading)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO, logger="intacct.progress.test")

    def messages():
        return [r.getMessage() for r in caplog.records if r.name == "intacct.progress.test"]

    return messages


def test_lines_at_most_every_ten_seconds_with_rate_and_eta(lines):
    clock = FakeClock()
    progress = Progress(
        "accounts-payable/bill", total=200_000, logger=logging.getLogger("intacct.progress.test"), clock=clock
    )
    for _ in range(6):  # six pages, 4 s apart: lines at 12 s and 24 s only
        clock.now += 4
        progress.advance(4000, queries=1)
    assert lines() == [
        "accounts-payable/bill: 12,000 of 200,000 rows (6%), 1,000 rows/s, ETA 3m08s",
        "accounts-payable/bill: 24,000 of 200,000 rows (12%), 1,000 rows/s, ETA 2m56s",
    ]
    clock.now += 176
    progress.advance(176_000, queries=44, retries=2)
    summary = progress.finish()
    assert summary == "accounts-payable/bill: 200,000 rows in 3m20s, 50 queries (billed API transactions), 2 retries"
    assert lines()[-1] == summary
    progress.finish()
    assert lines().count(summary) == 1  # the summary is written once


def test_unknown_total_and_a_limit():
    clock = FakeClock()
    progress = Progress("general-ledger/account", clock=clock)
    clock.now += 2
    progress.advance(10, queries=1)
    assert progress.line() == "general-ledger/account: 10 rows, 5 rows/s"
    limited = Progress("x/y", limit=100, clock=clock)
    limited.total = 5000
    assert limited.total == 100
    assert Progress("x/y", unit="records", total=0, clock=clock).line() == "x/y: 0 of 0 records, 0 records/s"


def test_one_query_one_retry_are_singular():
    clock = FakeClock()
    progress = Progress("a/b", clock=clock)
    progress.advance(1, queries=1, retries=1)
    clock.now += 0.25
    assert progress.finish() == "a/b: 1 rows in 0.2s, 1 query (billed API transactions), 1 retry"


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.44, "0.4s"), (9.96, "10.0s"), (19.4, "19s"), (79, "1m19s"), (7500, "2h05m")]
)
def test_duration(seconds, text):
    assert duration(seconds) == text


def test_track_checks_the_clock_per_page_not_per_row(lines):
    clock = FakeClock(step=3)  # every reading of the clock moves it 3 s
    progress = Progress("a/b", logger=logging.getLogger("intacct.progress.test"), clock=clock)
    retried = iter([1, 4])

    def rows():
        for page in range(4):
            progress.fetched(total=40)
            yield from range(page * 10, page * 10 + 10)

    assert list(progress.track(rows(), retries=lambda: next(retried))) == list(range(40))
    # started at t+3; clock read once per page (t+6, +9, +12, +15) and once by the summary
    assert lines() == [
        "a/b: 31 of 40 rows (77%), 3 rows/s, ETA 3.5s",
        "a/b: 40 rows in 15s, 4 queries (billed API transactions), 3 retries",
    ]

"""Progress lines for long reads and bulk writes, so a 40-minute sync is not a silent log.

A task that reads 200,000 bills says nothing for half an hour unless someone
counts. :class:`Progress` is told after every page (or batch) how many rows it
brought and logs, at most every :data:`LOG_EVERY` seconds, how far the work is,
its rate and when it should end::

    accounts-payable/bill: 48,000 of 200,000 rows (24%), 1,920 rows/s, ETA 1m19s

and at the end one summary line with what the run cost: Intacct bills every
query (each page is one API transaction), so the count of queries is the
number an administrator compares with the company's transaction allowance::

    accounts-payable/bill: 200,000 rows in 1m44s, 51 queries (billed API transactions), 2 retries

The clock is injectable so tests check the lines without sleeping. For bulk
writes (records, batches of creates), call it the same way::

    progress = Progress("accounts-payable/bill create", total=len(bodies), unit="records", logger=self.log)
    for batch in batches:
        ...  # send one batch
        progress.advance(len(batch), queries=1, retries=retried_in_this_batch)
    progress.finish()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from time import monotonic
from typing import TypeVar

T = TypeVar("T")

#: Least number of seconds between two progress lines (the summary line is always written).
LOG_EVERY = 10.0

_default_log = logging.getLogger(__name__)


class Progress:
    """Counts rows (or records) and API calls of one long operation and logs how it goes.

    :param what: what is being done, e.g. the object path (``accounts-payable/bill``).
    :param total: how many rows are expected (``None`` while unknown; set :attr:`total` later).
    :param limit: most rows the caller will take (``max_records``): caps the total shown.
    :param unit: what a row is called in the lines (``rows``, ``records``).
    :param logger: where the lines go (an operator's ``self.log``).
    :param clock: seconds from a monotonic clock (default ``time.monotonic``); tests pass a fake one.
    :param every: least seconds between two progress lines.
    """

    def __init__(
        self,
        what: str,
        total: int | None = None,
        unit: str = "rows",
        logger: logging.Logger | logging.LoggerAdapter | None = None,
        *,
        limit: int | None = None,
        clock: Callable[[], float] | None = None,
        every: float = LOG_EVERY,
    ) -> None:
        self.what = what
        self.limit = limit
        self.total = total
        self.unit = unit
        self.log = logger or _default_log
        self.clock = clock or monotonic
        self.every = every
        self.done = 0
        self.queries = 0
        self.retries = 0
        self.started = self.clock()
        self._last_line = self.started
        self._finished = False
        self._lock = threading.Lock()
        self._pages_seen = 0

    @property
    def total(self) -> int | None:
        """Rows expected in all (capped by ``limit``), ``None`` while unknown."""
        return self._total

    @total.setter
    def total(self, value: int | None) -> None:
        self._total = value if value is None or self.limit is None else min(value, self.limit)

    def advance(self, count: int, *, queries: int = 0, retries: int = 0) -> None:
        """Add one page's or batch's counts; log a progress line if the last one is old enough."""
        self.done += count
        self.queries += queries
        self.retries += retries
        now = self.clock()
        if now - self._last_line >= self.every:
            self._last_line = now
            self.log.info("%s", self.line(now))

    def fetched(self, total: int | None = None) -> None:
        """Count one query (a page fetched, possibly in a prefetch thread) and learn the total from it."""
        with self._lock:
            self.queries += 1
            if total is not None:
                self.total = total

    def track(self, rows: Iterable[T], retries: Callable[[], int] | None = None) -> Iterator[T]:
        """Yield ``rows``, counting them; check the clock whenever a new page came in; summarise at the end.

        For readers whose pages are fetched elsewhere (``fetched`` is called per page):
        the lines then follow what the consumer has actually taken. ``retries`` reads a
        running retry count; the difference over the read is reported.
        """
        retried_before = retries() if retries else 0
        for row in rows:
            yield row
            self.done += 1
            if self.queries != self._pages_seen:
                self._pages_seen = self.queries
                self.advance(0)
        if retries:
            self.retries += retries() - retried_before
        self.finish()

    def line(self, now: float | None = None) -> str:
        """``<what>: <done> of <total> <unit> (<pct>%), <rate> <unit>/s, ETA <time>``."""
        now = self.clock() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.what}: {self.done:,}"
        if self.total is not None:
            share = f" ({100 * self.done // self.total}%)" if self.total else ""
            text += f" of {self.total:,} {self.unit}{share}"
        else:
            text += f" {self.unit}"
        text += f", {rate:,.0f} {self.unit}/s"
        if self.total is not None and rate > 0:
            text += f", ETA {duration(max(self.total - self.done, 0) / rate)}"
        return text

    def finish(self) -> str:
        """Log (once) and return the summary line: rows, queries, retries, elapsed."""
        elapsed = self.clock() - self.started
        queries = f"{self.queries:,} {'query' if self.queries == 1 else 'queries'} (billed API transactions)"
        retries = f"{self.retries:,} {'retry' if self.retries == 1 else 'retries'}"
        summary = f"{self.what}: {self.done:,} {self.unit} in {duration(elapsed)}, {queries}, {retries}"
        if not self._finished:
            self._finished = True
            self.log.info("%s", summary)
        return summary


def duration(seconds: float) -> str:
    """Short human duration: ``0.4s``, ``19s``, ``1m19s``, ``2h05m``."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"

"""Read every page of a query: the I/O side of :mod:`intacct_provider.core.pages`.

The plan (starts, overlap, repair passes, the query budget, what counts as a
contradiction) is pure and lives in ``core/pages``; this module fetches the pages it
names, concurrently, and yields rows in order. Pages after the first are requested
before the first is handed on, so writing rows out overlaps the round trips.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from intacct_provider.core.answers import total_count
from intacct_provider.core.pages import MAX_REPAIR_PASSES, PagePlan, Row, anchored, check_complete, check_page
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctError

log = logging.getLogger(__name__)

#: Fetch one checked page: ``(spec, start, page_size) -> page``.
PageFetcher = Callable[[QuerySpec, int, int], dict[str, Any]]


def read_all(
    fetch_page: PageFetcher,
    spec: QuerySpec,
    *,
    page_size: int,
    workers: int,
    max_queries: int,
    max_records: int | None = None,
) -> Iterator[Row]:
    """Yield every row of ``spec`` (already :meth:`~QuerySpec.keyed`), each ``key`` once.

    If the data keeps moving through every repair pass the read fails instead of
    returning a partial result.
    """
    counter = _QueryCounter(max_queries)
    seen: set[str] = set()
    for _pass in range(MAX_REPAIR_PASSES + 1):
        stable = True
        total = 0
        for rows, consistent, page_total in _pass_pages(fetch_page, spec, page_size, workers, counter):
            stable, total = stable and consistent, page_total
            for row in rows:
                row_key = str(row["key"])
                if row_key in seen:
                    continue
                seen.add(row_key)
                yield row
                if max_records is not None and len(seen) >= max_records:
                    return
        if stable:
            check_complete(len(seen), total, limit=max_records)
            return
        log.warning("Intacct %s changed while it was being read; reading it again for missed rows", spec.object)
    raise IntacctError(
        f"{spec.object} kept changing during {MAX_REPAIR_PASSES + 1} reads, so rows may have been skipped; "
        "the task fails rather than return a partial result: run it again"
    )


class _QueryCounter:
    """Counts the queries of one read against its budget (shared by the page threads)."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling = ceiling
        self.budget = ceiling
        self.used = 0
        self.planned = False
        self._lock = threading.Lock()

    def plan(self, plan: PagePlan) -> None:
        """Fix the budget from the first pass's plan (``totalCount`` as first reported)."""
        if not self.planned:
            self.budget, self.planned = plan.budget(self.ceiling), True

    def take(self) -> None:
        with self._lock:
            if self.used >= self.budget:
                raise IntacctError(
                    f"this read has made {self.used} queries, its budget (totalCount / page_size, times "
                    f"{MAX_REPAIR_PASSES + 1} passes, at most max_queries={self.ceiling}); the task fails rather "
                    "than query without end"
                )
            self.used += 1


def _pass_pages(
    fetch_page: PageFetcher, spec: QuerySpec, page_size: int, workers: int, counter: _QueryCounter
) -> Iterator[tuple[list[Row], bool, int]]:
    """Yield ``(new rows, nothing moved, totalCount)`` page by page, prefetching concurrently."""

    def fetch(start: int, asked: int) -> dict[str, Any]:
        counter.take()
        return fetch_page(spec, start, asked)

    first = fetch(1, page_size)
    total = total_count(first)
    previous = check_page(first, start=1, asked=page_size, total=total)
    plan = PagePlan(page_size, total)
    counter.plan(plan)
    starts = plan.starts()
    if not starts:
        yield previous, True, total
        return
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="intacct-page") as pool:
        pending: list[tuple[int, Future[dict[str, Any]]]] = [
            (s, pool.submit(fetch, s, plan.fetch)) for s in starts[:workers]
        ]
        next_index = len(pending)
        try:
            yield previous, True, total
            while pending:
                start, future = pending.pop(0)
                page = future.result()
                if next_index < len(starts):
                    following = starts[next_index]
                    pending.append((following, pool.submit(fetch, following, plan.fetch)))
                    next_index += 1
                rows = check_page(page, start=start, asked=plan.fetch, total=total)
                joined = anchored(rows, previous)
                yield (rows[1:] if joined else rows), joined and total_count(page) == total, total
                previous = rows
        finally:
            for _start, waiting in pending:
                waiting.cancel()

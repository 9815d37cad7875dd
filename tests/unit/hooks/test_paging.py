"""hooks.paging: a full read over pages that overlap by one row, without a server.

``Pages`` answers ``(spec, start, size)`` from a list of rows the way the query service does
(``totalCount``, ``next``), and can move rows between the calls as a company being written to does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from intacct_provider.core.pages import MAX_REPAIR_PASSES
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctError, IntacctProtocolError
from intacct_provider.hooks.paging import read_all

SPEC = QuerySpec.build("bill").keyed()


class Pages:
    """Query pages over ``keys``; ``before`` runs before each answer (to move rows mid-read)."""

    def __init__(self, count: int, before: Callable[[Pages, int], None] | None = None) -> None:
        self.keys = list(range(1, count + 1))
        self.before = before
        self.asked: list[tuple[int, int]] = []
        self.lock = threading.Lock()

    def __call__(self, spec: QuerySpec, start: int, size: int) -> dict[str, Any]:
        with self.lock:
            self.asked.append((start, size))
            if self.before is not None:
                self.before(self, len(self.asked))
            rows = [{"key": str(key)} for key in self.keys[start - 1 : start - 1 + size]]
            following = start + size if start - 1 + size < len(self.keys) else None
            return {"ia::result": rows, "ia::meta": {"totalCount": len(self.keys), "next": following}}


def read(pages: Callable[..., dict[str, Any]], *, page_size=10, workers=2, max_queries=1000, max_records=None):
    rows = read_all(pages, SPEC, page_size=page_size, workers=workers, max_queries=max_queries, max_records=max_records)
    return [int(row["key"]) for row in rows]


def test_one_page_is_one_query():
    pages = Pages(7)
    assert read(pages) == list(range(1, 8))
    assert pages.asked == [(1, 10)]


def test_later_pages_start_one_row_early_and_every_key_comes_once():
    pages = Pages(35)
    assert read(pages) == list(range(1, 36))
    assert sorted(pages.asked) == [(1, 10), (10, 11), (20, 11), (30, 11)]  # each re-reads the last row before it


def test_a_record_deleted_mid_read_makes_a_repair_pass_that_misses_nothing():
    """Row 5 goes after the first page was read: every later row shifts up one, so without the overlap
    row 11 would fall between pages 1 and 2. The page that does not join up triggers a second pass."""

    def delete_row_5(pages: Pages, call: int) -> None:
        if call == 2:
            pages.keys.remove(5)

    pages = Pages(30, delete_row_5)
    assert read(pages, workers=1) == list(range(1, 31))  # row 5 was read before it went; 11 is not lost
    assert pages.asked[:3] == [(1, 10), (10, 11), (20, 11)] and pages.asked[3] == (1, 10)  # read again


def test_a_read_that_keeps_moving_fails_rather_than_return_a_partial_result():
    def insert_always(pages: Pages, call: int) -> None:
        pages.keys.insert(0, -call)  # a new row before everything, on every call

    with pytest.raises(IntacctError, match=f"kept changing during {MAX_REPAIR_PASSES + 1} reads"):
        read(Pages(30, insert_always), workers=1)


def test_max_records_stops_the_read():
    pages = Pages(100)
    assert read(pages, max_records=15, workers=1) == list(range(1, 16))


def test_a_count_needing_more_queries_than_allowed_is_refused_before_the_second():
    pages = Pages(100)
    with pytest.raises(IntacctError, match="more than max_queries=5"):
        read(pages, max_queries=5)
    assert pages.asked == [(1, 10)]


def test_a_short_page_that_contradicts_the_count_is_an_error():
    def short(spec: QuerySpec, start: int, size: int) -> dict[str, Any]:
        rows = [{"key": str(key)} for key in range(start, start + min(size, 3))]  # never more than 3 rows
        return {"ia::result": rows, "ia::meta": {"totalCount": 30, "next": start + size}}

    with pytest.raises(IntacctProtocolError, match="holds 3 rows where totalCount 30 promises 10"):
        read(short)

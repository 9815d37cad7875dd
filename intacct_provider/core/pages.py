"""Which query pages a full read asks for, and whether each answer is believable (no I/O).

``IntacctHook.iter_query`` reads a result set in pages ordered by ``key``. This module
plans them and judges them; the hook only fetches:

* **Starts.** The first page reveals ``totalCount``; every later page starts one row
  early so its first row must be the previous page's last (:func:`anchored`). If it is
  not, or the total changed, records moved while paging and the read is repeated for
  missed rows (a *repair pass*), up to :data:`MAX_REPAIR_PASSES` times.
* **Bounds.** A server's ``totalCount`` is not trusted without limit: one read may make
  at most :meth:`PagePlan.budget` queries (its pages times the passes) and never more than
  the user's ``max_queries`` ceiling, checked before the second query is sent.
* **No silent stop.** A full page without ``ia::meta.next`` while ``totalCount`` says more
  is an error, not the end; a short or empty page that contradicts ``totalCount`` is an
  error; a page with more rows than asked is an error; keys are unique within a page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intacct_provider.core.answers import next_start, total_count
from intacct_provider.core.query import MAX_QUERY_PAGE, QUERY_PATH
from intacct_provider.exceptions import IntacctError, IntacctProtocolError

#: Extra passes a read makes when the result set changed while it was paging.
MAX_REPAIR_PASSES = 2
#: Default ceiling on the queries of one read (the user may raise it: ``max_queries``).
DEFAULT_MAX_QUERIES = 10_000

Row = dict[str, Any]


@dataclass(frozen=True)
class PagePlan:
    """The pages of one pass over ``total`` rows read ``page_size`` at a time."""

    page_size: int
    total: int

    @property
    def fetch(self) -> int:
        """Rows asked of each page after the first: one more, for the overlap row."""
        return min(self.page_size + 1, MAX_QUERY_PAGE)

    def starts(self) -> range:
        """1-based starts of the pages after the first (a lazy range: a huge count costs nothing)."""
        stride = self.fetch - 1
        return range(self.page_size, self.total, stride) if stride else range(0)

    @property
    def queries(self) -> int:
        """Queries one pass makes: ``ceil(total / page_size)``, at least one."""
        return 1 + len(self.starts())

    def budget(self, max_queries: int) -> int:
        """Queries the whole read may make; raise before reading when even one pass exceeds the ceiling."""
        if self.queries > max_queries:
            raise IntacctError(
                f"Intacct reports {self.total} matching rows: reading them {self.page_size} at a time takes "
                f"{self.queries} queries, more than max_queries={max_queries}; narrow the filters, or raise "
                "max_queries if that many rows are expected",
                method="POST",
                path=QUERY_PATH,
            )
        return min(self.queries * (1 + MAX_REPAIR_PASSES), max(max_queries, self.queries))


def check_page(page: Mapping[str, Any], *, start: int, asked: int, total: int) -> list[Row]:
    """The rows of one page (already read by the strict reader), or raise if they contradict the count.

    ``total`` is the count this pass started with: a page reporting another count is left to
    the caller (records moved: repair pass), but a page that is short, empty, overfull or
    ends early while reporting the *same* count is a server answer that cannot be true.
    """
    rows: list[Row] = page["ia::result"]
    page_total = total_count(page)
    where = f"the page starting at row {start}"
    if len(rows) > asked:
        raise _contradiction(f"{where} holds {len(rows)} rows, more than the {asked} asked for")
    keys = [str(row["key"]) for row in rows if "key" in row]
    if len(set(keys)) != len(keys):
        raise _contradiction(f"{where} holds the same key twice")
    if page_total != total:
        return rows
    expected = max(0, min(asked, total - start + 1))
    if len(rows) < expected:
        raise _contradiction(f"{where} holds {len(rows)} rows where totalCount {total} promises {expected}")
    if len(rows) == asked and start + asked - 1 < total and next_start(page) is None:
        raise _contradiction(f"{where} is full but has no ia::meta.next while totalCount is {total}")
    return rows


def anchored(rows: Sequence[Row], previous: Sequence[Row]) -> bool:
    """True when a later page's first row is the previous page's last: nothing shifted between them."""
    return bool(rows) and bool(previous) and str(rows[0].get("key")) == str(previous[-1].get("key"))


def check_complete(seen: int, total: int, *, limit: int | None) -> None:
    """After a stable pass: fewer distinct rows than ``totalCount`` means rows were lost on the way."""
    if seen < total and (limit is None or seen < limit):
        raise _contradiction(f"the read ended with {seen} distinct rows where totalCount is {total}")


def _contradiction(problem: str) -> IntacctProtocolError:
    return IntacctProtocolError(
        f"Intacct's query answers contradict themselves: {problem}; the read fails rather than return a partial result",
        method="POST",
        path=QUERY_PATH,
    )

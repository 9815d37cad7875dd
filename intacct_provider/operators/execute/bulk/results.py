"""Per-record results: what happened to each input record, and their JSON Lines file.

One row per input record -- ``{"index", "status", "natural_key", "key", "error", "field", "value"}``
-- with ``status`` one of ``created``, ``exists`` (already there, identical: an earlier run made
it), ``updated``, ``unchanged``, ``failed``, ``skipped``; a skipped record names the argument at
fault (``field``) and the value it had. Rows are
written in input order (:class:`InputOrder`) as soon as every earlier batch has finished, which
keeps memory flat however many records a task writes; only failures are kept in memory, to
name them when the task fails.
"""

from __future__ import annotations

from collections import Counter
from typing import IO, TYPE_CHECKING, Any

from intacct_provider.core.exact_json import compact
from intacct_provider.core.results import WRITTEN, Result
from intacct_provider.operators.execute.outlets import MAX_EVENT_KEYS

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

#: Failures named in the task's error message (all of them are in the results file).
MAX_NAMED_FAILURES = 20


class ResultsWriter:
    """Counts every result and streams it to ``path`` (if given) as JSON Lines."""

    def __init__(self, path: ObjectStoragePath | None) -> None:
        self.path = path
        self.counts: Counter[str] = Counter()
        self.failures: list[Result] = []
        #: The first created or updated keys, for the task's asset event (which lists no more).
        self.written_keys: list[str] = []
        self._file: IO[str] | None = None

    def __enter__(self) -> ResultsWriter:
        if self.path is not None:
            if self.path.protocol in ("", "file", "local"):  # object stores have no directories to make
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def write(self, results: list[Result]) -> None:
        for result in results:
            self.counts[result.status] += 1
            if result.status == "failed":
                self.failures.append(result)
            elif result.status in WRITTEN and result.key and len(self.written_keys) < MAX_EVENT_KEYS:
                self.written_keys.append(result.key)
            if self._file is not None:
                self._file.write(compact(result.as_row()) + "\n")

    def summary(self, statuses: tuple[str, ...]) -> dict[str, Any]:
        """The task's XCom: a count per status and where the rows are."""
        summary: dict[str, Any] = {status: self.counts[status] for status in statuses}
        summary["results_path"] = str(self.path) if self.path is not None else None
        return summary

    def describe_failures(self) -> str:
        return describe(self.failures, MAX_NAMED_FAILURES)


def describe(rows: list[Result], limit: int) -> str:
    """The first ``limit`` rows, each named with its natural key and reason, then how many more."""
    named = "; ".join(f"{row.names()}: {row.error}" for row in rows[:limit])
    more = len(rows) - limit
    return named + (f"; and {more} more" if more > 0 else "")


class InputOrder:
    """Hands rows to a :class:`ResultsWriter` by ascending input index, whatever order batches finish in.

    Batches are numbered in input order and each batch's rows are in input order; the records the
    pre-flight skipped are merged in by index. A batch that finishes before an earlier one waits
    in memory until that one is written (batches are sent in order, so few ever wait).
    """

    def __init__(self, writer: ResultsWriter, skipped: list[Result]) -> None:
        self.writer = writer
        self.skipped = sorted(skipped, key=lambda result: result.index)
        self._skipped_at = 0
        self._next_batch = 0
        self._waiting: dict[int, list[Result]] = {}

    def add(self, batch_index: int, rows: list[Result]) -> None:
        self._waiting[batch_index] = rows
        while self._next_batch in self._waiting:
            self._write(self._waiting.pop(self._next_batch))
            self._next_batch += 1

    def close(self) -> None:
        """Write what is left: batches after one that never finished (a failed task), then skipped rows."""
        for index in sorted(self._waiting):
            self._write(self._waiting.pop(index))
        self.writer.write(self.skipped[self._skipped_at :])
        self._skipped_at = len(self.skipped)

    def _write(self, rows: list[Result]) -> None:
        if not rows:
            return
        if self._skipped_at == len(self.skipped) or self.skipped[self._skipped_at].index > rows[-1].index:
            self.writer.write(rows)  # no skipped record falls among these rows (the common case)
            return
        for row in rows:
            start = self._skipped_at
            while self._skipped_at < len(self.skipped) and self.skipped[self._skipped_at].index < row.index:
                self._skipped_at += 1
            self.writer.write([*self.skipped[start : self._skipped_at], row])

"""Progress of a bulk task in ``task_state_store``, so a retried task resumes where it stopped.

Airflow clears XCom before a retry but keeps ``task_state_store`` (3.3+). Each finished batch's
results go under their own key (small writes, however long the run), and one header key lists
the finished batches with a fingerprint of the input: a retry of a task whose input changed
starts over (still settling every batch first, so nothing is created twice: a record without a
natural key fails if any identical record exists, since the window is unknown).

The header also says when each unfinished batch was handed to a worker (``started``, wall-clock
seconds, written *before* its first POST and kept from the earliest try): a retry looks that
batch's records without a natural key up by content among the records created since then, as
the single create does with its ``posted_at``, and knows that a batch missing from it was never
sent by an earlier try. Only the task's main thread touches the store.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, TypeVar

from intacct_provider.core.results import Result

#: Key prefix in ``task_state_store``; renaming it breaks in-flight retries.
STATE_KEY = "intacct_bulk"

T = TypeVar("T")


class StateStore(Protocol):
    """The slice of Airflow's ``task_state_store`` used here."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class Checkpoint:
    """Finished batches of one bulk task, and when the unfinished ones began; read back on a retry."""

    def __init__(self, store: StateStore | None, fingerprint: str) -> None:
        self.store = store
        self.fingerprint = fingerprint
        self.done: list[int] = []
        self.started: dict[int, float] = {}
        #: Whether an earlier try's ``started`` was read: a batch it does not list was never sent.
        self.knows_starts = False
        if store is not None:
            header = store.get(STATE_KEY, None)
            if isinstance(header, dict) and header.get("fingerprint") == fingerprint:
                self.done = [int(i) for i in header.get("done") or []]
                started = header.get("started")
                if isinstance(started, dict):
                    self.knows_starts = True
                    self.started = {int(i): float(t) for i, t in started.items() if isinstance(t, (int, float))}
        self._earlier = dict(self.started)  # what the earlier tries began, before this try adds its own

    def finished(self) -> dict[int, list[Result]]:
        """Results of the batches an earlier try finished, by batch index."""
        if self.store is None:
            return {}
        finished = {}
        for index in self.done:
            rows = self.store.get(f"{STATE_KEY}:{index}", None)
            if isinstance(rows, list):
                finished[index] = [Result.from_row(row) for row in rows]
        return finished

    def earlier_try(self, batch_index: int) -> tuple[bool, float | None]:
        """``(may_have_sent, posted_at)``: whether an earlier try may have sent this batch, and when it began.

        Without a store (or a header from before these times were kept) any batch may have been
        sent, at an unknown time.
        """
        if not self.knows_starts:
            return True, None
        posted_at = self._earlier.get(batch_index)
        return posted_at is not None, posted_at

    def begin(self, batches: Iterable[tuple[int, T]]) -> Iterator[tuple[int, T]]:
        """Pass ``batches`` through, recording each one's start in the store before it is handed out."""
        for index, batch in batches:
            if self.store is not None and index not in self.started:
                self.started[index] = time.time()
                self._write_header()
            yield index, batch

    def save(self, batch_index: int, results: list[Result]) -> None:
        """Record a finished batch (its rows first, then the header that points at them)."""
        if self.store is None:
            return
        self.store.set(f"{STATE_KEY}:{batch_index}", [r.as_row() for r in results])
        self.done.append(batch_index)
        self.started.pop(batch_index, None)  # a finished batch is never settled again
        self._write_header()

    def _write_header(self) -> None:
        assert self.store is not None
        started = {str(index): at for index, at in self.started.items()}
        self.store.set(STATE_KEY, {"fingerprint": self.fingerprint, "done": self.done, "started": started})

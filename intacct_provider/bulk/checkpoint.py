"""Progress of a bulk task in ``task_state_store``, so a retried task resumes where it stopped.

Airflow clears XCom before a retry but keeps ``task_state_store`` (3.3+). Each finished batch's
results go under their own key (small writes, however long the run), and one header key lists
the finished batches with a fingerprint of the input: a retry of a task whose input changed
starts over (still settling every batch by natural key first, so nothing is created twice).
Only the task's main thread touches the store.
"""

from __future__ import annotations

from typing import Any, Protocol

from intacct_provider.bulk.results import Result

#: Key prefix in ``task_state_store``; renaming it breaks in-flight retries.
STATE_KEY = "intacct_bulk"


class StateStore(Protocol):
    """The slice of Airflow's ``task_state_store`` used here."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class Checkpoint:
    """Finished batches of one bulk task, read back on a retry."""

    def __init__(self, store: StateStore | None, fingerprint: str) -> None:
        self.store = store
        self.fingerprint = fingerprint
        self.done: list[int] = []
        if store is not None:
            header = store.get(STATE_KEY, None)
            if isinstance(header, dict) and header.get("fingerprint") == fingerprint:
                self.done = [int(i) for i in header.get("done") or []]

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

    def save(self, batch_index: int, results: list[Result]) -> None:
        """Record a finished batch (its rows first, then the header that points at them)."""
        if self.store is None:
            return
        self.store.set(f"{STATE_KEY}:{batch_index}", [r.as_row() for r in results])
        self.done.append(batch_index)
        self.store.set(STATE_KEY, {"fingerprint": self.fingerprint, "done": self.done})

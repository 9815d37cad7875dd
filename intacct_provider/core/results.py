"""The outcome of one input record of a bulk write: what the writer reports and the results file holds.

A plain value, shared by the writer that decides it (:mod:`intacct_provider.hooks.batch_writer`)
and the task that counts, checkpoints and writes it (:mod:`intacct_provider.operators.bulk_task`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STATUSES = ("created", "updated", "unchanged", "failed", "skipped")
#: Statuses of records this task changed in Intacct.
WRITTEN = ("created", "updated")


@dataclass(frozen=True)
class Result:
    """The outcome of one input record."""

    index: int
    status: str
    natural_key: dict[str, str] | None = None
    key: str | None = None
    error: str | None = None

    def as_row(self) -> dict[str, Any]:
        """``dataclasses.asdict`` written out (it deep-copies generically: slow for one row per record)."""
        natural = dict(self.natural_key) if self.natural_key is not None else None
        return {
            "index": self.index,
            "status": self.status,
            "natural_key": natural,
            "key": self.key,
            "error": self.error,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Result:
        return cls(**row)

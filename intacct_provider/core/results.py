"""The outcome of one input record of a write: what the write engine reports and the results file holds.

A plain value, shared by the engine that decides it (:mod:`intacct_provider.hooks.writes`) and the
bulk task that counts, checkpoints and writes it (:mod:`intacct_provider.operators.execute.bulk`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Statuses of records this task changed in Intacct.
WRITTEN = ("created", "updated")


@dataclass(frozen=True)
class Result:
    """The outcome of one input record.

    ``field`` and ``value`` name what was wrong with a skipped record (the argument, and the value
    it had); ``error`` says why a record failed or was skipped.
    """

    index: int
    #: created, updated, unchanged, failed, skipped, or exists: the record was already in Intacct,
    #: identical, before this task sent it (an earlier run made it): nothing new was created.
    status: str
    natural_key: dict[str, str] | None = None
    key: str | None = None
    error: str | None = None
    field: str | None = None
    value: Any = None

    def as_row(self) -> dict[str, Any]:
        """``dataclasses.asdict`` written out (it deep-copies generically: slow for one row per record)."""
        natural = dict(self.natural_key) if self.natural_key is not None else None
        return {
            "index": self.index,
            "status": self.status,
            "natural_key": natural,
            "key": self.key,
            "error": self.error,
            "field": self.field,
            "value": json_safe(self.value),
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Result:
        return cls(**row)

    def names(self) -> str:
        """``record 4 (vendor.id=VEND-1, billNumber=B-7)``: how a message names this record."""
        natural = self.natural_key
        named = f" ({', '.join(f'{k}={v}' for k, v in natural.items())})" if natural else ""
        return f"record {self.index}{named}"


def json_safe(value: Any) -> Any:
    """``value`` as JSON can hold it exactly: amounts and dates as their text, never a float."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Mapping):
        return {str(name): json_safe(item) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return str(value)

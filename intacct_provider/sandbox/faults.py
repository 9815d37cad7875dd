"""Scripted faults: the next K matching requests fail the way the real service and its gateways do.

Each fault is a rule with a countdown.  Faults are checked in the order they were injected; all
matching ``latency`` faults add up, and at most one other fault fires per request.  ``after`` lets
the first N matching requests through untouched, so a fault can strike in the middle of a run.
An ``item_status`` fault hits one item (``item``, 0-based) of an array write: that item fails with
``status`` while the rest of the batch is processed (see :mod:`.bulk`). A ``commit_then_status``
fault performs the request (a create commits, every record of an array) and then answers
``status`` anyway (a 500 from a server that failed after writing): the ambiguous answer a client
must settle by looking up, never by sending again.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

KINDS = ("status", "reset", "commit_then_drop", "commit_then_status", "latency", "expire_token", "item_status")
_ERROR_STATUSES = frozenset(int(status) for status in HTTPStatus if status >= 400)

_HTML = (
    "<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}</h1></center>"
    "<hr><center>gateway</center></body></html>"
)


@dataclass
class Fault:
    """One scripted fault; ``path`` is a regex searched in the path relative to /ia/api/v1."""

    kind: str
    count: int = 1
    method: str | None = None
    path: str | None = None
    status: int | None = None
    retry_after: str | None = None
    html: bool = False
    retry_header: str = "Retry-After"
    latency_ms: int | None = None
    after: int = 0
    item: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or re.search(self.path, path) is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_fault(
    kind: str,
    count: int = 1,
    method: str | None = None,
    path: str | None = None,
    status: int | None = None,
    retry_after: float | str | None = None,
    html: bool = False,
    retry_header: str = "Retry-After",
    latency_ms: int | None = None,
    after: int = 0,
    item: int = 0,
) -> Fault:
    """Validate the arguments of ``inject`` (ValueError on nonsense) and build the fault."""
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive integer")
    if kind in ("status", "item_status", "commit_then_status") and (status not in _ERROR_STATUSES):
        raise ValueError("a status fault needs an HTTP error status such as 429, 500, 502, 503 or 504")
    if not isinstance(after, int) or after < 0 or not isinstance(item, int) or item < 0:
        raise ValueError("after and item must be integers >= 0")
    if kind == "latency" and (not isinstance(latency_ms, int) or latency_ms < 0):
        raise ValueError("a latency fault needs latency_ms >= 0")
    if path is not None:
        try:
            re.compile(path)
        except re.error as exc:
            raise ValueError(f"path is not a valid regular expression: {exc}") from None
    if status == 429 and retry_after is None:
        retry_after = 1
    return Fault(
        kind=kind,
        count=count,
        method=method.upper() if method else None,
        path=path,
        status=status,
        retry_after=None if retry_after is None else str(retry_after),
        html=html,
        retry_header=retry_header,
        latency_ms=latency_ms,
        after=after,
        item=item,
    )


def html_page(status: int, reason: str) -> bytes:
    """The kind of page a load balancer answers with instead of JSON."""
    return _HTML.format(status=status, reason=reason).encode()


class FaultBook:
    """Pending faults, consumed as matching requests arrive."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        return [fault.as_dict() for fault in self._faults]

    def take(self, method: str, path: str) -> tuple[int, Fault | None]:
        """(total latency in ms, the one non-latency fault) for a request, consuming both."""
        latency, chosen = 0, None
        for fault in list(self._faults):
            if not fault.matches(method, path) or (chosen is not None and fault.kind != "latency"):
                continue
            if fault.after:
                fault.after -= 1
                continue
            if fault.kind == "latency":
                latency += fault.latency_ms or 0
            else:
                chosen = fault
            fault.count -= 1
            if fault.count == 0:
                self._faults.remove(fault)
        return latency, chosen

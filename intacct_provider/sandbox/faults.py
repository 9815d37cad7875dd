"""Scripted faults: the next K matching requests fail the way the real service and its gateways do.

Each fault is a rule with a countdown.  Faults are checked in the order they were injected; all
matching ``latency`` faults add up, and at most one other fault fires per request.  ``after`` lets
the first N matching requests through untouched, so a fault can strike in the middle of a run.
An ``item_status`` fault hits one item (``item``, 0-based) of an array write: that item fails with
``status`` while the rest of the batch is processed (see :mod:`.bulk`). A ``commit_then_status``
fault performs the request (a create commits, every record of an array) and then answers
``status`` anyway (a 500 from a server that failed after writing): the ambiguous answer a client
must settle by looking up, never by sending again.

A ``commit_late`` fault is a server that commits *after* the client gave up on it: the request is
taken, the connection is dropped without a byte of answer, and the request is performed only just
before the ``hold``-th later request matching the fault is handled (whatever that request meets).
Until then the request is still being processed, so a request reusing its ``Idempotency-Key`` is
refused with 409 under either ``idempotency`` reading: there is no answer yet to replay (Sage
documents the 409 for two requests with the same key; whether Intacct refuses or waits is not).
A look-up made meanwhile finds nothing of it. Counting requests, not milliseconds, makes the late
commit land at the same point of a client's run on any machine.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

KINDS = (
    "status",
    "reset",
    "commit_then_drop",
    "commit_then_status",
    "commit_late",
    "latency",
    "expire_token",
    "item_status",
)
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
    hold: int = 1

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
    hold: int = 1,
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
    if not isinstance(hold, int) or isinstance(hold, bool) or hold < 1:
        raise ValueError("hold must be a positive integer: the later matching request before which it commits")
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
        hold=hold,
    )


def html_page(status: int, reason: str) -> bytes:
    """The kind of page a load balancer answers with instead of JSON."""
    return _HTML.format(status=status, reason=reason).encode()


@dataclass
class _Held:
    """A request a ``commit_late`` fault took without answering, waiting for ``left`` more matching requests."""

    fault: Fault
    request: Any  # the ApiRequest, performed when it is due
    key: str | None
    left: int


class FaultBook:
    """Pending faults, consumed as matching requests arrive, and the requests ``commit_late`` holds."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._held: list[_Held] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        """Drop every pending fault, and every held request with it: it is never performed."""
        self._faults.clear()
        self._held.clear()

    def hold(self, fault: Fault, request: Any, key: str | None) -> None:
        """Keep ``request`` (which ``fault`` hit) unperformed until ``fault.hold`` later matching requests arrive."""
        self._held.append(_Held(fault, request, key or None, fault.hold))

    def due(self, method: str, path: str) -> list[Any]:
        """The held requests to perform before this one, in the order they arrived (counting it against each)."""
        ready = []
        for held in list(self._held):
            if held.fault.matches(method, path):
                held.left -= 1
                if held.left == 0:
                    self._held.remove(held)
                    ready.append(held.request)
        return ready

    def holds_key(self, key: str | None) -> bool:
        """Whether a held request, still being processed, carries this ``Idempotency-Key``."""
        return bool(key) and any(held.key == key for held in self._held)

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

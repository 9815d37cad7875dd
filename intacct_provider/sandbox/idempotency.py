"""``Idempotency-Key`` on creates: refuse a reused key with 409, or replay the original answer.

Sage documents only the 409 ("two requests from the same user have the same idempotency key"), so
the sandbox's default refuses any reuse; the ``replay`` setting returns the first answer to an
identical request.  Only successful creates are remembered (a rejected body has changed nothing,
so the client may fix it and send it again under the same key).  Keys expire after 24 hours of
server-clock time (the real lifetime is not documented).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from intacct_provider.core.exact_json import canonical

from .clock import Clock
from .errors import ApiError, detail

KEY_LIFETIME = timedelta(hours=24)


def fingerprint(path: str, entity: str | None, body: Any) -> str:
    """What makes two creates "the same request": path, entity and the body's JSON value."""
    return canonical([path, entity, body])


@dataclass(frozen=True)
class _Entry:
    fingerprint: str
    answer: dict[str, Any]
    stored_at: datetime


class IdempotencyBook:
    """Remembered creates by idempotency key."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}

    def clear(self) -> None:
        self._entries.clear()

    def replay(self, key: str, print_: str, allow_replay: bool) -> dict[str, Any] | None:
        """The original 201 body for a repeat, None for a fresh key; 409 for a conflicting reuse."""
        entry = self._entries.get(key)
        if entry is None or self._clock.now() - entry.stored_at >= KEY_LIFETIME:
            self._entries.pop(key, None)
            return None
        if allow_replay and entry.fingerprint == print_:
            return entry.answer
        message = "A request with the same idempotency key or unique key was already processed"
        raise ApiError(409, message, [detail("duplicateIdempotencyKey", message, "Idempotency-Key")])

    def remember(self, key: str, print_: str, answer: dict[str, Any]) -> None:
        self._entries[key] = _Entry(print_, answer, self._clock.now())

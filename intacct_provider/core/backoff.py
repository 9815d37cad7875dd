"""How long to wait before retrying an Intacct call.

Used by the request decisions in :mod:`intacct_provider.core.decisions`, so the
sync hook and the async client wait alike. Intacct throttles per company (429)
and sits behind gateways that answer 502/503/504 during maintenance; it may say
how long to wait in ``Retry-After`` or in one of its ``x-ia-*-retry-after``
headers, and the longest of those wins. An HTTP-date is read against the
server's own ``Date`` header (a skewed local clock must not turn "in one second"
into five minutes). Otherwise the wait grows exponentially with full jitter so
concurrent workers spread out. Pure rules: the pause several threads share is
:class:`intacct_provider.hooks.pacing.Pacer`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Statuses worth repeating: throttled, or a gateway/maintenance answer.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
#: Headers Intacct (or its gateway) uses to say how long to back off.
RETRY_AFTER_HEADERS = (
    "retry-after",
    "x-ia-throttle-limit-retry-after",
    "x-ia-tenant-throttle-limit-retry-after",
    "x-ia-hour-rate-limit-retry-after",
    "x-ia-minute-rate-limit-retry-after",
)
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
#: Longest single pause honoured; a server asking for more is retried after this long
#: (within ``max_retries``), so a worker is never parked for an hour on one header.
MAX_SERVER_WAIT = 300.0


def server_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait (uncapped), or ``None`` when it did not say."""
    lowered = {k.lower(): v for k, v in headers.items()}
    now = _http_date(lowered.get("date")) or datetime.now(UTC)
    waits = [w for w in (_parse_wait(lowered.get(name), now) for name in RETRY_AFTER_HEADERS) if w is not None]
    return max(waits) if waits else None


def backoff(attempt: int, headers: Mapping[str, str] | None = None, *, rng: random.Random | None = None) -> float:
    """Seconds to sleep before retry number ``attempt`` (0 for the first retry)."""
    draw = rng or random
    asked = server_wait(headers or {})
    if asked is not None:
        # A little jitter on top so workers told the same instant do not return together.
        return min(asked, MAX_SERVER_WAIT) + draw.uniform(0, 0.1)
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2**attempt))
    return draw.uniform(ceiling / 2, ceiling)


def _parse_wait(value: str | None, now: datetime) -> float | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        when = _http_date(text)
        return None if when is None else max(0.0, (when - now).total_seconds())
    return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)

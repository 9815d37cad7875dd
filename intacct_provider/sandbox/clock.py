"""The server clock behind audit stamps and idempotency-key lifetimes.

Tests of incremental syncs need modification times they can control (freeze, then step forward),
while the rest of the sandbox keeps running on real time; token lifetimes deliberately do not use
this clock, so freezing time never logs a client out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse_stamp(value: str) -> datetime:
    """Parse ``YYYY-MM-DDTHH:MM:SSZ`` (or any ISO form with an offset) into an aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class Clock:
    """Real UTC time, optionally frozen at an instant and/or shifted by a number of seconds."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None
        self._offset = timedelta()
        self._stamped: tuple[datetime, str] | None = None  # the last second formatted, and how

    def now(self) -> datetime:
        """Current server time."""
        base = self._frozen if self._frozen is not None else datetime.now(UTC)
        return base + self._offset

    def stamp(self) -> str:
        """Current server time as an Intacct audit stamp.

        Formatted once per second of server time: an array POST stamps 500 records in a few.
        """
        second = self.now().replace(microsecond=0)
        if self._stamped is None or self._stamped[0] != second:
            self._stamped = (second, second.strftime(STAMP_FORMAT))
        return self._stamped[1]

    def freeze(self, instant: str) -> None:
        """Stop the clock at ``instant`` (ISO 8601); earlier shifts are dropped."""
        self._frozen = parse_stamp(instant)
        self._offset = timedelta()

    def advance(self, seconds: float) -> None:
        """Move the clock forward (frozen or not)."""
        self._offset += timedelta(seconds=seconds)

    def unfreeze(self) -> None:
        """Back to real time with no shift."""
        self._frozen = None
        self._offset = timedelta()

"""What the write engine needs of the hook: send one call, and hold the task's requests back.

Protocols rather than :class:`~intacct_provider.hooks.intacct.IntacctHook` itself: the hook uses
the engine, so the engine names only what it needs and no import runs back. Everything else it
does (queries, batch reads) it builds on ``send``, where it also reads the server's ``Date``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Answer(Protocol):
    """What the engine reads of an HTTP answer (a ``requests.Response`` is one)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class Channel(Protocol):
    """The hook as the write engine sees it."""

    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        resend_safe: bool = True,
    ) -> Answer:
        """One call with the transport's retries; ``resend_safe=False`` for creates."""
        ...

    def pause(self, seconds: float) -> None:
        """Hold every request of the task back for ``seconds`` (the one pacer its threads share)."""
        ...

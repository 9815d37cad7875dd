"""A connection never made, for real: one send of the hook goes to a loopback port nothing listens on.

No server can refuse a connection it has already accepted, so the sandbox has no fault for it. For
the whole of one chosen send (every attempt of the transport's own retries) the hook's base URL
points at a port bound on 127.0.0.1 and never listened on: the kernel refuses each connection, the
transport sees what it sees when Intacct is unreachable (``Connection refused``, so nothing was
sent) and, its retries spent, raises :class:`~intacct_provider.exceptions.IntacctTransportError`
to the write engine. The sends before and after it reach the sandbox unchanged.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest


@dataclass
class Refusals:
    """What happened to the sends ``refused_send`` watched."""

    #: Hook sends of the method and path so far.
    sends: int = 0
    #: The exception each refused send raised (the transport's, once its retries were spent).
    raised: list[BaseException] = field(default_factory=list)


@contextmanager
def refused_send(monkeypatch: pytest.MonkeyPatch, method: str, path: str, nth: int) -> Iterator[Refusals]:
    """Refuse every connection of the ``nth`` (1-based) hook send of ``method`` ``path``."""
    from intacct_provider.hooks.intacct import IntacctHook

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound and never listening: every connect to it is refused
    nowhere = f"127.0.0.1:{closed.getsockname()[1]}"
    seen = Refusals()
    send = IntacctHook.send

    def sending(self: IntacctHook, how: str, where: str, **kwargs: Any) -> Any:
        if (how, where) != (method, path):
            return send(self, how, where, **kwargs)
        seen.sends += 1
        if seen.sends != nth:
            return send(self, how, where, **kwargs)
        transport = self.transport
        kept = transport.settings
        elsewhere = urlunsplit(urlsplit(kept.base_url)._replace(netloc=nowhere))
        transport.settings = dataclasses.replace(kept, base_url=elsewhere)
        try:
            return send(self, how, where, **kwargs)
        except BaseException as exc:
            seen.raised.append(exc)
            raise
        finally:
            transport.settings = kept

    monkeypatch.setattr(IntacctHook, "send", sending)
    try:
        yield seen
    finally:
        monkeypatch.setattr(IntacctHook, "send", send)
        closed.close()

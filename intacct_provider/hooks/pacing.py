"""The pause several threads share: a 429 seen by one of them slows them all.

Used by the sync transport and the bulk writer. The waits themselves are decided by the
pure rules of :mod:`intacct_provider.core.backoff`; this module only holds threads back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """One pause shared by threads: whoever is told to back off holds back every thread that waits here.

    ``wait`` takes the sleep function at the call (default: ``time.sleep`` as it is then), so a
    caller whose sleep tests replace (``SyncTransport.sleep``) keeps its own.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0

    def wait(self, sleep: Callable[[float], None] | None = None) -> None:
        """Sleep until the pause ends (at once when there is none)."""
        with self._lock:
            delay = self._until - time.monotonic()
        if delay > 0:
            (sleep or time.sleep)(delay)

    def pause(self, seconds: float) -> None:
        """Hold every thread back for ``seconds`` from now (a longer pause already set stands)."""
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

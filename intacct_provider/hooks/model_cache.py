"""The tenant models a worker process has read, kept for a bounded time.

A mapped task of 1,000 instances on one worker would otherwise read the same model 1,000 times
(each instance has its own hook). A model is kept per company (base URL, company, entity, user:
what the model service may answer differently) and object for the connection's
``model_cache_seconds`` (default 900): a field the company adds meanwhile is seen within that
time. Failed reads are never kept. Thread-safe; ``clock`` is the process's monotonic clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intacct_provider.catalog.model import TenantModel

Key = tuple[str, ...]

clock: Callable[[], float] = time.monotonic
_lock = threading.Lock()
_models: dict[Key, tuple[float, TenantModel]] = {}


def get(key: Key) -> TenantModel | None:
    """The model kept under ``key``, if it has not expired."""
    with _lock:
        kept = _models.get(key)
        if kept is None:
            return None
        expires, model = kept
        if clock() >= expires:
            del _models[key]
            return None
        return model


def put(key: Key, model: TenantModel, seconds: float) -> None:
    """Keep ``model`` for ``seconds`` (nothing is kept for 0)."""
    if seconds <= 0:
        return
    with _lock:
        _models[key] = (clock() + seconds, model)


def clear() -> None:
    """Forget every model (tests; a worker that knows the company changed its fields)."""
    with _lock:
        _models.clear()

"""Request-log entries: what a test may assert on, with every secret masked.

The log is for asserting what a client sent (headers, entity, idempotency keys, bodies), so it
keeps everything except credentials: the Authorization value, client secrets and tokens, whether a
body was posted as a form or as JSON (a client may send the token request either way).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from .api import FORM_TYPE, ApiRequest

MASK = "***"
_SECRET_FIELDS = frozenset({"client_secret", "refresh_token", "access_token", "password"})


def _body(request: ApiRequest) -> Any:
    if not request.body:
        return None
    text = request.body.decode("utf-8", "replace")
    if request.headers.get("Content-Type", "").split(";")[0].strip().lower() == FORM_TYPE:
        form = dict(parse_qsl(text, keep_blank_values=True))
        return _masked(form)
    try:
        return _masked(json.loads(text))
    except ValueError:
        return text


def _masked(value: Any) -> Any:
    """``value`` with every secret field masked, at any depth of a JSON document."""
    if isinstance(value, dict):
        return {name: MASK if name in _SECRET_FIELDS else _masked(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def new_entry(request: ApiRequest) -> dict[str, Any]:
    """A log entry for an arriving request; ``status`` and ``fault`` are filled in later."""
    headers = {name: MASK if name.lower() == "authorization" else value for name, value in request.headers.items()}
    return {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "headers": headers,
        "body": _body(request),
        "status": None,
        "entity": request.headers.get("X-IA-API-Param-Entity"),
        "fault": None,
    }

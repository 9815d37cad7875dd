"""Request-log entries: what a test may assert on, with every secret masked.

The log is for asserting what a client sent (headers, entity, idempotency keys, bodies), so it
keeps everything except credentials: the Authorization value, client secrets and tokens, whether a
body was posted as a form or as JSON (a client may send the token request either way).

A body is kept as the bytes that arrived and decoded only when the log is read: decoding and
masking a 500-bill array POST on arrival cost the server about as much as a tenth of creating the
bills, and the decoded copies, thousands of containers each, slowed every garbage collection
for as long as the log kept them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from intacct_provider.core.exact_json import loads

from .auth import FORM_TYPE
from .store import copy_json

if TYPE_CHECKING:
    from .messages import ApiRequest

MASK = "***"
_SECRET_FIELDS = frozenset({"client_secret", "refresh_token", "access_token", "password"})
#: Bytes without any of these cannot decode to a secret field name (escapes and form encoding
#: included: ``\\u`` and ``%`` could spell one another way).
_SECRET_MARKERS = (*(name.encode() for name in sorted(_SECRET_FIELDS)), b"\\u", b"%")


@dataclass(frozen=True)
class _Arrived:
    """A body as it arrived, free of secrets (see :func:`_logged`)."""

    data: bytes = field(repr=False)
    form: bool


def _logged(data: bytes, form: bool) -> Any:
    """What the log keeps of a body: the bytes as they arrived when they cannot hold a secret field,
    else the body decoded and masked at once (a secret is never kept unmasked)."""
    if any(marker in data for marker in _SECRET_MARKERS):
        return _body(_Arrived(data, form))
    return _Arrived(data, form)


def _body(arrived: _Arrived) -> Any:
    if not arrived.data:
        return None
    text = arrived.data.decode("utf-8", "replace")
    if arrived.form:
        form = dict(parse_qsl(text, keep_blank_values=True))
        return _masked(form)
    try:
        return _masked(loads(text))
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
        "body": _logged(
            request.body, request.headers.get("Content-Type", "").split(";")[0].strip().lower() == FORM_TYPE
        ),
        "status": None,
        "entity": request.headers.get("X-IA-API-Param-Entity"),
        "fault": None,
    }


def readable(entry: dict[str, Any]) -> dict[str, Any]:
    """A copy of a log entry as a test reads it: the body decoded, secrets masked."""
    return {name: _body(value) if isinstance(value, _Arrived) else copy_json(value) for name, value in entry.items()}

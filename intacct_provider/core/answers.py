"""The one strict reader of Intacct's 2xx answers.

A 2xx is trusted only when its body is the documented envelope of its call. Anything
else (an empty body, HTML from a proxy, an array where an object belongs, rows that are
not objects or lack ``key``, a non-numeric ``totalCount``, an ``ia::error`` tucked into
a success) raises :class:`~intacct_provider.exceptions.IntacctProtocolError` naming the
call, the status and a short excerpt: for a finance sync, "success with missing rows"
is the worst failure there is, so a strange answer is never read as "no rows".
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from intacct_provider.core.exact_json import loads
from intacct_provider.exceptions import (
    IntacctProtocolError,
    _excerpt,
    _find_error_dict,
    error_from_response,
)


class Shape(enum.Enum):
    """The documented envelope of a call's 2xx answer."""

    #: Query service: ``ia::result`` a list of row objects, ``ia::meta.totalCount`` an integer.
    ROWS = "rows"
    #: GET by key: ``ia::result`` one record object with ``key``.
    RECORD = "record"
    #: Create or update: ``ia::result`` a reference object with ``key``.
    REFERENCE = "reference"
    #: Any JSON object (``call()`` on an undocumented path); ``ia::error`` still fails.
    OBJECT = "object"
    #: DELETE: 204 and no body (an object body is tolerated if it carries no error).
    EMPTY = "empty"


def read(shape: Shape, status: int, text: str, *, method: str, path: str, require_keys: bool = True) -> dict[str, Any]:
    """Decode a 2xx body as ``shape`` or raise; ``require_keys=False`` for queries without ``key``."""
    if shape is Shape.EMPTY and not text.strip():
        return {}
    try:
        payload = loads(text)
    except ValueError:
        raise _protocol("is not JSON", status, text, method, path) from None
    if not isinstance(payload, dict):
        raise _protocol(f"is a JSON {type(payload).__name__}, not an object", status, text, method, path)
    _raise_embedded_error(payload, status, text, method, path)
    if shape in (Shape.OBJECT, Shape.EMPTY):
        return payload
    result = payload.get("ia::result")
    if shape is Shape.ROWS:
        _check_rows(result, payload.get("ia::meta"), status, text, method, path, require_keys)
    elif not isinstance(result, dict) or not _is_key(result.get("key")):
        raise _protocol("has no ia::result object with a key", status, text, method, path)
    return payload


def total_count(page: Mapping[str, Any]) -> int:
    """``ia::meta.totalCount`` of a page already checked by :func:`read`."""
    return int(page["ia::meta"]["totalCount"])


def next_start(page: Mapping[str, Any]) -> int | None:
    """``ia::meta.next`` (the 1-based start of the next page), or ``None`` at the end."""
    value = page["ia::meta"].get("next")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_rows(rows: Any, meta: Any, status: int, text: str, method: str, path: str, require_keys: bool) -> None:
    if not isinstance(rows, list):
        raise _protocol("has no ia::result list", status, text, method, path)
    if not isinstance(meta, dict):
        raise _protocol("has no ia::meta", status, text, method, path)
    total = meta.get("totalCount")
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise _protocol("has no integer ia::meta.totalCount", status, text, method, path)
    following = meta.get("next")
    if following is not None and (isinstance(following, bool) or not isinstance(following, int) or following < 1):
        raise _protocol("has an ia::meta.next that is not a positive integer", status, text, method, path)
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _protocol(f"has row {index} that is not an object", status, text, method, path)
        if require_keys and not _is_key(row.get("key")):
            raise _protocol(f"has row {index} without a key", status, text, method, path)


def _raise_embedded_error(payload: dict[str, Any], status: int, text: str, method: str, path: str) -> None:
    """An ``ia::error`` anywhere in the envelope is Intacct's refusal, whatever the status says."""
    if _find_error_dict(payload) is None:
        return
    embedded = error_from_response(400, text, method=method, path=path)
    raise IntacctProtocolError(
        f"Intacct answered HTTP {status} with an error inside: {embedded.message}",
        status=status,
        code=embedded.code,
        error_id=embedded.error_id,
        support_id=embedded.support_id,
        details=embedded.details,
        method=method,
        path=path,
    )


def _is_key(value: Any) -> bool:
    return (isinstance(value, str) and bool(value.strip())) or (isinstance(value, int) and not isinstance(value, bool))


def protocol_error(problem: str, status: int, text: str, method: str, path: str) -> IntacctProtocolError:
    """The error for a 2xx answer that ``problem`` makes untrustworthy (a call with its own envelope)."""
    return _protocol(problem, status, text, method, path)


def _protocol(problem: str, status: int, text: str, method: str, path: str) -> IntacctProtocolError:
    excerpt = _excerpt(text) if text.strip() else "an empty body"
    return IntacctProtocolError(
        f"Intacct's HTTP {status} answer to {method} {path} {problem}, so it cannot be trusted (got: {excerpt})",
        status=status,
        method=method,
        path=path,
    )


def reference(record: Mapping[str, Any]) -> dict[str, Any]:
    """``{"key", "id", "href"}`` of a record or a create's answer (its key already checked)."""
    return {"key": str(record["key"]), "id": record.get("id"), "href": record.get("href")}

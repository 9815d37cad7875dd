"""Intacct-shaped error answers.

Every failure inside the sandbox is raised as :class:`ApiError` and rendered in one place, so the
three body shapes clients meet in the wild (nested ``ia::result.ia::error``, top-level
``ia::error`` and a plain ``error`` object) can be switched without touching any handler.
"""

from __future__ import annotations

import secrets
from typing import Any

ENVELOPES = ("nested", "top", "plain")

# status -> (code, errorId).  REST-1028 is the id Sage documents for schema errors; the other ids
# are the sandbox's own, stable so tests can assert on them.
_CODES: dict[int, tuple[str, str]] = {
    400: ("invalidRequest", "REST-1028"),
    401: ("unauthorized", "REST-1101"),
    403: ("forbidden", "REST-1103"),
    404: ("notFound", "REST-1104"),
    405: ("methodNotAllowed", "REST-1105"),
    409: ("conflict", "REST-1109"),
    422: ("operationFailed", "REST-1122"),
    429: ("tooManyRequests", "REST-1129"),
    500: ("internalServerError", "REST-1500"),
    502: ("badGateway", "REST-1502"),
    503: ("serviceUnavailable", "REST-1503"),
    504: ("gatewayTimeout", "REST-1504"),
}


def detail(code: str, message: str, target: str | None = None) -> dict[str, str]:
    """One entry of ``details[]``; ``target`` is a JSON pointer to the offending field."""
    entry = {"code": code, "message": message}
    if target is not None:
        entry["target"] = target
    return entry


class ApiError(Exception):
    """A failed request: HTTP status, top-level message and the per-field details."""

    def __init__(self, status: int, message: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []

    @classmethod
    def from_details(cls, status: int, details: list[dict[str, str]]) -> ApiError:
        """Raise-ready error whose message is the first detail's (what most clients display)."""
        first = details[0]["message"]
        message = first if len(details) == 1 else f"{first} (and {len(details) - 1} more errors)"
        return cls(status, message, details)


def render(error: ApiError, envelope: str) -> dict[str, Any]:
    """Body for ``error`` in the chosen envelope, each with a fresh ``supportId``."""
    code, error_id = _CODES.get(error.status, ("error", f"REST-1{error.status}"))
    support_id = secrets.token_hex(8).upper()
    if envelope == "plain":
        return {"error": {"code": code, "message": error.message, "supportId": support_id}}
    body = {
        "code": code,
        "message": error.message,
        "errorId": error_id,
        "supportId": support_id,
        "details": error.details,
    }
    meta = {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    if envelope == "top":
        return {"ia::error": body, "ia::meta": meta}
    return {"ia::result": {"ia::error": body}, "ia::meta": meta}

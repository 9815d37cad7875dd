"""Intacct-shaped error answers.

Every failure inside the sandbox is raised as :class:`ApiError` and rendered in one place, so the
three body shapes clients meet in the wild (nested ``ia::result.ia::error``, top-level
``ia::error`` and a plain ``error`` object) can be switched without touching any handler.
"""

from __future__ import annotations

import secrets
from typing import Any

ENVELOPES = ("nested", "top", "plain")

# status -> (code, errorId).  REST-1064 is the id of Intacct's generic validation error; Sage's
# spec documents REST-1028 for one error only, "POST requires a payload" (:data:`PAYLOAD_REQUIRED`).
# The other ids are the sandbox's own, stable so tests can assert on them.
_CODES: dict[int, tuple[str, str]] = {
    400: ("invalidRequest", "REST-1064"),
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


#: (errorId, messageId) of a POST or PATCH without a body, as in the spec's error example.
PAYLOAD_REQUIRED = ("REST-1028", "IA.REQUEST_REQUIRES_A_PAYLOAD")


def detail(code: str, message: str, target: str | None = None) -> dict[str, str]:
    """One entry of ``details[]``; ``target`` is a JSON pointer to the offending field."""
    entry = {"code": code, "message": message}
    if target is not None:
        entry["target"] = target
    return entry


class ApiError(Exception):
    """A failed request: HTTP status, top-level message and the per-field details."""

    def __init__(
        self,
        status: int,
        message: str,
        details: list[dict[str, str]] | None = None,
        *,
        error_id: str | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.error_id = error_id  # None: the status's own (:data:`_CODES`)
        self.message_id = message_id

    @classmethod
    def from_details(cls, status: int, details: list[dict[str, str]]) -> ApiError:
        """Raise-ready error whose message is the first detail's (what most clients display)."""
        first = details[0]["message"]
        message = first if len(details) == 1 else f"{first} (and {len(details) - 1} more errors)"
        return cls(status, message, details)


def _message_id(code: str) -> str:
    """``invalidField`` -> ``IA.INVALID_FIELD``: the shape of Sage's ``additionalInfo.messageId``."""
    return "IA." + "".join(f"_{ch}" if ch.isupper() else ch.upper() for ch in code).lstrip("_")


def _info(message_id: str) -> dict[str, Any]:
    return {"messageId": message_id, "placeholders": {}, "propertySet": {}}


def _shaped(entry: dict[str, Any], error_id: str) -> dict[str, Any]:
    """One ``details[]`` entry as §19 of the contract shows it: code, message, errorId, target,
    additionalInfo (an entry already shaped, a batch's re-raised detail, keeps its own)."""
    shaped: dict[str, Any] = {"code": entry["code"], "message": entry["message"]}
    shaped["errorId"] = entry.get("errorId") or error_id
    if entry.get("target") is not None:
        shaped["target"] = entry["target"]
    shaped["additionalInfo"] = entry.get("additionalInfo") or _info(_message_id(str(entry["code"])))
    return shaped


def render(error: ApiError, envelope: str) -> dict[str, Any]:
    """Body for ``error`` in the chosen envelope, each with a fresh ``supportId``."""
    code, error_id = _CODES.get(error.status, ("error", f"REST-1{error.status}"))
    error_id = error.error_id or error_id
    support_id = secrets.token_hex(8).upper()
    if envelope == "plain":
        return {"error": {"code": code, "message": error.message, "supportId": support_id}}
    body = {
        "code": code,
        "message": error.message,
        "errorId": error_id,
        "supportId": support_id,
        "additionalInfo": _info(error.message_id or _message_id(code)),
        "details": [_shaped(entry, error_id) for entry in error.details],
    }
    meta = {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    if envelope == "top":
        return {"ia::error": body, "ia::meta": meta}
    return {"ia::result": {"ia::error": body}, "ia::meta": meta}

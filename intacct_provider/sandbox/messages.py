"""A request as the API sees it and a response ready for the wire.

Their own module, below everything that handles them: the API answers them, the server reads and
writes them, the request log records them, and none of those needs to import another for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from intacct_provider.core.exact_json import compact

from .errors import ApiError, render
from .faults import Fault


@dataclass
class ApiRequest:
    """A request as the API sees it: path relative to /ia/api/v1, raw body."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    item_fault: Fault | None = None  # an ``item_status`` fault for one item of an array write


@dataclass
class ApiResponse:
    """A response ready for the wire."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any) -> ApiResponse:
    """A JSON answer; a stored ``Decimal`` goes out as the number token the client sent (``59.10``)."""
    return json_text_response(status, compact(payload))


def json_text_response(status: int, text: str) -> ApiResponse:
    """A JSON answer already written as text (a query page: see :mod:`.pagetext`)."""
    return ApiResponse(status, text.encode())


def error_response(error: ApiError, envelope: str, headers: dict[str, str] | None = None) -> ApiResponse:
    response = json_response(error.status, render(error, envelope))
    response.headers.update(headers or {})
    return response

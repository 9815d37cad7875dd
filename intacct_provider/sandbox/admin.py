"""Admin routes under ``/ia/api/v1/sandbox/``: the handle's controls, over HTTP.

They let a sandbox started from the CLI (another process, another language) be scripted like the
in-process handle.  The real API has no such routes; they need no token and are never subject to
faults, throttling or the request log.  Each route below is the sandbox's address
(``http://127.0.0.1:<port>``) followed by its full path; bodies are JSON objects:

- ``GET /ia/api/v1/sandbox/``: these routes and their bodies, ``{"routes": [...]}``.
- ``GET /ia/api/v1/sandbox/requests``: the request log, ``{"requests": [...]}``
  (Authorization and secret fields masked); ``DELETE`` empties it (204).
- ``GET /ia/api/v1/sandbox/faults``: the pending faults, ``{"faults": [...]}``; ``DELETE`` drops them (204).
- ``POST /ia/api/v1/sandbox/faults`` ``{"kind": "status", "status": 503, "count": 2, "method": "POST",
  "path": "/objects/accounts-payable/bill$"}``: 201 ``{"fault": {...}}``. ``kind`` (required) is
  ``status``, ``reset``, ``commit_then_drop``, ``latency``, ``expire_token`` or ``item_status``; the
  other fields: ``count``, ``method``, ``path`` (a regex searched in the path after ``/ia/api/v1``),
  ``status``, ``retry_after``, ``html``, ``retry_header``, ``latency_ms``, ``after``, ``item``.
- ``POST /ia/api/v1/sandbox/expire-tokens``: every token issued so far expires (204).
- ``POST /ia/api/v1/sandbox/reset`` ``{"seed": "demo", "tenant": "tenant.json"}`` (body optional): back to
  the seed (204); ``tenant`` is a tenant file's path or its JSON (``null``: no customisations).
- ``POST /ia/api/v1/sandbox/payments`` ``{"object": "bill", "key": "2001", "amount": "100.00"}``:
  pays a posted (or approved) bill through an AP payment, as Intacct does: the payment is created a
  draft and taken through its workflow until paid out (the ``payment_flow`` reading); an invoice is
  settled directly; ``amount`` optional (all that is due); 200 ``{"ia::result": <the bill>}``.
- ``POST /ia/api/v1/sandbox/clock`` ``{"unfreeze": true}``, ``{"freeze": "2026-11-26T10:00:00Z"}``,
  ``{"advance": 60}`` (applied in that order when combined): 200 ``{"now": "<stamp>"}``.
- ``GET /ia/api/v1/sandbox/records/<path>/<key>``: the record as an HTML page; the ``webURL`` of the
  records whose schema has one (bills, invoices, journal entries, vendors, customers, AP payments)
  leads here, as Intacct's leads to its UI.
- ``GET /ia/api/v1/sandbox/settings``: the settings (client secret masked); ``PATCH`` (or ``POST``)
  ``{"idempotency": "replay"}`` changes those that may change at run time, answers the settings.

``object`` takes what operators take: a name (``bill``, ``invoice``) or a path
(``accounts-payable/bill``).  A body that is not a JSON object, lacks a required field, has a field
the route does not know or a value of the wrong type is a 400 whose ``error`` names the route and
the field; a refusal by the sandbox (a draft bill cannot be paid) is a 400 with its reason.
``docs/sandbox-admin.md`` is the same list for users.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from intacct_provider.core.exact_json import compact, loads

from .messages import ApiResponse, json_response
from .requestlog import MASK
from .schema import resolve_object
from .seed import SEEDS
from .state import SandboxState
from .tenant import load_tenant

PREFIX = "/ia/api/v1"
#: The page a record's ``webURL`` points at (Intacct's points at its UI).
RECORD_PAGE = "/sandbox/records/{path}/{key}"
_SETTABLE = frozenset(
    {
        "latency_ms",
        "max_concurrency",
        "token_ttl",
        "invalid_token_status",
        "require_document_numbers",
        "error_envelope",
        "idempotency",
        "id_semantics",
        "bill_approval",
        "bill_approve_state",
        "payment_flow",
        "payment_reverse_state",
        "bulk_result_shape",
        "audit_object_id",
        "audit_trail",
        "null_modified_stamps",
        "model_service",
        "model_unknown",
        "owned_lists",
        "relationship_id",
        "relationship_missing_status",
    }
)


@dataclass(frozen=True)
class BodyField:
    """One field of a route's JSON body: its JSON types and what it means."""

    name: str
    types: tuple[str, ...]
    meaning: str
    required: bool = False

    def check(self, route: str, value: Any) -> None:
        if value is None and not self.required:
            return
        if not any(_is(kind, value) for kind in self.types):
            expected = " or ".join(self.types)
            raise AdminError(f"{route}: field {self.name!r} must be {expected} ({self.meaning}), got {value!r}")


def _is(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "boolean": bool, "object": dict}[kind])


def _control_numbers(payload: Any) -> Any:
    """A body read exactly, its top-level numbers as Python numbers: seconds, latencies, retry delays.

    A tenant given inline (``reset``) is nested and keeps its ``Decimal`` seed values; no admin
    route takes money as a number (a payment's ``amount`` is decimal text).
    """
    if not isinstance(payload, dict):
        return payload
    return {name: float(value) if isinstance(value, Decimal) else value for name, value in payload.items()}


class AdminError(ValueError):
    """A 400 whose message names the route and what was wrong with the body."""


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under /ia/api/v1
    summary: str
    fields: tuple[BodyField, ...] = ()
    #: Settings take any of their names as fields (checked by the state), not a fixed list.
    open_body: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {PREFIX}{self.path}"

    def check(self, body: dict[str, Any]) -> None:
        """400 for a missing required field, an unknown field or a value of the wrong type."""
        known = {f.name: f for f in self.fields}
        if not self.open_body:
            unknown = sorted(set(body) - set(known))
            if unknown:
                accepted = ", ".join(known) or "no body"
                raise AdminError(f"{self.name}: unknown field {unknown[0]!r} (this route takes: {accepted})")
        for field in self.fields:
            if field.required and body.get(field.name) is None:
                raise AdminError(f"{self.name}: missing field {field.name!r} ({field.meaning})")
            field.check(self.name, body.get(field.name))

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": PREFIX + self.path,
            "summary": self.summary,
            "body": {
                field.name: {"type": list(field.types), "required": field.required, "meaning": field.meaning}
                for field in self.fields
            },
        }


_FAULT_FIELDS = (
    BodyField(
        "kind",
        ("string",),
        "status, reset, commit_then_drop, commit_then_status, commit_late, latency, expire_token or item_status",
        True,
    ),
    BodyField("count", ("integer",), "how many matching requests it hits (default 1)"),
    BodyField("method", ("string",), "only requests with this HTTP method"),
    BodyField("path", ("string",), "a regular expression searched in the path after /ia/api/v1"),
    BodyField("status", ("integer",), "the HTTP error status of a status or item_status fault"),
    BodyField("retry_after", ("string", "number"), "the Retry-After value sent with a 429 (default 1)"),
    BodyField("html", ("boolean",), "answer with a gateway's HTML page instead of JSON"),
    BodyField("retry_header", ("string",), "the header carrying retry_after (default Retry-After)"),
    BodyField("latency_ms", ("integer",), "the delay of a latency fault"),
    BodyField("after", ("integer",), "let this many matching requests through first"),
    BodyField("item", ("integer",), "the array item an item_status fault hits (0-based)"),
    BodyField("hold", ("integer",), "a commit_late request is performed before this later matching one (default 1)"),
)
ROUTES: tuple[Route, ...] = (
    Route("GET", "/sandbox/", "these routes and their bodies"),
    Route("GET", "/sandbox/requests", "the request log (Authorization and secrets masked)"),
    Route("DELETE", "/sandbox/requests", "empty the request log"),
    Route("GET", "/sandbox/faults", "the faults not yet used up"),
    Route("POST", "/sandbox/faults", "inject a fault into the next matching requests", _FAULT_FIELDS),
    Route("DELETE", "/sandbox/faults", "drop every pending fault"),
    Route("POST", "/sandbox/expire-tokens", "expire every access token issued so far"),
    Route(
        "POST",
        "/sandbox/reset",
        "back to the seed: records, settings, faults, keys, log, clock",
        (
            BodyField("seed", ("string",), f"the seed to load: {' or '.join(SEEDS)} (default: the one started with)"),
            BodyField(
                "tenant",
                ("string", "object"),
                "the company's customisations: a tenant file's path or its JSON; null for none "
                "(default: those the sandbox was started with)",
            ),
        ),
    ),
    Route(
        "POST",
        "/sandbox/payments",
        "pay a posted bill (an AP payment created and taken through its workflow, as Intacct does) or an invoice",
        (
            BodyField("object", ("string",), "the bill or invoice: a name such as 'bill' or a path", True),
            BodyField("key", ("string", "integer"), "the record's key, e.g. '2001'", True),
            BodyField("amount", ("string",), "a decimal string such as '100.00' (default: all that is due)"),
        ),
    ),
    Route(
        "POST",
        "/sandbox/clock",
        "the audit clock: unfreeze, freeze, advance (in that order when combined); answers the new time",
        (
            BodyField("freeze", ("string",), "an ISO-8601 instant such as '2026-11-26T10:00:00Z'"),
            BodyField("advance", ("number",), "seconds to move the clock forward"),
            BodyField("unfreeze", ("boolean",), "back to real time"),
        ),
    ),
    Route("GET", RECORD_PAGE, "a record as an HTML page: where a record's webURL leads (bills, vendors...)"),
    Route("GET", "/sandbox/settings", "the settings (the client secret masked)"),
    Route("PATCH", "/sandbox/settings", f"change settings: {', '.join(sorted(_SETTABLE))}", open_body=True),
    Route("POST", "/sandbox/settings", "the same as PATCH", open_body=True),
)
_BY_ROUTE = {(route.method, route.path): route for route in ROUTES}
_RECORD_PAGE = re.compile(r"^/sandbox/records/([^/]+/[^/]+)/([^/]+)$")


def _public_settings(state: SandboxState) -> dict[str, Any]:
    """The settings without credentials: admin routes need no token, so they must not hand one out.

    The tenant is summarised: the objects it adds fields to and its custom objects.
    """
    tenant = state.settings.tenant
    settings = asdict(replace(state.settings, tenant=None))
    settings["client_secret"] = MASK
    settings["tenant"] = (
        None
        if tenant is None
        else {
            "objects": sorted({*tenant.fields, *tenant.line_fields, *tenant.refs}),
            "custom_objects": sorted(tenant.objects),
        }
    )
    return settings


def _problem(status: int, message: str) -> ApiResponse:
    return json_response(status, {"error": message})


class Admin:
    """Maps ``(method, path)`` under /sandbox/ to the state's controls."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._handlers: dict[tuple[str, str], Callable[[dict[str, Any]], ApiResponse]] = {
            ("GET", "/sandbox/"): lambda body: json_response(200, {"routes": [r.describe() for r in ROUTES]}),
            ("GET", "/sandbox/requests"): lambda body: json_response(200, {"requests": state.request_log()}),
            ("DELETE", "/sandbox/requests"): _no_content(lambda body: state.clear_requests()),
            ("GET", "/sandbox/faults"): lambda body: json_response(200, {"faults": state.pending_faults()}),
            ("POST", "/sandbox/faults"): lambda body: json_response(201, {"fault": state.inject(**body)}),
            ("DELETE", "/sandbox/faults"): _no_content(lambda body: state.clear_faults()),
            ("POST", "/sandbox/expire-tokens"): _no_content(lambda body: state.expire_tokens()),
            ("POST", "/sandbox/reset"): _no_content(self._reset),
            ("POST", "/sandbox/payments"): self._pay,
            ("POST", "/sandbox/clock"): lambda body: json_response(200, {"now": self._clock(body)}),
            ("GET", "/sandbox/settings"): lambda body: json_response(200, _public_settings(state)),
            ("PATCH", "/sandbox/settings"): self._settings,
            ("POST", "/sandbox/settings"): self._settings,
        }

    def handle(self, method: str, path: str, body: bytes) -> ApiResponse:
        page = _RECORD_PAGE.match(path)
        if method == "GET" and page:
            return self._record_page(unquote(page.group(1)), unquote(page.group(2)))
        route = _BY_ROUTE.get((method, path)) or _BY_ROUTE.get((method, path.rstrip("/") + "/"))
        if route is None:
            known = "; ".join(r.name for r in ROUTES)
            return _problem(404, f"no admin route {method} {PREFIX}{path}; the routes are: {known}")
        try:
            payload = _control_numbers(loads(body)) if body else {}
        except ValueError:
            return _problem(400, f"{route.name}: the body must be a JSON object, got {body[:80]!r}")
        if not isinstance(payload, dict):
            return _problem(400, f"{route.name}: the body must be a JSON object, got {type(payload).__name__}")
        try:
            route.check(payload)
            return self._handlers[(route.method, route.path)](payload)
        except ValueError as exc:  # AdminError, and the state's own refusals (a draft bill, a bad setting)
            message = str(exc)
            return _problem(400, message if message.startswith(route.name) else f"{route.name}: {message}")

    def _record_page(self, path: str, key: str) -> ApiResponse:
        """The record as a person would look at it: its label, number and every field (HTML, escaped)."""
        try:
            record = self.state.get_record(path, key)
        except (KeyError, ValueError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            return ApiResponse(404, _page("Not found", f"<p>{html.escape(str(message))}</p>"), "text/html")
        label = self.state.store.object(resolve_object(path, self.state.store.objects)).label
        number = record.get("billNumber") or record.get("invoiceNumber") or record.get("id") or key
        title = f"{label} {number} (key {key})"
        rows = "".join(
            f"<tr><th>{html.escape(name)}</th><td>{html.escape(compact(value))}</td></tr>"
            for name, value in record.items()
        )
        return ApiResponse(200, _page(title, f"<table>{rows}</table>"), "text/html; charset=utf-8")

    def _reset(self, body: dict[str, Any]) -> None:
        if "tenant" in body:  # a tenant file's path or its JSON; null for none
            self.state.reset(body.get("seed"), None if body["tenant"] is None else load_tenant(body["tenant"]))
        else:
            self.state.reset(body.get("seed"))

    def _pay(self, body: dict[str, Any]) -> ApiResponse:
        path = resolve_object(body["object"], self.state.store.objects)
        record = self.state.record_payment(path, str(body["key"]), body.get("amount"))
        return json_response(200, {"ia::result": record})

    def _settings(self, body: dict[str, Any]) -> ApiResponse:
        unknown = sorted(set(body) - _SETTABLE)
        if unknown:
            raise AdminError(
                f"settings that cannot be changed at run time: {', '.join(unknown)} "
                f"(these can: {', '.join(sorted(_SETTABLE))})"
            )
        try:
            self.state.update(**body)
        except TypeError as exc:  # a value of the wrong type for a setting
            raise AdminError(f"a setting has a value of the wrong type ({exc})") from None
        return json_response(200, _public_settings(self.state))

    def _clock(self, body: dict[str, Any]) -> str:
        """``{"freeze": iso}``, ``{"advance": seconds}`` or ``{"unfreeze": true}``; answers the new now."""
        if body.get("unfreeze"):
            self.state.unfreeze_time()
        if "freeze" in body:
            self.state.freeze_time(body["freeze"])
        if "advance" in body:
            self.state.advance_time(float(body["advance"]))
        return self.state.now()


def _page(title: str, content: str) -> bytes:
    escaped = html.escape(title)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escaped} - Sage Intacct sandbox</title></head>"
        f"<body><h1>{escaped}</h1><p>Sage Intacct sandbox (SANDBOX: not a real company)</p>{content}</body></html>"
    ).encode()


def _no_content(action: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], ApiResponse]:
    """A route that does ``action`` and answers 204."""

    def run(body: dict[str, Any]) -> ApiResponse:
        action(body)
        return ApiResponse(204)

    return run

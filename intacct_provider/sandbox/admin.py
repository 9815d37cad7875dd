"""Admin routes under ``/ia/api/v1/sandbox/``: the handle's controls, over HTTP.

They let a sandbox started from the CLI (another process, another language) be scripted like the
in-process handle.  The real API has no such routes; they need no token and are never subject to
faults, throttling or the request log.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from intacct_provider.core.exact_json import loads

from .messages import ApiResponse, json_response
from .requestlog import MASK
from .state import SandboxState
from .tenant import load_tenant

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
        "bulk_result_shape",
        "audit_object_id",
        "audit_trail",
        "null_modified_stamps",
        "model_service",
        "model_unknown",
    }
)


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
        else {"objects": sorted({*tenant.fields, *tenant.line_fields}), "custom_objects": sorted(tenant.objects)}
    )
    return settings


def _problem(status: int, message: str) -> ApiResponse:
    return json_response(status, {"error": message})


class Admin:
    """Maps ``(method, path)`` under /sandbox/ to the state's controls."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def handle(self, method: str, path: str, body: bytes) -> ApiResponse:
        try:
            payload = loads(body) if body else {}
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
            return self._route(method, path, payload)
        except (ValueError, TypeError, KeyError) as exc:
            return _problem(400, str(exc))

    def _route(self, method: str, path: str, body: dict[str, Any]) -> ApiResponse:
        state = self.state
        route = (method, path)
        if route == ("GET", "/sandbox/requests"):
            return json_response(200, {"requests": state.request_log()})
        if route == ("DELETE", "/sandbox/requests"):
            state.clear_requests()
        elif route == ("GET", "/sandbox/faults"):
            return json_response(200, {"faults": state.pending_faults()})
        elif route == ("POST", "/sandbox/faults"):
            return json_response(201, {"fault": state.inject(**body)})
        elif route == ("DELETE", "/sandbox/faults"):
            state.clear_faults()
        elif route == ("POST", "/sandbox/expire-tokens"):
            state.expire_tokens()
        elif route == ("POST", "/sandbox/reset"):
            if "tenant" in body:  # a tenant file's path or its JSON; null for none
                state.reset(body.get("seed"), None if body["tenant"] is None else load_tenant(body["tenant"]))
            else:
                state.reset(body.get("seed"))
        elif route == ("POST", "/sandbox/payments"):
            record = state.record_payment(body["object"], str(body["key"]), body.get("amount"))
            return json_response(200, {"ia::result": record})
        elif route == ("POST", "/sandbox/clock"):
            return json_response(200, {"now": self._clock(body)})
        elif route == ("GET", "/sandbox/settings"):
            return json_response(200, _public_settings(state))
        elif route in (("PATCH", "/sandbox/settings"), ("POST", "/sandbox/settings")):
            unknown = sorted(set(body) - _SETTABLE)
            if unknown:
                raise ValueError(f"settings that cannot be changed at run time: {', '.join(unknown)}")
            state.update(**body)
            return json_response(200, _public_settings(state))
        else:
            return _problem(404, f"no admin route {method} {path}")
        return ApiResponse(204)

    def _clock(self, body: dict[str, Any]) -> str:
        """``{"freeze": iso}``, ``{"advance": seconds}`` or ``{"unfreeze": true}``; answers the new now."""
        if body.get("unfreeze"):
            self.state.unfreeze_time()
        if "freeze" in body:
            self.state.freeze_time(body["freeze"])
        if "advance" in body:
            self.state.advance_time(float(body["advance"]))
        return self.state.now()

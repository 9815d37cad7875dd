"""The Intacct REST API proper: authentication, routing and the JSON answers.

Transport concerns (sockets, faults, throttling, the request log) stay in :mod:`.server`; this
module turns one parsed request into one response while holding the state lock, so every answer
is computed and encoded against a consistent store.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from intacct_provider.core.exact_json import loads

from . import bulk, model
from .audit import AUDIT_PATH, AuditTrail, refused
from .auth import FORM_TYPE
from .errors import PAYLOAD_REQUIRED, ApiError, detail
from .gcpause import gc_paused
from .idempotency import fingerprint
from .messages import ApiRequest, ApiResponse, error_response, json_response, json_text_response
from .query import parse_query
from .schema import OWNED_PATHS, ObjectDef, readable
from .state import SandboxState
from .workflows import check_workflow_body, run_workflow

PAGE_SIZE = 100
_NOT_RECORDS = "A bulk write takes a JSON array of records (JSON objects)"
_COLLECTION = re.compile(r"^/objects/([^/]+/[^/]+)$")
_ITEM = re.compile(r"^/objects/([^/]+/[^/]+)/([^/]+)$")
_WORKFLOW = re.compile(r"^/workflows/([^/]+/[^/]+)/([^/]+)$")
_ROUTE_METHODS = (
    (re.compile(r"^/oauth2/token$"), ("POST",)),
    (_COLLECTION, ("GET", "POST", "PATCH")),
    (_ITEM, ("GET", "PATCH", "DELETE")),
    (re.compile(r"^/services/core/model$"), ("GET",)),
    (re.compile(r"^/services/core/query$"), ("POST",)),
    (_WORKFLOW, ("POST",)),
)


def _reference(record: dict[str, Any]) -> dict[str, Any]:
    return {"key": record["key"], "id": record["id"], "href": record["href"]}


def _single_meta(success: bool = True) -> dict[str, int]:
    return {"totalCount": 1, "totalSuccess": int(success), "totalError": int(not success)}


class Api:
    """Dispatches one request against the shared state."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def handle(self, request: ApiRequest) -> ApiResponse:
        # Records are acyclic: no cyclic collection in the middle of an array write (see .gcpause).
        with self.state.lock, gc_paused():
            try:
                return self._route(request)
            except ApiError as error:
                return error_response(error, self.state.settings.error_envelope)

    def _route(self, request: ApiRequest) -> ApiResponse:
        methods = next((allowed for pattern, allowed in _ROUTE_METHODS if pattern.match(request.path)), None)
        if methods is None:
            raise ApiError(404, f"No resource at {request.path}", [detail("notFound", request.path)])
        if request.method not in methods:
            raise ApiError(405, f"{request.method} is not allowed on {request.path}")
        if request.path == "/oauth2/token":
            return self._token(request)
        self._authenticate(request)
        entity = request.headers.get("X-IA-API-Param-Entity")
        self.state.store.check_entity(entity)
        if request.path == "/services/core/model":
            return self._model(request)
        if request.path == "/services/core/query":
            query = parse_query(_json_body(request), self.state.clock.stamp()[:10], self.state.store.objects)
            if query.obj.path == AUDIT_PATH:
                return json_text_response(200, query.run(self._audit_trail().entries))
            records = self.state.store.visible(query.obj.path, entity, query.include_private)
            return json_text_response(200, query.run(records))
        workflow = _WORKFLOW.match(request.path)
        if workflow:
            return self._workflow(request, workflow.group(1), workflow.group(2), entity)
        item = _ITEM.match(request.path)
        collection = _COLLECTION.match(request.path)
        target = item or collection
        assert target is not None
        if target.group(1) == AUDIT_PATH:
            return self._audit(request, item.group(2) if item else None)
        owned = OWNED_PATHS.get(target.group(1))
        if owned is not None and request.method != "GET":  # Sage: GET list and GET by key only
            message = f"{request.method} is not allowed on {owned.path}: its records are written with {owned.owner}"
            raise ApiError(405, message, [detail("methodNotAllowed", message, request.path)])
        if item:
            return self._item(request, item.group(1), item.group(2), entity)
        assert collection is not None
        if request.method == "GET":
            return self._list(request, collection.group(1), entity)
        if request.method == "PATCH":
            self._object(collection.group(1))
            items = _json_array(request)
            return json_response(*bulk.update_many(self.state, collection.group(1), items, entity, request.item_fault))
        return self._create(request, collection.group(1), entity)

    # ---------------------------------------------------------------- auth
    def _token(self, request: ApiRequest) -> ApiResponse:
        settings = self.state.settings
        if request.headers.get("Content-Type", "").split(";")[0].strip().lower() != FORM_TYPE:
            raise ApiError(400, f"The token request must be sent as {FORM_TYPE}")
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        grant = form.get("grant_type")
        needed = {
            "client_credentials": ("client_id", "client_secret", "username"),
            "refresh_token": ("client_id", "client_secret", "refresh_token"),
        }.get(grant or "")
        if needed is None:
            raise ApiError(400, f"grant_type must be client_credentials or refresh_token, not {grant!r}")
        missing = [name for name in needed if not form.get(name)]
        if missing:
            raise ApiError.from_details(400, [detail("requiredFieldMissing", f"{n} is required", n) for n in missing])
        if form["client_id"] != settings.client_id or form["client_secret"] != settings.client_secret:
            raise ApiError(401, "Invalid client credentials", [detail("invalidClient", "Invalid client credentials")])
        if grant == "client_credentials":
            if form["username"] != f"{settings.user_id}@{settings.company_id}":
                message = "Invalid username: expected <userId>@<companyId> of an API user"
                raise ApiError(401, message, [detail("invalidUser", message, "username")])
            return json_response(200, self.state.auth.issue(settings.token_ttl))
        answer = self.state.auth.refresh(form["refresh_token"], settings.token_ttl)
        if answer is None:
            message = "The refresh token is invalid or has expired"
            raise ApiError(401, message, [detail("invalidGrant", message, "refresh_token")])
        return json_response(200, answer)

    def _authenticate(self, request: ApiRequest) -> None:
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Authentication required: send Authorization: Bearer <access token>")
        if not self.state.auth.is_valid(token.strip()):
            if self.state.settings.invalid_token_status == 400:
                raise ApiError(400, "Invalid token", [detail("invalidToken", "The token is not valid")])
            raise ApiError(401, "The access token is invalid or has expired", [detail("invalidToken", "Token expired")])

    # ------------------------------------------------------------- objects
    def _object(self, path: str) -> ObjectDef:
        return self.state.store.object(path)  # 404 for an unknown object

    def _list(self, request: ApiRequest, path: str, entity: str | None) -> ApiResponse:
        return self._page(request, self.state.store.list_refs(path, entity))

    def _page(self, request: ApiRequest, refs: list[dict[str, Any]]) -> ApiResponse:
        """One page of a list GET (``start``, 100 references at a time)."""
        raw_start = request.query.get("start", "1")
        if not raw_start.isdigit() or int(raw_start) < 1:
            raise ApiError(400, "start must be a positive integer", [detail("invalidValue", "start", "start")])
        start = int(raw_start)
        meta = {
            "totalCount": len(refs),
            "start": start,
            "pageSize": PAGE_SIZE,
            "next": start + PAGE_SIZE if start - 1 + PAGE_SIZE < len(refs) else None,
            "previous": max(1, start - PAGE_SIZE) if start > 1 else None,
        }
        return json_response(200, {"ia::result": refs[start - 1 : start - 1 + PAGE_SIZE], "ia::meta": meta})

    def _audit_trail(self) -> AuditTrail:
        """The audit trail, or the 403 a user without the audit-trail permission gets."""
        if self.state.settings.audit_trail == "refused":
            raise refused()
        return self.state.store.audit

    def _audit(self, request: ApiRequest, key: str | None) -> ApiResponse:
        """``company-config/audit-history``: GET list and GET by key only (every property is read-only)."""
        if request.method != "GET":
            message = f"{request.method} is not allowed on {AUDIT_PATH}: the audit trail is read-only"
            raise ApiError(405, message, [detail("methodNotAllowed", message, request.path)])
        trail = self._audit_trail()
        if key is not None:
            return json_response(200, {"ia::result": trail.get(key), "ia::meta": _single_meta()})
        return self._page(request, trail.references())

    def _create(self, request: ApiRequest, path: str, entity: str | None) -> ApiResponse:
        obj = self._object(path)
        key = request.headers.get("Idempotency-Key")
        value = _json_value(request)  # parsed once: an array POST of 500 bills is 130 kB
        if isinstance(value, list):
            items = _records(value)
            return json_response(*bulk.create_many(self.state, path, items, entity, key, request.item_fault))
        body = _record(value)
        print_ = fingerprint(path, entity, body)
        settings = self.state.settings
        if key:
            replay = self.state.idempotency.replay(key, print_, settings.idempotency == "replay")
            if replay is not None:
                return json_response(201, replay)
        record = self.state.store.create(obj.path, body, entity, settings.require_document_numbers)
        answer = {"ia::result": _reference(record), "ia::meta": _single_meta()}
        if key:
            self.state.idempotency.remember(key, print_, answer)
        return json_response(201, answer)

    def _item(self, request: ApiRequest, path: str, key: str, entity: str | None) -> ApiResponse:
        store = self.state.store
        if request.method == "DELETE":
            store.delete(path, key, entity)
            return ApiResponse(204)
        if request.method == "PATCH":
            record = store.update(path, key, _json_body(request), entity)
            return json_response(200, {"ia::result": _reference(record), "ia::meta": _single_meta()})
        if "," in key:
            self._object(path)
            return json_response(*bulk.get_many(self.state, path, key, entity))
        if request.query:
            # The spec declares no query parameter on GET by key (no ``fields``): select fields
            # through the query service instead.
            name = sorted(request.query)[0]
            message = f"GET by key takes no query parameters: '{name}' is not valid (use the query service)"
            raise ApiError(400, message, [detail("invalidParameter", message, name)])
        record = store.get(path, key, entity)
        return json_response(200, {"ia::result": readable(store.table(path).obj, record), "ia::meta": _single_meta()})

    def _workflow(self, request: ApiRequest, path: str, action: str, entity: str | None) -> ApiResponse:
        self._object(path)
        body = _json_body(request)
        check_workflow_body(path, action, body)
        record = self.state.store.get(path, body["key"], entity)
        run_workflow(self.state.store, record, path, action, body)
        result = {**_reference(record), "state": record["state"]}
        return json_response(200, {"ia::result": result, "ia::meta": _single_meta()})

    def _model(self, request: ApiRequest) -> ApiResponse:
        """The model service in Sage's shape (:mod:`.model`); ``model_service`` and ``model_unknown``
        choose how it refuses (403) and how it answers a name it does not know."""
        settings = self.state.settings
        if settings.model_service == "forbidden":
            message = "You do not have permission to use the model service"
            raise ApiError(403, message, [detail("permissionDenied", message)])
        store = self.state.store
        name = request.query.get("name")
        if not name:
            listed = model.catalog(store.objects)
            return json_response(200, {"ia::result": listed, "ia::meta": _list_meta(len(listed))})
        path = name.strip().strip("/").removeprefix("objects/")
        owned = OWNED_PATHS.get(path)
        if owned is not None:  # the lines of an object, as the owned object they are
            described = model.describe_owned(owned, store.objects[owned.owner], store.tenant)
            return json_response(200, {"ia::result": described, "ia::meta": _single_meta()})
        obj = store.objects.get(path)
        if obj is None:
            if settings.model_unknown == "error":
                raise ApiError(404, f"Resource '{name}' does not exist", [detail("unknownObject", name, "name")])
            return json_response(200, {"ia::result": [], "ia::meta": _list_meta(0)})
        described = model.describe(obj, store.tenant, settings.owned_lists)
        return json_response(200, {"ia::result": described, "ia::meta": _single_meta()})


def _list_meta(count: int) -> dict[str, int]:
    return {"totalCount": count, "totalSuccess": count, "totalError": 0}


def _json_value(request: ApiRequest, kind: type | None = None) -> Any:
    """The decoded body (400 if it is not JSON); with ``kind``, None unless it is of that type.

    A number with a fraction is kept as the ``Decimal`` it says (``59.10``), never rounded to a float.
    """
    if request.method in ("POST", "PATCH") and not request.body.strip():
        error_id, message_id = PAYLOAD_REQUIRED
        message = f"{request.method} requires a payload"
        raise ApiError(400, message, [detail("invalidRequest", message)], error_id=error_id, message_id=message_id)
    try:
        body = loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None
    return body if kind is None or isinstance(body, kind) else None


def _json_array(request: ApiRequest) -> list[dict[str, Any]]:
    body = _json_value(request, list)
    if body is None:
        raise ApiError(400, _NOT_RECORDS)
    return _records(body)


def _records(body: list[Any]) -> list[dict[str, Any]]:
    if not all(isinstance(item, dict) for item in body):
        raise ApiError(400, _NOT_RECORDS)
    return body


def _json_body(request: ApiRequest) -> dict[str, Any]:
    return _record(_json_value(request))


def _record(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    record: dict[str, Any] = body
    return record

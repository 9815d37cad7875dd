"""Array writes and batch reads: ``POST``/``PATCH /objects/<path>`` with a JSON array, ``GET .../k1,k2``.

Sage documents up to 500 records per request, each processed on its own, and a 207 Multi-Status
when results are mixed -- but not the per-record shape of that 207.  ``bulk_result_shape`` offers
the plausible readings, each answering items in request order:

* ``composite`` (default, the shape the composite endpoint's example shows):
  ``{"ia::status": 201, "ia::result": {key, id, href}}`` or ``{"ia::status": 422, "ia::error": {...}}``;
* ``bare``: a success is the bare ``{key, id, href}``, a failure ``{"ia::error": {...}}``;
* ``atomic``: "one status code applicable to all records": any bad item refuses the whole batch
  with one error whose details target ``/<index>/...``, and nothing is written.

When every item succeeds the answer is the documented plain array of references (201 for creates,
200 for updates).  Each item goes through the store's own create/update, so every validation rule
of a single write applies to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import ApiError, detail, render
from .faults import Fault
from .idempotency import fingerprint
from .schema import readable
from .state import SandboxState

MAX_BATCH = 500

Outcome = tuple[int, dict[str, Any]]  # (status, reference or error body)


def _reference(record: dict[str, Any]) -> dict[str, Any]:
    return {"key": record["key"], "id": record["id"], "href": record["href"]}


def check_size(count: int, what: str) -> None:
    """400 for an empty batch or one above Sage's limit of 500 records."""
    if count == 0:
        raise ApiError(400, f"A bulk {what} needs at least one record", [detail("invalidRequest", "empty array")])
    if count > MAX_BATCH:
        message = f"A bulk {what} can contain at most {MAX_BATCH} records, not {count}"
        raise ApiError(400, message, [detail("bulkLimitExceeded", message)])


def _error_body(error: ApiError) -> dict[str, Any]:
    body: dict[str, Any] = render(error, "top")["ia::error"]
    return body


def _run_items(
    items: list[dict[str, Any]], action: Callable[[dict[str, Any]], dict[str, Any]], ok_status: int, fault: Fault | None
) -> list[Outcome]:
    """Apply ``action`` to each item on its own; a failing item does not stop the others."""
    outcomes: list[Outcome] = []
    for index, item in enumerate(items):
        try:
            if fault is not None and fault.item == index:
                raise ApiError(fault.status or 500, f"Record {index} failed (injected by the sandbox)")
            outcomes.append((ok_status, _reference(action(item))))
        except ApiError as error:
            outcomes.append((error.status, _error_body(error)))
    return outcomes


def _answer(outcomes: list[Outcome], ok_status: int, shape: str) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) for a batch's outcomes in the chosen 207 shape."""
    errors = sum(1 for status, _ in outcomes if status >= 300)
    meta = {"totalCount": len(outcomes), "totalSuccess": len(outcomes) - errors, "totalError": errors}
    if not errors:
        return ok_status, {"ia::result": [body for _, body in outcomes], "ia::meta": meta}
    if shape == "bare":
        items = [body if status < 300 else {"ia::error": body} for status, body in outcomes]
    else:
        items = [
            {"ia::status": status, "ia::result" if status < 300 else "ia::error": body} for status, body in outcomes
        ]
    return 207, {"ia::result": items, "ia::meta": meta}


def _refuse_whole_batch(outcomes: list[Outcome]) -> ApiError:
    """The ``atomic`` reading: one error for the batch, naming each bad record by index."""
    details = []
    status = 400
    for index, (item_status, body) in enumerate(outcomes):
        if item_status < 300:
            continue
        status = max(status, item_status)
        for item_detail in body.get("details") or [{"code": body.get("code"), "message": body.get("message")}]:
            target = f"/{index}{item_detail.get('target') or ''}"
            details.append(
                detail(str(item_detail.get("code")), f"Record {index}: {item_detail.get('message')}", target)
            )
    return ApiError.from_details(status, details)


def create_many(
    state: SandboxState,
    path: str,
    items: list[dict[str, Any]],
    entity: str | None,
    key: str | None,
    fault: Fault | None,
) -> tuple[int, dict[str, Any]]:
    """Create each item; an ``Idempotency-Key`` covers the whole array (replayed or refused as one)."""
    check_size(len(items), "create")
    settings = state.settings
    print_ = fingerprint(path, entity, items) if key else ""  # only a keyed request is remembered
    if key:
        replay = state.idempotency.replay(key, print_, settings.idempotency == "replay")
        if replay is not None:
            return (201 if replay["ia::meta"]["totalError"] == 0 else 207), replay
    store = state.store
    mark = store.audit.mark()
    outcomes = _run_items(
        items, lambda body: store.create(path, body, entity, settings.require_document_numbers), 201, fault
    )
    if settings.bulk_result_shape == "atomic" and any(status >= 300 for status, _ in outcomes):
        table = store.table(path)
        for status, body in outcomes:
            if status < 300:
                table.unindex(table.records[body["key"]])
        store.audit.rollback(mark)
        raise _refuse_whole_batch(outcomes)
    status, answer = _answer(outcomes, 201, settings.bulk_result_shape)
    if key and answer["ia::meta"]["totalSuccess"]:
        state.idempotency.remember(key, print_, answer)
    return status, answer


def update_many(
    state: SandboxState, path: str, items: list[dict[str, Any]], entity: str | None, fault: Fault | None
) -> tuple[int, dict[str, Any]]:
    """PATCH each item by the ``key`` in its body."""
    check_size(len(items), "update")
    store = state.store
    shape = state.settings.bulk_result_shape
    table = store.table(path)
    originals: dict[str, dict[str, Any]] = {}
    mark = store.audit.mark()

    def update(item: dict[str, Any]) -> dict[str, Any]:
        changes = dict(item)
        record_key = changes.pop("key", None)
        if not isinstance(record_key, str) or not record_key:
            raise ApiError(400, "Each record of a bulk update needs its key", [detail("requiredFieldMissing", "key")])
        originals.setdefault(record_key, store.get(path, record_key, entity))
        return store.update(path, record_key, changes, entity)

    outcomes = _run_items(items, update, 200, fault)
    if shape == "atomic" and any(status >= 300 for status, _ in outcomes):
        for record_key, original in originals.items():
            table.replace(table.records[record_key], original)
        store.audit.rollback(mark)
        raise _refuse_whole_batch(outcomes)
    return _answer(outcomes, 200, shape)


def get_many(state: SandboxState, path: str, keys: str, entity: str | None) -> tuple[int, dict[str, Any]]:
    """``GET /objects/<path>/k1,k2,...``: the full records in the order asked."""
    wanted = [part.strip() for part in keys.split(",")]
    check_size(len(wanted), "read")
    store = state.store
    outcomes: list[Outcome] = []
    for record_key in wanted:
        try:
            outcomes.append((200, readable(store.table(path).obj, store.get(path, record_key, entity))))
        except ApiError as error:
            outcomes.append((error.status, _error_body(error)))
    if state.settings.bulk_result_shape == "atomic" and any(status >= 300 for status, _ in outcomes):
        raise _refuse_whole_batch(outcomes)
    return _answer(outcomes, 200, state.settings.bulk_result_shape)

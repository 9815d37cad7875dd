"""Workflow actions (``POST /workflows/<app>/<object>/<action>``): the only way a state changes.

Each action's body fields, the states it applies to and the state it leads to come from the
contract's facts.  Refusals: an unknown body field or a missing one is a 400 like any body; an
action on a record already in the state the action leads to answers 422 ``alreadyInState``; any
other state the action does not apply to answers 422 ``invalidStateTransition``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .errors import ApiError, detail
from .schema import OBJECTS

if TYPE_CHECKING:
    from .tables import Tables


def _check_body(spec: dict[str, Any], body: dict[str, Any]) -> None:
    problems = []
    for name, value in body.items():
        if name not in spec["body"]:
            problems.append(detail("invalidField", f"/{name} is not a valid field", f"/{name}"))
        elif value is not None and not isinstance(value, str):
            problems.append(detail("invalidType", f"/{name} must be a string", f"/{name}"))
    for name, need in spec["body"].items():
        if need == "required" and body.get(name) in (None, ""):
            problems.append(detail("requiredFieldMissing", f"/{name} is required", f"/{name}"))
    date_field = spec.get("date_field")
    if date_field and isinstance(body.get(date_field), str):
        try:
            date.fromisoformat(body[date_field])
        except ValueError:
            message = f"/{date_field} must be a valid date in YYYY-MM-DD format"
            problems.append(detail("invalidValue", message, f"/{date_field}"))
    if problems:
        raise ApiError.from_details(400, problems)


def run_workflow(
    store: Tables, path: str, action: str, body: dict[str, Any], entity: str | None, *, approval: bool
) -> dict[str, Any]:
    """Apply ``action`` to the record ``body["key"]`` names; returns the changed record.

    ``approval``: the company has an approval workflow for bills, so ``submit`` leads to
    ``submitted`` (then ``approve``) instead of straight to ``posted``.
    """
    obj = OBJECTS.get(path)
    spec = obj.workflows.get(action) if obj else None
    if obj is None or spec is None:
        where = f"/workflows/{path}/{action}"
        raise ApiError(404, f"No workflow action {action} for {path}", [detail("notFound", where)])
    _check_body(spec, body)
    record = store.get(path, body["key"], entity)
    current = record["state"]
    target = spec["to_with_approval"] if approval and "to_with_approval" in spec else spec["to"]
    label = f"{obj.label} {record['id']}"
    if current == target:
        message = f"The {label} is already {current}"
        raise ApiError.from_details(422, [detail("alreadyInState", message, "/key")])
    if current not in spec["from"]:
        allowed = ", ".join(spec["from"])
        message = f"Cannot {action} the {label}: it is {current} (only {allowed} can be)"
        raise ApiError.from_details(422, [detail("invalidStateTransition", message, "/key")])
    date_field = spec.get("date_field")
    if date_field:
        posted = record.get("postingDate") or record.get("createdDate") or record.get("invoiceDate")
        if posted and body[date_field] <= posted:
            message = f"{date_field} {body[date_field]} must be after the posting date {posted}"
            raise ApiError.from_details(422, [detail("invalidDate", message, f"/{date_field}")])
    record["state"] = target
    store.touch(record)
    store.workflow_done(path, record, action, current)
    return record

"""Workflow actions (``POST /workflows/<app>/<object>/<action>``): the only way a state changes.

Each action's body fields, the states it applies to and the states it may lead to come from the
contract's facts; where Sage documents several outcomes, the object's behaviour picks one by the
sandbox's readings (:mod:`.readings`).  Every state change goes through :func:`change_state`, so
what follows a change (a payment applied to its bills, an audit entry) has one place to hook in.

Refusals: an unknown body field or a missing one is a 400 like any body; an action on a record
already in a state the action has led to answers 422 ``alreadyInState``; any other state the
action does not apply to answers 422 ``invalidStateTransition``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from .behaviour import Records
from .errors import ApiError, detail
from .payments import NEXT_ACTION, is_applied
from .schema import OBJECTS, ObjectDef


class WorkflowStore(Records, Protocol):
    """What a workflow action needs of the store: the records, and the audit trail's entry."""

    def workflow_done(self, path: str, record: dict[str, Any], action: str, previous_state: str) -> None: ...


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


def workflow_of(path: str, action: str) -> tuple[ObjectDef, dict[str, Any]]:
    """The object and the contract's facts of one action; 404 for an action it does not have."""
    obj = OBJECTS.get(path)
    spec = obj.workflows.get(action) if obj else None
    if obj is None or spec is None:
        where = f"/workflows/{path}/{action}"
        raise ApiError(404, f"No workflow action {action} for {path}", [detail("notFound", where)])
    return obj, spec


def target_state(records: Records, obj: ObjectDef, action: str, current: str) -> str | None:
    """The state ``action`` leads a record in ``current`` to here (None: it does not apply there)."""
    documented = obj.workflows[action]["transitions"].get(current)
    if not documented:
        return None
    rule = obj.behaviour.transition
    return rule(records.readings, action, current, list(documented)) if rule else str(documented[0])


def run_workflow(records: WorkflowStore, record: dict[str, Any], path: str, action: str, body: dict[str, Any]) -> None:
    """Apply ``action`` to ``record`` (the one ``body["key"]`` names, already read in its entity)."""
    obj, spec = workflow_of(path, action)
    current = record["state"]
    target = target_state(records, obj, action, current)
    label = f"{obj.label} {record['id']}"
    if target is None and current in spec["done"]:
        message = f"The {label} is already {current}"
        raise ApiError.from_details(422, [detail("alreadyInState", message, "/key")])
    if target is None:
        allowed = ", ".join(spec["from"])
        message = f"Cannot {action} the {label}: it is {current} (only {allowed} can be)"
        raise ApiError.from_details(422, [detail("invalidStateTransition", message, "/key")])
    date_field = spec.get("date_field")
    if date_field and body.get(date_field):
        posted = record.get("postingDate") or record.get("createdDate") or record.get("invoiceDate")
        if posted and body[date_field] <= posted:
            message = f"{date_field} {body[date_field]} must be after the posting date {posted}"
            raise ApiError.from_details(422, [detail("invalidDate", message, f"/{date_field}")])
    change_state(records, obj, record, target, action)


def check_workflow_body(path: str, action: str, body: dict[str, Any]) -> None:
    """400 for a body the action does not take (before the record is looked up)."""
    _, spec = workflow_of(path, action)
    _check_body(spec, body)


def change_state(records: WorkflowStore, obj: ObjectDef, record: dict[str, Any], state: str, action: str) -> None:
    """The one way a record's state changes: set it, run the object's ``on_state`` hooks (which may
    refuse, restoring the state), stamp the change and leave its entry in the audit trail."""
    previous = record["state"]
    record["state"] = state
    try:
        for hook in obj.behaviour.on_state:
            hook(records, record, previous)
    except ApiError:
        record["state"] = previous
        raise
    records.touch(record)
    records.workflow_done(obj.path, record, action, previous)


def advance(records: WorkflowStore, obj: ObjectDef, record: dict[str, Any], action: str) -> bool:
    """Run ``action`` on ``record`` if it applies to its state (the deprecated create ``action``,
    the sandbox's own controls); False when it does not."""
    target = target_state(records, obj, action, record["state"])
    if target is None:
        return False
    change_state(records, obj, record, target, action)
    return True


def pay_out(records: WorkflowStore, obj: ObjectDef, payment: dict[str, Any]) -> None:
    """Move a payment through its workflow (submit, approve, print, confirm as the reading needs)
    until it is applied to its bills: the sandbox's ``record_payment`` control."""
    for _ in range(len(NEXT_ACTION) + 1):
        if is_applied(payment):
            return
        action = NEXT_ACTION.get(payment["state"])
        if action is None or not advance(records, obj, payment, action):
            break
    if not is_applied(payment):
        raise ApiError(422, f"The AP payment {payment['key']} is {payment['state']} and cannot be paid out")

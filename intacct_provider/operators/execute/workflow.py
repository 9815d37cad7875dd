"""What ``IntacctWorkflowOperator`` runs, and the create operators' submit: one action, never twice.

Each run first reads the record's state and skips an action that has already happened, so a
retry after a lost answer never submits (or reverses) twice; a refusal or a lost answer is
settled by reading the state again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.registry import entry
from intacct_provider.catalog.validation import check_date, check_flag, check_id, check_text
from intacct_provider.exceptions import IntacctError, IntacctNotFoundError, IntacctValidationError
from intacct_provider.operators.execute.links import link_record
from intacct_provider.operators.execute.outlets import emit_assets, intacct_outlets, writes_extra

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow.sdk import Context

    from intacct_provider.catalog.registry import IntacctObject
    from intacct_provider.hooks.intacct import IntacctHook


#: Name of this operator's entry in ``task_state_store``; renaming it breaks in-flight retries.
STATE_KEY = "intacct_workflow"


def read_state(hook: IntacctHook, obj: IntacctObject, key: str) -> str | None:
    """The record's ``state``, read through the query service (GET by key takes no field list)."""
    row = hook.find_record(obj.path, [{"$eq": {"key": key}}], fields=["key", "state"])
    if row is None:
        raise IntacctNotFoundError(f"no {obj.path} record with key {key!r}", status=404)
    state = row.get("state")
    return None if state is None else str(state)


def run_workflow(
    hook: IntacctHook,
    obj: IntacctObject,
    action: str,
    key: str,
    arguments: dict[str, Any],
    log: Any,
    *,
    earlier: str | None = None,
    remember: Callable[[str | None], None] | None = None,
) -> dict[str, Any]:
    """Run ``action`` on record ``key`` unless it has already happened; return ``{key, action, state, performed}``.

    A lost answer (or a refusal that raced an earlier try) is settled by reading the state
    again: if the action has happened, the task succeeds; otherwise the error stands. "Happened"
    is the contract's rule (:meth:`~intacct_provider.catalog.workflows.Workflow.happened`): a done
    state, or one the action leads to from the state it started in. ``earlier`` is the state an
    earlier try of the task read before it posted (kept in ``task_state_store``), ``remember`` is
    told the state this try reads before it posts, so a retry can settle a lost answer too.
    """
    workflow = obj.workflow(action)
    for name in workflow.required:
        if arguments.get(name) in (None, ""):
            raise IntacctValidationError(name, f"a value ({obj.name} {action} requires it)", None, show_value=False)
    body = {"key": key, **{field: arguments[name] for name, field in workflow.arguments.items() if arguments.get(name)}}
    before = read_state(hook, obj, key)
    if workflow.happened(earlier, before):
        log.info("%s %s is already %s; not running %s again", obj.label, key, before, action)
        return {"key": key, "action": action, "state": before, "performed": False}
    if remember is not None:
        remember(before)
    try:
        answer = hook.call("POST", workflow.path, body, resend_safe=False)
    except IntacctError as exc:  # a lost answer, or a refusal because an earlier try already did it
        after = read_state(hook, obj, key)
        if workflow.happened(before, after):
            log.warning("%s %s of %s %s: %s, but it is now %s", action, obj.label, key, exc.message, after, after)
            return {"key": key, "action": action, "state": after, "performed": True}
        raise
    result = answer.get("ia::result")
    if not isinstance(result, dict):
        raise IntacctError(
            f"Intacct's answer to {action} carries no ia::result object", method="POST", path=workflow.path
        )
    state = result.get("state")
    log.info("%s %s: %s done (state %s)", obj.label, key, action, state)
    return {"key": key, "action": action, "state": state, "performed": True}


def run_action(operator: Any, context: Context) -> dict[str, Any]:
    """``IntacctWorkflowOperator.execute``: the arguments checked, the action run once, link, event, lineage."""
    obj = entry(operator.object)
    obj.workflow(str(operator.action))
    key = check_id("key", operator.key)
    assert key is not None
    arguments = {
        "notes": check_text("notes", operator.notes),
        "reverse_date": None
        if operator.reverse_date in (None, "")
        else check_date("reverse_date", operator.reverse_date),
    }
    fetch_link = check_flag("web_link", operator.web_link)
    assets = intacct_outlets(operator, obj.path)  # checked before any request
    action = str(operator.action)
    store = context.get("task_state_store")
    remembered = store.get(STATE_KEY, None) if store is not None else None
    earlier = None
    if isinstance(remembered, dict) and (remembered.get("key"), remembered.get("action")) == (key, action):
        before = remembered.get("before")
        earlier = before if isinstance(before, str) else None

    def remember(before: str | None) -> None:
        if store is not None:
            store.set(STATE_KEY, {"key": key, "action": action, "before": before})

    try:
        outcome = run_workflow(
            operator.hook, obj, action, key, arguments, operator.log, earlier=earlier, remember=remember
        )
    except IntacctValidationError:
        raise  # refused before any request: nothing to link to yet
    except IntacctError:
        link_record(operator, context, obj.path, key, fetch=fetch_link)  # the record Intacct refused to move
        raise
    link_record(operator, context, obj.path, key, fetch=fetch_link)
    done = {name: outcome[name] for name in ("action", "state", "performed")}
    emit_assets(context, assets, {**writes_extra([key]), **done})
    operator.record_lineage(obj.path, "output", fields=["state"])
    return outcome

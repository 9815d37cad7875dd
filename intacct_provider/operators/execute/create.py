"""What the create operators run: the checked body, one retry-safe create, then the draft's submit.

What makes every create safe to retry, inside the task and as an Airflow task retry, is described
in :mod:`intacct_provider.operators.create`; this is its code. The body is built and checked
against Sage's contract (and the company's model, for custom fields) before any request.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.bodies import BodyBuilder
from intacct_provider.catalog.body_check import argument_name
from intacct_provider.catalog.custom_fields import with_model
from intacct_provider.catalog.naming import record_name
from intacct_provider.catalog.registry import entry
from intacct_provider.catalog.validation import check_flag, check_header_value, parse_json
from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.hooks.writes import How
from intacct_provider.operators.execute.links import link_record
from intacct_provider.operators.execute.outlets import emit_assets, intacct_outlets, writes_extra
from intacct_provider.operators.execute.workflow import run_workflow

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct_provider.catalog.registry import IntacctObject

#: Name of the create operators' entry in ``task_state_store``; renaming it breaks in-flight retries.
STATE_KEY = "intacct_create"


def default_idempotency_key(context: Context) -> str:
    """Stable for every try of one task instance, distinct across runs and mapped instances."""
    ti = context["ti"]
    map_index = getattr(ti, "map_index", -1)
    if map_index is None:
        map_index = -1
    identity = f"{ti.dag_id}|{ti.task_id}|{ti.run_id}|{map_index}"
    return "airflow-" + hashlib.sha256(identity.encode()).hexdigest()[:40]


def create_record_name(operator: Any) -> str:
    """``AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02``: what the user typed, for every error."""
    obj = entry(operator.object)
    if operator.arguments:
        given: Any = {name: getattr(operator, name, None) for name in operator.arguments}
    else:
        given = operator.record if isinstance(operator.record, dict) else None
    return record_name(obj.label, given, master=obj.natural_key == ("id",))


def record_arguments(operator: Any) -> dict[str, Any]:
    """The record's arguments: the named operator's own, or the ``record`` mapping."""
    if operator.arguments:
        return {name: getattr(operator, name) for name in operator.arguments}
    record = parse_json("record", operator.record)
    if not isinstance(record, dict) or not record:
        raise IntacctValidationError("record", "a non-empty mapping of the object's fields", operator.record)
    return record


def build_payload(operator: Any) -> dict[str, Any]:
    """The checked Intacct body: mapped arguments plus ``extra_fields``, valid by the contract (no I/O).

    ``submit`` (the draft operators') is checked here too: before any request, like every other argument.
    """
    check_flag("submit", operator.submit)
    prefix = "" if operator.arguments else "record."  # the named operators' arguments are their own
    return BodyBuilder(entry(operator.object)).build(
        record_arguments(operator), extra=operator.extra_fields, prefix=prefix
    )


def tenant_payload(operator: Any, obj: IntacctObject, payload: dict[str, Any]) -> dict[str, Any]:
    """The body checked against the company's own model where it needs it (custom fields, a custom object).

    Reading the model is a read, made before the create; the standard fields were checked against
    Sage's published schema by :func:`build_payload` without a request.
    """
    extra = parse_json("extra_fields", operator.extra_fields)
    return with_model(
        lambda: operator.hook.model_for_check(obj.path),
        obj.path,
        payload,
        name=lambda path: argument_name(obj, path, extra),
        label=obj.label,
    )


def run_create(operator: Any, context: Context) -> dict[str, Any]:
    """The create operators' ``execute``: ``{"ia::result": {"href", "id", "key"}, "adopted": bool}``."""
    obj = entry(operator.object)
    payload = tenant_payload(operator, obj, build_payload(operator))
    fetch_link = check_flag("web_link", operator.web_link)
    assets = intacct_outlets(operator, obj.path)  # checked before any request
    given = operator.idempotency_key
    key = check_header_value("idempotency_key", given) if given else default_idempotency_key(context)
    store = context.get("task_state_store")
    remembered = store.get(STATE_KEY, None) if store is not None else None
    state: dict[str, Any] = remembered if isinstance(remembered, dict) else {}
    record = state.get("record")
    adopted = False
    if isinstance(record, dict) and state.get("idempotency_key") == key:
        operator.log.info("An earlier try created %s %s; reading it back", obj.label, record.get("key"))
        found = operator.hook.get_record(obj.path, str(record["key"]))
        reference = {"href": found.get("href"), "id": found.get("id"), "key": str(found.get("key"))}
        adopted = bool(state.get("adopted"))
        link_record(operator, context, obj.path, reference["key"], record=found)
    else:
        # An earlier try that stored this key but no record may have created it before dying.
        # When it began posting (wall clock, so a retry on another worker can tell): the look-ups
        # count only records created since as this task's, the older identical ones as an earlier run's.
        resumed = state.get("idempotency_key") == key
        posted_at = state.get("posted_at") if resumed else time.time()
        if store is not None and not resumed:
            store.set(STATE_KEY, {"idempotency_key": key, "record": None, "posted_at": posted_at})
        written = operator.hook.create_or_find(
            obj.path, payload, idempotency_key=key, resumed=resumed,
            posted_at=posted_at if isinstance(posted_at, (int, float)) else None,
        )  # fmt: skip
        assert written.reference is not None  # a failure raised
        reference = written.reference
        # Whether this create knows about every earlier try of this task instance: without that an
        # older identical record may be an earlier try's (Airflow < 3.3 keeps no state between tries).
        knows_first_try = resumed or _try_number(context) == 1
        adopted = _report(operator.log, obj.label, reference, written.how, knows_first_try=knows_first_try)
        state = {"idempotency_key": key, "record": reference, "adopted": adopted}
        if store is not None:
            store.set(STATE_KEY, state)
        link_record(operator, context, obj.path, reference["key"], fetch=fetch_link)
    if check_flag("submit", operator.submit) and not state.get("submitted"):
        _submit(operator, context, obj, reference, state)
    emit_assets(context, assets, writes_extra([reference["key"]]))
    operator.record_lineage(obj.path, "output", fields=list(payload))
    result = {"href": reference.get("href"), "id": reference.get("id"), "key": reference["key"]}
    return {"ia::result": result, "adopted": adopted}


def _submit(
    operator: Any, context: Context, obj: IntacctObject, reference: dict[str, Any], state: dict[str, Any]
) -> None:
    """Submit a draft once it exists (also on a retry that found it), through its documented workflow.

    Remembered in ``task_state_store``, and the workflow reads the record's state first: a record
    already submitted (or past that, as a tenant without approvals takes it) is not submitted again.
    """
    run_workflow(operator.hook, obj, "submit", reference["key"], {}, operator.log)
    store = context.get("task_state_store")
    if store is not None:
        store.set(STATE_KEY, {**state, "submitted": True})


def _try_number(context: Context) -> int:
    return int(getattr(context["ti"], "try_number", 1) or 1)


def _report(log: Any, label: str, reference: dict[str, Any], how: How | None, *, knows_first_try: bool) -> bool:
    """Say in the log what the create did; whether it adopted a record that was there before (an earlier run's)."""
    named = f"{label} {reference.get('id')} (key {reference.get('key')})"
    if how is How.FOUND:
        log.info("Created %s: its answer was lost, and the look-up found the record this create made", named)
    elif how is How.EARLIER_TRY:
        log.info("%s was created by an earlier try of this task; nothing new was created", named)
    elif how is How.EXISTED and knows_first_try:
        log.info("Adopted %s, created by an earlier run; nothing new was created", named)
        return True
    elif how is How.EXISTED:
        log.info(
            "Adopted %s, created before this try began (by an earlier try of this task or an earlier run); "
            "nothing new was created by this try",
            named,
        )
    else:
        log.info("Created %s", named)
    return False

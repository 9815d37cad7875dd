"""Workflow actions: the documented way a record changes state (submit, approve, reverse...).

Sage's contract says a record's ``state`` cannot be changed by PATCH: a draft
bill becomes submitted (or posted, without approvals) only through
``POST /workflows/accounts-payable/bill/submit``. ``IntacctWorkflowOperator``
runs any action the registry documents for an object. Each run first reads the
record's state and skips an action that has already happened, so an Airflow
retry after a lost answer never submits (or reverses) twice.

A workflow action changes the record, so the operator is a writer of its object
like the create and update operators: an asset event with the record's key and
the action's outcome, and the object as an OpenLineage output (field ``state``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.operators.asset_events import IntacctAssetMixin
from intacct_provider.operators.base import IntacctBaseOperator
from intacct_provider.operators.lineage import IntacctLineageMixin
from intacct_provider.operators.links import IntacctRecordLink

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow.sdk import Context

    from intacct_provider.catalog.registry import IntacctObject
    from intacct_provider.hooks.intacct import IntacctHook

#: Name of this operator's entry in ``task_state_store``; renaming it breaks in-flight retries.
STATE_KEY = "intacct_workflow"


def check_flag(parameter: str, value: Any) -> bool:
    """A boolean (templates may render ``"True"``/``"false"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise IntacctValidationError(parameter, "true or false", value)


def read_state(hook: IntacctHook, obj: IntacctObject, key: str) -> str | None:
    """The record's ``state``, read through the query service (GET by key takes no field list)."""
    from intacct_provider.exceptions import IntacctNotFoundError

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
    is the contract's rule (:meth:`~intacct_provider.catalog.registry.Workflow.happened`): a done
    state, or one the action leads to from the state it started in. ``earlier`` is the state an
    earlier try of the task read before it posted (kept in ``task_state_store``), ``remember`` is
    told the state this try reads before it posts, so a retry can settle a lost answer too.
    """
    from intacct_provider.exceptions import IntacctError

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


class IntacctWorkflowOperator(IntacctAssetMixin, IntacctLineageMixin, IntacctBaseOperator):
    """Run a documented workflow action on one record; returns ``{"key", "action", "state", "performed"}``.

    Bills: ``submit``, ``approve``, ``decline``, ``recall``, ``reverse``; invoices: ``submit``,
    ``reverse``; AP payments (``object="ap_payment"``): ``submit``, ``approve``, ``decline``,
    ``print``, ``confirm``, ``reverse`` (``reverse_date`` is sent as the payment's
    ``paymentDate``, ``notes`` as its ``description``). ``performed`` is false when the record was
    already past the action (a retry, a bill approved by a person meanwhile, or a tenant whose
    configuration skips the step: a payment that submit confirmed needs no approve). Retry-safe:
    the state read before posting is kept in ``task_state_store`` (Airflow 3.3+), so a retry whose
    earlier try's answer was lost recognises the action's outcome.

    :param object: registry name (``"bill"``).
    :param action: the action, e.g. ``"submit"``.
    :param key: the record's system key (``{{ ti.xcom_pull('create_bill')['ia::result']['key'] }}``).
    :param notes: optional notes (approve, decline, reverse).
    :param reverse_date: ``YYYY-MM-DD``, required by a bill's and an invoice's ``reverse``, optional for
        a payment's.
    :param emit_asset: add the object's asset to ``outlets``
        (see :class:`~intacct_provider.operators.asset_events.IntacctAssetMixin`);
        its event's ``extra`` is ``{"keys", "count", "action", "state", "performed"}``.
    :param web_link: read the record's ``webURL`` for the task's "Intacct record" link (one more
        request); ``False``: no link, no request.
    """

    template_fields = (
        *IntacctBaseOperator.template_fields, "object", "action", "key", "notes", "reverse_date", "web_link"
    )  # fmt: skip
    operator_extra_links = (IntacctRecordLink(),)

    def __init__(
        self,
        *,
        object: str,
        action: str,
        key: Any,
        notes: str | None = None,
        reverse_date: Any = None,
        web_link: Any = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.object = object
        self.action = action
        self.key = key
        self.notes = notes
        self.reverse_date = reverse_date
        self.web_link = web_link
        self.declare_asset(object)

    def record_name(self) -> str:
        """``bill key 2051 (submit)``: the record and the action that failed on it."""
        return f"{self.object} key {self.key} ({self.action})"

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct_provider.catalog.registry import entry
        from intacct_provider.catalog.validation import check_date, check_id, check_text
        from intacct_provider.operators.asset_events import writes_extra

        obj = entry(self.object)
        obj.workflow(str(self.action))
        key = check_id("key", self.key)
        assert key is not None
        arguments = {
            "notes": check_text("notes", self.notes),
            "reverse_date": None if self.reverse_date in (None, "") else check_date("reverse_date", self.reverse_date),
        }
        fetch_link = check_flag("web_link", self.web_link)
        assets = self.intacct_outlets(obj.path)  # checked before any request
        from intacct_provider.exceptions import IntacctError
        from intacct_provider.operators.links import link_record

        action = str(self.action)
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
            outcome = run_workflow(self.hook, obj, action, key, arguments, self.log, earlier=earlier, remember=remember)
        except IntacctValidationError:
            raise  # refused before any request: nothing to link to yet
        except IntacctError:
            link_record(self, context, obj.path, key, fetch=fetch_link)  # the record Intacct refused to move
            raise
        link_record(self, context, obj.path, key, fetch=fetch_link)
        done = {name: outcome[name] for name in ("action", "state", "performed")}
        self.emit_assets(context, assets, {**writes_extra([key]), **done})
        self.record_lineage(obj.path, "output", fields=["state"])
        return outcome

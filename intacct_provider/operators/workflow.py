"""Workflow actions: the documented way a record changes state (submit, approve, reverse...).

Sage's contract says a record's ``state`` cannot be changed by PATCH: a draft
bill becomes submitted (or posted, without approvals) only through
``POST /workflows/accounts-payable/bill/submit``. ``IntacctWorkflowOperator``
runs any action the registry documents for an object. Each run first reads the
record's state and skips an action that has already happened, so an Airflow
retry after a lost answer never submits (or reverses) twice.

A workflow action changes the record, so the operator is a writer of its object
like the create and update operators: an asset event with the record's key and
the action's outcome, and the object as an OpenLineage output (field ``state``). What a run does is
:mod:`intacct_provider.operators.execute.workflow`, imported when the task runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intacct_provider.operators.asset_events import IntacctAssetMixin
from intacct_provider.operators.base import IntacctBaseOperator
from intacct_provider.operators.lineage import IntacctLineageMixin
from intacct_provider.operators.links import IntacctRecordLink

if TYPE_CHECKING:
    from airflow.sdk import Context


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
        from intacct_provider.operators.execute.workflow import run_action

        return run_action(self, context)

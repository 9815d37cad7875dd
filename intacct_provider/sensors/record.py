"""IntacctRecordSensor: wait until records matching a query exist in Intacct.

Approval and payment flows wait on Intacct (a bill becomes paid, a customer's
invoices appear). The sensor runs in all three Airflow modes with one rule,
:class:`~intacct_provider.core.matching.RecordMatch`: ``poke`` and
``reschedule`` ask the synchronous hook, ``deferrable=True`` hands the same
query to :class:`~intacct_provider.triggers.query.IntacctQueryTrigger` so the
wait costs no worker slot. Whatever the mode, the XCom is
``{"rows": [...], "count": n}``: the matching rows (first page, ordered by key)
and how many match in all.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseSensorOperator

from intacct_provider.operators.base import DEFAULT_CONN_ID, DEFAULT_POKE_INTERVAL, IntacctOperatorMeta

if TYPE_CHECKING:
    from airflow.sdk import Context, PokeReturnValue

    from intacct_provider.core.matching import RecordMatch
    from intacct_provider.hooks.intacct import IntacctHook


class IntacctRecordSensor(BaseSensorOperator, metaclass=IntacctOperatorMeta):
    """Succeed once at least ``min_count`` records of ``object`` match ``filters``.

    Every argument below is templated (``deferrable`` too: ``"{{ params.wait_in_triggerer }}"``),
    except Airflow's ``poke_interval``; ``filters`` and ``fields`` may be JSON text or native
    lists. They are checked before any request (and before deferring), so a typo fails at once
    instead of polling until the timeout.

    :param object: registry name (``bill``), Intacct path (``accounts-payable/bill``) or custom object
        (``nsp::cip_asset``).
    :param filters: Intacct filters, e.g. ``[{"$eq": {"key": "2001"}}, {"$eq": {"state": "paid"}}]``,
        or ``{"field": value}`` for equalities; at least one.
    :param filter_expression: how the filters combine (``"1 and (2 or 3)"``); default ``and``.
    :param fields: fields of the rows handed on (default ``key``, ``id``, ``href``).
    :param min_count: how many records must match (at most 4000, one query page).
    :param filter_parameters: Intacct's ``filterParameters``: ``include_private``, ``case_sensitive``,
        ``as_of_date``, ``include_hierarchy_fields``.
    :param intacct_conn_id: Airflow connection of type ``sage_intacct``.
    :param deferrable: wait in the triggerer instead of a worker slot; defaults to
        ``[operators] default_deferrable``. The sensor's ``timeout`` bounds the wait in every mode.
    """

    template_fields: tuple[str, ...] = (
        "intacct_conn_id",
        "object",
        "filters",
        "filter_expression",
        "fields",
        "min_count",
        "filter_parameters",
        "deferrable",
    )
    not_templated: ClassVar[dict[str, str]] = {
        "poke_interval": "Airflow's sensor reads it when the DAG is parsed",
    }
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "filters": "json",
        "fields": "json",
        "filter_parameters": "json",
    }
    ui_color = "#00dc06"  # Sage green, like the operators
    ui_fgcolor = "#000000"

    def __init__(
        self,
        *,
        object: str,
        filters: Any,
        filter_expression: str | None = None,
        fields: Any = None,
        min_count: int | str = 1,
        filter_parameters: Any = None,
        intacct_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool | None = None,
        poke_interval: timedelta | float = DEFAULT_POKE_INTERVAL,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.object = object
        self.filters = filters
        self.filter_expression = filter_expression
        self.fields = fields
        self.min_count = min_count
        self.filter_parameters = filter_parameters
        self.intacct_conn_id = intacct_conn_id
        if deferrable is None:  # read when a sensor is built, so importing this module reads no configuration
            from airflow.providers.common.compat.sdk import conf

            deferrable = conf.getboolean("operators", "default_deferrable", fallback=False)
        self.deferrable = deferrable

    @cached_property
    def hook(self) -> IntacctHook:
        from intacct_provider.hooks.intacct import IntacctHook

        return IntacctHook(intacct_conn_id=self.intacct_conn_id)

    def _match(self) -> RecordMatch:
        from intacct_provider.sensors.execute import record_match

        return record_match(self)

    def execute(self, context: Context) -> Any:
        from intacct_provider.sensors.execute import deferral

        trigger = deferral(self)  # every argument checked first; None: wait in this worker
        if trigger is None:
            return super().execute(context)
        self.defer(trigger=trigger, method_name="execute_complete", timeout=timedelta(seconds=self.timeout))

    def poke(self, context: Context) -> PokeReturnValue:
        from intacct_provider.sensors.execute import poke

        return poke(self)

    def execute_complete(self, context: Context, event: Any = None) -> dict[str, Any]:
        """Resume after the trigger fired: hand on its rows, or fail with the error it reported."""
        from intacct_provider.sensors.execute import complete

        return complete(self, event)

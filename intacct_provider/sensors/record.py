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

from airflow.providers.common.compat.sdk import conf
from airflow.sdk import BaseSensorOperator, PokeReturnValue

from intacct_provider import exceptions
from intacct_provider.exceptions import IntacctError
from intacct_provider.operators.base import DEFAULT_CONN_ID, DEFAULT_POKE_INTERVAL, IntacctOperatorMeta

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct_provider.core.matching import RecordMatch
    from intacct_provider.hooks.intacct import IntacctHook

#: Error classes an error event may name; any other name is raised as the base ``IntacctError``.
_EVENT_ERRORS: dict[str, type[IntacctError]] = {
    cls.__name__: cls
    for cls in (
        exceptions.IntacctConfigError,
        exceptions.IntacctAuthError,
        exceptions.IntacctNotFoundError,
        exceptions.IntacctConflictError,
        exceptions.IntacctRequestError,
        exceptions.IntacctProtocolError,
        exceptions.IntacctRateLimitError,
        exceptions.IntacctServerError,
        exceptions.IntacctTransportError,
    )
}


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
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
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
        self.deferrable = deferrable

    @cached_property
    def hook(self) -> IntacctHook:
        from intacct_provider.hooks.intacct import IntacctHook

        return IntacctHook(intacct_conn_id=self.intacct_conn_id)

    def _match(self) -> RecordMatch:
        from intacct_provider.core.matching import RecordMatch
        from intacct_provider.core.query_spec import QuerySpec  # validation machinery: only when a task runs

        spec = QuerySpec.build(
            self.object, self.fields, self.filters, self.filter_expression, filter_parameters=self.filter_parameters
        )
        return RecordMatch.build(spec, self.min_count)

    def execute(self, context: Context) -> Any:
        from intacct_provider.operators.workflow import check_flag

        match = self._match()
        self.deferrable = check_flag("deferrable", self.deferrable)
        if not self.deferrable:
            return super().execute(context)
        from intacct_provider.triggers.query import (
            IntacctQueryTrigger,  # the triggerer's machinery, only when deferring
        )

        self.log.info("Deferring: waiting for %d %s record(s) matching %s", match.min_count, match.path, self.filters)
        self.defer(
            trigger=IntacctQueryTrigger(
                query=match.spec,
                min_count=match.min_count,
                poke_interval=self.poke_interval,
                intacct_conn_id=self.intacct_conn_id,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def poke(self, context: Context) -> PokeReturnValue:
        match = self._match()
        try:
            page = self.hook.query(match.spec, size=match.page_size)
        except exceptions.TRANSIENT_ERRORS as exc:
            # Outlasting the hook's retries (a maintenance window) is not a reason to fail a long wait.
            self.log.warning("Intacct is unavailable (%s); checking again at the next poke", exc)
            return PokeReturnValue(is_done=False)
        done, outcome = match.outcome(page)
        self.log.info("%d of %d %s record(s) match", outcome["count"], match.min_count, match.path)
        return PokeReturnValue(is_done=done, xcom_value=outcome)

    def execute_complete(self, context: Context, event: Any = None) -> dict[str, Any]:
        """Resume after the trigger fired: hand on its rows, or fail with the error it reported."""
        if not isinstance(event, dict):
            raise IntacctError(f"the Intacct query trigger sent no event payload (got {type(event).__name__})")
        status = event.get("status")
        if status == "error":
            error_class = _EVENT_ERRORS.get(str(event.get("error_type")), IntacctError)
            raise error_class(str(event.get("message") or "the Intacct query trigger reported an error"))
        rows, count = event.get("rows"), event.get("count")
        if status != "success" or not isinstance(rows, list) or not isinstance(count, int):
            raise IntacctError(f"unexpected event from the Intacct query trigger (status {status!r})")
        self.log.info("%d matching %s record(s)", count, self.object)
        return {"rows": rows, "count": count}

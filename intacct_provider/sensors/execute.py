"""What ``IntacctRecordSensor`` runs: its arguments checked, each poke, the deferral and its resumption.

Imported when the sensor's task runs, never when a DAG is parsed: the sensor module declares
only the arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import PokeReturnValue

from intacct_provider import exceptions
from intacct_provider.catalog.validation import check_flag
from intacct_provider.core.matching import RecordMatch
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctError

if TYPE_CHECKING:
    from intacct_provider.triggers.query import IntacctQueryTrigger

#: Error classes an error event may name; any other name is raised as the base ``IntacctError``.
_EVENT_ERRORS = (
    "IntacctConfigError",
    "IntacctAuthError",
    "IntacctNotFoundError",
    "IntacctConflictError",
    "IntacctRequestError",
    "IntacctProtocolError",
    "IntacctRateLimitError",
    "IntacctServerError",
    "IntacctTransportError",
)


def record_match(sensor: Any) -> RecordMatch:
    """The sensor's query and how many rows it waits for, every argument checked."""
    spec = QuerySpec.build(
        sensor.object,
        sensor.fields,
        sensor.filters,
        sensor.filter_expression,
        filter_parameters=sensor.filter_parameters,
    )
    return RecordMatch.build(spec, sensor.min_count)


def deferral(sensor: Any) -> IntacctQueryTrigger | None:
    """The trigger to defer to, or ``None`` to poke in the worker; every argument is checked first."""
    match = record_match(sensor)
    sensor.deferrable = check_flag("deferrable", sensor.deferrable)
    if not sensor.deferrable:
        return None
    from intacct_provider.triggers.query import IntacctQueryTrigger  # the triggerer's machinery, only when deferring

    sensor.log.info("Deferring: waiting for %d %s record(s) matching %s", match.min_count, match.path, sensor.filters)
    return IntacctQueryTrigger(
        query=match.spec,
        min_count=match.min_count,
        poke_interval=sensor.poke_interval,
        intacct_conn_id=sensor.intacct_conn_id,
    )


def poke(sensor: Any) -> PokeReturnValue:
    """One check: done once enough records match; Intacct unavailable is a "not yet", not a failure."""
    match = record_match(sensor)
    try:
        page = sensor.hook.query(match.spec, size=match.page_size)
    except exceptions.TRANSIENT_ERRORS as exc:
        # Outlasting the hook's retries (a maintenance window) is not a reason to fail a long wait.
        sensor.log.warning("Intacct is unavailable (%s); checking again at the next poke", exc)
        return PokeReturnValue(is_done=False)
    done, outcome = match.outcome(page)
    sensor.log.info("%d of %d %s record(s) match", outcome["count"], match.min_count, match.path)
    return PokeReturnValue(is_done=done, xcom_value=outcome)


def complete(sensor: Any, event: Any) -> dict[str, Any]:
    """The trigger's event: its rows handed on, or its error raised as the error class it names."""
    if not isinstance(event, dict):
        raise IntacctError(f"the Intacct query trigger sent no event payload (got {type(event).__name__})")
    status = event.get("status")
    if status == "error":
        name = str(event.get("error_type"))
        error_class = getattr(exceptions, name) if name in _EVENT_ERRORS else IntacctError
        raise error_class(str(event.get("message") or "the Intacct query trigger reported an error"))
    rows, count = event.get("rows"), event.get("count")
    if status != "success" or not isinstance(rows, list) or not isinstance(count, int):
        raise IntacctError(f"unexpected event from the Intacct query trigger (status {status!r})")
    sensor.log.info("%d matching %s record(s)", count, sensor.object)
    return {"rows": rows, "count": count}

"""Wait for Intacct records without holding a worker: the query trigger and its "done" rule.

:class:`RecordMatch` is the one definition of "the records are there", shared by
:class:`~intacct_provider.sensors.record.IntacctRecordSensor` (poke and reschedule
modes, synchronous hook) and :class:`IntacctQueryTrigger` (deferrable mode, async
client), so the three modes cannot drift apart: both send the same query body and
decide from the page it returns.

The trigger only reads, so a triggerer that restarts and runs it again repeats
nothing harmful. It reports failures as events instead of raising, so the task
that deferred fails with Intacct's own message (``execute_complete`` checks it),
not with a triggerer traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from intacct_provider.exceptions import IntacctError, IntacctValidationError
from intacct_provider.objects import resolve_path
from intacct_provider.operators.base import DEFAULT_CONN_ID
from intacct_provider.query import (
    MAX_QUERY_PAGE,
    Filter,
    build_query,
    check_filter_expression,
    normalize_fields,
    normalize_filters,
)
from intacct_provider.validation import parse_json

DEFAULT_POKE_INTERVAL = 60.0
#: Fewest rows one check reads: the matches handed on are the first page of at least this size.
MIN_PAGE_SIZE = 100
#: Stable order, so the rows handed on are the same ones from one check to the next.
ORDER_BY_KEY: list[dict[str, str]] = [{"key": "asc"}]


@dataclass(frozen=True)
class RecordMatch:
    """A checked query and the rule that it is satisfied once ``min_count`` records match.

    Build it with :meth:`build`, which validates every argument before any
    request (templated values may arrive as JSON text or native objects).
    """

    path: str
    fields: list[str]
    filters: list[Filter]
    filter_expression: str | None
    min_count: int

    @classmethod
    def build(
        cls,
        object: Any,
        filters: Any,
        filter_expression: Any = None,
        fields: Any = None,
        min_count: Any = 1,
    ) -> RecordMatch:
        """Validate the sensor's arguments; raise :class:`IntacctValidationError` naming the bad one."""
        path = resolve_path(object)
        checked_filters = normalize_filters(parse_json("filters", filters))
        if not checked_filters:
            # An empty filter matches every record: almost always a template that rendered to nothing.
            raise IntacctValidationError("filters", 'at least one filter, like [{"$eq": {"state": "paid"}}]', filters)
        if isinstance(fields, str) and fields.lstrip().startswith("["):
            fields = parse_json("fields", fields)
        match = cls(
            path=path,
            fields=normalize_fields(fields),
            filters=checked_filters,
            filter_expression=check_filter_expression(filter_expression, len(checked_filters)),
            min_count=_min_count(min_count),
        )
        match.body()  # the whole request body is checked here too, before anything is sent
        return match

    @property
    def page_size(self) -> int:
        """Rows one check asks for: every required match, and a little more for the XCom."""
        return max(self.min_count, MIN_PAGE_SIZE)

    def body(self) -> dict[str, Any]:
        """The query-service body of one check (the trigger sends it as is)."""
        return build_query(
            self.path, self.fields, self.filters, self.filter_expression, ORDER_BY_KEY, 1, self.page_size
        )

    def outcome(self, page: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
        """``(done, {"rows": first page of matches, "count": how many match in all})`` for one query page."""
        rows = page.get("ia::result")
        rows = rows if isinstance(rows, list) else []
        meta = page.get("ia::meta")
        total = meta.get("totalCount") if isinstance(meta, Mapping) else None
        count = total if isinstance(total, int) and not isinstance(total, bool) else len(rows)
        return count >= self.min_count, {"rows": rows, "count": count}


def _min_count(value: Any) -> int:
    """A positive integer no larger than one query page (so every required match is handed on)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 1 <= number <= MAX_QUERY_PAGE:
        raise IntacctValidationError("min_count", f"an integer between 1 and {MAX_QUERY_PAGE}", value)
    return number


def error_event(error: IntacctError) -> dict[str, Any]:
    """The event payload of a failure; the message is Intacct's text, never a request's secrets."""
    return {"status": "error", "message": str(error), "error_type": type(error).__name__}


class IntacctQueryTrigger(BaseTrigger):
    """Poll Intacct's query service until at least ``min_count`` records match, then fire once.

    Events: ``{"status": "success", "rows": [...], "count": n}`` or
    ``{"status": "error", "message": ..., "error_type": ...}``. It never times out
    by itself: the deferring task's ``timeout`` bounds the wait.

    :param object: registry name or Intacct path (``accounts-payable/bill``).
    :param filters: Intacct filters, e.g. ``[{"$eq": {"state": "paid"}}]``.
    :param filter_expression: how the filters combine (``"1 and (2 or 3)"``); default ``and``.
    :param fields: fields of the rows handed on (default ``key``, ``id``, ``href``).
    :param min_count: how many records must match.
    :param poke_interval: seconds between checks.
    :param intacct_conn_id: Airflow connection of type ``sage_intacct``.
    """

    def __init__(
        self,
        object: str,
        filters: list[dict[str, Any]],
        filter_expression: str | None = None,
        fields: list[str] | None = None,
        min_count: int = 1,
        poke_interval: float = DEFAULT_POKE_INTERVAL,
        intacct_conn_id: str = DEFAULT_CONN_ID,
    ) -> None:
        super().__init__()
        self.object = object
        self.filters = filters
        self.filter_expression = filter_expression
        self.fields = fields
        self.min_count = min_count
        self.poke_interval = poke_interval
        self.intacct_conn_id = intacct_conn_id

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "object": self.object,
                "filters": self.filters,
                "filter_expression": self.filter_expression,
                "fields": self.fields,
                "min_count": self.min_count,
                "poke_interval": self.poke_interval,
                "intacct_conn_id": self.intacct_conn_id,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            payload = await self._wait()
        except IntacctError as exc:
            self.log.error("Stopped waiting for %s records: %s", self.object, exc)
            payload = error_event(exc)
        yield TriggerEvent(payload)

    async def _wait(self) -> dict[str, Any]:
        """Check, sleep, check again until the match is complete; one client (and token) for the whole wait."""
        from intacct_provider.hooks.async_intacct import AsyncIntacctClient

        match = RecordMatch.build(self.object, self.filters, self.filter_expression, self.fields, self.min_count)
        body = match.body()
        async with await AsyncIntacctClient.for_connection(self.intacct_conn_id) as client:
            while True:
                done, outcome = match.outcome(await client.query(body))
                if done:
                    self.log.info("%d %s records match (needed %d)", outcome["count"], match.path, match.min_count)
                    return {"status": "success", **outcome}
                self.log.info(
                    "%d of %d %s records match; checking again in %ss",
                    outcome["count"],
                    match.min_count,
                    match.path,
                    self.poke_interval,
                )
                await asyncio.sleep(self.poke_interval)

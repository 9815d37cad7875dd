"""Wait for Intacct records without holding a worker: the query trigger.

It polls with the same :class:`~intacct_provider.core.matching.RecordMatch` rule as the
sensor's poke and reschedule modes, through the async client.

The trigger only reads, so a triggerer that restarts and runs it again repeats
nothing harmful. It reports failures as events instead of raising, so the task
that deferred fails with Intacct's own message (``execute_complete`` checks it),
not with a triggerer traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from intacct_provider.core.matching import RecordMatch
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import TRANSIENT_ERRORS, IntacctError
from intacct_provider.operators.base import DEFAULT_CONN_ID, DEFAULT_POKE_INTERVAL


def error_event(error: IntacctError) -> dict[str, Any]:
    """The event payload of a failure; the message is Intacct's text, never a request's secrets."""
    return {"status": "error", "message": str(error), "error_type": type(error).__name__}


class IntacctQueryTrigger(BaseTrigger):
    """Poll Intacct's query service until at least ``min_count`` records match, then fire once.

    Events: ``{"status": "success", "rows": [...], "count": n}`` or
    ``{"status": "error", "message": ..., "error_type": ...}``. It never times out
    by itself: the deferring task's ``timeout`` bounds the wait.

    :param query: the :class:`~intacct_provider.core.query_spec.QuerySpec` to poll, or its
        ``to_dict()`` form (how it travels through serialization); it needs at least one filter.
    :param min_count: how many records must match.
    :param poke_interval: seconds between checks.
    :param intacct_conn_id: Airflow connection of type ``sage_intacct``.
    """

    def __init__(
        self,
        query: QuerySpec | Mapping[str, Any],
        min_count: int = 1,
        poke_interval: float = DEFAULT_POKE_INTERVAL,
        intacct_conn_id: str = DEFAULT_CONN_ID,
    ) -> None:
        super().__init__()
        # Kept as plain data and checked when the trigger runs, so a bad query is an error event.
        self.query = query.to_dict() if isinstance(query, QuerySpec) else dict(query)
        self.min_count = min_count
        self.poke_interval = poke_interval
        self.intacct_conn_id = intacct_conn_id

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "query": self.query,
                "min_count": self.min_count,
                "poke_interval": self.poke_interval,
                "intacct_conn_id": self.intacct_conn_id,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            payload = await self._wait()
        except IntacctError as exc:
            self.log.error("Stopped waiting for %s records: %s", self.query.get("object"), exc)
            payload = error_event(exc)
        yield TriggerEvent(payload)

    async def _wait(self) -> dict[str, Any]:
        """Check, sleep, check again until the match is complete; one client (and token) for the whole wait."""
        from intacct_provider.hooks.async_client import IntacctAsyncClient

        match = RecordMatch.build(QuerySpec.from_dict(self.query), self.min_count)
        async with await IntacctAsyncClient.for_connection(self.intacct_conn_id) as client:
            while True:
                try:
                    page = await client.query(match.spec, 1, match.page_size)
                except TRANSIENT_ERRORS as exc:
                    # A maintenance window or sustained throttling outlasts the client's retries;
                    # a wait that may last days keeps polling instead of failing the task.
                    self.log.warning("Intacct is unavailable (%s); checking again in %ss", exc, self.poke_interval)
                    await asyncio.sleep(self.poke_interval)
                    continue
                done, outcome = match.outcome(page)
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

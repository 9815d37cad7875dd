"""The one definition of "the records are there", shared by the sensor and the trigger.

:class:`RecordMatch` is used by :class:`~intacct_provider.sensors.record.IntacctRecordSensor`
(poke and reschedule modes, synchronous hook) and
:class:`~intacct_provider.triggers.query.IntacctQueryTrigger` (deferrable mode, async client), so
the three modes cannot drift apart: both send the same :class:`QuerySpec` and decide from the
page it returns. It fires on rows that match, never on a count alone: a page whose rows
contradict its ``totalCount`` is an error, not a match. It lives apart from the trigger so
that importing the sensor (on every DAG parse) does not import Airflow's trigger machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from intacct_provider.catalog.validation import check_int
from intacct_provider.core.answers import total_count
from intacct_provider.core.exact_json import decimals_as_text
from intacct_provider.core.query import MAX_QUERY_PAGE, QUERY_PATH
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctProtocolError, IntacctValidationError

#: Fewest rows one check reads: the matches handed on are the first page of at least this size.
MIN_PAGE_SIZE = 100
#: Stable order, so the rows handed on are the same ones from one check to the next.
ORDER_BY_KEY: list[dict[str, str]] = [{"key": "asc"}]


@dataclass(frozen=True)
class RecordMatch:
    """A checked query and the rule that it is satisfied once ``min_count`` records match."""

    spec: QuerySpec
    min_count: int

    @classmethod
    def build(cls, spec: QuerySpec, min_count: Any = 1) -> RecordMatch:
        """Check the sensor's query and count; raise :class:`IntacctValidationError` naming the bad one."""
        if not spec.filters:
            # An empty filter matches every record: almost always a template that rendered to nothing.
            raise IntacctValidationError("filters", 'at least one filter, like [{"$eq": {"state": "paid"}}]', [])
        match = cls(spec=replace(spec, order_by=ORDER_BY_KEY), min_count=_min_count(min_count))
        match.body()  # the whole request body is checked here too, before anything is sent
        return match

    @property
    def path(self) -> str:
        return self.spec.object

    @property
    def page_size(self) -> int:
        """Rows one check asks for: every required match, and a little more for the XCom."""
        return max(self.min_count, MIN_PAGE_SIZE)

    def body(self) -> dict[str, Any]:
        """The query-service body of one check."""
        return self.spec.body(1, self.page_size)

    def outcome(self, page: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
        """``(done, {"rows": first page of matches, "count": how many match in all})`` for one checked page.

        The rows are handed on as XCom (poke) or in a trigger event (deferrable), so a decimal
        number in them is its exact text (:func:`~intacct_provider.core.exact_json.decimals_as_text`).
        """
        rows = list(page["ia::result"])
        count = total_count(page)
        expected = min(count, self.page_size)
        if len(rows) != expected:
            raise IntacctProtocolError(
                f"Intacct reports {count} matching {self.path} records but returned {len(rows)} rows "
                f"(expected {expected}); the sensor fires on rows, not on a count",
                method="POST",
                path=QUERY_PATH,
            )
        return len(rows) >= self.min_count, {"rows": decimals_as_text(rows), "count": count}


def _min_count(value: Any) -> int:
    """A positive integer no larger than one query page (so every required match is handed on)."""
    return check_int("min_count", value, minimum=1, maximum=MAX_QUERY_PAGE)

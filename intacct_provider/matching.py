"""The one definition of "the records are there", shared by the sensor and the trigger.

:class:`RecordMatch` is used by :class:`~intacct_provider.sensors.record.IntacctRecordSensor`
(poke and reschedule modes, synchronous hook) and
:class:`~intacct_provider.triggers.query.IntacctQueryTrigger` (deferrable mode, async client), so
the three modes cannot drift apart: both send the same query body and decide from the page it
returns. It lives apart from the trigger so that importing the sensor (on every DAG parse) does not
import Airflow's trigger machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.objects import resolve_path
from intacct_provider.query import (
    MAX_QUERY_PAGE,
    Filter,
    build_query,
    check_filter_expression,
    normalize_fields,
    normalize_filters,
)
from intacct_provider.validation import check_int, parse_json, parse_json_list

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
        match = cls(
            path=path,
            fields=normalize_fields(parse_json_list("fields", fields)),
            filters=checked_filters,
            filter_expression=check_filter_expression(filter_expression, len(checked_filters)),
            min_count=_min_count(min_count),
        )
        match.body()  # the whole request body is checked here too, before anything is sent
        return match

    @property
    def order_by(self) -> list[dict[str, str]]:
        """Stable order, so the rows handed on are the same ones from one check to the next."""
        return ORDER_BY_KEY

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
    return check_int("min_count", value, minimum=1, maximum=MAX_QUERY_PAGE)

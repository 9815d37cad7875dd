"""The Intacct side of a warehouse load or tie-out: which fields, typed how, read through which path.

The fields and their kinds come from the record's JSON Schema (dotted leaf names as the query
service returns them in flat rows), so the load and the tie-out name and type a column the same
way. The read is the query operator's: the same :class:`~intacct_provider.core.query_spec.QuerySpec`,
the same window filters and look-back, the hook's paged ``iter_query``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intacct_provider.core.columns import Column, ColumnError, kind_of, plan_columns
from intacct_provider.exceptions import IntacctValidationError, IntacctWarehouseError

if TYPE_CHECKING:
    from intacct_provider.core.query_spec import QuerySpec
    from intacct_provider.hooks.intacct import IntacctHook


def record_schema(path: str) -> dict[str, Any] | None:
    """The record's JSON Schema (Sage's published one), ``None`` for an object Sage does not describe."""
    from intacct_provider.contract import load_schema

    try:
        return load_schema(path, "record")
    except KeyError:
        return None


def leaf_schemas(schema: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Dotted field name → leaf schema, as flat query rows name the fields."""
    from intacct_provider.contract import leaf_properties

    return leaf_properties(dict(schema)) if schema else {}


def plan(path: str, fields: list[str] | None, leaves: Mapping[str, Mapping[str, Any]]) -> list[Column]:
    """The columns of a load: ``fields`` (default every scalar field of the record), ``key`` first.

    Arrays and property-less objects (a bill's ``lines``) are not columns of a header table by
    default; named in ``fields`` they are stored as canonical JSON text.
    """
    if fields is None:
        if not leaves:
            raise IntacctValidationError(
                "fields", f"the fields to load: Sage publishes no record schema for {path}", None, show_value=False
            )
        fields = [name for name, leaf in leaves.items() if kind_of(leaf) != "json"]
    try:
        return plan_columns(fields, leaves)
    except ColumnError as exc:
        raise IntacctWarehouseError(f"{path}: {exc}") from None


@dataclass
class WindowRead:
    """One window's read of one object through the query operator's path: ``window``, ``rows()``, ``commit()``.

    The same shape as the sync read of the deletions issue, so the warehouse operators can use
    either: ``rows()`` yields the live rows (then, with deletions tracked, tombstones
    ``{"key", "id", "_deleted": True, "_deleted_at"}``), ``deleted`` counts the tombstones and
    ``commit()`` runs once the output is complete.
    """

    hook: IntacctHook
    spec: QuerySpec
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    lookback: dt.timedelta = dt.timedelta(0)
    window: list[str | None] = field(init=False)
    deleted: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        from intacct_provider.operators.windows import window_filters

        extra, self.window = window_filters(self.since, self.until, self.lookback)
        self.spec = self.spec.and_filters(extra)

    def rows(self) -> Iterator[dict[str, Any]]:
        return self.hook.iter_query(self.spec)

    def commit(self) -> None:
        """Nothing to keep between runs without deletion tracking."""

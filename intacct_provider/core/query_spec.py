"""``QuerySpec``: one checked query, built once and handed to every layer that reads.

The operators, the sensor, the trigger, the sync hook and the async client all take
this one value instead of re-declaring ``(object, fields, filters, expression, order,
filter parameters)`` and re-checking them. :meth:`QuerySpec.build` accepts what
templates render (JSON text or native objects) and raises
:class:`~intacct_provider.exceptions.IntacctValidationError` naming the argument,
before any request. :meth:`to_dict`/:meth:`from_dict` carry it through a trigger's
serialization.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from intacct_provider.catalog.registry import resolve_path
from intacct_provider.catalog.validation import check_int, parse_json, parse_json_list
from intacct_provider.core.query import (
    MAX_QUERY_PAGE,
    TEXT_OPERATORS,
    Filter,
    check_filter_expression,
    normalize_fields,
    normalize_filters,
    normalize_order_by,
)
from intacct_provider.exceptions import IntacctValidationError

#: Argument name → Intacct's ``filterParameters`` property, with the type each takes.
FILTER_PARAMETERS: dict[str, tuple[str, type]] = {
    "include_private": ("includePrivate", bool),
    "case_sensitive": ("caseSensitiveComparison", bool),
    "as_of_date": ("asOfDate", str),
    "include_hierarchy_fields": ("includeHierarchyFields", bool),
}
#: ``filter_expression`` shortcuts: every condition (``and``) or at least one (``or``).
SHORTCUTS = ("and", "or")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class QuerySpec:
    """A validated query-service request, without its page window (``start``/``size``)."""

    object: str
    fields: list[str] = field(default_factory=lambda: ["key", "id", "href"])
    filters: list[Filter] = field(default_factory=list)
    filter_expression: str | None = None
    order_by: list[dict[str, str]] = field(default_factory=list)
    filter_parameters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        object: Any,
        fields: Any = None,
        filters: Any = None,
        filter_expression: Any = None,
        order_by: Any = None,
        filter_parameters: Any = None,
    ) -> QuerySpec:
        """Check every argument (JSON text or native) and return the spec; raise naming the bad one."""
        checked = normalize_filters(parse_json("filters", filters))
        path = resolve_path(object)
        _check_field_types(path, checked)
        return cls(
            object=path,
            fields=normalize_fields(parse_json_list("fields", fields)),
            filters=checked,
            filter_expression=_expression(filter_expression, len(checked)),
            order_by=normalize_order_by(parse_json_list("order_by", order_by)),
            filter_parameters=_filter_parameters(parse_json("filter_parameters", filter_parameters)),
        )

    def keyed(self) -> QuerySpec:
        """The same query returning ``key`` and ordered by it last: what stable paging needs."""
        fields = self.fields if "key" in self.fields else [*self.fields, "key"]
        order = self.order_by if any("key" in item for item in self.order_by) else [*self.order_by, {"key": "asc"}]
        return replace(self, fields=fields, order_by=order)

    def and_filters(self, extra: list[Filter], expression: str | None = None) -> QuerySpec:
        """This query narrowed by ``extra`` filters (an incremental window), ANDed onto the expression.

        ``expression`` combines the ``extra`` filters among themselves, numbered from 1 as if they
        were alone (``"(1 and 2) or 3"``); without it they are all ANDed.
        """
        if not extra:
            return self
        offset = len(self.filters)
        filters = [*self.filters, *normalize_filters(extra)]
        if expression is None:
            combined = self.filter_expression
            if combined:
                numbers = " and ".join(str(offset + i) for i in range(1, len(extra) + 1))
                combined = f"({combined}) and {numbers}"
            return replace(self, filters=filters, filter_expression=combined)
        added = check_filter_expression(expression, len(extra)) or ""
        renumbered = _NUMBER.sub(lambda match: str(int(match.group()) + offset), added)
        if not offset:
            return replace(self, filters=filters, filter_expression=renumbered)
        mine = self.filter_expression or " and ".join(str(i) for i in range(1, offset + 1))
        mine = mine if _NUMBER.fullmatch(mine) else f"({mine})"
        return replace(self, filters=filters, filter_expression=f"{mine} and ({renumbered})")

    def body(self, start: int = 1, page_size: int = 100) -> dict[str, Any]:
        """The JSON body of one query-service call (one page; Intacct calls the page size ``size``)."""
        start = check_int("start", start, minimum=1)
        page_size = check_int("size", page_size, minimum=1, maximum=MAX_QUERY_PAGE)
        body: dict[str, Any] = {"object": self.object, "fields": list(self.fields)}
        if self.filters:
            body["filters"] = list(self.filters)
        if self.filter_expression:
            body["filterExpression"] = self.filter_expression
        if self.filter_parameters:
            body["filterParameters"] = {FILTER_PARAMETERS[k][0]: v for k, v in self.filter_parameters.items()}
        if self.order_by:
            body["orderBy"] = list(self.order_by)
        body["start"] = start
        body["size"] = page_size
        return body

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (a trigger's ``serialize``).

        The filters travel as exact JSON text: Airflow's serializer turns a fractional ``Decimal``
        into a float, and a filter on an amount must reach Intacct with the digits it was given.
        """
        from intacct_provider.core.exact_json import dumps

        return {
            "object": self.object,
            "fields": list(self.fields),
            "filters": dumps(list(self.filters)),
            "filter_expression": self.filter_expression,
            "order_by": list(self.order_by),
            "filter_parameters": dict(self.filter_parameters),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuerySpec:
        """Rebuild (and re-check) a spec from :meth:`to_dict`."""
        return cls.build(**dict(data))


def _check_field_types(path: str, filters: list[Filter]) -> None:
    """Text operators (``$contains``, ``$startsWith``, ...) are refused on date and date-time fields
    (Sage: they "cannot be used with date fields"), the field's type read from the contract's
    schema of the object; a field or object the contract does not describe is left to Intacct."""
    from intacct_provider import contract

    try:
        fields = contract.leaf_properties(contract.load_schema(path, "record"))
    except KeyError:
        return
    for index, item in enumerate(filters):
        ((operator, condition),) = item.items()
        if operator not in TEXT_OPERATORS:
            continue
        ((name, _),) = condition.items()
        schema = fields.get(name) or {}
        if schema.get("format") in ("date", "date-time"):
            raise IntacctValidationError(
                f"filters[{index}]",
                f"an operator for a date field ({operator} compares text and cannot be used with date "
                f"fields; '{name}' is a {schema['format']}: use $eq, $lt, $gte, $between, ...)",
                operator,
            )


def _expression(value: Any, count: int) -> str | None:
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in SHORTCUTS:
        return f" {text} ".join(str(i) for i in range(1, count + 1)) if count > 1 else None
    return check_filter_expression(value, count)


def _filter_parameters(value: Any) -> dict[str, Any]:
    if value is None or value == {}:
        return {}
    if not isinstance(value, Mapping):
        expected = f"a mapping with keys among {', '.join(FILTER_PARAMETERS)}"
        raise IntacctValidationError("filter_parameters", expected, value)
    checked: dict[str, Any] = {}
    for name, setting in value.items():
        if name not in FILTER_PARAMETERS:
            raise IntacctValidationError(f"filter_parameters.{name}", f"one of {', '.join(FILTER_PARAMETERS)}", name)
        if setting is None:
            continue
        checked[name] = _as_date(setting) if FILTER_PARAMETERS[name][1] is str else _as_bool(name, setting)
    return checked


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise IntacctValidationError(f"filter_parameters.{name}", "true or false", value)


def _as_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise IntacctValidationError("filter_parameters.as_of_date", "a date as YYYY-MM-DD", value) from None

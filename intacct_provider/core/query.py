"""Build and check request bodies for Intacct's query service.

Checks happen here, before any request: a misspelt operator or a filter
expression pointing at a filter that does not exist is the caller's bug, and
Intacct would charge a transaction to say so less clearly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from intacct_provider.exceptions import IntacctValidationError

QUERY_PATH = "/services/core/query"
#: Largest ``size`` the query service accepts.
MAX_QUERY_PAGE = 4000
DEFAULT_FIELDS = ("key", "id", "href")
OPERATORS = frozenset(
    {
        "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$notIn", "$between", "$notBetween",
        "$contains", "$notContains", "$has", "$startsWith", "$notStartsWith", "$endsWith", "$notEndsWith",
    }
)  # fmt: skip
_LIST_OPERATORS = frozenset({"$in", "$notIn"})
_PAIR_OPERATORS = frozenset({"$between", "$notBetween"})
#: Operators comparing text ("cannot be used with date fields", Sage's query guide).
TEXT_OPERATORS = frozenset({"$contains", "$notContains", "$startsWith", "$notStartsWith", "$endsWith", "$notEndsWith"})
#: A number in a filter: JSON text arguments decode fractions as ``Decimal`` (money stays exact), a
#: Python caller may pass any of the three.
_NUMBERS: tuple[type, ...] = (int, float, Decimal)
#: What each operator takes, as Sage's query schema lists it (``$has``: the one value an
#: array-of-strings field must contain).
_SCALARS: dict[str, tuple[type, ...]] = {
    "$eq": (str, *_NUMBERS, bool, type(None)),
    "$ne": (str, *_NUMBERS, bool, type(None)),
    "$lt": (str, *_NUMBERS),
    "$gt": (str, *_NUMBERS),
    "$lte": (str, *_NUMBERS, bool),
    "$gte": (str, *_NUMBERS, bool),
    **dict.fromkeys(TEXT_OPERATORS, (str, *_NUMBERS)),
    "$has": (str,),
}
_EXPECTED = {
    "$eq": "a string, number, true/false or null",
    "$ne": "a string, number, true/false or null",
    "$lt": "a string or a number",
    "$gt": "a string or a number",
    "$lte": "a string, number or true/false",
    "$gte": "a string, number or true/false",
    "$has": "a string (the value the array field must contain)",
}
_EXPRESSION_TOKEN = re.compile(r"\s*(\(|\)|\d+|and\b|or\b)", re.IGNORECASE)

Filter = dict[str, dict[str, Any]]


def normalize_filters(filters: Any, parameter: str = "filters") -> list[Filter]:
    """Return filters in Intacct's list form.

    Accepts the native list (``[{"$eq": {"vendor.id": "VEND-100"}}]``) or, as a
    shorthand for equality, a mapping (``{"vendor.id": "VEND-100"}``).
    """
    if filters is None:
        return []
    if isinstance(filters, Mapping):
        if any(str(k).startswith("$") for k in filters):
            filters = [filters]
        else:
            return [{"$eq": {str(field): value}} for field, value in filters.items()]
    if not isinstance(filters, Sequence) or isinstance(filters, (str, bytes)):
        raise IntacctValidationError(parameter, 'a list like [{"$eq": {"vendor.id": "VEND-100"}}]', filters)
    result: list[Filter] = []
    for index, item in enumerate(filters):
        where = f"{parameter}[{index}]"
        if not isinstance(item, Mapping) or len(item) != 1:
            raise IntacctValidationError(where, 'one operator mapping like {"$eq": {"field": value}}', item)
        ((operator, condition),) = item.items()
        if operator not in OPERATORS:
            raise IntacctValidationError(where, f"an operator among {', '.join(sorted(OPERATORS))}", operator)
        if not isinstance(condition, Mapping) or len(condition) != 1:
            raise IntacctValidationError(where, 'one {"field": value} pair under the operator', condition)
        ((field_name, value),) = condition.items()
        if not isinstance(field_name, str) or not field_name:
            raise IntacctValidationError(where, "a field name", field_name)
        check_field_name(where, field_name)
        check_operand(where, operator, value)
        result.append({operator: {field_name: list(value) if isinstance(value, tuple) else value}})
    return result


def check_operand(where: str, operator: str, value: Any) -> None:
    """The value ``operator`` takes, as Sage's query schema says; raise naming ``where`` otherwise.

    ``$in``/``$notIn``: a non-empty list of strings, numbers or booleans; ``$between``/``$notBetween``:
    a [from, to] pair of non-null strings or numbers; ``$has``: a string; the text operators: a
    string or a number; the comparisons: one scalar (``null`` only for ``$eq``/``$ne``).
    """
    if operator in _LIST_OPERATORS:
        if not isinstance(value, (list, tuple)) or not value:
            raise IntacctValidationError(where, f"a non-empty list of values for {operator}", value)
        if not all(isinstance(item, (str, *_NUMBERS, bool)) and _finite(item) for item in value):
            raise IntacctValidationError(where, f"a list of strings, numbers or true/false for {operator}", value)
        return
    if operator in _PAIR_OPERATORS:
        pair = isinstance(value, (list, tuple)) and len(value) == 2
        if not pair or not all(
            isinstance(item, (str, *_NUMBERS)) and not isinstance(item, bool) and _finite(item) for item in value
        ):
            raise IntacctValidationError(where, f"a [from, to] pair of non-null values for {operator}", value)
        return
    allowed = _SCALARS[operator]
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed) or not _finite(value):
        expected = _EXPECTED.get(operator, "a string or a number")
        raise IntacctValidationError(where, f"{expected} for {operator}", value)


def _finite(value: Any) -> bool:
    """NaN and infinities are no JSON numbers: Intacct could not be sent one."""
    if isinstance(value, Decimal):
        return value.is_finite()
    return not isinstance(value, float) or math.isfinite(value)


def check_filter_expression(expression: str | None, filter_count: int) -> str | None:
    """Validate ``filterExpression``: numbers 1..n, ``and``/``or``, balanced parentheses."""
    if expression is None or not str(expression).strip():
        return None
    text = str(expression).strip()
    position, depth, expect_operand = 0, 0, True
    while position < len(text):
        match = _EXPRESSION_TOKEN.match(text, position)
        if not match:
            raise IntacctValidationError("filter_expression", "numbers, 'and', 'or' and parentheses", text)
        part = match.group(1).lower()
        position = match.end()
        if part == "(" and expect_operand:
            depth += 1
        elif part == ")" and not expect_operand and depth > 0:
            depth -= 1
        elif part.isdigit() and expect_operand:
            if not 1 <= int(part) <= filter_count:
                raise IntacctValidationError("filter_expression", f"filter numbers between 1 and {filter_count}", text)
            expect_operand = False
        elif part in ("and", "or") and not expect_operand:
            expect_operand = True
        else:
            raise IntacctValidationError("filter_expression", "a well-formed expression like '(1 and 2) or 3'", text)
        if position < len(text) and text[position:].strip() == "":
            break
    if depth or expect_operand:
        raise IntacctValidationError("filter_expression", "a complete expression with balanced parentheses", text)
    return text


def normalize_order_by(order_by: Any) -> list[dict[str, str]]:
    """Accept ``"key"``, ``"-key"``, ``{"key": "asc"}`` or a list of those."""
    if order_by is None:
        return []
    items = order_by if isinstance(order_by, (list, tuple)) else [order_by]
    result = []
    for item in items:
        if isinstance(item, str) and item.strip():
            name = item.strip()
            descending = name.startswith("-")
            field_name = check_field_name("order_by", name[1:] if descending else name)
            result.append({field_name: "desc" if descending else "asc"})
        elif isinstance(item, Mapping) and len(item) == 1:
            ((name, direction),) = item.items()
            if str(direction).lower() not in ("asc", "desc"):
                raise IntacctValidationError("order_by", "'asc' or 'desc'", direction)
            result.append({check_field_name("order_by", str(name)): str(direction).lower()})
        else:
            raise IntacctValidationError("order_by", 'a field name, "-field", or {"field": "asc"|"desc"}', item)
    return result


def normalize_fields(fields: Any) -> list[str]:
    """Accept a list of field names or a comma-separated string; default ``key,id,href``."""
    if fields is None or fields == "" or fields == []:
        return list(DEFAULT_FIELDS)
    items = fields.split(",") if isinstance(fields, str) else fields
    if not isinstance(items, (list, tuple)):
        raise IntacctValidationError("fields", "a list of field names", fields)
    names = [str(f).strip() for f in items]
    if not all(names):
        raise IntacctValidationError("fields", "non-empty field names", fields)
    unique = list(dict.fromkeys(check_field_name("fields", name) for name in names))
    if len(unique) > MAX_FIELDS:
        raise IntacctValidationError("fields", f"at most {MAX_FIELDS} field names", len(unique))
    return unique


# ------------------------------------------------------------- field names (issue 12)
#: Most field names one query may ask for: far above any real report, far below a runaway list
#: (10,000 generated names made a 189 KB body that Intacct bills as one query and then refuses).
MAX_FIELDS = 500
#: Longest field name accepted (Intacct's longest dotted paths are well under 100 characters).
MAX_FIELD_NAME_LENGTH = 200
#: Intacct's field grammar: letters, digits, ``_``, dotted paths (``vendor.id``) and the ``:`` of
#: aggregates (``count:key``). Anything else (``&``, ``#``, spaces, quotes) cannot be a field and,
#: in a URL's ``?fields=``, would change the request itself.
_FIELD_NAME = re.compile(r"[A-Za-z0-9_.:]+")


def check_field_name(parameter: str, name: str) -> str:
    """Return ``name`` if it follows Intacct's field grammar; refuse it (naming ``parameter``) otherwise."""
    if len(name) > MAX_FIELD_NAME_LENGTH or not _FIELD_NAME.fullmatch(name):
        raise IntacctValidationError(
            parameter,
            f"field names of letters, digits, '_', '.' and ':' (such as 'vendor.id' or 'count:key'), "
            f"at most {MAX_FIELD_NAME_LENGTH} characters",
            name,
        )
    return name

"""The query service engine: validate a ``POST /services/core/query`` body, then filter, order, page.

A body is compiled once into plain Python closures (one per filter, combined by the parsed
``filterExpression``), so a query over tens of thousands of records costs one pass and one sort.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .audit import AUDIT_OBJECT, AUDIT_PATH
from .datemacros import MACRO_OPERATORS, MACROS, period
from .errors import ApiError, detail
from .pagetext import page_text
from .schema import OBJECTS, STRINGISH, Field, ObjectDef

MAX_SIZE = 4000
DEFAULT_SIZE = 100
DEFAULT_FIELDS = ("key", "id", "href")
_BODY_KEYS = frozenset(
    {"object", "fields", "filters", "filterExpression", "filterParameters", "orderBy", "start", "size"}
)
# filterParameters: name -> (type check, description for the error).
_PARAMETERS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "caseSensitiveComparison": (lambda v: isinstance(v, bool), "true or false"),
    "includePrivate": (lambda v: isinstance(v, bool), "true or false"),
    "includeHierarchyFields": (lambda v: isinstance(v, bool), "true or false"),
    "asOfDate": (lambda v: _is_date(v), "a date in YYYY-MM-DD format"),
}

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
Node = int | tuple[str, list["Node"]]


def _is_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and len(value) == 10 and date.fromisoformat(value) is not None
    except ValueError:
        return False


def _bad(message: str, target: str) -> ApiError:
    return ApiError(400, message, [detail("invalidQuery", message, target)])


@dataclass(frozen=True)
class Query:
    """A validated query, ready to run over the visible records of ``obj``."""

    obj: ObjectDef
    fields: tuple[str, ...]
    predicate: Predicate | None
    order: tuple[tuple[str, bool], ...]  # (field, descending)
    start: int
    size: int
    include_private: bool = False  # filterParameters.includePrivate: records of private entities

    def run(self, records: Sequence[Record]) -> str:
        """The response body's JSON text: flat rows for the requested page plus ``ia::meta``.

        ``records`` are read, never changed (they are the store's own lists or views of them, or the
        audit trail's): a sort works on a copy, and a page in key order is a slice of them.
        """
        # ``records`` arrive in key order (audit entries: oldest first, their keys are text), so the
        # stable sorts below leave ties in that order.
        order = self.order
        if order and order[-1] == ("key", False) and self.obj.fields["key"].type == "key":
            order = order[:-1]  # already in key order: skip the one sort every paging client asks for
        matched = [rec for rec in records if self.predicate(rec)] if self.predicate else records
        if order:
            ordered = list(matched)
            for name, descending in reversed(order):
                ordered.sort(key=_sort_key(self.obj.fields[name]), reverse=descending)
            matched = ordered
        total = len(matched)
        page = matched[self.start - 1 : self.start - 1 + self.size]
        meta = {
            "totalCount": total,
            "start": self.start,
            "pageSize": self.size,
            "next": self.start + self.size if self.start - 1 + self.size < total else None,
            "previous": max(1, self.start - self.size) if self.start > 1 else None,
        }
        return page_text(self.fields, page, meta)


def parse_query(body: Any, today: str, objects: Mapping[str, ObjectDef] = OBJECTS) -> Query:
    """Validate a query body exactly as strictly as the service does; 400 on the first problem.

    ``today`` (YYYY-MM-DD) is what date macros are relative to unless ``asOfDate`` says otherwise;
    ``objects`` are the company's (a tenant's custom fields queryable, its custom objects too).
    """
    if not isinstance(body, dict):
        raise _bad("The query body must be a JSON object", "/")
    unknown = sorted(set(body) - _BODY_KEYS)
    if unknown:
        raise _bad(f"/{unknown[0]} is not a valid query property", f"/{unknown[0]}")
    name = body.get("object")
    obj = (AUDIT_OBJECT if name == AUDIT_PATH else objects.get(name)) if isinstance(name, str) else None
    if obj is None:
        raise _bad(f"Object '{body.get('object')}' is not valid for query", "/object")
    queryable = obj.fields
    fields = _fields(body.get("fields"), queryable, obj)
    parameters = _filter_parameters(body.get("filterParameters"))
    context = _Context(
        queryable,
        obj,
        parameters.get("caseSensitiveComparison", True),
        date.fromisoformat(parameters.get("asOfDate", today)),
    )
    predicates = _filters(body.get("filters"), context)
    predicate = _combine(body.get("filterExpression"), predicates)
    order = _order(body.get("orderBy"), queryable, obj)
    start = _integer(body.get("start"), "start", 1, None, 1)
    size = _integer(body.get("size"), "size", 1, MAX_SIZE, DEFAULT_SIZE)
    return Query(obj, fields, predicate, order, start, size, parameters.get("includePrivate", False))


@dataclass(frozen=True)
class _Context:
    """What every filter of one query is compiled against."""

    queryable: dict[str, Field]
    obj: ObjectDef
    case_sensitive: bool
    as_of: date


def _unknown_field(name: Any, obj: ObjectDef, target: str) -> ApiError:
    return _bad(f"Field '{name}' is not valid for object '{obj.path}'", target)


def _fields(value: Any, queryable: dict[str, Field], obj: ObjectDef) -> tuple[str, ...]:
    if value is None or value == []:
        return DEFAULT_FIELDS
    if not isinstance(value, list):
        raise _bad("/fields must be an array of field names", "/fields")
    for index, name in enumerate(value):
        if not isinstance(name, str) or name not in queryable:
            raise _unknown_field(name, obj, f"/fields/{index}")
    return tuple(value)


def _filter_parameters(value: Any) -> dict[str, Any]:
    """``filterParameters``: includePrivate (default false), caseSensitiveComparison (default
    true), asOfDate (default today), includeHierarchyFields (default false; the sandbox has no
    hierarchy fields, so it changes nothing)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad("/filterParameters must be an object", "/filterParameters")
    for name, setting in value.items():
        target = f"/filterParameters/{name}"
        if name not in _PARAMETERS:
            raise _bad(f"{target} is not a valid filter parameter", target)
        check, expected = _PARAMETERS[name]
        if not check(setting):
            raise _bad(f"{target} must be {expected}", target)
    return value


def _integer(value: Any, name: str, low: int, high: int | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise _bad(f"/{name} must be an integer {bounds}", f"/{name}")
    return value


def _order(value: Any, queryable: dict[str, Field], obj: ObjectDef) -> tuple[tuple[str, bool], ...]:
    if value is None or value == []:
        return ()
    if not isinstance(value, list):
        raise _bad("/orderBy must be an array", "/orderBy")
    order = []
    for index, item in enumerate(value):
        target = f"/orderBy/{index}"
        if not isinstance(item, dict) or len(item) != 1:
            raise _bad(f'{target} must be an object like {{"key": "asc"}}', target)
        ((name, direction),) = item.items()
        if name not in queryable:
            raise _unknown_field(name, obj, target)
        if direction not in ("asc", "desc"):
            raise _bad(f"{target} direction must be asc or desc", target)
        order.append((name, direction == "desc"))
    return tuple(order)


# ------------------------------------------------------------------ filters
def _getter(name: str) -> Callable[[Record], Any]:
    parts = name.split(".")
    if len(parts) == 1:
        return lambda rec: rec.get(name)

    def get(rec: Record) -> Any:
        value: Any = rec
        for part in parts:
            value = value.get(part) if isinstance(value, dict) else None
        return value

    return get


def _converter(spec: Field, case_sensitive: bool) -> Callable[[Any], Any]:
    """Turn stored values and filter operands into comparable values for the field's type."""
    if spec.type == "key":
        return lambda v: int(v)
    if spec.type == "decimal":
        return lambda v: Decimal(str(v))
    if spec.type in ("boolean", "number", "object") or case_sensitive:
        return lambda v: v
    if spec.type == "array":
        return lambda v: [x.lower() if isinstance(x, str) else x for x in v] if isinstance(v, list) else v.lower()
    return lambda v: v.lower()


def _operand(spec: Field, value: Any, convert: Callable[[Any], Any], target: str) -> Any:
    """Check one operand against the field type and convert it."""
    if value is None:
        return None
    ok = {
        "key": (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit()),
        "decimal": isinstance(value, (int, Decimal, str)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "number": isinstance(value, (int, Decimal)) and not isinstance(value, bool),
    }.get(spec.type, isinstance(value, str))
    try:
        if ok:
            return convert(value)
    except (InvalidOperation, ValueError):
        pass
    raise _bad(f"{target}: {value!r} is not a valid value for field '{spec.name}' ({spec.type})", target)


def _has_macro(operand: Any) -> bool:
    values = operand if isinstance(operand, list) else [operand]
    return any(isinstance(value, str) and value in MACROS for value in values)


def _macro_filter(operator: str, name: str, operand: Any, as_of: date, target: str) -> Predicate:
    """A date comparison where some operand is a macro: every operand becomes a period."""

    def span(value: Any) -> tuple[str, str]:
        if isinstance(value, str) and value in MACROS:
            first, last = period(value, as_of)
            return first.isoformat(), last.isoformat()
        if not _is_date(value):
            raise _bad(f"{target}: {value!r} is not a date or a date macro", target)
        return value, value

    base = _NEGATED.get(operator, operator)
    if base in ("$in", "$between"):
        if not isinstance(operand, list) or not operand or (base == "$between" and len(operand) != 2):
            raise _bad(f"{target}: {operator} takes an array of dates or macros", target)
        spans = [span(value) for value in operand]
    elif isinstance(operand, list):
        raise _bad(f"{target}: {operator} takes one date or macro", target)
    else:
        spans = [span(operand)]
    first, last = spans[0]
    tests: dict[str, Callable[[str], bool]] = {
        "$eq": lambda v: first <= v <= last,
        "$lt": lambda v: v < first,
        "$lte": lambda v: v <= last,
        "$gt": lambda v: v > last,
        "$gte": lambda v: v >= first,
        "$in": lambda v: any(lo <= v <= hi for lo, hi in spans),
        "$between": lambda v: spans[0][0] <= v <= spans[-1][1],
    }
    test, get = tests[base], _getter(name)

    def matches(rec: Record) -> bool:
        raw = get(rec)
        return raw is not None and test(str(raw)[:10])

    if operator in _NEGATED:
        return lambda rec: not matches(rec)
    return matches


_ORDERED = frozenset({"$lt", "$lte", "$gt", "$gte", "$between", "$notBetween"})
_TEXT = frozenset({"$contains", "$notContains", "$startsWith", "$notStartsWith", "$endsWith", "$notEndsWith"})
_NEGATED = {
    "$ne": "$eq",
    "$notIn": "$in",
    "$notBetween": "$between",
    "$notContains": "$contains",
    "$notStartsWith": "$startsWith",
    "$notEndsWith": "$endsWith",
}
OPERATORS = frozenset({"$eq", "$lt", "$lte", "$gt", "$gte", "$in", "$between", "$has"} | _TEXT | set(_NEGATED))

_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda a, b: a == b,
    "$lt": lambda a, b: a is not None and a < b,
    "$lte": lambda a, b: a is not None and a <= b,
    "$gt": lambda a, b: a is not None and a > b,
    "$gte": lambda a, b: a is not None and a >= b,
    "$in": lambda a, b: a in b,
    "$between": lambda a, b: a is not None and b[0] <= a <= b[1],
    "$contains": lambda a, b: a is not None and b in a,
    "$startsWith": lambda a, b: a is not None and a.startswith(b),
    "$endsWith": lambda a, b: a is not None and a.endswith(b),
    # ``$has``: an array-of-strings field contains the value; on a single-valued field, equals it.
    "$has": lambda a, b: a is not None and (b in a if isinstance(a, list) else a == b),
}


def _filters(value: Any, context: _Context) -> list[Predicate]:
    if value is None or value == []:
        return []
    if not isinstance(value, list):
        raise _bad("/filters must be an array", "/filters")
    return [_filter(item, f"/filters/{index}", context) for index, item in enumerate(value)]


def _filter(item: Any, target: str, context: _Context) -> Predicate:
    if not isinstance(item, dict) or len(item) != 1:
        raise _bad(f'{target} must be one operator such as {{"$eq": {{"id": "X"}}}}', target)
    ((operator, condition),) = item.items()
    if operator not in OPERATORS:
        raise _bad(f"{target}: '{operator}' is not a valid operator", target)
    if not isinstance(condition, dict) or len(condition) != 1:
        raise _bad(f"{target}/{operator} must name exactly one field", target)
    ((name, operand),) = condition.items()
    spec = context.queryable.get(name)
    if spec is None:
        raise _unknown_field(name, context.obj, target)
    if operator in _TEXT and spec.type in ("date", "timestamp"):
        # Sage: the text operators "cannot be used with date fields".
        raise _bad(f"{target}: {operator} cannot be used with date fields ('{name}' is a {spec.type})", target)
    if (operator in _ORDERED and spec.type == "boolean") or (operator in _TEXT and spec.type not in STRINGISH):
        raise _bad(f"{target}: {operator} cannot be used on field '{name}' ({spec.type})", target)
    if spec.type in ("date", "timestamp") and operator in MACRO_OPERATORS and _has_macro(operand):
        return _macro_filter(operator, name, operand, context.as_of, target)
    convert = _converter(spec, context.case_sensitive)
    base = str(_NEGATED.get(operator, operator))
    expected = _operands(base, spec, operand, convert, target)
    test, get = _TESTS[base], _getter(name)

    def matches(rec: Record) -> bool:
        raw = get(rec)
        return test(None if raw is None else convert(raw), expected)

    if operator in _NEGATED:
        return lambda rec: not matches(rec)
    return matches


def _operands(base: str, spec: Field, operand: Any, convert: Callable[[Any], Any], target: str) -> Any:
    if base == "$has":
        if not isinstance(operand, str):
            raise _bad(f"{target}: $has takes a string (the value the array field must contain)", target)
        return convert(operand)
    if base == "$in":
        if not isinstance(operand, list) or not operand:
            raise _bad(f"{target}: $in and $notIn take a non-empty array", target)
        return {_operand(spec, v, convert, target) for v in operand}
    if base == "$between":
        if not isinstance(operand, list) or len(operand) != 2 or None in operand:
            raise _bad(f"{target}: $between and $notBetween take a [from, to] pair", target)
        return tuple(_operand(spec, v, convert, target) for v in operand)
    if operand is None and base != "$eq":
        raise _bad(f"{target}: {base} needs a value", target)
    return _operand(spec, operand, convert, target)


# ------------------------------------------------------- filterExpression
_TOKEN = re.compile(r"\s*(\d+|\(|\)|[A-Za-z]+|\S)")


def _combine(expression: Any, predicates: list[Predicate]) -> Predicate | None:
    """Combine filters by ``filterExpression`` (1-based numbers, and/or, parentheses; default and).

    A bare ``"and"`` or ``"or"`` joins every filter that way: the public Python SDK sends
    ``"and"`` whenever it has filters and no expression.
    """
    if expression is None or expression == "":
        return _all(predicates) if predicates else None
    if not isinstance(expression, str):
        raise _bad("/filterExpression must be a string", "/filterExpression")
    if expression.strip().lower() in ("and", "or"):
        if not predicates:
            return None
        return _all(predicates) if expression.strip().lower() == "and" else _any(predicates)
    tokens = [token.lower() for token in _TOKEN.findall(expression)]
    parser = _ExpressionParser(tokens, len(predicates))
    tree = parser.parse()
    return _compile(tree, predicates)


def _all(predicates: list[Predicate]) -> Predicate:
    return lambda rec: all(p(rec) for p in predicates)


def _any(predicates: list[Predicate]) -> Predicate:
    return lambda rec: any(p(rec) for p in predicates)


def _compile(node: Node, predicates: list[Predicate]) -> Predicate:
    if isinstance(node, int):
        return predicates[node - 1]
    joiner, children = node
    compiled = [_compile(child, predicates) for child in children]
    return _all(compiled) if joiner == "and" else _any(compiled)


class _ExpressionParser:
    """Recursive descent: ``or`` binds looser than ``and``, as in SQL."""

    def __init__(self, tokens: list[str], count: int) -> None:
        self.tokens = tokens
        self.count = count
        self.pos = 0

    def fail(self, why: str) -> ApiError:
        return _bad(f"/filterExpression is not valid: {why}", "/filterExpression")

    def parse(self) -> Node:
        node = self.disjunction()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected '{self.tokens[self.pos]}'")
        return node

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def disjunction(self) -> Node:
        children = [self.conjunction()]
        while self.peek() == "or":
            self.pos += 1
            children.append(self.conjunction())
        return children[0] if len(children) == 1 else ("or", children)

    def conjunction(self) -> Node:
        children = [self.operand()]
        while self.peek() == "and":
            self.pos += 1
            children.append(self.operand())
        return children[0] if len(children) == 1 else ("and", children)

    def operand(self) -> Node:
        token = self.peek()
        self.pos += 1
        if token == "(":  # noqa: S105 - a parenthesis, not a password
            node = self.disjunction()
            if self.peek() != ")":
                raise self.fail("missing ')'")
            self.pos += 1
            return node
        if token is not None and token.isdigit():
            number = int(token)
            if not 1 <= number <= self.count:
                raise self.fail(f"filter {number} does not exist (there are {self.count})")
            return number
        raise self.fail("expected a filter number or '('" if token is None else f"unexpected '{token}'")


def _sort_key(spec: Field) -> Callable[[Record], tuple[bool, Any]]:
    """None sorts before every value; keys and decimals sort as numbers, the rest as text."""
    get, convert = _getter(spec.name), _converter(spec, True)

    def key(rec: Record) -> tuple[bool, Any]:
        raw = get(rec)
        return (raw is not None, convert(raw) if raw is not None else 0)

    return key

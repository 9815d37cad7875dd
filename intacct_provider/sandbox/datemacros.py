"""The query service's date macros (``today``, ``priorMonth``, ...) as inclusive date ranges.

Sage documents ten macros usable with the comparison operators on date fields, relative to
``filterParameters.asOfDate`` (the current date when not set).  A macro names a period; an operator
compares a date with that period: ``$eq`` = inside it, ``$lt`` = before its first day, ``$lte`` =
up to its last day, and so on.
"""

from __future__ import annotations

from datetime import date, timedelta

MACROS = (
    "today",
    "currentWeek",
    "currentMonth",
    "currentQuarter",
    "currentYear",
    "yesterday",
    "lastWeek",
    "priorMonth",
    "priorQuarter",
    "priorYear",
)
# Operators the contract allows macros with.
MACRO_OPERATORS = frozenset({"$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$notIn", "$between", "$notBetween"})


def _month(day: date, back: int = 0) -> tuple[date, date]:
    index = day.year * 12 + day.month - 1 - back
    first = date(index // 12, index % 12 + 1, 1)
    following = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _quarter(day: date, back: int = 0) -> tuple[date, date]:
    index = day.year * 4 + (day.month - 1) // 3 - back
    first = date(index // 4, index % 4 * 3 + 1, 1)
    return first, _month(first, -2)[1]


def period(macro: str, as_of: date) -> tuple[date, date]:
    """First and last day (inclusive) that ``macro`` names, seen from ``as_of``."""
    monday = as_of - timedelta(days=as_of.weekday())
    periods = {
        "today": (as_of, as_of),
        "yesterday": (as_of - timedelta(days=1),) * 2,
        "currentWeek": (monday, monday + timedelta(days=6)),
        "lastWeek": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "currentMonth": _month(as_of),
        "priorMonth": _month(as_of, 1),
        "currentQuarter": _quarter(as_of),
        "priorQuarter": _quarter(as_of, 1),
        "currentYear": (date(as_of.year, 1, 1), date(as_of.year, 12, 31)),
        "priorYear": (date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)),
    }
    return periods[macro]

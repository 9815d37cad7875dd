"""Incremental windows and JSON Lines output for ``IntacctQueryOperator``.

Kept apart from the operator module so parsing a DAG file does not import them:
they run only when a query task does.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from intacct_provider.core.exact_json import compact
from intacct_provider.exceptions import IntacctValidationError

#: Seconds as text: ASCII digits with an optional fraction.
_ASCII_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")
#: The audit fields incremental reads filter on.
MODIFIED_FIELD = "audit.modifiedDateTime"
CREATED_FIELD = "audit.createdDateTime"


def parse_instant(parameter: str, value: Any) -> dt.datetime | None:
    """A timezone-aware UTC instant from a datetime or an ISO-8601 string (``None``/empty: unbounded)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        instant = value
    elif isinstance(value, str):
        try:
            instant = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            expected = "an ISO-8601 timestamp such as 2026-11-26T00:00:00Z"
            raise IntacctValidationError(parameter, expected, value) from None
    else:
        raise IntacctValidationError(parameter, "a datetime or an ISO-8601 timestamp", value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(dt.UTC)


def parse_lookback(value: Any) -> dt.timedelta:
    """A look-back window: a timedelta or a number of seconds (``"3600"`` from a template is fine)."""
    if value is None or value == "":
        return dt.timedelta(0)
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    else:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = -1.0
        if isinstance(value, bool) or (isinstance(value, str) and not _ASCII_SECONDS.fullmatch(value.strip())):
            seconds = -1.0  # float() would also read "٣٦٠٠" or "1e3": a typo must not become a window
    if not seconds >= 0 or math.isinf(seconds):
        raise IntacctValidationError("lookback", "a timedelta or a non-negative number of seconds", value)
    return dt.timedelta(seconds=seconds)


def _stamp(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Window:
    """An incremental window: its filters, how they combine, and its bounds as the XCom shows them."""

    filters: list[dict[str, Any]]
    expression: str | None
    bounds: list[str | None]


def window_filters(since: dt.datetime | None, until: dt.datetime | None, lookback: dt.timedelta) -> Window:
    """Records modified in ``[since - lookback, until)``, or never modified and created in it.

    The upper bound is exclusive so consecutive data intervals do not overlap; the look-back
    deliberately re-reads a margin because Intacct's modified stamp can lag related changes
    (rows are de-duplicated by key). Sage's model service calls ``audit.modifiedDateTime``
    nullable (its schema does not): a record whose modified stamp is null is read by its created
    stamp, and one with neither stamp by every window, since no window can claim it. The whole
    condition is one query: ``(M >= s and M < u) or (M is null and ((C >= s and C < u) or C is null))``.
    """
    if since is not None and until is not None and until <= since:
        hint = (
            " (an empty data interval: Airflow 3's cron schedules are zero-width unless the DAG uses "
            "CronDataIntervalTimetable or [scheduler] create_cron_data_intervals = True)"
            if until == since
            else ""
        )
        raise IntacctValidationError(
            "modified_until", f"a time after modified_since ({_stamp(since)}){hint}", _stamp(until)
        )
    start = since - lookback if since is not None else None
    bounds = [_stamp(start) if start else None, _stamp(until) if until else None]
    if start is None and until is None:
        return Window([], None, bounds)
    filters: list[dict[str, Any]] = []

    def within(field: str) -> str:
        numbers = []
        for operator, stamp in (("$gte", bounds[0]), ("$lt", bounds[1])):
            if stamp is not None:
                filters.append({operator: {field: stamp}})
                numbers.append(str(len(filters)))
        return numbers[0] if len(numbers) == 1 else f"({' and '.join(numbers)})"

    def is_null(field: str) -> str:
        filters.append({"$eq": {field: None}})
        return str(len(filters))

    modified = within(MODIFIED_FIELD)
    never_modified = is_null(MODIFIED_FIELD)
    created = within(CREATED_FIELD)
    expression = f"{modified} or ({never_modified} and ({created} or {is_null(CREATED_FIELD)}))"
    return Window(filters, expression, bounds)


#: Rows of an incremental read, unless the caller orders them: by modified stamp, then key, so a
#: rerun of a window writes the same file and a consumer can resume from the last row it took.
INCREMENTAL_ORDER = ({MODIFIED_FIELD: "asc"}, {"key": "asc"})


def write_json_lines(target: str, rows: Iterable[dict[str, Any]]) -> tuple[str, int]:
    """Stream rows as JSON Lines; a local file appears only when complete (written aside, then renamed,
    and removed if the read fails).

    A ``Decimal`` (a number custom field, as :func:`~intacct_provider.core.exact_json.loads` read it)
    is written as the JSON number it was read as: ``59.10`` stays ``59.10``, never a rounded float.
    """
    count = 0
    if "://" in target and not target.startswith("file://"):
        from airflow.sdk import ObjectStoragePath

        remote = ObjectStoragePath(target)
        remote.parent.mkdir(parents=True, exist_ok=True)
        with remote.open("w") as handle:
            for row in rows:
                handle.write(compact(row) + "\n")
                count += 1
        return str(remote), count
    local = target[len("file://") :] if target.startswith("file://") else target
    os.makedirs(os.path.dirname(os.path.abspath(local)), exist_ok=True)
    partial = f"{local}.part"
    try:
        with open(partial, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(compact(row) + "\n")
                count += 1
    except BaseException:
        os.remove(partial)  # a failed read leaves no partial file behind
        raise
    os.replace(partial, local)
    return target, count


def positive_int_or_none(parameter: str, value: Any) -> int | None:
    """A positive integer, or ``None`` when the argument is left empty."""
    if value is None or value == "":
        return None
    from intacct_provider.catalog.validation import check_int  # validation machinery: only when a task runs

    return check_int(parameter, value, minimum=1)

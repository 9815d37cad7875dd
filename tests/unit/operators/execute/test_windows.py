"""windows: incremental-read bounds and JSON Lines output, without a server."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.operators.execute.windows import (
    parse_instant,
    parse_lookback,
    positive_int_or_none,
    window_filters,
    write_json_lines,
)

UTC = dt.UTC


def test_window_filters_with_lookback():
    since, until = parse_instant("s", "2026-11-01T00:00:00Z"), parse_instant("u", "2026-11-02T00:00:00+00:00")
    window = window_filters(since, until, parse_lookback("3600"))
    start, end = "2026-10-31T23:00:00Z", "2026-11-02T00:00:00Z"
    assert window.filters == [
        {"$gte": {"audit.modifiedDateTime": start}},
        {"$lt": {"audit.modifiedDateTime": end}},
        {"$eq": {"audit.modifiedDateTime": None}},
        {"$gte": {"audit.createdDateTime": start}},
        {"$lt": {"audit.createdDateTime": end}},
        {"$eq": {"audit.createdDateTime": None}},
    ]
    # modified in the window, or never modified and created in it (or with no stamp at all)
    assert window.expression == "(1 and 2) or (3 and ((4 and 5) or 6))"
    assert window.bounds == [start, end]


def test_open_ended_windows():
    since = parse_instant("s", "2026-11-01T00:00:00Z")
    window = window_filters(since, None, dt.timedelta(0))
    assert window.expression == "1 or (2 and (3 or 4))" and window.bounds == ["2026-11-01T00:00:00Z", None]
    assert window.filters[2] == {"$gte": {"audit.createdDateTime": "2026-11-01T00:00:00Z"}}
    unbounded = window_filters(None, None, dt.timedelta(hours=1))
    assert (unbounded.filters, unbounded.expression, unbounded.bounds) == ([], None, [None, None])


def test_an_empty_interval_is_refused_with_a_hint():
    instant = dt.datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(IntacctValidationError, match="CronDataIntervalTimetable"):
        window_filters(instant, instant, dt.timedelta(0))


@pytest.mark.parametrize("value", ["-1", "inf", True, "x"])
def test_bad_lookback(value):
    with pytest.raises(IntacctValidationError):
        parse_lookback(value)


def test_positive_int_or_none_uses_the_one_checker():
    assert positive_int_or_none("max_records", "") is None
    assert positive_int_or_none("max_records", "12") == 12
    with pytest.raises(IntacctValidationError, match="max_records: expected a positive integer"):
        positive_int_or_none("max_records", "²")


def test_json_lines_appear_only_when_complete(tmp_path):
    target = tmp_path / "out" / "rows.jsonl"
    path, count = write_json_lines(str(target), iter([{"key": "1"}, {"key": "2"}]))
    assert (
        path == str(target)
        and count == 2
        and [json.loads(line) for line in target.read_text().splitlines()] == [{"key": "1"}, {"key": "2"}]
    )
    assert not (tmp_path / "out" / "rows.jsonl.part").exists()


def test_json_lines_write_each_number_as_the_token_it_was_read_as(tmp_path):
    rows = [{"key": "1", "nsp::COST": Decimal("12345678901234567.89"), "nsp::RATE": Decimal("59.10"), "n": 3}]
    write_json_lines(str(tmp_path / "rows.jsonl"), iter(rows))
    line = (tmp_path / "rows.jsonl").read_text()
    assert line == '{"key":"1","nsp::COST":12345678901234567.89,"nsp::RATE":59.10,"n":3}\n'

"""settlement: the window that tells a lost create's own record from an older identical one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intacct_provider.hooks.settlement import CLOCK_MARGIN, content_filters, is_recent, window_start

ANSWERED = "Sat, 28 Nov 2026 10:00:30 GMT"
AT_ANSWER = datetime(2026, 11, 28, 10, 0, 30, tzinfo=UTC)


def test_window_reaches_back_to_the_first_post_on_the_servers_clock():
    since = window_start(ANSWERED, elapsed=20.0)
    assert since == AT_ANSWER - timedelta(seconds=20.0 + CLOCK_MARGIN)


@pytest.mark.parametrize(
    ("date", "elapsed"),
    [(None, 1.0), ("", 1.0), ("yesterday-ish", 1.0), ("Sat, 28 Nov 2026 10:00:30 GMT", None)],
    ids=["no-date", "empty-date", "unparseable-date", "no-post-in-this-try"],
)
def test_no_window_without_a_server_clock_or_a_first_post(date, elapsed):
    assert window_start(date, elapsed) is None


def test_a_date_without_a_zone_is_read_as_utc():
    assert window_start("Sat, 28 Nov 2026 10:00:30 -0000", 0.0) == AT_ANSWER - timedelta(seconds=CLOCK_MARGIN)


@pytest.mark.parametrize(
    ("stamp", "recent"),
    [
        ("2026-11-28T10:00:00Z", True),  # the instant the window opens
        ("2026-11-28T10:00:05Z", True),
        ("2026-11-28T09:59:59Z", False),  # one second before it: an older twin, never ours
        ("2026-11-28T11:00:00+01:00", True),  # the same instant with an offset
        (None, None),
        ("", None),
        ("not a time", None),
        (20261128, None),
    ],
)
def test_is_recent_tells_in_window_older_and_unknown_apart(stamp, recent):
    since = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)
    assert is_recent(stamp, since) is recent


def test_is_recent_without_a_window_cannot_tell():
    assert is_recent("2026-11-28T10:00:00Z", None) is None


def test_content_filters_compare_scalars_and_references_not_lines():
    body = {"vendor": {"id": "V-1"}, "createdDate": "2026-11-01", "currency": {"txnCurrency": "USD"}, "lines": []}
    assert content_filters(body) == [{"$eq": {"vendor.id": "V-1"}}, {"$eq": {"createdDate": "2026-11-01"}}]


def test_content_filters_leave_out_write_only_fields():
    """A payment's ``paymentDate`` is writeOnly: Intacct never returns it, so no look-up filters on it."""
    body = {
        "vendor": {"id": "VEND-100"},
        "paymentMethod": "Printed Check",
        "paymentDate": "2026-11-15",
        "financialEntity": {"entityId": "BOA"},
    }
    filters = content_filters(body, "accounts-payable/payment")
    assert filters == [{"$eq": {"vendor.id": "VEND-100"}}, {"$eq": {"paymentMethod": "Printed Check"}}]
    assert {"$eq": {"paymentDate": "2026-11-15"}} in content_filters(body)  # an object the contract does not name

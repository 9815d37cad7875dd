"""backoff: waits asked by the server (seconds or HTTP-date against its Date), else jittered backoff."""

from __future__ import annotations

import random

import pytest

from intacct_provider.core.backoff import BACKOFF_CAP, MAX_SERVER_WAIT, backoff, server_wait

DATE = "Sat, 01 Jan 2000 00:00:00 GMT"


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({}, None),
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": " 2.5 "}, 2.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "1", "x-ia-minute-rate-limit-retry-after": "4"}, 4.0),
        ({"Date": DATE, "Retry-After": "Sat, 01 Jan 2000 00:00:01 GMT"}, 1.0),
        ({"Date": DATE, "Retry-After": "Fri, 31 Dec 1999 23:59:00 GMT"}, 0.0),
    ],
)
def test_server_wait(headers, wait):
    assert server_wait(headers) == wait


def test_an_http_date_is_read_against_the_servers_clock_not_ours():
    assert backoff(0, {"Date": DATE, "Retry-After": "Sat, 01 Jan 2000 00:00:01 GMT"}) < 1.2


def test_server_waits_are_capped():
    assert backoff(0, {"Retry-After": "86400"}) <= MAX_SERVER_WAIT + 0.1


def test_exponential_backoff_with_full_jitter():
    rng = random.Random(3)
    waits = [backoff(attempt, rng=rng) for attempt in range(12)]
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0
    assert all(w <= BACKOFF_CAP for w in waits) and waits[-1] >= BACKOFF_CAP / 2

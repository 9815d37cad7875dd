"""retrying: waits asked by the server (seconds or HTTP-date against its Date), else jittered backoff."""

from __future__ import annotations

import random

import pytest

from intacct_provider.retrying import BACKOFF_CAP, MAX_SERVER_WAIT, Pacer, backoff, server_wait

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


def test_pacer_holds_back_every_waiter_with_the_sleep_given_at_the_call():
    pacer = Pacer()
    slept: list[float] = []
    pacer.wait(slept.append)
    assert slept == []  # no pause: no sleep
    pacer.pause(30.0)
    pacer.pause(1.0)  # a shorter pause does not cut the longer one short
    pacer.wait(slept.append)
    pacer.wait(slept.append)
    assert len(slept) == 2 and all(1.0 < s <= 30.0 for s in slept)


def test_pacer_sleeps_with_time_sleep_as_it_is_at_the_call(monkeypatch):
    pacer = Pacer()
    slept: list[float] = []
    pacer.pause(5.0)
    monkeypatch.setattr("time.sleep", slept.append)
    pacer.wait()
    assert len(slept) == 1 and 0 < slept[0] <= 5.0

"""pacing: one pause shared by threads, slept with the sleep function given at the call."""

from __future__ import annotations

from intacct_provider.hooks.pacing import Pacer


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

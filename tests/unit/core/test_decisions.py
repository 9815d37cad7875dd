"""core.decisions: what follows each kind of attempt, without a server."""

from __future__ import annotations

import random

import pytest

from intacct_provider.core.decisions import Action, Outcome, Transport, decide, failure
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctAuthError,
    IntacctNotFoundError,
    IntacctServerError,
    IntacctTransportError,
)

NEVER_SENT = Outcome(transport=Transport.NEVER_SENT, reason="ConnectTimeout")
LOST = Outcome(transport=Transport.LOST, reason="ReadTimeout")


def step(outcome: Outcome, *, attempt: int = 0, renewals: int = 0, resend_safe: bool = True, **kw):
    return decide(
        outcome, attempt=attempt, renewals=renewals, max_retries=2, resend_safe=resend_safe, rng=random.Random(1), **kw
    )


@pytest.mark.parametrize(
    ("outcome", "resend_safe", "action"),
    [
        (Outcome(status=200), True, Action.DONE),
        (Outcome(status=201), False, Action.DONE),
        (Outcome(status=503), True, Action.RETRY),
        (Outcome(status=503), False, Action.SETTLE),
        (Outcome(status=429), False, Action.RETRY),
        (Outcome(status=401), True, Action.RENEW),
        (Outcome(status=400, text='{"message": "Invalid token"}'), True, Action.RENEW),
        (Outcome(status=400, text='{"message": "bad field"}'), True, Action.FAIL),
        (Outcome(status=404), True, Action.FAIL),
        (Outcome(status=409), False, Action.FAIL),
        (NEVER_SENT, False, Action.RETRY),
        (LOST, True, Action.RETRY),
        (LOST, False, Action.SETTLE),
    ],
)
def test_first_attempt(outcome, resend_safe, action):
    assert step(outcome, resend_safe=resend_safe).action is action


def test_retries_end_at_max_retries():
    assert step(Outcome(status=503), attempt=1).action is Action.RETRY
    assert step(Outcome(status=503), attempt=2).action is Action.FAIL
    assert step(LOST, attempt=2).action is Action.FAIL


def test_one_renewal_per_call():
    assert step(Outcome(status=401), renewals=1).action is Action.FAIL


def test_token_endpoint_never_renews_and_hands_back_final_answers():
    assert step(Outcome(status=401), token_endpoint=True).action is Action.DONE
    assert step(Outcome(status=503), attempt=2, token_endpoint=True).action is Action.DONE
    assert step(Outcome(status=503), token_endpoint=True).action is Action.RETRY


def test_retry_waits_follow_retry_after():
    decision = step(Outcome(status=429, headers={"Retry-After": "3"}))
    assert 3 <= decision.wait <= 3.1


def test_failures_say_what_happened():
    settle = step(LOST, resend_safe=False)
    error = failure(settle, LOST, method="POST", path="/objects/x/y", attempts=1)
    assert isinstance(error, IntacctAmbiguousWriteError) and "ReadTimeout" in str(error)
    gateway = failure(step(Outcome(status=504), resend_safe=False), Outcome(status=504), method="POST", path="/p",
                      attempts=1)  # fmt: skip
    assert isinstance(gateway, IntacctAmbiguousWriteError) and gateway.status == 504
    spent = failure(step(LOST, attempt=2), LOST, method="GET", path="/p", attempts=3)
    assert isinstance(spent, IntacctTransportError) and "3 attempts" in str(spent)
    for status, cls in ((401, IntacctAuthError), (404, IntacctNotFoundError), (503, IntacctServerError)):
        outcome = Outcome(status=status, text="{}")
        assert isinstance(
            failure(step(outcome, attempt=2, renewals=1), outcome, method="GET", path="/p", attempts=3), cls
        )

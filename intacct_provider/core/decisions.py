"""What to do after one attempt of an API call, and how long to wait first.

The sync hook (``requests``) and the async client (``httpx``) each describe an
attempt as an :class:`Outcome` and act on the :class:`Decision` returned by
:func:`decide`; they share every rule, so they cannot drift apart:

* **Retry** what can succeed later and is safe to send again: 429 (the server
  provably did nothing), 502/503/504 and lost answers for reads, connections that
  were never made for everything.
* **Renew** the token once per call on 401 (or the 400 "Invalid token" some
  tenants send); a second refusal in the same call is an auth error.
* **Settle** a write whose answer was lost or cut short: it may or may not have
  happened, so it is never re-sent blindly (the create settlement looks it up).
* **Fail** on everything else, at once.
"""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intacct_provider.core.backoff import RETRYABLE_STATUSES, backoff
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctError,
    IntacctTransportError,
    error_from_response,
)

log = logging.getLogger(__name__)

#: Token renewals one call may make. One: a token refused twice in a row is not a stale token.
MAX_RENEWALS = 1


class Action(enum.Enum):
    DONE = "done"
    RETRY = "retry"
    RENEW = "renew"
    SETTLE = "settle"
    FAIL = "fail"


class Transport(enum.Enum):
    """How an attempt failed before a complete answer arrived."""

    #: The connection was never established (refused, DNS, connect timeout): nothing was sent.
    NEVER_SENT = "never sent"
    #: The request may have reached the server, and the answer was lost, timed out or cut short.
    LOST = "lost"


@dataclass(frozen=True)
class Request:
    """One API call as both loops send it.

    ``resend_safe=False`` (creates) re-sends only when the server provably did not act.
    ``authorize=False`` (the token endpoint) sends no bearer token, never renews and
    hands back the final answer whatever its status, for the token state to read.
    """

    method: str
    path: str
    json_body: Any = None
    form: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    resend_safe: bool = True
    authorize: bool = True

    def json_bytes(self) -> bytes | None:
        """The JSON body as sent, a ``Decimal`` (a number custom field) as its exact number; None without one."""
        if self.json_body is None:
            return None
        from intacct_provider.core.exact_json import dumps

        return dumps(self.json_body).encode()


@dataclass(frozen=True)
class Outcome:
    """One attempt as the loop saw it: an HTTP answer, or a transport failure."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    text: str = ""
    transport: Transport | None = None
    #: Exception name of a transport failure, for messages (``ReadTimeout``, ``ChunkedEncodingError``).
    reason: str = ""

    @property
    def said(self) -> str:
        """What happened, for a log line (``HTTP 503``, ``ReadTimeout``)."""
        return self.reason if self.transport is not None else f"HTTP {self.status}"

    @property
    def invalid_token(self) -> bool:
        """401, or the 400 "Invalid token" some tenants send instead."""
        if self.status == 401:
            return True
        if self.status != 400:
            return False
        lowered = self.text.lower()
        return "invalid token" in lowered or "token is not valid" in lowered


@dataclass(frozen=True)
class Decision:
    action: Action
    #: Seconds to sleep before the next attempt (``RETRY`` only).
    wait: float = 0.0


DONE = Decision(Action.DONE)
RENEW = Decision(Action.RENEW)
SETTLE = Decision(Action.SETTLE)
FAIL = Decision(Action.FAIL)


def decide(
    outcome: Outcome,
    *,
    attempt: int,
    renewals: int,
    max_retries: int,
    resend_safe: bool,
    token_endpoint: bool = False,
    rng: random.Random | None = None,
) -> Decision:
    """The next step after ``outcome``, the ``attempt``-th try (0-based) of a call.

    ``resend_safe`` is false for creates: only answers proving the server did not act
    (a connection never made, a 429) may be re-sent; any other lost answer is settled.
    At the ``token_endpoint`` nothing is renewed and any final HTTP answer is ``DONE``:
    :class:`~intacct_provider.core.tokens.TokenState` reads refusals itself.
    """
    can_retry = attempt < max_retries
    if outcome.transport is Transport.NEVER_SENT:
        return Decision(Action.RETRY, backoff(attempt, rng=rng)) if can_retry else FAIL
    if outcome.transport is Transport.LOST:
        if not resend_safe:
            return SETTLE
        return Decision(Action.RETRY, backoff(attempt, rng=rng)) if can_retry else FAIL
    status = outcome.status or 0
    if not token_endpoint and outcome.invalid_token:
        return RENEW if renewals < MAX_RENEWALS else FAIL
    if status in RETRYABLE_STATUSES:
        if not resend_safe and status != 429:
            return SETTLE
        if can_retry:
            return Decision(Action.RETRY, backoff(attempt, outcome.headers, rng=rng))
        return DONE if token_endpoint else FAIL
    return DONE if 200 <= status < 300 or token_endpoint else FAIL


def failure(decision: Decision, outcome: Outcome, *, method: str, path: str, attempts: int) -> IntacctError:
    """The error a loop raises for a ``FAIL`` or ``SETTLE`` decision (Intacct's own words when it sent any)."""
    if decision.action is Action.SETTLE:
        what = (
            f"Intacct's gateway answered HTTP {outcome.status} to this {method}"
            if outcome.status is not None
            else f"the answer to this {method} was lost ({outcome.reason})"
        )
        return IntacctAmbiguousWriteError(
            f"{what}; the record may or may not have been created", status=outcome.status, method=method, path=path
        )
    if outcome.transport is not None:
        return IntacctTransportError(
            f"no answer from Intacct after {attempts} attempt{'s' if attempts > 1 else ''} ({outcome.reason})",
            method=method,
            path=path,
        )
    return error_from_response(outcome.status or 0, outcome.text, method=method, path=path)


class Call:
    """One call across its attempts: counts retries and renewals, raises when it must end.

    Both loops are ``call = Call(request, max_retries)`` then, per attempt,
    ``decision = call.record(outcome)``: ``DONE`` (hand back the answer), ``RENEW`` (drop the
    token) or ``RETRY`` (sleep ``decision.wait``); a failure or a write to settle is raised here.
    """

    def __init__(self, request: Request, max_retries: int, rng: random.Random | None = None) -> None:
        self.request = request
        self.max_retries = max_retries
        self.attempt = 0
        self.renewals = 0
        self.rng = rng

    def record(self, outcome: Outcome) -> Decision:
        request = self.request
        decision = decide(
            outcome, attempt=self.attempt, renewals=self.renewals, max_retries=self.max_retries,
            resend_safe=request.resend_safe, token_endpoint=not request.authorize, rng=self.rng,
        )  # fmt: skip
        if decision.action is Action.RENEW:
            self.renewals += 1
        elif decision.action is Action.RETRY:
            self.attempt += 1
            log.warning(
                "Intacct %s %s: %s; retrying in %.1fs", request.method, request.path, outcome.said, decision.wait
            )
        elif decision.action is not Action.DONE:
            raise failure(decision, outcome, method=request.method, path=request.path, attempts=self.attempt + 1)
        return decision

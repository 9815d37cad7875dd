"""transport: the overall request deadline (timeouts within it, the watchdog that enforces it)."""

from __future__ import annotations

import socket

from intacct_provider.core.connection import CONNECT_TIMEOUT, ConnectionSettings, Secret
from intacct_provider.hooks.transport import _Watchdog, timeouts


def settings(**changes):
    base = dict(
        conn_id="c", base_url="https://x", client_id="id", client_secret=Secret("s"), company_id="C", user_id="U"
    )
    return ConnectionSettings(**{**base, **changes})


def test_timeouts_never_exceed_the_overall_deadline():
    assert timeouts(settings(timeout=60)) == (CONNECT_TIMEOUT, 60)  # deadline 180 s: both fit
    assert timeouts(settings(timeout=1)) == (3, 1)  # deadline 3 s: connecting may not take 10 s
    assert timeouts(settings(timeout=30, request_deadline=30)) == (CONNECT_TIMEOUT, 30)


def test_watchdog_cuts_the_watched_socket_at_the_deadline():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        watchdog = _Watchdog(0.05)
        watchdog.watch(ours)
        assert ours.recv(1) == b""  # blocks until the watchdog shuts the socket down
        assert watchdog.finish() is True


def test_watchdog_finished_in_time_leaves_the_socket_alone():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        watchdog = _Watchdog(30)
        watchdog.watch(ours)
        assert watchdog.finish() is False
        theirs.sendall(b"x")
        assert ours.recv(1) == b"x"


def test_a_socket_learnt_after_the_deadline_is_cut_at_once():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        watchdog = _Watchdog(0)
        watchdog._timer.join()  # the deadline has passed before the socket is known
        watchdog.watch(ours)
        assert ours.recv(1) == b""
        assert watchdog.finish() is True

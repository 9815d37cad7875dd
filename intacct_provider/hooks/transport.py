"""The synchronous I/O loop around :mod:`intacct_provider.core`: ``requests``, threads, sleeps.

Everything this module decides is decided by :func:`~intacct_provider.core.decisions.decide`;
what is left is moving bytes: one pooled ``requests.Session`` per hook, a token cache
shared by the hook's paging threads (one lock), a shared back-off after a 429 (one 429
slows every thread of the hook), and an overall deadline per request (connect + headers
+ body: a server dripping a body byte by byte cannot hold a worker past it).
The async twin is :mod:`intacct_provider.hooks.async_client`; one parametrized test
drives both with the same script of answers.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from intacct_provider import __version__
from intacct_provider.connection import CONNECT_TIMEOUT, ConnectionSettings
from intacct_provider.core.decisions import Action, Call, Outcome, Request, Transport
from intacct_provider.core.tokens import TokenState

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-sage-intacct/{__version__}"
ENTITY_HEADER = "X-IA-API-Param-Entity"


def request_deadline(settings: ConnectionSettings) -> float:
    """Seconds one request may take in all: connecting, then the answer's headers and body."""
    return CONNECT_TIMEOUT + settings.timeout


class SyncTransport:
    """Authenticated, retrying requests to one Intacct company (thread-safe)."""

    def __init__(self, settings: ConnectionSettings, mask: Callable[[str | None], None]) -> None:
        self.settings = settings
        self._mask = mask
        self._session: requests.Session | None = None
        self._tokens = TokenState(settings)
        self._auth_lock = threading.Lock()
        self._throttle_lock = threading.Lock()
        self._throttle_until = 0.0
        self.sleep: Callable[[float], None] = time.sleep

    def __repr__(self) -> str:
        return f"SyncTransport({self.settings.base_url!r}, {self._tokens!r})"

    def session(self) -> requests.Session:
        if self._session is None:
            import requests
            from requests.adapters import HTTPAdapter

            session = requests.Session()
            pool = max(4, self.settings.max_concurrency * 2)
            adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
            self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # ------------------------------------------------------------------- the loop
    def send(self, request: Request) -> requests.Response:
        """Send one call, attempt after attempt as :class:`Call` decides; return the final answer."""
        call = Call(request, self.settings.max_retries)
        while (response := self._attempt(call)) is None:
            pass
        return response

    def _attempt(self, call: Call) -> requests.Response | None:
        """One attempt; the answer when the call is done, else ``None`` once the next one is prepared."""
        self._wait_for_throttle()
        token = self._token() if call.request.authorize else None
        outcome, response = self._exchange(call.request, token)
        decision = call.record(outcome)
        if decision.action is Action.RENEW:
            self._invalidate(token)
        elif decision.action is Action.RETRY and outcome.status == 429:
            self._throttle(decision.wait)  # every thread of this hook waits it out, this one included
        elif decision.action is Action.RETRY:
            self.sleep(decision.wait)
        return response if decision.action is Action.DONE else None

    def _exchange(self, request: Request, token: str | None) -> tuple[Outcome, requests.Response | None]:
        """Send the bytes; describe what came back (or did not) as an :class:`Outcome`."""
        import requests

        deadline = time.monotonic() + request_deadline(self.settings)
        try:
            response = self.session().request(
                request.method, self.settings.base_url + request.path, json=request.json_body, data=request.form,
                headers=request_headers(self.settings, token, request.headers),
                timeout=(CONNECT_TIMEOUT, self.settings.timeout), allow_redirects=False, stream=True,
            )  # fmt: skip
            _read_body(response, deadline)
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:  # fmt: skip
            late = time.monotonic() >= deadline
            kind = Transport.NEVER_SENT if _never_sent(exc) else Transport.LOST
            reason = f"no complete answer within {request_deadline(self.settings):.0f}s" if late else type(exc).__name__
            return Outcome(transport=kind, reason=reason), None
        return Outcome(status=response.status_code, headers=response.headers, text=response.text), response

    # ----------------------------------------------------------------- the token
    def _token(self) -> str:
        with self._auth_lock:
            return self._tokens.current(time.monotonic()) or self._fetch_token()

    def _fetch_token(self) -> str:
        answer = self.send(self._tokens.request())
        token = self._tokens.receive(answer.status_code, answer.text, time.monotonic()) or self._fetch_token()
        for secret in self._tokens.secrets():
            self._mask(secret)
        return token

    def _invalidate(self, used: str | None) -> None:
        with self._auth_lock:
            if used:
                self._tokens.invalidate(used)

    # ------------------------------------------------------------------ throttle
    def _wait_for_throttle(self) -> None:
        with self._throttle_lock:
            wait = self._throttle_until - time.monotonic()
        if wait > 0:
            self.sleep(wait)

    def _throttle(self, seconds: float) -> None:
        with self._throttle_lock:
            self._throttle_until = max(self._throttle_until, time.monotonic() + seconds)


def request_headers(settings: ConnectionSettings, token: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
    """Headers of one attempt: the bearer token and entity (API calls only), then the caller's."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if settings.entity_id and token:
        headers[ENTITY_HEADER] = settings.entity_id
    headers.update(extra or {})
    return headers


def _read_body(response: requests.Response, deadline: float) -> None:
    """Read the whole body before ``deadline``, or cut the connection so the read fails."""
    remaining = deadline - time.monotonic()
    connection = getattr(response.raw, "connection", None) or getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    watchdog = threading.Timer(max(remaining, 0.0), _cut, (sock,)) if sock is not None else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    try:
        response.content  # noqa: B018 - reads and keeps the body
    finally:
        if watchdog is not None:
            watchdog.cancel()


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to cut
        sock.shutdown(socket.SHUT_RDWR)


def _never_sent(exc: Exception) -> bool:
    """True when the TCP connection was never established, so the request never left."""
    import requests

    if isinstance(exc, requests.ConnectTimeout):
        return True
    text = repr(exc)
    return any(marker in text for marker in ("NewConnectionError", "Connection refused", "NameResolutionError"))

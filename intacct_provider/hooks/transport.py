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
from typing import TYPE_CHECKING, Any

from intacct_provider import __version__
from intacct_provider.connection import CONNECT_TIMEOUT, ConnectionSettings
from intacct_provider.core.decisions import Action, Outcome, Transport, decide, failure
from intacct_provider.core.tokens import TokenState
from intacct_provider.exceptions import IntacctAuthError
from intacct_provider.oauth import TOKEN_PATH

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
    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        resend_safe: bool = True,
        authorize: bool = True,
    ) -> requests.Response:
        """Send one call, acting on each attempt as ``decide`` says; return the 2xx response.

        ``authorize=False`` (the token endpoint) sends no bearer token, never renews and
        returns the final answer whatever its status, for :class:`TokenState` to read.
        """
        attempt = renewals = 0
        while True:
            self._wait_for_throttle()
            token = self._token() if authorize else None
            outcome, response = self._attempt(
                method, path, json_body, form, request_headers(self.settings, token, headers)
            )
            decision = decide(
                outcome, attempt=attempt, renewals=renewals, max_retries=self.settings.max_retries,
                resend_safe=resend_safe, token_endpoint=not authorize,
            )  # fmt: skip
            if decision.action is Action.DONE and response is not None:
                return response
            if decision.action is Action.RENEW:
                renewals += 1
                self._invalidate(token)
                continue
            if decision.action is not Action.RETRY:
                raise failure(decision, outcome, method=method, path=path, attempts=attempt + 1)
            if outcome.status == 429:
                self._throttle(decision.wait)
            log.warning("Intacct %s %s: %s; retrying in %.1fs", method, path, outcome.said, decision.wait)
            self.sleep(decision.wait)
            attempt += 1

    # ----------------------------------------------------------------- one attempt
    def _attempt(
        self, method: str, path: str, json_body: Any, form: Mapping[str, str] | None, headers: dict[str, str]
    ) -> tuple[Outcome, requests.Response | None]:
        import requests

        deadline = time.monotonic() + request_deadline(self.settings)
        try:
            response = self.session().request(
                method, self.settings.base_url + path, json=json_body, data=form, headers=headers,
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
        while True:
            answer = self.send("POST", TOKEN_PATH, form=self._tokens.form(), authorize=False)
            try:
                token = self._tokens.accept(answer.status_code, answer.text, time.monotonic())
            except IntacctAuthError:
                if not self._tokens.fall_back():
                    raise
                log.warning("Intacct refused the refresh token; authenticating with the client credentials instead")
                continue
            self._mask(token)
            self._mask(self._tokens.refresh_token)
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

"""The synchronous I/O loop around :mod:`intacct_provider.core`: ``requests``, threads, sleeps.

Everything this module decides is decided by :func:`~intacct_provider.core.decisions.decide`;
what is left is moving bytes: one pooled ``requests.Session`` per hook, a token cache
shared by the hook's paging threads (one lock), a shared back-off after a 429 (one 429
slows every thread of the hook), and an overall deadline per request (connect + headers
+ body, the connection's ``deadline``): a watchdog shuts the request's socket down when it
passes, so a server dripping its headers or body byte by byte cannot hold a worker, and
the cut answer is a lost one (retried, or settled for a create) naming the deadline.
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
from intacct_provider.core.connection import CONNECT_TIMEOUT, ConnectionSettings
from intacct_provider.core.decisions import Action, Call, Outcome, Request, Transport
from intacct_provider.core.tokens import TokenState
from intacct_provider.hooks.pacing import Pacer

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-sage-intacct/{__version__}"
ENTITY_HEADER = "X-IA-API-Param-Entity"


def timeouts(settings: ConnectionSettings) -> tuple[float, float]:
    """``(connect, read)`` timeouts of one attempt, neither longer than the overall deadline."""
    return min(CONNECT_TIMEOUT, settings.deadline), min(settings.timeout, settings.deadline)


class SyncTransport:
    """Authenticated, retrying requests to one Intacct company (thread-safe)."""

    def __init__(self, settings: ConnectionSettings, mask: Callable[[str | None], None]) -> None:
        self.settings = settings
        self._mask = mask
        self._session: requests.Session | None = None
        self._tokens = TokenState(settings)
        self._auth_lock = threading.Lock()
        self._pacer = Pacer()  # one 429 holds back every thread of this hook
        self._count_lock = threading.Lock()
        self.sleep: Callable[[float], None] = time.sleep
        #: Attempts repeated so far (429, 5xx, dropped connections), for the progress lines' summary.
        self.retries = 0

    def __repr__(self) -> str:
        return f"SyncTransport({self.settings.base_url!r}, {self._tokens!r})"

    def session(self) -> requests.Session:
        if self._session is None:
            import requests
            from requests.adapters import HTTPAdapter

            session = requests.Session()
            pool = max(4, self.settings.max_concurrency * 2)
            adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=0)
            _watch_connections(adapter)
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
        self._pacer.wait(self.sleep)
        token = self._token() if call.request.authorize else None
        outcome, response = self._exchange(call.request, token)
        decision = call.record(outcome)
        if decision.action is Action.RETRY:
            with self._count_lock:
                self.retries += 1
        if decision.action is Action.RENEW:
            self._invalidate(token)
        elif decision.action is Action.RETRY and outcome.status == 429:
            self._pacer.pause(decision.wait)  # every thread of this hook waits it out, this one included
        elif decision.action is Action.RETRY:
            self.sleep(decision.wait)
        return response if decision.action is Action.DONE else None

    def _exchange(self, request: Request, token: str | None) -> tuple[Outcome, requests.Response | None]:
        """Send the bytes; describe what came back (or did not) as an :class:`Outcome`."""
        import requests

        watchdog = _Watchdog(self.settings.deadline)
        try:
            response = self.session().request(
                request.method, self.settings.base_url + request.path, data=request.json_bytes() or request.form,
                headers=request_headers(self.settings, token, request.headers, json=request.json_body is not None),
                timeout=timeouts(self.settings), allow_redirects=False, stream=True,
            )  # fmt: skip
            response.content  # noqa: B018 - reads and keeps the whole body, still under the watchdog
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:  # fmt: skip
            if watchdog.finish():
                return self._late(), None
            return Outcome(transport=Transport.NEVER_SENT if _never_sent(exc) else Transport.LOST,
                           reason=type(exc).__name__), None  # fmt: skip
        finally:
            watchdog.finish()
        if watchdog.expired:  # cut while the headers were read: what was parsed is not an answer
            return self._late(), None
        return Outcome(status=response.status_code, headers=response.headers, text=response.text), response

    def _late(self) -> Outcome:
        """The outcome of an attempt the watchdog cut: a lost answer, naming the deadline."""
        return Outcome(
            transport=Transport.LOST,
            reason=f"no complete answer within the {self.settings.deadline:g}s request deadline",
        )

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


def request_headers(
    settings: ConnectionSettings, token: str | None, extra: Mapping[str, str] | None, *, json: bool = False
) -> dict[str, str]:
    """Headers of one attempt: the bearer token and entity (API calls only), the JSON type, then the caller's."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if json:
        headers["Content-Type"] = "application/json"
    if settings.entity_id and token:
        headers[ENTITY_HEADER] = settings.entity_id
    headers.update(extra or {})
    return headers


class _Watchdog:
    """Shuts the socket of this thread's request down once ``seconds`` have passed.

    The socket is learnt from the connection the request goes out on (``_watch_connections``:
    a new connection reports its socket once connected, a kept-alive one when it is reused),
    so connecting, the status line, the headers and the body all count against one deadline.
    """

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._done = False
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        _current.watchdog = self
        self._timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sock = sock
            expired = self.expired
        if expired:
            _cut(sock)

    def finish(self) -> bool:
        """Stop watching (idempotent); whether the deadline had already passed."""
        with self._lock:
            self._done = True
        self._timer.cancel()
        if getattr(_current, "watchdog", None) is self:
            _current.watchdog = None
        return self.expired

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            sock = self._sock
        if sock is not None:
            _cut(sock)


_current = threading.local()


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to cut
        sock.shutdown(socket.SHUT_RDWR)


def _watch_connections(adapter: Any) -> None:
    """Make ``adapter``'s connections report their socket to their thread's :class:`_Watchdog`."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def report(connection: Any) -> None:
        watchdog = getattr(_current, "watchdog", None)
        if watchdog is not None:
            watchdog.watch(getattr(connection, "sock", None))

    def watched(base: type[HTTPConnection]) -> type[HTTPConnection]:
        def connect(self: Any) -> None:
            base.connect(self)
            report(self)

        def request(self: Any, *args: Any, **kwargs: Any) -> Any:
            report(self)  # a kept-alive connection: its socket is already open
            return base.request(self, *args, **kwargs)

        return type(f"Watched{base.__name__}", (base,), {"connect": connect, "request": request})

    http = type("WatchedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": watched(HTTPConnection)})
    https = type("WatchedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": watched(HTTPSConnection)})
    pools = {"http": http, "https": https}
    adapter.poolmanager.pool_classes_by_scheme = pools
    proxy_manager_for = adapter.proxy_manager_for

    def watched_proxy_manager_for(proxy: str, **kwargs: Any) -> Any:  # a proxy (HTTPS_PROXY) is watched too
        manager = proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = pools
        return manager

    adapter.proxy_manager_for = watched_proxy_manager_for


def _never_sent(exc: Exception) -> bool:
    """True when the TCP connection was never established, so the request never left."""
    import requests

    if isinstance(exc, requests.ConnectTimeout):
        return True
    text = repr(exc)
    return any(marker in text for marker in ("NewConnectionError", "Connection refused", "NameResolutionError"))

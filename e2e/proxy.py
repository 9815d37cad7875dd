"""A loopback proxy in front of the sandbox: holds a committed answer, or plays an outage for some requests.

The sandbox's own latency fault sleeps *before* it handles a request, so a worker killed during
that sleep dies before anything exists.  The dangerous moment for a retry is the other one: the
bill is in Intacct, the answer (with its key) is on its way, and the worker dies before it reads
it.  This proxy forwards every request as is and, when armed, holds the answer of the next
matching request after the sandbox has committed it, until it is released or its hold expires.

It can also answer chosen requests (method, path and a text their body contains, e.g. only the
sensor's "is it paid?" queries) with a gateway 503 until the outage is lifted, while every other
request goes through: that keeps a deferred sensor waiting, whatever else the DAG does meanwhile.
"""

from __future__ import annotations

import http.client
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# Hop-by-hop headers are the proxy's own business; the rest go through untouched.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


@dataclass
class Hold:
    """One armed hold: the request it matches and what happened to it."""

    method: str
    path: re.Pattern[str]
    max_hold_s: float
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    status: int | None = None
    body: bytes = b""


@dataclass
class Outage:
    """Requests matching it are answered 503 (not forwarded) until ``lift()``."""

    method: str
    path: re.Pattern[str]
    body_contains: bytes
    hits: int = 0
    lifted: threading.Event = field(default_factory=threading.Event)

    def matches(self, method: str, path: str, body: bytes | None) -> bool:
        return (
            not self.lifted.is_set()
            and self.method == method
            and bool(self.path.search(path))
            and self.body_contains in (body or b"")
        )

    def lift(self) -> None:
        self.lifted.set()


_OUTAGE_PAGE = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"


class HoldingProxy:
    """Forwards ``http://127.0.0.1:<port>/...`` to ``target`` (one sandbox), one thread per request."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target_host = parts.hostname or "127.0.0.1"
        self.target_port = parts.port or 80
        self._hold: Hold | None = None
        self._outage: Outage | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="holding-proxy", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url_for(self, target_url: str) -> str:
        """``target_url`` (a sandbox URL) rewritten to go through this proxy."""
        parts = urlsplit(target_url)
        return parts._replace(netloc=f"127.0.0.1:{self.port}").geturl()

    def start(self) -> HoldingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._hold is not None:
            self._hold.release.set()
        if self._outage is not None:
            self._outage.lift()
        self._server.shutdown()
        self._server.server_close()

    def arm(self, method: str, path_regex: str, max_hold_s: float) -> Hold:
        """Hold the answer of the next ``method`` request whose path matches ``path_regex``."""
        hold = Hold(method.upper(), re.compile(path_regex), max_hold_s)
        with self._lock:
            self._hold = hold
        return hold

    def outage(self, method: str, path_regex: str, body_contains: str) -> Outage:
        """Answer matching requests with 503 (``Retry-After: 1``) until the returned outage is lifted."""
        outage = Outage(method.upper(), re.compile(path_regex), body_contains.encode())
        with self._lock:
            self._outage = outage
        return outage

    def _in_outage(self, method: str, path: str, body: bytes | None) -> bool:
        with self._lock:
            outage = self._outage
            if outage is not None and outage.matches(method, path, body):
                outage.hits += 1
                return True
        return False

    def _take(self, method: str, path: str) -> Hold | None:
        with self._lock:
            hold = self._hold
            if hold is not None and hold.method == method and hold.path.search(path):
                self._hold = None
                return hold
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: nothing to multiplex

            def log_message(self, format: str, *args: Any) -> None:  # quiet; the sandbox logs requests
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
                if proxy._in_outage(self.command, self.path, body):
                    self.send_response(503)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(_OUTAGE_PAGE)))
                    self.end_headers()
                    self.wfile.write(_OUTAGE_PAGE)
                    return
                upstream = http.client.HTTPConnection(proxy.target_host, proxy.target_port, timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                    status, reason = answer.status, answer.reason
                    answer_headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
                finally:
                    upstream.close()
                hold = proxy._take(self.command, self.path)
                if hold is not None:
                    hold.status, hold.body = status, payload
                    hold.held.set()
                    hold.release.wait(hold.max_hold_s)
                try:
                    self.send_response(status, reason)
                    for name, value in answer_headers:
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client died while its answer was held: exactly the case under test

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

        return Handler

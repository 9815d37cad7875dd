"""HTTP transport: keep-alive server, throttling, latency, faults and the request log.

Built on ``http.server`` rather than an ASGI stack because the faults need the raw socket: a
"reset" closes it with RST before answering, "commit then drop" performs the write and then
closes without a response -- the ambiguous create that retry-safe clients must survive -- and
"commit late" closes without a response and performs the write when a later request arrives.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .admin import Admin
from .api import Api
from .errors import ApiError, detail
from .faults import Fault, html_page
from .messages import ApiRequest, ApiResponse, error_response
from .requestlog import new_entry
from .state import SandboxState

API_PREFIX = "/ia/api/v1"


class SandboxHTTPServer(ThreadingHTTPServer):
    """One company's server; tracks open connections so ``close`` can end idle keep-alives."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        self.state = state
        self.api = Api(state)
        self.admin = Admin(state)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        state.set_web_origin(f"http://{host.decode() if isinstance(host, bytes) else host}:{port}")

    def close(self) -> None:
        """Stop serving and drop every open connection (idle keep-alives would linger otherwise)."""
        self.shutdown()
        with self.connections_lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer are normal here (faults, timeouts); anything else is a bug."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record; stderr noise would drown test output."""

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        if not url.path.startswith(API_PREFIX + "/"):
            self._send(error_response(ApiError(404, f"No resource at {url.path}"), "nested"))
            return
        path = url.path[len(API_PREFIX) :]
        if path.startswith("/sandbox/"):
            self._send(self.server.admin.handle(self.command, path, body))
            return
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        self._serve_api(ApiRequest(self.command, path, query, self.headers, body))

    def _serve_api(self, request: ApiRequest) -> None:
        state = self.server.state
        entry = new_entry(request)
        state.log(entry)
        if not state.admit():
            entry["status"] = 429
            error = ApiError(429, "Too many concurrent requests for this company; retry later")
            self._send(error_response(error, state.settings.error_envelope, {"Retry-After": "1"}))
            return
        try:
            with state.lock:
                late = state.faults.due(request.method, request.path)
                extra_latency, fault = state.faults.take(request.method, request.path)
                if fault is not None and fault.kind == "commit_late":
                    state.faults.hold(fault, request, request.headers.get("Idempotency-Key"))
                delay_ms = state.settings.latency_ms + extra_latency
                envelope = state.settings.error_envelope
            for held in late:  # a commit_late request the server gets to only now, before this one
                self.server.api.handle(held)
            if delay_ms:
                time.sleep(delay_ms / 1000)
            entry["fault"] = fault.kind if fault else None
            response = self._respond(request, fault, envelope)
        finally:
            state.release()
        if response is not None:
            entry["status"] = response.status
            self._send(response)

    def _respond(self, request: ApiRequest, fault: Fault | None, envelope: str) -> ApiResponse | None:
        """The answer, after applying ``fault``; None when the connection was dropped instead."""
        if fault is None:
            return self._process(request, envelope)
        if fault.kind == "reset":
            self._drop(reset=True)
            return None
        if fault.kind == "commit_late":  # held by the fault book: performed when a later request is due
            self._drop(reset=False)
            return None
        if fault.kind == "commit_then_drop":
            self._process(request, envelope)
            self._drop(reset=False)
            return None
        if fault.kind == "commit_then_status":
            self._process(request, envelope)
            return _status_response(fault, envelope)
        if fault.kind == "item_status":
            request.item_fault = fault
            return self._process(request, envelope)
        if fault.kind == "expire_token":
            _, _, token = (request.headers.get("Authorization") or "").partition(" ")
            with self.server.state.lock:
                self.server.state.auth.revoke(token.strip())
            return self._process(request, envelope)
        return _status_response(fault, envelope)

    def _process(self, request: ApiRequest, envelope: str) -> ApiResponse:
        """The API's answer, unless the request reuses the Idempotency-Key of a request still being processed."""
        state = self.server.state
        with state.lock:
            busy = state.faults.holds_key(request.headers.get("Idempotency-Key"))
        if busy:
            message = "A request with the same idempotency key is still being processed"
            error = ApiError(409, message, [detail("duplicateIdempotencyKey", message, "Idempotency-Key")])
            return error_response(error, envelope)
        return self.server.api.handle(request)

    def _drop(self, reset: bool) -> None:
        """Close the socket without answering: RST for a reset, FIN for a dropped answer."""
        self.close_connection = True
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the file holds a reference that would keep the socket open
        self.connection.close()

    def _send(self, response: ApiResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != HTTPStatus.NO_CONTENT:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)


def _status_response(fault: Fault, envelope: str) -> ApiResponse:
    status = HTTPStatus(fault.status or 500)
    headers = {fault.retry_header: fault.retry_after} if fault.retry_after is not None else {}
    if fault.html:
        return ApiResponse(status, html_page(status, status.phrase), "text/html; charset=utf-8", headers)
    return error_response(ApiError(status, f"{status.phrase} (injected by the sandbox)"), envelope, headers)

"""A loopback HTTP server that plays a script of answers, one per request, and records requests.

Odd answers (a dropped connection, a body cut short, any status and headers) come from
here, not from mocks: the hook and the async client meet them over real sockets.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

#: Script steps that are not HTTP answers.
DROP = "drop"  # read the request, close without a byte of answer
CUT = "cut"  # a 200 whose body stops halfway (Content-Length promises more)


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON-encoded unless bytes/str
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return b"" if self.body is None else json.dumps(self.body).encode()


class ScriptedServer:
    """``with ScriptedServer() as server: server.play([...]); ... server.requests``."""

    def __init__(self) -> None:
        self.script: list[Answer | str] = []
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with owner._lock:
                    owner.requests.append(_request(self.command, self.path, dict(self.headers), raw))
                    step = owner.script.pop(0) if owner.script else Answer(500, {"error": "script exhausted"})
                if step == DROP:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if step == CUT:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "400")
                    self.end_headers()
                    self.wfile.write(b'{"ia::result": {"key": "1"')
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                assert isinstance(step, Answer)
                body = step.encoded()
                self.send_response_only(step.status)  # no automatic Date: a script may set its own
                self.send_header("Content-Type", "application/json")
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/ia/api/v1"

    def play(self, steps: list[Answer | str]) -> None:
        with self._lock:
            self.script = list(steps)
            self.requests.clear()

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def _request(method: str, path: str, headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    text = raw.decode(errors="replace")
    body: Any
    if headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        body = dict(parse_qsl(text))
    else:
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
    return {"method": method, "path": path, "headers": headers, "body": body, "raw": raw}


def token(expires_in: Any = 3600, access_token: Any = "tok-1", **extra: Any) -> Answer:  # noqa: S107
    """A token endpoint answer."""
    body = {"token_type": "Bearer", **extra}
    if access_token is not None:
        body["access_token"] = access_token
    if expires_in is not None:
        body["expires_in"] = expires_in
    return Answer(200, body)


def rows(*keys: str, total: int | None = None, next_start: int | None = None) -> Answer:
    """A query page of rows ``{"key": k}``."""
    result = [{"key": k} for k in keys]
    meta = {"totalCount": len(keys) if total is None else total, "start": 1, "pageSize": len(keys), "next": next_start}
    return Answer(200, {"ia::result": result, "ia::meta": meta})

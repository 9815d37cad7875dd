"""A loopback HTTP server that answers exactly the bytes a test scripts.

The sandbox answers like Intacct; this one answers like a broken gateway, a lying
proxy or a truncated network: any status, any headers, any body, a body cut short
(by ``Content-Length`` or mid-chunk), a slow drip, or a connection dropped before
any answer. Each connection carries one request and is closed after its answer,
so what a test scripts is exactly what the client reads.

Routes are matched by the end of the request path (``/oauth2/token``,
``/services/core/query``, ``/objects/accounts-payable/bill``, which also serves
``/objects/accounts-payable/bill/<key>``). Each route
holds a queue of replies (the last one repeats) or a function of the request.
The token route answers a fresh distinctive token by default.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TOKEN_PATH = "/oauth2/token"
QUERY_PATH = "/services/core/query"


@dataclass
class Request:
    """One request as it arrived."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Reply:
    """What to send back. ``body`` may be bytes, text, or a JSON-able value.

    ``cut`` sends only that many body bytes (with the full ``Content-Length``, or as a
    chunk that never ends when ``chunked``) and closes; ``drop`` closes without any
    answer; ``drip`` sends the body (or ``raw``) one byte at a time, waiting that many
    seconds between bytes; ``raw`` sends exactly those bytes and nothing else.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    cut: int | None = None
    chunked: bool = False
    drop: bool = False
    drip: float = 0.0
    raw: bytes | None = None

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Responder = Callable[[Request], Reply]
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


class HostileServer:
    """Scripted answers on 127.0.0.1 and a record of every request."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[str, list[Reply | Responder]] = {}
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/ia/api/v1"
        self.issued: list[str] = []
        self.on(TOKEN_PATH, self.token)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    # ----------------------------------------------------------- scripting
    def on(self, path: str, *replies: Reply | Responder) -> None:
        """Answer requests whose path ends with ``path`` with ``replies`` in order (the last repeats)."""
        with self._lock:
            self._routes[path] = list(replies)

    def token(self, request: Request, **fields: Any) -> Reply:
        """A well-formed token answer with a distinctive access token (recorded in ``issued``)."""
        access = f"hostile-access-{next(self._tokens):04d}-Vq8Lz3"
        self.issued.append(access)
        return Reply(body={"access_token": access, "token_type": "Bearer", "expires_in": 3600, **fields})

    def calls(self, path: str, method: str | None = None) -> list[Request]:
        """Requests whose path ends with ``path`` (and whose method is ``method``)."""
        return [r for r in self.requests if r.path.endswith(path) and (method is None or r.method == method)]

    @property
    def api_calls(self) -> list[Request]:
        """Every request except token requests."""
        return [r for r in self.requests if not r.path.endswith(TOKEN_PATH)]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    # -------------------------------------------------------------- serving
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            request = _read_request(conn)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
                queue = self._route(request.path)
                step = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else None
            reply = step(request) if callable(step) else step
            if reply is None:
                reply = Reply(404, {"ia::result": {"ia::error": {"code": "notFound", "message": "no route"}}})
            with contextlib.suppress(OSError):  # the client gave up first (a deadline): nothing left to answer
                self._send(conn, reply)

    def _route(self, path: str) -> list[Reply | Responder] | None:
        """The longest route that ``path`` ends with, or lies under (``/bill`` also serves ``/bill/5001``)."""
        matches = [route for route in self._routes if path.endswith(route) or f"{route}/" in path]
        return self._routes[max(matches, key=len)] if matches else None

    def _send(self, conn: socket.socket, reply: Reply) -> None:
        if reply.drop:
            return
        if reply.raw is not None:
            if reply.drip:
                self._drip(conn, reply.raw, reply.drip)
            else:
                conn.sendall(reply.raw)
            return
        body = reply.payload()
        headers = {"Content-Type": "application/json", "Connection": "close", **reply.headers}
        if reply.chunked:
            headers["Transfer-Encoding"] = "chunked"
        elif not any(k.lower() == "content-length" for k in headers):
            headers["Content-Length"] = str(len(body))
        head = f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        conn.sendall(head.encode("latin-1"))
        sent = body if reply.cut is None else body[: reply.cut]
        if reply.chunked:
            if reply.cut is None:
                conn.sendall(f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
            else:  # announce the whole chunk, send part of it, hang up
                conn.sendall(f"{len(body):x}\r\n".encode() + sent)
            return
        if reply.drip:
            self._drip(conn, sent, reply.drip)
            return
        conn.sendall(sent)

    def _drip(self, conn: socket.socket, data: bytes, pause: float) -> None:
        """Send ``data`` one byte at a time, ``pause`` seconds apart (until the server closes)."""
        for byte in data:
            if self._stop.wait(pause):
                return
            conn.sendall(bytes([byte]))


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    parts = urlsplit(target)
    return Request(method, parts.path, parts.query, headers, rest[:length])


# ------------------------------------------------------------ ready-made answers
def error_body(message: str, **error: Any) -> dict[str, Any]:
    """Intacct's nested error envelope."""
    return {"ia::result": {"ia::error": {"code": "invalidRequest", "message": message, **error}}}


def page(rows: list[Any], total: int | None = None, **meta: Any) -> dict[str, Any]:
    """A query page with ``ia::meta`` (``total`` defaults to the row count)."""
    return {"ia::result": rows, "ia::meta": {"totalCount": len(rows) if total is None else total, **meta}}


def refs(count: int, start: int = 1, **extra: Any) -> list[dict[str, Any]]:
    """``count`` distinct reference rows ``{"key", "id", "href"}``."""
    return [{"key": str(n), "id": f"R-{n}", "href": f"/objects/x/{n}", **extra} for n in range(start, start + count)]


def paged(rows: list[dict[str, Any]]) -> Responder:
    """Answer query requests honestly from ``rows``: ``start`` (1-based) and ``size`` of each body,
    with ``ia::meta.next`` / ``previous`` as Intacct gives them."""

    def answer(request: Request) -> Reply:
        body = request.json()
        start, size = body["start"], body["size"]
        meta = {"start": start, "pageSize": size}
        if start + size <= len(rows):
            meta["next"] = start + size
        if start > 1:
            meta["previous"] = max(1, start - size)
        return Reply(body=page(rows[start - 1 : start - 1 + size], total=len(rows), **meta))

    return answer


class RecordStore:
    """Just enough of an object store for creates: POST adds, GET reads, query filters by ``$eq``.

    It ignores ``Idempotency-Key`` on purpose (the server that does not honour it). Like
    Intacct, it stamps each record's ``audit.createdDateTime`` and dates its query answers
    (``Date``) on its own clock, which ``dated=False`` leaves out (no stamps, no ``Date``).
    """

    def __init__(self, object_path: str, *, dated: bool = True) -> None:
        self.object_path = object_path
        self.dated = dated
        self.records: dict[str, dict[str, Any]] = {}
        self.next_key = itertools.count(5001)

    def create(self, request: Request, *, created: datetime | None = None) -> dict[str, Any]:
        """Add the request's body as a record (stamped now, or at ``created``)."""
        return self.add(request.json(), created=created)

    def add(self, body: dict[str, Any], *, created: datetime | None = None) -> dict[str, Any]:
        key = str(next(self.next_key))
        record = {**body, "key": key, "id": body.get("id") or f"DOC-{key}", "href": self.href(key)}
        if self.dated:
            stamp = created or datetime.now(UTC)
            record["audit"] = {"createdDateTime": stamp.strftime("%Y-%m-%dT%H:%M:%SZ")}
        self.records[key] = record
        return {"ia::result": {"key": key, "id": record["id"], "href": record["href"]}}

    def href(self, key: str) -> str:
        return f"/objects/{self.object_path}/{key}"

    def handle(self, request: Request) -> Reply:
        """The object route: POST creates, GET reads by key."""
        if request.method == "POST":
            return Reply(201, self.create(request))
        return self.get(request)

    def get(self, request: Request) -> Reply:
        """GET by key, or a batch GET of ``k1,k2`` (the records in the order asked)."""
        keys = request.path.rsplit("/", 1)[-1].split(",")
        records = [self.records.get(key) for key in keys]
        if any(record is None for record in records):
            return Reply(404, error_body("no such record"))
        return Reply(body={"ia::result": records if len(keys) > 1 else records[0]})

    def query(self, request: Request) -> Reply:
        body = request.json()
        rows = [r for r in self.records.values() if all(_matches(r, f) for f in body.get("filters") or [])]
        fields = body.get("fields") or ["key", "id", "href"]
        flat = [{name: _dotted(row, name) for name in fields} for row in rows]
        date = {"Date": format_datetime(datetime.now(UTC), usegmt=True)} if self.dated else {}
        return Reply(body=page(flat[: body.get("size", 100)], total=len(flat)), headers=date)


def _matches(record: dict[str, Any], condition: dict[str, Any]) -> bool:
    ((operator, pair),) = condition.items()
    ((name, value),) = pair.items()
    have = _dotted(record, name)
    return operator == "$eq" and have is not None and str(have) == str(value)


def _dotted(record: Any, name: str) -> Any:
    for part in name.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(part)
    return record

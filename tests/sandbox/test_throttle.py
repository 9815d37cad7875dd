"""Throttling like a performance tier: over N requests in flight, 429 with Retry-After."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sandbox_helpers import VENDOR, Client

from intacct_provider.sandbox import IntacctSandbox


def _burst(sb: IntacctSandbox, clients: int, latency_ms: int) -> list[tuple[int, str | None]]:
    """``clients`` simultaneous requests, each held ``latency_ms`` inside the server."""
    sessions = [Client(sb) for _ in range(clients)]
    sb.set_latency(latency_ms)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        responses = list(pool.map(lambda c: c.get(f"/objects/{VENDOR}"), sessions))
    return [(r.status_code, r.headers.get("Retry-After")) for r in responses]


def test_latency_counts_toward_concurrency_via_the_constructor() -> None:
    with IntacctSandbox(max_concurrency=1, latency_ms=200) as sb:
        client = Client(sb)  # the token request itself is delayed but alone
        sb.set_latency(200)
        statuses = sorted(status for status, _ in _burst(sb, 2, 200))
        assert statuses == [200, 429]
        assert client.get(f"/objects/{VENDOR}").status_code == 200


def test_requests_beyond_max_concurrency_get_429() -> None:
    with IntacctSandbox(max_concurrency=2) as sb:
        results = _burst(sb, 6, 300)
    assert sorted(status for status, _ in results) == [200, 200, 429, 429, 429, 429]
    assert all(retry == "1" for status, retry in results if status == 429)


def test_within_the_limit_nothing_is_throttled(intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.max_concurrency = 4
    assert [status for status, _ in _burst(intacct_sandbox, 4, 100)] == [200] * 4


def test_throttled_requests_are_logged(intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.max_concurrency = 1
    _burst(intacct_sandbox, 3, 300)
    statuses = sorted(e["status"] for e in intacct_sandbox.requests if e["path"].startswith("/objects/"))
    assert statuses == [200, 429, 429]

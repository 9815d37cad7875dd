"""The sync hook's loop and the async client's loop behave identically: one script, both loops.

Each case is a script of answers played by a loopback server (real sockets: dropped
connections, bodies cut short, statuses and headers). The same script drives
``SyncTransport.send`` (requests) and ``IntacctAsyncClient.send`` (httpx); both must end
the same way (the same result or error class), send the same requests and ask for the
same sleeps. The sleeps are recorded, not slept, so nothing here is timed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from scripted_server import CUT, DROP, Answer, ScriptedServer, token

from intacct_provider.core.connection import ConnectionSettings
from intacct_provider.core.decisions import Request
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctAuthError,
    IntacctRequestError,
    IntacctServerError,
    IntacctTransportError,
)
from intacct_provider.hooks.async_client import IntacctAsyncClient
from intacct_provider.hooks.transport import SyncTransport

QUERY = "/services/core/query"
BILL = "/objects/accounts-payable/bill"
OK = Answer(200, {"ia::result": [], "ia::meta": {"totalCount": 0}})
CREATED = Answer(201, {"ia::result": {"key": "9", "id": "B-9", "href": f"{BILL}/9"}})
HTML_503 = Answer(503, "<html>maintenance</html>", {"Content-Type": "text/html"})
INVALID_TOKEN_400 = Answer(400, {"ia::result": {"ia::error": {"code": "invalidRequest", "message": "Invalid token"}}})
REFUSED = Answer(401, {"error": "invalid_client", "error_description": "Invalid client credentials"})
#: Retry-After as an HTTP-date two seconds after the server's own Date (the local clock is far off).
DATED_429 = Answer(
    429,
    {"ia::error": {"message": "slow down"}},
    {"Date": "Sat, 01 Jan 2000 00:00:00 GMT", "Retry-After": "Sat, 01 Jan 2000 00:00:02 GMT"},
)

# name: (method, path, resend_safe, script, expected result status or error class, expected request paths)
CASES: dict[str, tuple[str, str, bool, list[Any], Any, list[str]]] = {
    "ok": ("POST", QUERY, True, [token(), OK], 200, ["token", QUERY]),
    "503 then ok": ("POST", QUERY, True, [token(), HTML_503, OK], 200, ["token", QUERY, QUERY]),
    "dated 429 read against the server's Date": ("POST", QUERY, True, [token(), DATED_429, OK], 200,
                                                 ["token", QUERY, QUERY]),
    "dropped read retried": ("POST", QUERY, True, [token(), DROP, OK], 200, ["token", QUERY, QUERY]),
    "cut read retried": ("GET", f"{BILL}/9", True, [token(), CUT, CREATED], 201, ["token", f"{BILL}/9"] * 1
                         + [f"{BILL}/9"]),
    "retries spent": ("POST", QUERY, True, [token(), HTML_503, HTML_503, HTML_503], IntacctServerError,
                      ["token", QUERY, QUERY, QUERY]),
    "drops spent": ("POST", QUERY, True, [token(), DROP, DROP, DROP], IntacctTransportError,
                    ["token", QUERY, QUERY, QUERY]),
    "400 fails at once": ("POST", QUERY, True, [token(), Answer(400, {"ia::error": {"message": "bad field"}})],
                          IntacctRequestError, ["token", QUERY]),
    "401 renews once": ("POST", QUERY, True, [token(), Answer(401, {}), token(), OK], 200,
                        ["token", QUERY, "token", QUERY]),
    "invalid-token 400 renews once": ("POST", QUERY, True, [token(), INVALID_TOKEN_400, token(), OK], 200,
                                      ["token", QUERY, "token", QUERY]),
    "second refusal is an auth error": ("POST", QUERY, True, [token(), Answer(401, {}), token(), Answer(401, {})],
                                        IntacctAuthError, ["token", QUERY, "token", QUERY]),
    "refused credentials": ("POST", QUERY, True, [REFUSED], IntacctAuthError, ["token"]),
    "token without access_token": ("POST", QUERY, True, [token(access_token=None)], IntacctAuthError, ["token"]),
    "token endpoint 503 retried": ("POST", QUERY, True, [HTML_503, token(), OK], 200, ["token", "token", QUERY]),
    "create answer dropped is settled": ("POST", BILL, False, [token(), DROP], IntacctAmbiguousWriteError,
                                         ["token", BILL]),
    "create answer cut is settled": ("POST", BILL, False, [token(), CUT], IntacctAmbiguousWriteError,
                                     ["token", BILL]),
    "create gateway 503 is settled": ("POST", BILL, False, [token(), HTML_503], IntacctAmbiguousWriteError,
                                      ["token", BILL]),
    "create throttled is re-sent": ("POST", BILL, False, [token(), DATED_429, CREATED], 201,
                                    ["token", BILL, BILL]),
}  # fmt: skip


def settings(server: ScriptedServer) -> ConnectionSettings:
    return ConnectionSettings(
        conn_id="scripted",
        base_url=server.base_url,
        client_id="client",
        client_secret="secret",
        company_id="C",
        user_id="U",
        timeout=5,
        max_retries=2,
    )


def run_sync(server: ScriptedServer, method: str, path: str, resend_safe: bool) -> tuple[Any, list[float]]:
    transport = SyncTransport(settings(server), lambda _secret: None)
    slept: list[float] = []
    transport.sleep = slept.append
    try:
        return transport.send(Request(method, path, {}, resend_safe=resend_safe)).status_code, slept
    except Exception as exc:  # the error class is what is compared
        return type(exc), slept
    finally:
        transport.close()


def run_async(server: ScriptedServer, method: str, path: str, resend_safe: bool) -> tuple[Any, list[float]]:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    async def go() -> Any:
        async with IntacctAsyncClient(settings(server)) as client:
            client.sleep = record
            try:
                return (await client.send(Request(method, path, {}, resend_safe=resend_safe))).status_code
            except Exception as exc:  # the error class is what is compared
                return type(exc)

    return asyncio.run(go()), slept


def seen(server: ScriptedServer) -> list[str]:
    return [
        "token" if r["path"].endswith("/oauth2/token") else r["path"].removeprefix("/ia/api/v1")
        for r in server.requests
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_both_loops_follow_the_same_script(server, case):
    method, path, resend_safe, script, expected, paths = CASES[case]
    results = {}
    for name, run in (("sync", run_sync), ("async", run_async)):
        server.play(script)
        outcome, slept = run(server, method, path, resend_safe)
        results[name] = (outcome, seen(server), [round(s) for s in slept])
    assert results["sync"] == results["async"]
    outcome, requests_seen, slept = results["sync"]
    assert outcome == expected
    assert requests_seen == paths
    if case.startswith(("dated 429", "create throttled")):
        assert slept == [2]  # two seconds by the server's clock, not decades by ours


def test_a_token_without_lifetime_serves_one_call_then_is_renewed(server):
    """``expires_in: 0`` is not "an hour": the next call fetches a new token."""
    for run in (run_sync_twice, run_async_twice):
        server.play([token(expires_in=0), OK, token(expires_in=0, access_token="tok-2"), OK])
        run(server)
        auth = [r["headers"].get("Authorization") for r in server.requests if r["path"].endswith(QUERY)]
        assert auth == ["Bearer tok-1", "Bearer tok-2"]


def run_sync_twice(server: ScriptedServer) -> None:
    transport = SyncTransport(settings(server), lambda _secret: None)
    transport.send(Request("POST", QUERY, {}))
    transport.send(Request("POST", QUERY, {}))
    transport.close()


def run_async_twice(server: ScriptedServer) -> None:
    async def go() -> None:
        async with IntacctAsyncClient(settings(server)) as client:
            await client.send(Request("POST", QUERY, {}))
            await client.send(Request("POST", QUERY, {}))

    asyncio.run(go())

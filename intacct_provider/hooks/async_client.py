"""IntacctAsyncClient: the async I/O loop around :mod:`intacct_provider.core` (triggers use it).

A trigger runs on the triggerer's event loop next to hundreds of others, so it
must never block: this client speaks ``httpx.AsyncClient``, fetches its
connection asynchronously and sleeps with ``asyncio.sleep``. Triggers only read
(one query page per check), but :meth:`IntacctAsyncClient.send` takes
``resend_safe`` like the sync hook's.

It is not a second implementation: every attempt is described as an
:class:`~intacct_provider.core.decisions.Outcome` and acted on as
:func:`~intacct_provider.core.decisions.decide` says, the token lives in a
:class:`~intacct_provider.core.tokens.TokenState` and answers are read by
:mod:`intacct_provider.core.answers`, exactly as in
:class:`~intacct_provider.hooks.transport.SyncTransport`; one parametrized test drives
both loops with the same script of answers. Secrets are masked as soon as they are
known and never appear in a message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from intacct_provider.core import answers
from intacct_provider.core.connection import ConnectionSettings
from intacct_provider.core.decisions import Action, Call, Outcome, Request, Transport
from intacct_provider.core.query import QUERY_PATH
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.core.tokens import TokenState
from intacct_provider.exceptions import IntacctConfigError
from intacct_provider.hooks.transport import USER_AGENT, request_headers, timeouts

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _DecodedConnection:
    """The attributes ``ConnectionSettings.from_connection`` reads, with the extra already decoded.

    ``Connection.extra_dejson`` masks secrets through a synchronous call to the
    supervisor, which must not run on the event loop; the extra is decoded with
    the async accessor instead and handed over in this shape.
    """

    conn_id: str
    host: str | None
    login: str | None
    password: str | None = field(repr=False)
    extra_dejson: dict[str, Any] = field(repr=False)


async def _mask(secret: str | None) -> None:
    """Register a secret with Airflow's masker without blocking the event loop."""
    if not secret:
        return
    try:
        from airflow.sdk.log import amask_secret
    except ImportError:  # older Airflow: the local masker is updated; telling the supervisor is best effort
        from airflow.sdk.log import mask_secret

        mask_secret(secret)
        return
    await amask_secret(secret)


class IntacctAsyncClient:
    """Token handling and API calls over ``httpx.AsyncClient``.

    Use it as an async context manager so its connection pool is closed::

        async with await IntacctAsyncClient.for_connection("sage_intacct_default") as client:
            page = await client.query(QuerySpec.build("bill", filters={"state": "paid"}))
    """

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self._http: httpx.AsyncClient | None = None
        self._tokens = TokenState(settings)
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def __repr__(self) -> str:
        return f"IntacctAsyncClient({self.settings.base_url!r}, {self._tokens!r})"

    @classmethod
    async def for_connection(cls, conn_id: str) -> IntacctAsyncClient:
        """Fetch the Airflow connection asynchronously, check it and mask its secrets."""
        from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
        from airflow.providers.common.compat.sdk import AirflowNotFoundException

        try:
            conn = await get_async_connection(conn_id)
        except AirflowNotFoundException:
            raise IntacctConfigError(
                f"Airflow connection {conn_id!r} does not exist; create a 'Sage Intacct' connection or set "
                f"AIRFLOW_CONN_{conn_id.upper()}"
            ) from None
        decoded = _DecodedConnection(
            conn_id=conn_id,
            host=conn.host,
            login=conn.login,
            password=conn.password,
            extra_dejson=await get_async_extra_dejson(conn),
        )
        settings = ConnectionSettings.from_connection(decoded)
        await _mask(settings.client_secret)
        await _mask(settings.refresh_token)
        return cls(settings)

    async def __aenter__(self) -> IntacctAsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections (the token is kept: it is still valid)."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx

            connect, read = timeouts(self.settings)
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(read, connect=connect),
                limits=httpx.Limits(max_connections=self.settings.max_concurrency),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                follow_redirects=False,
            )
        return self._http

    # ------------------------------------------------------------------ the loop
    async def send(self, request: Request) -> httpx.Response:
        """Send one call, attempt after attempt as :class:`Call` decides; return the final answer.

        The loop of ``SyncTransport.send``, awaiting instead of blocking.
        """
        call = Call(request, self.settings.max_retries)
        while (response := await self._attempt(call)) is None:
            pass
        return response

    async def _attempt(self, call: Call) -> httpx.Response | None:
        """One attempt; the answer when the call is done, else ``None`` once the next one is prepared."""
        token = await self._token() if call.request.authorize else None
        outcome, response = await self._exchange(call.request, token)
        decision = call.record(outcome)
        if decision.action is Action.RENEW and token:
            self._tokens.invalidate(token)
        elif decision.action is Action.RETRY:
            await self.sleep(decision.wait)
        return response if decision.action is Action.DONE else None

    async def _exchange(self, request: Request, token: str | None) -> tuple[Outcome, httpx.Response | None]:
        """Send the bytes within the overall deadline; describe what came back as an :class:`Outcome`."""
        import httpx

        deadline = self.settings.deadline
        try:
            async with asyncio.timeout(deadline):  # connect, headers and the whole body (httpx reads it here)
                response = await self._client().request(
                    request.method, self.settings.base_url + request.path, content=request.json_bytes(),
                    data=request.form, headers=request_headers(self.settings, token, request.headers,
                                                               json=request.json_body is not None),
                )  # fmt: skip
        except TimeoutError:
            return Outcome(
                transport=Transport.LOST, reason=f"no complete answer within the {deadline:g}s request deadline"
            ), None
        except httpx.TransportError as exc:
            never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
            return Outcome(
                transport=Transport.NEVER_SENT if never_sent else Transport.LOST, reason=type(exc).__name__
            ), None
        return Outcome(status=response.status_code, headers=response.headers, text=response.text), response

    # ------------------------------------------------------------------ the token
    async def _token(self) -> str:
        return self._tokens.current(time.monotonic()) or await self._fetch_token()

    async def _fetch_token(self) -> str:
        """Ask the token endpoint (again, with client credentials, if the refresh token is refused)."""
        answer = await self.send(self._tokens.request())
        token = self._tokens.receive(answer.status_code, answer.text, time.monotonic()) or await self._fetch_token()
        for secret in self._tokens.secrets():
            await _mask(secret)
        return token

    # ------------------------------------------------------------------- reads
    async def query(self, spec: QuerySpec, start: int = 1, size: int = 100) -> dict[str, Any]:
        """One checked page of the query service, like ``IntacctHook.query`` with the same spec."""
        response = await self.send(Request("POST", QUERY_PATH, json_body=spec.body(start, size)))
        return answers.read(
            answers.Shape.ROWS, response.status_code, response.text, method="POST", path=QUERY_PATH,
            require_keys="key" in spec.fields,
        )  # fmt: skip

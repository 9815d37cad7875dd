"""AsyncIntacctClient: the small async slice of the Intacct API that triggers need.

A trigger runs on the triggerer's event loop next to hundreds of others, so it
must never block: this client speaks ``httpx.AsyncClient``, fetches its
connection asynchronously and sleeps with ``asyncio.sleep``. It only reads (one
query page per call), which is what makes every retry here safe; creates stay
in the synchronous hook, on the worker.

It follows the same rules as :class:`~intacct_provider.hooks.intacct.IntacctHook`,
through the modules both share: settings from ``ConnectionSettings``, retries on
``RETRYABLE_STATUSES`` with ``backoff()`` (which honours ``Retry-After``), errors
parsed by ``error_from_response``, and one token renewal on 401 or the 400
"Invalid token". Secrets are masked as soon as they are known and never appear
in a message: failures carry Intacct's text and the HTTP status, nothing sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from intacct_provider.connection import CONNECT_TIMEOUT, ConnectionSettings
from intacct_provider.exceptions import (
    IntacctAuthError,
    IntacctConfigError,
    IntacctError,
    IntacctTransportError,
    error_from_response,
    is_invalid_token,
)
from intacct_provider.hooks.intacct import ENTITY_HEADER, TOKEN_RENEW_MARGIN, USER_AGENT
from intacct_provider.oauth import TOKEN_PATH, read_token_answer, token_form
from intacct_provider.query import QUERY_PATH
from intacct_provider.retrying import RETRYABLE_STATUSES, backoff

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


class AsyncIntacctClient:
    """Token handling and query-service calls over ``httpx.AsyncClient``.

    Use it as an async context manager so its connection pool is closed::

        async with await AsyncIntacctClient.for_connection("sage_intacct_default") as client:
            page = await client.query(build_query("accounts-payable/bill", ...))
    """

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self._http: httpx.AsyncClient | None = None
        self._access_token: str | None = None
        self._expires_at = 0.0
        self._refresh_token = settings.refresh_token

    @classmethod
    async def for_connection(cls, conn_id: str) -> AsyncIntacctClient:
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

    async def __aenter__(self) -> AsyncIntacctClient:
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

            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.timeout, connect=CONNECT_TIMEOUT),
                limits=httpx.Limits(max_connections=self.settings.max_concurrency),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                follow_redirects=False,
            )
        return self._http

    # ------------------------------------------------------------- transport
    async def _exchange(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request, repeating it on connection failures and retryable statuses.

        Returns the first answer that is not worth repeating, or the last one
        once ``max_retries`` is spent; the caller decides what it means.
        """
        import httpx

        url = self.settings.base_url + path
        attempt = 0
        while True:
            try:
                response = await self._client().request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt >= self.settings.max_retries:
                    raise IntacctTransportError(
                        f"no answer from Intacct after {attempt + 1} attempts ({type(exc).__name__})",
                        method=method,
                        path=path,
                    ) from None
                delay = backoff(attempt)
                reason = type(exc).__name__
            else:
                if response.status_code not in RETRYABLE_STATUSES or attempt >= self.settings.max_retries:
                    return response
                delay = backoff(attempt, response.headers)
                reason = f"HTTP {response.status_code}"
            log.warning("Intacct %s %s: %s; retrying in %.1fs", method, path, reason, delay)
            await asyncio.sleep(delay)
            attempt += 1

    # ------------------------------------------------------------------ auth
    async def _token(self) -> str:
        if self._access_token is None or time.monotonic() >= self._expires_at - TOKEN_RENEW_MARGIN:
            await self._fetch_token()
        assert self._access_token is not None
        return self._access_token

    async def _fetch_token(self) -> None:
        """Client-credentials grant, or the refresh-token grant when the connection holds one."""
        form = token_form(self.settings, self._refresh_token)
        response = await self._exchange("POST", TOKEN_PATH, data=form)
        try:
            answer = read_token_answer(self.settings, response.status_code, response.text)
        except IntacctAuthError:
            if not self._refresh_token:
                raise
            # Same rule as the sync hook: a stale (rotated) refresh token falls back to client credentials.
            log.warning("Intacct refused the refresh token; authenticating with the client credentials instead")
            self._refresh_token = None
            await self._fetch_token()
            return
        await _mask(answer.access_token)
        if answer.refresh_token and self._refresh_token:
            # Keep the newest refresh token: the old one may be revoked by this exchange.
            await _mask(answer.refresh_token)
            self._refresh_token = answer.refresh_token
        self._access_token = answer.access_token
        self._expires_at = time.monotonic() + answer.expires_in

    # ----------------------------------------------------------------- reads
    async def query(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """One page of the query service for a body from ``build_query`` (already validated).

        Returns ``{"ia::result": [rows], "ia::meta": {...}}`` like ``IntacctHook.query``.
        """
        renewed = False
        while True:
            token = await self._token()
            headers = {"Authorization": f"Bearer {token}"}
            if self.settings.entity_id:
                headers[ENTITY_HEADER] = self.settings.entity_id
            response = await self._exchange("POST", QUERY_PATH, json=dict(body), headers=headers)
            status = response.status_code
            if status == 401 or is_invalid_token(status, response.text):
                if not renewed:
                    renewed = True
                    self._access_token = None
                    continue
                raise error_from_response(status, response.text, method="POST", path=QUERY_PATH)
            if status >= 300:
                raise error_from_response(status, response.text, method="POST", path=QUERY_PATH)
            try:
                payload = response.json()
            except ValueError:
                raise error_from_response(status, response.text, method="POST", path=QUERY_PATH) from None
            if not isinstance(payload, dict):
                raise IntacctError(
                    f"Intacct answered {type(payload).__name__} where a JSON object was expected",
                    status=status,
                    method="POST",
                    path=QUERY_PATH,
                )
            return payload

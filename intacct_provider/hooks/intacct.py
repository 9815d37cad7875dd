"""IntacctHook: the one place that talks to Sage Intacct's REST API.

Why it looks the way it does:

* **No I/O in ``__init__``.** Operators build hooks at run time, but tests and the
  UI build them freely; the connection, session and token are fetched lazily.
* **OAuth 2.0 with renewal.** Tokens are kept until a minute before they expire;
  a 401 (or the 400 "Invalid token" some tenants send) renews the token and repeats the call.
* **Retries that cannot double-post.** Reads are retried on 429/502/503/504,
  dropped connections and read timeouts. A create is only re-sent when the
  server provably did not act on it (throttled, or the connection was never
  made); any other lost answer is settled by looking the record up or by
  replaying its ``Idempotency-Key``, never by a blind re-post.
* **Round trips are the cost.** ``iter_query`` reads 4000 rows a page and fetches
  the pages after the first concurrently, up to the tier's concurrency limit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from intacct_provider import __version__
from intacct_provider.connection import CONNECT_TIMEOUT, ConnectionSettings
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctAuthError,
    IntacctConfigError,
    IntacctConflictError,
    IntacctError,
    IntacctNotFoundError,
    IntacctTransportError,
    IntacctValidationError,
    error_from_response,
    is_invalid_token,
)
from intacct_provider.oauth import TOKEN_PATH, read_token_answer, token_form
from intacct_provider.objects import OBJECTS_PREFIX, resolve_path
from intacct_provider.query import MAX_QUERY_PAGE, QUERY_PATH, build_query, normalize_fields, normalize_order_by
from intacct_provider.retrying import RETRYABLE_STATUSES, backoff

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-sage-intacct/{__version__}"
ENTITY_HEADER = "X-IA-API-Param-Entity"
#: Renew a token this many seconds before Intacct says it expires.
TOKEN_RENEW_MARGIN = 60.0
#: Token renewals one call may make: a token can be revoked again while a call waits out a 429.
MAX_RENEWALS = 2
#: Extra passes ``iter_query`` makes when the result set changed while it was paging.
MAX_REPAIR_PASSES = 2


@dataclass
class _Token:
    access_token: str
    expires_at: float

    def fresh(self) -> bool:
        return time.monotonic() < self.expires_at - TOKEN_RENEW_MARGIN


class IntacctHook(BaseHook):
    """Authenticated, retrying access to one Sage Intacct company.

    :param intacct_conn_id: Airflow connection of type ``sage_intacct``.
    """

    conn_name_attr = "intacct_conn_id"
    default_conn_name = "sage_intacct_default"
    conn_type = "sage_intacct"
    hook_name = "Sage Intacct"

    def __init__(self, intacct_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.intacct_conn_id = intacct_conn_id
        self._session: requests.Session | None = None
        self._token: _Token | None = None
        self._refresh_token: str | None = None
        self._auth_lock = threading.Lock()
        self._throttle_lock = threading.Lock()
        self._throttle_until = 0.0

    # ------------------------------------------------------------------ setup
    @cached_property
    def settings(self) -> ConnectionSettings:
        """The checked connection (fetched once, on first use)."""
        from airflow.providers.common.compat.sdk import AirflowNotFoundException

        try:
            conn = self.get_connection(self.intacct_conn_id)
        except AirflowNotFoundException as exc:
            raise IntacctConfigError(
                f"Airflow connection {self.intacct_conn_id!r} does not exist; create a 'Sage Intacct' "
                f"connection or set AIRFLOW_CONN_{self.intacct_conn_id.upper()}"
            ) from exc
        settings = ConnectionSettings.from_connection(conn)
        self._mask(settings.client_secret)
        self._mask(settings.refresh_token)
        self._refresh_token = settings.refresh_token
        return settings

    def get_conn(self) -> requests.Session:
        """The pooled HTTP session of this hook (one per hook, shared by its threads)."""
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
        """Release pooled connections."""
        if self._session is not None:
            self._session.close()
            self._session = None

    @staticmethod
    def _mask(secret: str | None) -> None:
        if secret:
            from airflow.sdk.log import mask_secret

            mask_secret(secret)

    # ------------------------------------------------------------------- auth
    def _access_token(self) -> str:
        with self._auth_lock:
            if self._token is None or not self._token.fresh():
                self._token = self._fetch_token()
            return self._token.access_token

    def _invalidate(self, used_token: str) -> None:
        """Drop the token a request was refused with, unless another thread already renewed it."""
        with self._auth_lock:
            if self._token is not None and self._token.access_token == used_token:
                self._token = None

    def _fetch_token(self) -> _Token:
        import requests

        settings = self.settings
        form = token_form(settings, self._refresh_token)
        attempt = 0
        while True:
            try:
                response = self.get_conn().post(
                    settings.base_url + TOKEN_PATH,
                    data=form,
                    timeout=(CONNECT_TIMEOUT, settings.timeout),
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= settings.max_retries:
                    raise IntacctTransportError(
                        f"Could not reach Intacct's token endpoint: {type(exc).__name__}",
                        method="POST",
                        path=TOKEN_PATH,
                    ) from None
                time.sleep(backoff(attempt))
                attempt += 1
                continue
            if response.status_code in RETRYABLE_STATUSES and attempt < settings.max_retries:
                time.sleep(backoff(attempt, response.headers))
                attempt += 1
                continue
            break
        try:
            answer = read_token_answer(settings, response.status_code, response.text)
        except IntacctAuthError:
            if not self._refresh_token:
                raise
            # A rotated refresh token cannot be written back to the Airflow connection, so the one
            # stored there goes stale once another task has exchanged it: fall back to the client
            # credentials grant, which needs nothing that rotates.
            log.warning("Intacct refused the refresh token; authenticating with the client credentials instead")
            self._refresh_token = None
            return self._fetch_token()
        self._mask(answer.access_token)
        if answer.refresh_token and self._refresh_token:
            # Keep the newest refresh token: the old one may be revoked by this exchange.
            self._mask(answer.refresh_token)
            self._refresh_token = answer.refresh_token
        return _Token(access_token=answer.access_token, expires_at=time.monotonic() + answer.expires_in)

    # -------------------------------------------------------------- transport
    def _wait_for_throttle(self) -> None:
        """Sleep while any thread of this hook was told to back off (one 429 slows everyone)."""
        with self._throttle_lock:
            wait = self._throttle_until - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _throttle(self, seconds: float) -> None:
        with self._throttle_lock:
            self._throttle_until = max(self._throttle_until, time.monotonic() + seconds)

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        resend_safe: bool = True,
    ) -> requests.Response:
        """Send one API call with auth renewal and retries; return the successful response.

        ``resend_safe=False`` (creates) limits retries to answers proving the server
        did not act: 429, and connections that were never established. Any other
        lost answer raises :class:`IntacctAmbiguousWriteError`.
        """
        import requests

        settings = self.settings
        url = settings.base_url + path
        renewals = 0
        attempt = 0
        while True:
            self._wait_for_throttle()
            token = self._access_token()
            request_headers = {"Authorization": f"Bearer {token}"}
            if settings.entity_id:
                request_headers[ENTITY_HEADER] = settings.entity_id
            request_headers.update(headers or {})
            started = time.monotonic()
            try:
                response = self.get_conn().request(
                    method,
                    url,
                    json=json_body,
                    params=params,
                    headers=request_headers,
                    timeout=(CONNECT_TIMEOUT, settings.timeout),
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                never_sent = isinstance(exc, requests.ConnectTimeout) or _connection_refused(exc)
                if not resend_safe and not never_sent:
                    raise IntacctAmbiguousWriteError(
                        f"the answer to this {method} was lost ({type(exc).__name__}); the record may or may "
                        "not have been created",
                        method=method,
                        path=path,
                    ) from None
                if attempt >= settings.max_retries:
                    raise IntacctTransportError(
                        f"no answer from Intacct after {attempt + 1} attempts ({type(exc).__name__})",
                        method=method,
                        path=path,
                    ) from None
                delay = backoff(attempt)
                log.warning("Intacct %s %s: %s; retrying in %.1fs", method, path, type(exc).__name__, delay)
                time.sleep(delay)
                attempt += 1
                continue
            status = response.status_code
            log.debug("Intacct %s %s -> %s in %.3fs", method, path, status, time.monotonic() - started)
            if status == 401 or is_invalid_token(status, response.text):
                if renewals < MAX_RENEWALS:
                    renewals += 1
                    self._invalidate(token)
                    continue
                raise error_from_response(status, response.text, method=method, path=path)
            if status in RETRYABLE_STATUSES:
                if not resend_safe and status != 429:
                    raise IntacctAmbiguousWriteError(
                        f"Intacct's gateway answered HTTP {status} to this {method}; the record may or may not "
                        "have been created",
                        status=status,
                        method=method,
                        path=path,
                    )
                if attempt >= settings.max_retries:
                    raise error_from_response(status, response.text, method=method, path=path)
                delay = backoff(attempt, response.headers)
                if status == 429:
                    self._throttle(delay)
                log.warning("Intacct %s %s: HTTP %s; retrying in %.1fs", method, path, status, delay)
                time.sleep(delay)
                attempt += 1
                continue
            if status >= 300:
                raise error_from_response(status, response.text, method=method, path=path)
            return response

    def _json(self, response: requests.Response, method: str, path: str) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            raise error_from_response(response.status_code, response.text, method=method, path=path) from None
        if not isinstance(payload, dict):
            raise IntacctError(
                f"Intacct answered {type(payload).__name__} where a JSON object was expected",
                status=response.status_code,
                method=method,
                path=path,
            )
        return payload

    def call(self, method: str, path: str, json_body: Any = None, resend_safe: bool = True) -> dict[str, Any]:
        """Any API call by path (relative to the base URL); returns the decoded JSON body."""
        response = self._send(method, path, json_body=json_body, resend_safe=resend_safe)
        if response.status_code == 204 or not response.content:
            return {}
        return self._json(response, method, path)

    # ----------------------------------------------------------------- reads
    def query(
        self,
        object: str,
        fields: Any = None,
        filters: Any = None,
        filter_expression: str | None = None,
        order_by: Any = None,
        start: int = 1,
        size: int = 100,
    ) -> dict[str, Any]:
        """One page of the query service: ``{"ia::result": [rows], "ia::meta": {...}}``.

        Rows are flat: dotted field names stay literal keys (``"vendor.id"``).
        """
        body = build_query(resolve_path(object), fields, filters, filter_expression, order_by, start, size)
        return self.call("POST", QUERY_PATH, body)

    def iter_query(
        self,
        object: str,
        fields: Any = None,
        filters: Any = None,
        filter_expression: str | None = None,
        order_by: Any = None,
        page_size: int = MAX_QUERY_PAGE,
        max_records: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every matching row over all pages, each ``key`` once.

        The first page reveals ``totalCount``; the remaining pages are fetched
        concurrently (up to ``max_concurrency`` in flight) and yielded in order.
        Rows are ordered by ``key`` (after ``order_by``, if given), and each page
        after the first re-reads the last row of the one before: if that row is
        not where it was, or the total changed, records moved while paging and
        the pages are read again, yielding only unseen keys. So no row is
        skipped and none repeated; if the data keeps moving through every pass,
        the read fails instead of returning a partial result.
        """
        path = resolve_path(object)
        columns = normalize_fields(fields)
        if "key" not in columns:
            columns.append("key")
        ordering = normalize_order_by(order_by)
        if not any("key" in item for item in ordering):
            ordering.append({"key": "asc"})  # a unique tie-breaker makes offsets stable
        if max_records is not None and (not isinstance(max_records, int) or max_records < 1):
            raise IntacctValidationError("max_records", "a positive integer or None", max_records)
        size = min(page_size, max_records) if max_records else page_size
        build_query(path, columns, filters, filter_expression, ordering, 1, size)  # validate before any request
        seen: set[str] = set()
        emitted = 0
        for _pass in range(MAX_REPAIR_PASSES + 1):
            stable = True
            for rows, consistent in self._pages(path, columns, filters, filter_expression, ordering, size):
                stable = stable and consistent
                for row in rows:
                    row_key = str(row.get("key"))
                    if row_key in seen:
                        continue
                    seen.add(row_key)
                    yield row
                    emitted += 1
                    if max_records is not None and emitted >= max_records:
                        return
            if stable:
                return
            log.warning("Intacct %s changed while it was being read; reading it again for missed rows", path)
        raise IntacctError(
            f"{path} kept changing during {MAX_REPAIR_PASSES + 1} reads, so rows may have been skipped; "
            "the task fails rather than return a partial result: run it again"
        )

    def _pages(
        self, path: str, fields: list[str], filters: Any, expression: str | None, order_by: Any, size: int
    ) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """Yield ``(new rows, nothing moved)`` page by page, prefetching concurrently.

        Pages after the first start one row early: that overlap row must be the
        previous page's last row, or rows shifted under the offsets. The next
        pages are requested before the first one is handed to the caller, so
        writing rows out overlaps with the round trips.
        """
        first = self.query(path, fields, filters, expression, order_by, 1, size)
        total = int((first.get("ia::meta") or {}).get("totalCount") or 0)
        fetch = min(size + 1, MAX_QUERY_PAGE)
        stride = fetch - 1
        starts = list(range(size, total, stride)) if stride else []
        previous = _rows(first)
        if not starts:
            yield previous, True
            return
        workers = max(1, self.settings.max_concurrency)

        def fetch_page(start: int) -> dict[str, Any]:
            return self.query(path, fields, filters, expression, order_by, start, fetch)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="intacct-page") as pool:
            pending: list[Future[dict[str, Any]]] = [pool.submit(fetch_page, s) for s in starts[:workers]]
            next_index = len(pending)
            try:
                yield previous, True
                while pending:
                    page = pending.pop(0).result()
                    if next_index < len(starts):
                        pending.append(pool.submit(fetch_page, starts[next_index]))
                        next_index += 1
                    rows = _rows(page)
                    page_total = int((page.get("ia::meta") or {}).get("totalCount") or 0)
                    anchored = bool(rows) and bool(previous) and str(rows[0].get("key")) == str(previous[-1].get("key"))
                    yield (rows[1:] if anchored else rows), anchored and page_total == total
                    previous = rows
            finally:
                for future in pending:
                    future.cancel()

    def get_record(self, object: str, key: str | int, fields: Any = None) -> dict[str, Any]:
        """The full record with this system ``key`` (``ia::result`` of a GET by key).

        GET by key takes no query parameters, so ``fields`` are read through the query service
        (a flat row, dotted names as keys).
        """
        path = f"{OBJECTS_PREFIX}{resolve_path(object)}/{_key(key)}"
        if fields:
            row = self.find_record(object, [{"$eq": {"key": _key(key)}}], fields=fields)
            if row is None:
                raise IntacctNotFoundError(f"no record {key!r} in {resolve_path(object)}", status=404, path=path)
            return row
        result = self.call("GET", path).get("ia::result")
        if not isinstance(result, dict):
            raise IntacctNotFoundError(f"no record {key!r} in {resolve_path(object)}", status=404, path=path)
        return result

    def find_record(self, object: str, filters: Any, fields: Any = None) -> dict[str, Any] | None:
        """The single row matching ``filters`` (``None`` if none); more than one is an error."""
        rows = _rows(self.query(object, fields, filters, size=2))
        if len(rows) > 1:
            raise IntacctError(f"{len(rows)} records of {resolve_path(object)} match {filters}; expected one")
        return rows[0] if rows else None

    # ---------------------------------------------------------------- writes
    def create_record(
        self,
        object: str,
        payload: Mapping[str, Any],
        idempotency_key: str | None = None,
        lookup: Any = None,
        resumed: bool = False,
    ) -> dict[str, Any]:
        """Create a record; return its reference ``{"key", "id", "href"}``.

        Never creates twice. When the answer is lost (timeout, dropped
        connection, gateway error) or Intacct reports a 409 conflict, the hook
        first looks the record up by ``lookup`` (query filters on a natural key,
        e.g. vendor + bill number); if that finds nothing and an
        ``idempotency_key`` was sent, it repeats the POST with the same key,
        which Intacct answers with the original result instead of a new record.
        Without either, it raises :class:`IntacctAmbiguousWriteError`.

        ``resumed=True`` says an earlier try of the same task may have created the
        record already (Airflow retried it): the look-up then comes before any POST.
        """
        path = f"{OBJECTS_PREFIX}{resolve_path(object)}"
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        attempts = self.settings.max_retries + 1
        last_error: IntacctError | None = None
        for attempt in range(attempts):
            if attempt or resumed:
                found = self._find_created(object, lookup, payload)
                if found is not None:
                    log.info("Found the %s created by the earlier attempt: key %s", path, found.get("key"))
                    return found
                if attempt and not idempotency_key:
                    break
                if attempt:
                    time.sleep(backoff(attempt - 1))
            try:
                response = self._send("POST", path, json_body=dict(payload), headers=headers, resend_safe=False)
            except IntacctAmbiguousWriteError as exc:
                log.warning("Create on %s is ambiguous (%s); settling it before any new attempt", path, exc.message)
                last_error = exc
                continue
            except IntacctConflictError as exc:
                found = self._find_created(object, lookup, payload)
                if found is not None:
                    return found
                if idempotency_key:
                    raise _key_conflict(exc, idempotency_key, lookup, lost_earlier=last_error is not None) from None
                raise exc from None
            return _reference(self._json(response, "POST", path), path)
        assert last_error is not None
        if attempts == 1:
            tried = "the connection's max_retries is 0, so it was neither looked up nor replayed in this task"
        elif lookup:
            tried = f"no record matches lookup {lookup}"
        elif idempotency_key:
            tried = "replaying its idempotency key got no answer either"
        else:
            tried = "it cannot be looked up (no bill/invoice number) and no idempotency key was sent"
        hint = (
            f"; a retry that sends the same Idempotency-Key {idempotency_key!r} (as an Airflow retry of this task "
            "does) gets the record back if it was created"
            if idempotency_key
            else ""
        )
        raise IntacctAmbiguousWriteError(
            f"{last_error.message}; {tried}{hint}; check Intacct before creating it again",
            status=last_error.status,
            method="POST",
            path=path,
        )

    def _find_created(self, object: str, lookup: Any, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """The record this create made earlier, found by its natural key, or ``None``.

        A record with the same natural key but other content (another bill with the
        same number, a vendor id already taken by someone else) is not ours: adopting
        it would report a create that never happened, so that is a conflict.
        """
        if not lookup:
            return None
        # A journal entry's natural key (journal, date, description) may match several entries: the
        # newest one whose content is identical is ours; only if none is does the first differ.
        rows = _rows(self.query(object, ["key", "id", "href"], lookup, order_by=[{"key": "desc"}], size=11))
        if len(rows) > 10:
            raise IntacctError(f"more than 10 records of {resolve_path(object)} match {lookup}; expected one")
        if not rows:
            return None
        from intacct_provider.objects import differences

        mismatched: list[str] = []
        for row in rows:
            existing = self.get_record(object, str(row.get("key")))
            mismatched = differences(object, payload, existing)
            if not mismatched:
                return {"key": str(row.get("key")), "id": row.get("id"), "href": row.get("href")}
        row = rows[0]
        raise IntacctConflictError(
            f"{resolve_path(object)} {row.get('id')!r} (key {row.get('key')}) already exists and differs "
            f"from this create in {', '.join(mismatched)}: it was not created by this task; use another "
            "number/id, or update that record instead",
            status=409,
            method="POST",
            path=f"{OBJECTS_PREFIX}{resolve_path(object)}",
        )

    def update_record(self, object: str, key: str | int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH the given fields of a record; return its reference."""
        path = f"{OBJECTS_PREFIX}{resolve_path(object)}/{_key(key)}"
        return _reference(self.call("PATCH", path, dict(changes)), path)

    def delete_record(self, object: str, key: str | int) -> None:
        """Delete a record (Intacct answers 204)."""
        self.call("DELETE", f"{OBJECTS_PREFIX}{resolve_path(object)}/{_key(key)}")

    # --------------------------------------------------------------- the UI
    def test_connection(self) -> tuple[bool, str]:
        """Called by the UI's Test button: authenticate and read one GL account."""
        try:
            page = self.query("general-ledger/account", ["key", "id"], size=1)
        except Exception as exc:  # the UI shows the message; the secret is masked by Airflow and never in it
            return False, str(exc)
        total = (page.get("ia::meta") or {}).get("totalCount")
        settings = self.settings
        where = f" entity {settings.entity_id}" if settings.entity_id else ""
        return True, (
            f"Connected to Sage Intacct company {settings.company_id}{where} as {settings.user_id}; "
            f"{total} GL accounts visible"
        )


def _key_conflict(exc: IntacctConflictError, key: str, lookup: Any, *, lost_earlier: bool) -> IntacctConflictError:
    """A 409 on a create that sent ``key``, said in words: whose key it was, and what to check."""
    by = (
        "an earlier attempt of this create whose answer was lost"
        if lost_earlier
        else "another create with a different body, or an earlier try of this task whose answer was lost"
    )
    not_found = f"; no record matches lookup {lookup}" if lookup else ""
    said = "; ".join(exc.details) or exc.message
    return IntacctConflictError(
        f"Intacct refused Idempotency-Key {key!r}, already used by {by}{not_found} (Intacct: {said}); "
        "check Intacct before creating the record again, and use a new key only for a new record",
        status=exc.status,
        code=exc.code,
        error_id=exc.error_id,
        support_id=exc.support_id,
        method=exc.method,
        path=exc.path,
    )


def _rows(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = page.get("ia::result")
    return rows if isinstance(rows, list) else []


def _reference(payload: Mapping[str, Any], path: str) -> dict[str, Any]:
    result = payload.get("ia::result")
    if not isinstance(result, dict) or "key" not in result:
        raise IntacctError("Intacct's answer carries no record reference", path=path)
    return {"key": str(result["key"]), "id": result.get("id"), "href": result.get("href")}


def _key(key: str | int) -> str:
    text = str(key).strip()
    if not text or "/" in text:
        raise IntacctValidationError("key", "a record key such as '2001'", key)
    return text


def _connection_refused(exc: Exception) -> bool:
    """True when the TCP connection was never established, so the request never left."""
    text = repr(exc)
    return any(marker in text for marker in ("NewConnectionError", "Connection refused", "NameResolutionError"))

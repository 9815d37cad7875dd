"""IntacctHook: the one object users and operators talk to Intacct through.

It is a facade over modules with one job each:

* :mod:`~intacct_provider.hooks.transport`: the sync I/O loop (session, token cache,
  throttle, overall deadline) around the pure decisions of :mod:`intacct_provider.core`:
  retries on 429/502/503/504 and lost answers for reads, **one** token renewal per call
  on 401 (or the 400 "Invalid token"), and a create re-sent only when the server
  provably did not act on it;
* :mod:`~intacct_provider.core.answers`: every 2xx body is checked against its call's
  envelope, so a strange answer is an error, never an empty result;
* :mod:`~intacct_provider.hooks.paging` with :mod:`~intacct_provider.core.pages`: full
  reads, 4000 rows a page, concurrent, with overlap checks and a bounded query count;
* :mod:`~intacct_provider.hooks.writes`: the write engine, creates that never post twice.

No I/O in ``__init__``: the connection, session and token are fetched lazily.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from intacct_provider.catalog.model import TenantModel
from intacct_provider.catalog.registry import OBJECTS_PREFIX, resolve_path
from intacct_provider.catalog.validation import check_int
from intacct_provider.core import answers
from intacct_provider.core.connection import ConnectionSettings
from intacct_provider.core.decisions import Request
from intacct_provider.core.pages import DEFAULT_MAX_QUERIES
from intacct_provider.core.query import MAX_QUERY_PAGE, QUERY_PATH
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctConfigError, IntacctError, IntacctNotFoundError
from intacct_provider.hooks.paging import read_all
from intacct_provider.hooks.progress import Progress
from intacct_provider.hooks.transport import ENTITY_HEADER, USER_AGENT, SyncTransport
from intacct_provider.hooks.writes import WriteEngine, Written

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import requests

__all__ = ["ENTITY_HEADER", "USER_AGENT", "IntacctHook"]


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

    def __repr__(self) -> str:
        return f"IntacctHook(intacct_conn_id={self.intacct_conn_id!r})"

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
        _mask(settings.client_secret)
        _mask(settings.refresh_token)
        return settings

    @cached_property
    def transport(self) -> SyncTransport:
        """The request loop of this hook (one session and token, shared by its threads)."""
        return SyncTransport(self.settings, _mask)

    def get_conn(self) -> requests.Session:
        """The pooled HTTP session of this hook."""
        return self.transport.session()

    def close(self) -> None:
        """Release pooled connections."""
        if "transport" in self.__dict__:
            self.transport.close()

    # -------------------------------------------------------------- any call
    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        resend_safe: bool = True,
    ) -> requests.Response:
        """Send one call with retries and token renewal; return the raw 2xx response.

        For callers that read their own envelope (a bulk 207, say). ``resend_safe=False``
        (creates) re-sends only when the server provably did not act; any other lost
        answer raises :class:`~intacct_provider.exceptions.IntacctAmbiguousWriteError`.
        """
        return self.transport.send(Request(method, path, json_body, headers=headers, resend_safe=resend_safe))

    def call(self, method: str, path: str, json_body: Any = None, resend_safe: bool = True) -> dict[str, Any]:
        """Any API call by path (relative to the base URL); returns the decoded JSON object."""
        response = self.send(method, path, json_body=json_body, resend_safe=resend_safe)
        shape = answers.Shape.EMPTY if method.upper() == "DELETE" else answers.Shape.OBJECT
        if response.status_code == 204:
            shape = answers.Shape.EMPTY
        return answers.read(shape, response.status_code, response.text, method=method, path=path)

    # ----------------------------------------------------------------- reads
    def query(
        self,
        object: str | QuerySpec,
        fields: Any = None,
        filters: Any = None,
        filter_expression: str | None = None,
        order_by: Any = None,
        start: int = 1,
        size: int = 100,
        *,
        filter_parameters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One checked page of the query service: ``{"ia::result": [rows], "ia::meta": {...}}``.

        ``object`` may be a :class:`QuerySpec` (then the other query arguments are ignored).
        Rows are flat: dotted field names stay literal keys (``"vendor.id"``).
        """
        spec = _spec(object, fields, filters, filter_expression, order_by, filter_parameters)
        response = self.send("POST", QUERY_PATH, json_body=spec.body(start, size))
        return answers.read(
            answers.Shape.ROWS, response.status_code, response.text, method="POST", path=QUERY_PATH,
            require_keys="key" in spec.fields,
        )  # fmt: skip

    def iter_query(
        self,
        object: str | QuerySpec,
        fields: Any = None,
        filters: Any = None,
        filter_expression: str | None = None,
        order_by: Any = None,
        page_size: int = MAX_QUERY_PAGE,
        max_records: int | None = None,
        *,
        filter_parameters: Mapping[str, Any] | None = None,
        max_queries: int = DEFAULT_MAX_QUERIES,
        what: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every matching row over all pages, each ``key`` once, ordered by ``key`` last.

        Pages after the first are fetched concurrently (up to ``max_concurrency``) and
        overlap by one row; if records moved while paging the pages are read again for
        missed rows, and a read whose answers contradict ``totalCount`` fails. At most
        ``max_queries`` queries are made (raise it for very large reads). ``what`` names the
        read in its progress lines and summary (default: the object's path).
        """
        spec = _spec(object, fields, filters, filter_expression, order_by, filter_parameters).keyed()
        if max_records is not None:
            max_records = check_int("max_records", max_records, minimum=1)
        page_size = check_int("page_size", page_size, minimum=1, maximum=MAX_QUERY_PAGE)
        page_size = min(page_size, max_records) if max_records else page_size
        ceiling = check_int("max_queries", max_queries, minimum=1)
        spec.body(1, page_size)  # the whole body is checked before any request
        # A line per 10 s at most (rows of the total, rate, ETA) and a summary with the billed queries.
        progress = Progress(what or spec.object, limit=max_records, logger=log)

        def fetch(s: QuerySpec, start: int, asked: int) -> dict[str, Any]:
            page = self.query(s, start=start, size=asked)
            progress.fetched(total=(page.get("ia::meta") or {}).get("totalCount"))
            return page

        rows = read_all(
            fetch, spec, page_size=page_size, workers=self.settings.max_concurrency, max_queries=ceiling,
            max_records=max_records,
        )  # fmt: skip
        return progress.track(rows, retries=lambda: self.transport.retries)

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
        response = self.send("GET", path)
        return answers.read(answers.Shape.RECORD, response.status_code, response.text, method="GET", path=path)[
            "ia::result"
        ]

    def find_record(self, object: str, filters: Any, fields: Any = None) -> dict[str, Any] | None:
        """The single row matching ``filters`` (``None`` if none); more than one is an error."""
        spec = QuerySpec.build(object, fields, filters).keyed()
        rows = self.query(spec, size=2)["ia::result"]
        if len(rows) > 1:
            raise IntacctError(f"{len(rows)} records of {spec.object} match {filters}; expected one")
        return rows[0] if rows else None

    # ---------------------------------------------------------------- writes
    def create_record(
        self,
        object: str,
        payload: Mapping[str, Any],
        idempotency_key: str | None = None,
        lookup: Any = None,
        resumed: bool = False,
        posted_at: float | None = None,
    ) -> dict[str, Any]:
        """Create a record; return its reference ``{"key", "id", "href"}``. Never creates twice.

        See :meth:`create_or_find`, which also says whether the record was made now or found.
        """
        reference = self.create_or_find(
            object, payload, idempotency_key=idempotency_key, lookup=lookup, resumed=resumed, posted_at=posted_at
        ).reference
        assert reference is not None  # a failure raised
        return reference

    def create_or_find(
        self,
        object: str,
        payload: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        lookup: Any = None,
        resumed: bool = False,
        posted_at: float | None = None,
    ) -> Written:
        """Create a record through the write engine (:mod:`~intacct_provider.hooks.writes`), or find it.

        A lost, cut-short, unreadable or 5xx answer, or a 409, is settled by a look-up before
        anything is posted again: by ``lookup`` (``$eq`` filters; default: the registry's natural
        key of ``payload``) or, with none, by content among records created since the first POST;
        then a replay of ``idempotency_key``, else
        :class:`~intacct_provider.exceptions.IntacctAmbiguousWriteError`. ``resumed=True`` says an
        earlier try of the same task may have created it already; ``posted_at`` (``time.time()``
        when that try began posting) bounds the content look-up to records created since, so an
        identical record from an earlier run is not taken for it. The result's ``status`` is
        ``created``, or ``exists`` when an identical record was already there (``how`` says how
        it was found); a failure raises.
        """
        from intacct_provider.catalog.bulk_records import Item
        from intacct_provider.catalog.registry import natural_key_of

        path = resolve_path(object)
        fields, natural = natural_key_of(path, payload, lookup)
        engine = WriteEngine(self, path, fields, rounds=self.settings.max_retries + 1)
        (written,) = engine.create(
            [Item(0, dict(payload), natural)], lambda _round, _sent: idempotency_key, single=True,
            resumed=resumed, posted_at=posted_at,
        )  # fmt: skip
        if written.error is not None:
            raise written.error
        return written

    def pause(self, seconds: float) -> None:
        """Hold every request of this hook (all its threads) back for ``seconds``: the task's one pacer."""
        self.transport.pause(seconds)

    def update_record(self, object: str, key: str | int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH the given fields of a record; return its reference."""
        path = f"{OBJECTS_PREFIX}{resolve_path(object)}/{_key(key)}"
        response = self.send("PATCH", path, json_body=dict(changes))
        payload = answers.read(answers.Shape.REFERENCE, response.status_code, response.text, method="PATCH", path=path)
        return answers.reference(payload["ia::result"])

    def delete_record(self, object: str, key: str | int) -> None:
        """Delete a record (Intacct answers 204)."""
        self.call("DELETE", f"{OBJECTS_PREFIX}{resolve_path(object)}/{_key(key)}")

    # ------------------------------------------------------- the tenant's model
    def get_model(self, object: str) -> TenantModel:
        """The company's own model of ``object``: its fields (custom ones included), groups, refs, lists.

        Read from the model service (``GET /services/core/model?name=<path>``) once per hook and,
        for the connection's ``model_cache_seconds`` (default 900; 0: per hook only), once per
        worker process. Raises what the call raises: a 403 as
        :class:`~intacct_provider.exceptions.IntacctAuthError`, a 404 or an empty answer (Sage's
        answer for a name it does not know) as :class:`~intacct_provider.exceptions.IntacctNotFoundError`,
        an answer that is not a model as :class:`~intacct_provider.exceptions.IntacctProtocolError`.
        """
        from intacct_provider.hooks import model_cache

        path = resolve_path(object)
        model = self._models.get(path)
        if model is not None:
            return model
        settings = self.settings
        key = (settings.base_url, settings.company_id, settings.entity_id or "", settings.user_id, path)
        model = model_cache.get(key) if settings.model_cache_seconds > 0 else None
        if model is None:
            model = self._read_model(path)
            model_cache.put(key, model, settings.model_cache_seconds)
        self._models[path] = model
        return model

    def describe(self, object: str) -> dict[str, Any]:
        """The company's record of ``object`` as a JSON Schema, custom fields included.

        ``{"type": "object", "properties": {...}}`` nested as Intacct nests the record (groups and
        refs as objects, lists as arrays); each leaf has ``type`` and, where Intacct gives them,
        ``format``, ``enum``, ``readOnly``, ``writeOnly``. With
        :func:`intacct_provider.catalog.model.flat_fields` it names the query service's flat columns.
        """
        return self.get_model(object).json_schema()

    def model_or_reason(self, object: str) -> tuple[TenantModel | None, str]:
        """The company's model of ``object``, or ``(None, why)`` when it cannot be read.

        Cannot be read: a 403 (no permission for the model service), a 404 or empty answer, a
        strange answer, or the service down after every retry. Each caller decides what stands in
        (unchecked custom fields, Sage's published schema). Other errors (a token refused twice)
        propagate: whatever the caller does next would fail the same way.
        """
        from intacct_provider.exceptions import (
            TRANSIENT_ERRORS,
            IntacctAuthError,
            IntacctNotFoundError,
            IntacctProtocolError,
            IntacctRequestError,
        )

        unreadable: tuple[type[IntacctError], ...] = (
            IntacctNotFoundError, IntacctProtocolError, IntacctRequestError, *TRANSIENT_ERRORS,
        )  # fmt: skip
        try:
            return self.get_model(object), ""
        except IntacctAuthError as exc:
            if exc.status != 403:
                raise
            return None, str(exc)
        except unreadable as exc:
            return None, str(exc)

    def model_for_check(self, object: str) -> TenantModel | None:
        """The model to check custom fields against, or None (logged once) when it cannot be read.

        An unreadable model (:meth:`model_or_reason`) leaves custom fields unchecked rather than
        failing a write Intacct itself may accept; the warning says so and why.
        """
        path = resolve_path(object)
        model, reason = self.model_or_reason(path)
        if model is None and path not in self._unchecked:
            self._unchecked.add(path)
            log.warning(
                "The company's model of %s cannot be read, so its custom fields go unchecked and are sent as "
                "given (a line key that is a user-defined dimension stays on the line): %s",
                path,
                reason,
            )
        # A custom relationship naming a record that does not exist is refused before the write.
        return model.with_lookup(self.record_exists) if model is not None else None

    def record_exists(self, object: str, by: str, value: str) -> bool | None:
        """Whether the record of ``object`` whose ``by`` (``key`` or ``id``) is ``value`` exists.

        One query per record and hook (a bulk input naming one contract a thousand times reads it
        once). ``None`` when Intacct will not say (the user may not read ``object``, or its query
        refuses the filter): the write then goes, and Intacct judges the reference itself.
        """
        from intacct_provider.exceptions import IntacctAuthError, IntacctRequestError

        wanted = (resolve_path(object), by, value)
        if wanted not in self._looked_up:
            try:
                row = self.find_record(wanted[0], [{"$eq": {by: value}}], fields=["key"])
            except (IntacctAuthError, IntacctNotFoundError, IntacctRequestError) as exc:
                if isinstance(exc, IntacctAuthError) and exc.status != 403:
                    raise
                self._looked_up[wanted] = None
            else:
                self._looked_up[wanted] = row is not None
        return self._looked_up[wanted]

    @cached_property
    def _looked_up(self) -> dict[tuple[str, str, str], bool | None]:
        return {}

    @cached_property
    def _models(self) -> dict[str, TenantModel]:
        return {}

    @cached_property
    def _unchecked(self) -> set[str]:
        return set()

    def _read_model(self, path: str) -> TenantModel:
        from urllib.parse import quote

        from intacct_provider.catalog.model import parse_model

        call = f"/services/core/model?name={quote(path, safe='/')}"
        response = self.send("GET", call)
        payload = answers.read(answers.Shape.OBJECT, response.status_code, response.text, method="GET", path=call)
        if "ia::result" not in payload:
            raise answers.protocol_error("has no ia::result", response.status_code, response.text, "GET", call)
        model = parse_model(path, payload["ia::result"], call=f"GET {call}")
        owned = model.owned_lists()
        if owned:  # lists the model only names: their lines are described by the owned objects' own models
            model = model.with_lists({name: self.get_model(target) for name, target in owned.items()})
        return model

    # --------------------------------------------------------------- the UI
    def test_connection(self) -> tuple[bool, str]:
        """Called by the UI's Test button: authenticate and read one GL account."""
        try:
            page = self.query("general-ledger/account", ["key", "id"], size=1)
        except Exception as exc:  # the UI shows the message; the secret is masked by Airflow and never in it
            return False, str(exc)
        total = answers.total_count(page)
        settings = self.settings
        where = f" entity {settings.entity_id}" if settings.entity_id else ""
        return True, (
            f"Connected to Sage Intacct company {settings.company_id}{where} as {settings.user_id}; "
            f"{total} GL accounts visible"
        )


def _spec(
    object: str | QuerySpec,
    fields: Any,
    filters: Any,
    filter_expression: str | None,
    order_by: Any,
    filter_parameters: Mapping[str, Any] | None,
) -> QuerySpec:
    if isinstance(object, QuerySpec):
        return object
    return QuerySpec.build(object, fields, filters, filter_expression, order_by, filter_parameters)


def _key(key: str | int) -> str:
    from intacct_provider.catalog.validation import key_path_segment

    return key_path_segment("key", key)


def _mask(secret: str | None) -> None:
    if secret:
        from airflow.sdk.log import mask_secret

        mask_secret(secret)

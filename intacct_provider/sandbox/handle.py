"""``IntacctSandbox``: start a sandbox in-process and script it from tests.

The handle owns the server thread and exposes the controls (faults, clock, payments, request log)
plus ready-made Airflow connection data, so a DAG test needs nothing but
``with IntacctSandbox() as sb: monkeypatch.setenv(*sb.airflow_env().popitem())``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from .server import API_PREFIX, SandboxHTTPServer
from .state import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_COMPANY_ID,
    DEFAULT_TOKEN_TTL,
    DEFAULT_USER_ID,
    INITIAL,
    SandboxState,
    Settings,
)
from .tenant import Tenant, load_tenant

CONN_TYPE = "sage_intacct"


def _tenant(source: Any) -> Tenant | None:
    """A tenant as the handle takes it (a file's path, its parsed JSON, a loaded one, or None), loaded."""
    if source is None or isinstance(source, Tenant):
        return source
    if isinstance(source, (str, Path)):  # a file: loaded once while it is unchanged (a fixture names it per test)
        path = Path(source).resolve()
        key = (str(path), path.stat().st_mtime_ns if path.exists() else 0)
        if key not in _LOADED:
            _LOADED[key] = load_tenant(path)
        return _LOADED[key]
    return load_tenant(source)


#: Tenant files already loaded, by path and modification time (their validators compile once).
_LOADED: dict[tuple[str, int], Tenant] = {}


class IntacctSandbox:
    """A local, stateful Sage Intacct REST server for one company.

    Constructor arguments mirror the CLI flags.  ``error_envelope`` ("nested", "top", "plain"),
    ``idempotency`` ("conflict": any reuse of an Idempotency-Key is a 409; "replay": the same body
    gets the first answer), ``id_semantics`` ("key": a transaction's id is its key; "number": its
    document number), ``require_document_numbers`` (True: no document sequencing, so a bill or
    invoice needs its number), ``bill_approval`` (True: submit leads to ``submitted``, then
    ``approve``), ``bill_approve_state`` ("approved", the answer's enum, or "posted", the
    description), ``payment_flow`` (how an AP payment gets paid out: "print" = approve, print,
    confirm; "approval" = applied once approved; "direct" = submit confirms it),
    ``payment_reverse_state`` (what reversing a confirmed AP payment leaves: "voided", the state
    enum's name, or "reversed", the reverse answer's),
    ``bulk_result_shape`` (how a mixed 207 bulk answer lists its records: "composite", "bare" or
    "atomic"), ``audit_object_id`` (what the audit trail's ``objectId`` holds: "key" or "id"),
    ``audit_trail`` ("allowed", or "refused": a 403 on every read of
    ``company-config/audit-history``) and ``null_modified_stamps`` (a new record's
    ``audit.modifiedDateTime`` stays null until it is first modified) choose between readings the
    published contract leaves open, each defaulting to the stricter.  They, like the other run-time
    settings, can be changed on a running sandbox and ``reset()`` restores the constructor's values.

    ``tenant`` describes the company's own custom fields, custom objects and user-defined
    dimensions: a tenant file's path, its parsed JSON or a loaded :class:`~.tenant.Tenant` (see
    :mod:`.tenant` for the format; ``intacct_provider/sandbox/tenants/example.json`` is one).
    ``model_service="forbidden"`` makes the model service answer 403 (a user without permission
    for it); ``model_unknown`` ("empty", the spec's answer, or "error": a 404) is how it answers a
    name it does not know; ``owned_lists`` how a model lists an object's lines ("reference": it
    names the owned object, such as ``accounts-payable/payment-detail``, whose own model describes
    them; "inline": described in place). ``relationship_id`` ("refused" or "accepted") says whether
    a custom relationship may be written by ``id``, ``relationship_missing_status`` (422 or 400)
    how one naming no record is refused.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: str = "demo",
        seed_scale: int = 1,
        *,
        latency_ms: int = 0,
        max_concurrency: int | None = None,
        token_ttl: int = DEFAULT_TOKEN_TTL,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        company_id: str = DEFAULT_COMPANY_ID,
        user_id: str = DEFAULT_USER_ID,
        invalid_token_status: int = 401,
        require_document_numbers: bool = True,
        error_envelope: str = "nested",
        idempotency: str = "conflict",
        id_semantics: str = "key",
        bill_approval: bool = True,
        bill_approve_state: str = "approved",
        payment_flow: str = "print",
        payment_reverse_state: str = "voided",
        bulk_result_shape: str = "composite",
        audit_object_id: str = "key",
        audit_trail: str = "allowed",
        null_modified_stamps: bool = False,
        tenant: Any = None,
        model_service: str = "open",
        model_unknown: str = "empty",
        owned_lists: str = "reference",
        relationship_id: str = "refused",
        relationship_missing_status: int = 422,
    ) -> None:
        self._settings = Settings(
            client_id=client_id,
            client_secret=client_secret,
            company_id=company_id,
            user_id=user_id,
            seed=seed,
            seed_scale=seed_scale,
            token_ttl=token_ttl,
            latency_ms=latency_ms,
            max_concurrency=max_concurrency,
            invalid_token_status=invalid_token_status,
            require_document_numbers=require_document_numbers,
            error_envelope=error_envelope,
            idempotency=idempotency,
            id_semantics=id_semantics,
            bill_approval=bill_approval,
            bill_approve_state=bill_approve_state,
            payment_flow=payment_flow,
            payment_reverse_state=payment_reverse_state,
            bulk_result_shape=bulk_result_shape,
            audit_object_id=audit_object_id,
            audit_trail=audit_trail,
            null_modified_stamps=null_modified_stamps,
            tenant=_tenant(tenant),
            model_service=model_service,
            model_unknown=model_unknown,
            owned_lists=owned_lists,
            relationship_id=relationship_id,
            relationship_missing_status=relationship_missing_status,
        )
        self._settings.check()
        self.host = host
        self._requested_port = port
        self._state: SandboxState | None = None
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> IntacctSandbox:
        """Seed the company, bind the port and serve from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._state = SandboxState(self._settings)
        self._server = SandboxHTTPServer((self.host, self._requested_port), self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="intacct-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; the handle can be started again."""
        if self._server is None:
            return
        self._server.close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> IntacctSandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def state(self) -> SandboxState:
        if self._state is None or self._server is None:
            raise RuntimeError("the sandbox is not running: call start() or use it as a context manager")
        return self._state

    # ------------------------------------------------------------ addresses
    @property
    def port(self) -> int:
        self.state  # noqa: B018 - raises when not running
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Root of the server (``http://127.0.0.1:PORT``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What a client uses instead of ``https://api.intacct.com/ia/api/v1``."""
        return self.url + API_PREFIX

    @property
    def client_id(self) -> str:
        return self._settings.client_id

    @property
    def client_secret(self) -> str:
        return self._settings.client_secret

    @property
    def company_id(self) -> str:
        return self._settings.company_id

    @property
    def user_id(self) -> str:
        return self._settings.user_id

    # ------------------------------------------------------ Airflow connection
    def connection(self, entity_id: str | None = None, **extra: Any) -> dict[str, Any]:
        """An Airflow connection (as a dict) pointing at this sandbox."""
        extras: dict[str, Any] = {"company_id": self.company_id, "user_id": self.user_id}
        if entity_id is not None:
            extras["entity_id"] = entity_id
        extras.update(extra)
        return {
            "conn_type": CONN_TYPE,
            "host": self.base_url,
            "login": self.client_id,
            "password": self.client_secret,
            "extra": extras,
        }

    def connection_json(self, entity_id: str | None = None, **extra: Any) -> str:
        """The connection as JSON, the form ``AIRFLOW_CONN_<ID>`` accepts."""
        return json.dumps(self.connection(entity_id, **extra))

    def connection_uri(self, entity_id: str | None = None, **extra: Any) -> str:
        """The connection as an Airflow URI; the host URL is percent-encoded so it parses back whole."""
        conn = self.connection(entity_id, **extra)
        return (
            f"{CONN_TYPE.replace('_', '-')}://{quote(conn['login'], safe='')}:{quote(conn['password'], safe='')}"
            f"@{quote(conn['host'], safe='')}?__extra__={quote(json.dumps(conn['extra']), safe='')}"
        )

    def airflow_env(self, conn_id: str = "sage_intacct_default", **kw: Any) -> dict[str, str]:
        """Environment that defines connection ``conn_id``: ``{"AIRFLOW_CONN_<ID>": json}``."""
        return {f"AIRFLOW_CONN_{conn_id.upper()}": self.connection_json(**kw)}

    # ------------------------------------------------------- run-time settings
    @property
    def error_envelope(self) -> str:
        return self.state.settings.error_envelope

    @error_envelope.setter
    def error_envelope(self, value: str) -> None:
        self.state.update(error_envelope=value)

    @property
    def idempotency(self) -> str:
        return self.state.settings.idempotency

    @idempotency.setter
    def idempotency(self, value: str) -> None:
        self.state.update(idempotency=value)

    @property
    def id_semantics(self) -> str:
        return self.state.settings.id_semantics

    @id_semantics.setter
    def id_semantics(self, value: str) -> None:
        self.state.update(id_semantics=value)

    @property
    def bill_approval(self) -> bool:
        return self.state.settings.bill_approval

    @bill_approval.setter
    def bill_approval(self, value: bool) -> None:
        self.state.update(bill_approval=value)

    @property
    def bill_approve_state(self) -> str:
        return self.state.settings.bill_approve_state

    @bill_approve_state.setter
    def bill_approve_state(self, value: str) -> None:
        self.state.update(bill_approve_state=value)

    @property
    def payment_flow(self) -> str:
        return self.state.settings.payment_flow

    @payment_flow.setter
    def payment_flow(self, value: str) -> None:
        self.state.update(payment_flow=value)

    @property
    def payment_reverse_state(self) -> str:
        """What reversing a confirmed AP payment leaves: voided (the state enum) or reversed."""
        return self.state.settings.payment_reverse_state

    @payment_reverse_state.setter
    def payment_reverse_state(self, value: str) -> None:
        self.state.update(payment_reverse_state=value)

    @property
    def bulk_result_shape(self) -> str:
        """How a mixed (207) bulk answer lists its records: composite, bare or atomic."""
        return self.state.settings.bulk_result_shape

    @bulk_result_shape.setter
    def bulk_result_shape(self, value: str) -> None:
        self.state.update(bulk_result_shape=value)

    @property
    def audit_object_id(self) -> str:
        """What the audit trail's ``objectId`` holds for entries written from now on: key or id."""
        return self.state.settings.audit_object_id

    @audit_object_id.setter
    def audit_object_id(self, value: str) -> None:
        self.state.update(audit_object_id=value)

    @property
    def audit_trail(self) -> str:
        """Whether the API user may read the audit trail: allowed, or refused (403)."""
        return self.state.settings.audit_trail

    @audit_trail.setter
    def audit_trail(self, value: str) -> None:
        self.state.update(audit_trail=value)

    @property
    def null_modified_stamps(self) -> bool:
        """Whether records created from now on keep ``audit.modifiedDateTime`` null until modified."""
        return self.state.settings.null_modified_stamps

    @null_modified_stamps.setter
    def null_modified_stamps(self, value: bool) -> None:
        self.state.update(null_modified_stamps=value)

    @property
    def model_service(self) -> str:
        """``open``, or ``forbidden``: every model-service call answers 403."""
        return self.state.settings.model_service

    @model_service.setter
    def model_service(self, value: str) -> None:
        self.state.update(model_service=value)

    @property
    def model_unknown(self) -> str:
        """How the model service answers a name it does not know: ``empty`` (``[]``) or ``error`` (404)."""
        return self.state.settings.model_unknown

    @model_unknown.setter
    def model_unknown(self, value: str) -> None:
        self.state.update(model_unknown=value)

    @property
    def owned_lists(self) -> str:
        """How a model lists an object's lines: ``reference`` (names the owned object) or ``inline``."""
        return self.state.settings.owned_lists

    @owned_lists.setter
    def owned_lists(self, value: str) -> None:
        self.state.update(owned_lists=value)

    @property
    def relationship_id(self) -> str:
        """Whether a custom relationship may be written by ``id``: ``refused`` (400) or ``accepted``."""
        return self.state.settings.relationship_id

    @relationship_id.setter
    def relationship_id(self, value: str) -> None:
        self.state.update(relationship_id=value)

    @property
    def relationship_missing_status(self) -> int:
        """The status refusing a custom relationship that names no record: 422 or 400."""
        return self.state.settings.relationship_missing_status

    @relationship_missing_status.setter
    def relationship_missing_status(self, value: int) -> None:
        self.state.update(relationship_missing_status=value)

    @property
    def tenant(self) -> Tenant | None:
        """The company's customisations in force (apply others with ``reset(tenant=...)``)."""
        return self.state.settings.tenant

    @property
    def invalid_token_status(self) -> int:
        return self.state.settings.invalid_token_status

    @invalid_token_status.setter
    def invalid_token_status(self, value: int) -> None:
        self.state.update(invalid_token_status=value)

    @property
    def require_document_numbers(self) -> bool:
        return self.state.settings.require_document_numbers

    @require_document_numbers.setter
    def require_document_numbers(self, value: bool) -> None:
        self.state.update(require_document_numbers=value)

    @property
    def max_concurrency(self) -> int | None:
        return self.state.settings.max_concurrency

    @max_concurrency.setter
    def max_concurrency(self, value: int | None) -> None:
        self.state.update(max_concurrency=value)

    @property
    def token_ttl(self) -> int:
        return self.state.settings.token_ttl

    @token_ttl.setter
    def token_ttl(self, value: int) -> None:
        self.state.update(token_ttl=value)

    # --------------------------------------------------------------- controls
    def inject(
        self,
        kind: str,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        retry_after: float | str | None = None,
        html: bool = False,
        retry_header: str = "Retry-After",
        latency_ms: int | None = None,
        after: int = 0,
        item: int = 0,
        hold: int = 1,
    ) -> None:
        """Make the next ``count`` matching requests fail (see :mod:`.faults` for the kinds).

        ``after`` lets that many matching requests through first; ``item`` is the array index an
        ``item_status`` fault hits; a ``commit_late`` request is performed just before the
        ``hold``-th later matching request.
        """
        self.state.inject(
            kind,
            count=count,
            method=method,
            path=path,
            status=status,
            retry_after=retry_after,
            html=html,
            retry_header=retry_header,
            latency_ms=latency_ms,
            after=after,
            item=item,
            hold=hold,
        )

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def expire_tokens(self) -> None:
        """Every access token issued so far is now expired; refresh tokens stay valid."""
        self.state.expire_tokens()

    def set_latency(self, ms: int) -> None:
        """Delay every API request by ``ms`` before handling it (it counts toward concurrency)."""
        self.state.update(latency_ms=ms)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request log (copies): method, path, query, headers, body, status, entity, fault."""
        return self.state.request_log()

    def clear_requests(self) -> None:
        self.state.clear_requests()

    def record_payment(self, object_path: str, key: str, amount: str | None = None) -> dict[str, Any]:
        """Pay a bill (by creating an AP payment, as Intacct does, and taking it through its workflow
        until it is paid out) or an invoice, in full when ``amount`` is None; returns the updated
        bill or invoice.  Only posted (or approved) bills can be paid."""
        return self.state.record_payment(object_path, key, amount)

    def delete_record(self, object_path: str, key: str) -> None:
        """Delete a record as a DELETE would (its audit-history entry written at the clock's time);
        ValueError if Intacct would refuse it (a bill with payments, a vendor still used)."""
        self.state.delete_record(object_path, key)

    def audit_entries(self) -> list[dict[str, Any]]:
        """Copies of the audit-history entries, oldest first, as Sage shapes them."""
        return self.state.audit_trail()

    def records(
        self, object_path: str, entity: str | None = None, *, include_private: bool = False
    ) -> list[dict[str, Any]]:
        """Copies of the stored records as a read sees them: from ``entity``, or at the top level,
        where private entities' records count only with ``include_private=True`` (Sage's
        ``filterParameters.includePrivate``, default false)."""
        return self.state.records(object_path, entity, include_private)

    def get_record(self, object_path: str, key: str) -> dict[str, Any]:
        """Copy of one stored record (KeyError if missing)."""
        return self.state.get_record(object_path, key)

    def freeze_time(self, instant: str) -> None:
        """Stop the audit clock at ``instant`` (e.g. "2026-11-26T10:00:00Z")."""
        self.state.freeze_time(instant)

    def advance_time(self, seconds: float) -> None:
        self.state.advance_time(seconds)

    def unfreeze_time(self) -> None:
        self.state.unfreeze_time()

    def reset(self, seed: str | None = None, tenant: Any = INITIAL) -> None:
        """Back to the seed (``seed`` or the constructor's) with no faults and an empty log.

        ``tenant`` (a file, its JSON or a :class:`~.tenant.Tenant`; ``None`` for none) customises the
        company after this reset; by default it is the constructor's.
        """
        self.state.reset(seed, tenant if tenant is INITIAL else _tenant(tenant))

"""Settings and the shared mutable state of one sandbox (one company), behind one lock.

The HTTP threads, the admin routes and the in-process handle all go through this object, and every
read or write of the store, tokens, faults or request log happens while holding ``lock``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

from .audit import OBJECT_ID_FIELDS, PERMISSIONS
from .auth import TokenAuthority
from .clock import Clock
from .errors import ENVELOPES, ApiError
from .faults import FaultBook, make_fault
from .idempotency import IdempotencyBook
from .model import OWNED_LISTS
from .readings import Readings
from .requestlog import readable as readable_entry
from .schema import readable, resolve_object
from .seed import SEEDS, build_store
from .store import ID_SEMANTICS, Store, copy_record
from .tenant import Tenant

DEFAULT_CLIENT_ID = "sandbox-client-id"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - the documented sandbox default
DEFAULT_COMPANY_ID = "SANDBOX-CO"
DEFAULT_USER_ID = "sandbox-api-user"
DEFAULT_TOKEN_TTL = 43200
IDEMPOTENCY = ("conflict", "replay")
#: ``reset()``'s default tenant: the one the sandbox was started with.
INITIAL = object()
#: Readings of a mixed (207) bulk answer; see :mod:`.bulk`.
BULK_SHAPES = ("composite", "bare", "atomic")
#: The model service answers (``open``) or refuses every call with 403 (``forbidden``).
MODEL_SERVICE = ("open", "forbidden")
#: How the model service answers a name it does not know: an empty list (the spec) or a 404.
MODEL_UNKNOWN = ("empty", "error")
#: Whether a custom relationship may be written by ``id`` (``refused``: ``key`` only).
RELATIONSHIP_ID = ("refused", "accepted")
#: The status refusing a custom relationship that names no record.
RELATIONSHIP_MISSING_STATUS = (422, 400)


@dataclass
class Settings:
    """Everything configurable from the CLI or constructor; ``reset()`` returns to these values."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    company_id: str = DEFAULT_COMPANY_ID
    user_id: str = DEFAULT_USER_ID
    seed: str = "demo"
    seed_scale: int = 1
    token_ttl: int = DEFAULT_TOKEN_TTL
    latency_ms: int = 0
    max_concurrency: int | None = None
    invalid_token_status: int = 401
    error_envelope: str = "nested"
    # Unknowns of the contract, each defaulting to the stricter reading (README: "Sandbox: what
    # follows Sage's contract, and the switches for what is unknown").
    require_document_numbers: bool = True  # no document sequencing: billNumber/invoiceNumber required
    idempotency: str = "conflict"  # any reuse of an Idempotency-Key -> 409; "replay": same body replays
    id_semantics: str = "key"  # a transaction's id is its key; "number": its document number
    bill_approval: bool = True  # submit -> submitted (then approve); False: straight to posted
    bill_approve_state: str = "approved"  # a bill's approve answers "approved" (spec enum); "posted"
    payment_flow: str = "print"  # AP payment: approve, print, confirm ("print"), "approval", "direct"
    payment_reverse_state: str = "voided"  # a reversed confirmed AP payment: "voided" (state enum); "reversed"
    bulk_result_shape: str = "composite"  # per-record shape of a mixed (207) bulk answer
    audit_object_id: str = "key"  # the audit trail's objectId: the record's key; "id": its id
    audit_trail: str = "allowed"  # the API user may read the audit trail; "refused": 403
    null_modified_stamps: bool = False  # a new record's audit.modifiedDateTime stays null until modified
    #: The company's own custom fields, custom objects and dimensions (``--tenant FILE``).
    tenant: Tenant | None = None
    model_service: str = "open"  # "forbidden": the model service answers 403 (custom fields then unchecked)
    model_unknown: str = "empty"  # a name the model service does not know: [] (the spec) or "error" (404)
    owned_lists: str = "reference"  # a list of lines in a model names its owned object; "inline": described in place
    relationship_id: str = "refused"  # a custom relationship written by id -> 400; "accepted"
    relationship_missing_status: int = 422  # a custom relationship naming no record; or 400

    @property
    def readings(self) -> Readings:
        """The readings records follow (the store's copy is kept in step by :class:`SandboxState`)."""
        return Readings(self.bill_approval, self.bill_approve_state, self.payment_flow, self.payment_reverse_state)

    def check(self) -> None:
        """Refuse impossible settings up front rather than misbehaving on the wire."""
        if self.seed not in SEEDS:
            raise ValueError(f"seed must be one of {', '.join(SEEDS)}")
        if self.idempotency not in IDEMPOTENCY:
            raise ValueError(f"idempotency must be one of {', '.join(IDEMPOTENCY)}")
        if self.id_semantics not in ID_SEMANTICS:
            raise ValueError(f"id_semantics must be one of {', '.join(ID_SEMANTICS)}")
        if self.error_envelope not in ENVELOPES:
            raise ValueError(f"error_envelope must be one of {', '.join(ENVELOPES)}")
        if self.bulk_result_shape not in BULK_SHAPES:
            raise ValueError(f"bulk_result_shape must be one of {', '.join(BULK_SHAPES)}")
        self.readings.check()
        if self.audit_object_id not in OBJECT_ID_FIELDS:
            raise ValueError(f"audit_object_id must be one of {', '.join(OBJECT_ID_FIELDS)}")
        if self.audit_trail not in PERMISSIONS:
            raise ValueError(f"audit_trail must be one of {', '.join(PERMISSIONS)}")
        if self.model_service not in MODEL_SERVICE:
            raise ValueError(f"model_service must be one of {', '.join(MODEL_SERVICE)}")
        if self.model_unknown not in MODEL_UNKNOWN:
            raise ValueError(f"model_unknown must be one of {', '.join(MODEL_UNKNOWN)}")
        if self.owned_lists not in OWNED_LISTS:
            raise ValueError(f"owned_lists must be one of {', '.join(OWNED_LISTS)}")
        if self.relationship_id not in RELATIONSHIP_ID:
            raise ValueError(f"relationship_id must be one of {', '.join(RELATIONSHIP_ID)}")
        if self.relationship_missing_status not in RELATIONSHIP_MISSING_STATUS:
            raise ValueError("relationship_missing_status must be 422 or 400")
        if self.invalid_token_status not in (400, 401):
            raise ValueError("invalid_token_status must be 400 or 401")
        if self.max_concurrency is not None and self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if self.token_ttl < 1 or self.latency_ms < 0 or self.seed_scale < 1:
            raise ValueError("token_ttl and seed_scale must be positive, latency_ms not negative")


class SandboxState:
    """Store, tokens, faults, idempotency keys, request log and in-flight count of one company."""

    def __init__(self, settings: Settings) -> None:
        settings.check()
        self.lock = threading.RLock()
        self.initial = settings
        self.settings = replace(settings)
        self.clock = Clock()
        self.auth = TokenAuthority()
        self.faults = FaultBook()
        self.idempotency = IdempotencyBook(self.clock)
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.web_origin: str | None = None
        self.store = self._build(settings)

    def set_web_origin(self, origin: str) -> None:
        """The server's ``http://host:port``, once bound: what the records' ``webURL`` starts with."""
        with self.lock:
            self.web_origin = origin
            self.store.set_web_origin(origin)

    def _build(self, settings: Settings) -> Store:
        store = build_store(settings.seed, settings.seed_scale, self.clock, settings.user_id, settings.id_semantics)
        if settings.tenant is not None:
            store.apply_tenant(settings.tenant)
        _apply_store_settings(store, settings)
        if self.web_origin is not None:
            store.set_web_origin(self.web_origin)
        return store

    def reset(self, seed: str | None = None, tenant: Tenant | object | None = INITIAL) -> None:
        """Back to the seed with the initial settings: no faults, keys, log or frozen clock.

        ``tenant``: the company's customisations after this reset (``None``: none; by default those
        the sandbox was started with). Issued tokens stay valid, so a client that cached one keeps
        working across tests.
        """
        chosen = self.initial.tenant if tenant is INITIAL else tenant
        assert chosen is None or isinstance(chosen, Tenant)
        settings = replace(self.initial, seed=seed or self.initial.seed, tenant=chosen)
        settings.check()
        self.unfreeze_time()  # first: the seed dates yesterday's records by the real clock, not a frozen one
        store = self._build(settings)
        with self.lock:
            self.settings = settings
            self.store = store
            self.faults.clear()
            self.idempotency.clear()
            self.requests.clear()
            self.clock.unfreeze()

    def update(self, **changes: Any) -> None:
        """Change settings at run time (tests switching envelope, token status, ...)."""
        if "tenant" in changes:
            raise ValueError("a tenant changes the company's objects: apply it with reset(tenant=...)")
        with self.lock:
            candidate = replace(self.settings, **changes)
            candidate.check()
            self.settings = candidate
            if candidate.id_semantics != self.store.id_semantics:
                self.store.set_id_semantics(candidate.id_semantics)
            _apply_store_settings(self.store, candidate)

    def admit(self) -> bool:
        """Count a request in, unless the company already has ``max_concurrency`` in flight."""
        with self.lock:
            limit = self.settings.max_concurrency
            if limit is not None and self.in_flight >= limit:
                return False
            self.in_flight += 1
            return True

    def release(self) -> None:
        with self.lock:
            self.in_flight -= 1

    # ------------------------------------------------ controls (handle and admin routes)
    def inject(self, kind: str, **options: Any) -> dict[str, Any]:
        fault = make_fault(kind, **options)
        with self.lock:
            self.faults.add(fault)
        return fault.as_dict()

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def pending_faults(self) -> list[dict[str, Any]]:
        with self.lock:
            return self.faults.pending()

    def expire_tokens(self) -> None:
        with self.lock:
            self.auth.expire_all()

    def log(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)

    def request_log(self) -> list[dict[str, Any]]:
        with self.lock:
            return [readable_entry(entry) for entry in self.requests]

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    def delete_record(self, path: str, key: str) -> None:
        """Delete a record through the store's write path (its audit-history entry included);
        ValueError if Intacct would refuse it.  ``path`` may be a name (``bill``)."""
        path = resolve_object(path, self.store.objects)
        with self.lock:
            try:
                self.store.delete(path, key, None)
            except ApiError as error:
                raise ValueError(error.message) from None

    def audit_trail(self) -> list[dict[str, Any]]:
        """Copies of the audit-history entries, oldest first (whatever the read permission)."""
        with self.lock:
            return [copy_record(entry) for entry in self.store.audit.entries]

    def record_payment(self, path: str, key: str, amount: str | None = None) -> dict[str, Any]:
        """Pay a bill (through an AP payment record) or an invoice, in full (``amount`` None) or in
        part; returns the updated bill or invoice, ValueError if refused.  ``path`` may be a name (``bill``)."""
        path = resolve_object(path, self.store.objects)
        with self.lock:
            try:
                return copy_record(readable(self.store.table(path).obj, self.store.pay(path, key, amount)))
            except ApiError as error:
                raise ValueError(error.message) from None

    def records(self, path: str, entity: str | None = None, include_private: bool = False) -> list[dict[str, Any]]:
        """Copies of the records as the API would answer them (no writeOnly fields)."""
        path = resolve_object(path, self.store.objects)
        with self.lock:
            try:
                obj = self.store.table(path).obj
                return [copy_record(readable(obj, rec)) for rec in self.store.visible(path, entity, include_private)]
            except ApiError as error:
                raise ValueError(error.message) from None

    def get_record(self, path: str, key: str) -> dict[str, Any]:
        path = resolve_object(path, self.store.objects)
        with self.lock:
            try:
                return copy_record(readable(self.store.table(path).obj, self.store.get(path, key, None)))
            except ApiError as error:
                raise KeyError(error.message) from None

    def freeze_time(self, instant: str) -> None:
        with self.lock:
            self.clock.freeze(instant)

    def advance_time(self, seconds: float) -> None:
        with self.lock:
            self.clock.advance(seconds)

    def unfreeze_time(self) -> None:
        with self.lock:
            self.clock.unfreeze()

    def now(self) -> str:
        with self.lock:
            return self.clock.stamp()


def _apply_store_settings(store: Store, settings: Settings) -> None:
    """The run-time settings the store itself reads (what the trail's objectId holds, null stamps)."""
    store.audit.object_id = settings.audit_object_id
    store.null_modified_stamps = settings.null_modified_stamps
    store.readings = settings.readings
    store.relationship_id = settings.relationship_id
    store.relationship_missing_status = settings.relationship_missing_status

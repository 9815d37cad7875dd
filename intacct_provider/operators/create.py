"""Create operators: any registered object, and the named ones (bills, invoices, journal entries...).

(The payload, validation and schema modules are imported when a task runs, not when a DAG is parsed.)

``IntacctCreateRecordOperator(object=..., record=...)`` creates any registered
object: the registry entry maps ``record`` to a body (or takes it as the body),
``extra_fields`` adds fields the mapping does not model, and the whole body is
validated against Sage's contract before anything is sent. The named operators
are the same operator with the object filled in and the record's keys as their
own (templated) arguments. What makes every create safe to retry, whether
inside the task or as an Airflow task retry:

1. Every create sends an ``Idempotency-Key``, derived by default from the DAG,
   task, run and map index, so every try of one task instance sends the same key.
2. The key, and the created record's key once known, are kept in
   ``context["task_state_store"]`` (Airflow 3.3+), which survives task retries;
   a retry whose record is already known reads it back instead of posting.
3. A lost answer is settled by looking the record up by its natural key (vendor
   + bill number, customer + invoice number, vendor/customer id, a journal
   entry's journal, date, description and lines), never by a blind second post.
   Sage documents a reused idempotency key as a 409, so a replay is only a bonus
   where a tenant offers one.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any, ClassVar

from intacct_provider.catalog.registry import (
    AP_PAYMENT,
    BILL,
    CUSTOMER,
    INVOICE,
    JOURNAL_ENTRY,
    VENDOR,
    IntacctObject,
    entry,
)
from intacct_provider.operators.asset_events import IntacctAssetMixin
from intacct_provider.operators.base import IntacctBaseOperator
from intacct_provider.operators.lineage import IntacctLineageMixin
from intacct_provider.operators.links import IntacctRecordLink

if TYPE_CHECKING:
    from airflow.sdk import Context

#: Name of this operator's entry in ``task_state_store``; renaming it breaks in-flight retries.
STATE_KEY = "intacct_create"


def default_idempotency_key(context: Context) -> str:
    """Stable for every try of one task instance, distinct across runs and mapped instances."""
    ti = context["ti"]
    map_index = getattr(ti, "map_index", -1)
    if map_index is None:
        map_index = -1
    identity = f"{ti.dag_id}|{ti.task_id}|{ti.run_id}|{map_index}"
    return "airflow-" + hashlib.sha256(identity.encode()).hexdigest()[:40]


class IntacctCreateRecordOperator(IntacctAssetMixin, IntacctLineageMixin, IntacctBaseOperator):
    """Create one record of any registered object; returns ``{"ia::result": {"href", "id", "key"}}``.

    :param object: registry name (``"vendor"``, ``"bill"``...) or a custom object (``"nsp::cip_asset"``);
        not templated (it decides the arguments).
    :param record: the object's arguments (a mapping or JSON text), e.g. ``{"vendor_id": "V-1",
        "name": "Acme"}`` for a vendor; for an object without a payload mapping (a custom object), the
        Intacct body itself.
    :param extra_fields: Intacct fields the operator does not model (``{"term": {"id": "N30"}}``,
        custom fields such as ``{"nsp::APPROVER": "jdoe"}``), merged into the body; standard fields are
        checked against Sage's contract, custom ones against the company's model when the task runs.
    :param idempotency_key: override the derived key (templated), e.g. an upstream
        document id, so a re-run of the same source document never creates twice.
    :param emit_asset: add the object's asset to ``outlets``
        (see :class:`~intacct_provider.operators.asset_events.IntacctAssetMixin`);
        its event's ``extra`` is ``{"keys", "count"}``.
    :param web_link: read the created record's ``webURL`` for the task's "Intacct record" link in
        the Airflow UI (one more request, a billed API transaction; objects without ``webURL`` make
        none); ``False``: no link, no request.
    """

    intacct_object: ClassVar[IntacctObject | None] = None
    operator_extra_links = (IntacctRecordLink(),)
    #: The record's keys, as the named operators take them (their templated arguments).
    arguments: ClassVar[tuple[str, ...]] = ()
    template_fields: tuple[str, ...] = (
        *IntacctBaseOperator.template_fields,
        "record",
        "extra_fields",
        "idempotency_key",
        "web_link",
    )
    not_templated: ClassVar[dict[str, str]] = {
        "object": "it decides which arguments the operator takes, when the DAG is parsed",
    }
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "record": "json",
        "extra_fields": "json",
        "line_items": "json",
        "lines": "json",
        "bills": "json",
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.arguments and "record" in cls.template_fields:
            kept = tuple(name for name in cls.template_fields if name != "record")
            cls.template_fields = (*kept, *cls.arguments)

    def __init__(
        self,
        *,
        object: str | None = None,
        record: Any = None,
        extra_fields: Any = None,
        idempotency_key: str | None = None,
        web_link: Any = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.web_link = web_link
        if self.intacct_object is not None and (object is not None or record is not None):
            from intacct_provider.exceptions import IntacctArgumentError

            given = "object" if object is not None else "record"
            raise IntacctArgumentError(
                f"{type(self).__name__}(task_id={self.task_id!r})",
                [f"unknown argument {given!r}: this operator creates {self.intacct_object.label}s, whose fields "
                 f"are its own arguments ({', '.join(self.arguments)})"],
            )  # fmt: skip
        self.object = (self.intacct_object or entry(object or "")).name
        self.record = record
        self.extra_fields = extra_fields
        self.idempotency_key = idempotency_key
        self.declare_asset(self.object)

    def _keep(self, arguments: dict[str, Any]) -> None:
        """Store a named operator's arguments as attributes (its ``__init__`` passes ``locals()``)."""
        for name in self.arguments:
            setattr(self, name, arguments[name])

    def record_name(self) -> str:
        """``AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02``: what the user typed, for every error."""
        from intacct_provider.catalog.naming import record_name

        obj = entry(self.object)
        if self.arguments:
            given: Any = {name: getattr(self, name, None) for name in self.arguments}
        else:
            given = self.record if isinstance(self.record, dict) else None
        return record_name(obj.label, given, master=obj.natural_key == ("id",))

    def record_arguments(self) -> dict[str, Any]:
        """The record's arguments: the named operator's own, or the ``record`` mapping."""
        from intacct_provider.catalog.validation import parse_json
        from intacct_provider.exceptions import IntacctValidationError

        if self.arguments:
            return {name: getattr(self, name) for name in self.arguments}
        record = parse_json("record", self.record)
        if not isinstance(record, dict) or not record:
            raise IntacctValidationError("record", "a non-empty mapping of the object's fields", self.record)
        return record

    def build_payload(self) -> dict[str, Any]:
        """The checked Intacct body: mapped arguments plus ``extra_fields``, valid by the contract (no I/O)."""
        import inspect

        from intacct_provider.catalog.body_check import check_body, merge_extra_fields
        from intacct_provider.catalog.validation import parse_json
        from intacct_provider.exceptions import IntacctValidationError

        obj = entry(self.object)
        arguments = self.record_arguments()
        mapping = obj.payload_function()
        if mapping is None:
            body = dict(arguments)
        else:
            accepted = inspect.signature(mapping).parameters
            unknown = sorted(set(arguments) - set(accepted))
            if unknown:
                raise IntacctValidationError(
                    f"record.{unknown[0]}", f"one of {', '.join(accepted)}", None, show_value=False
                )
            missing = [n for n, p in accepted.items() if p.default is inspect.Parameter.empty and n not in arguments]
            if missing:  # e.g. an AP payment's payment_method: required, never guessed
                raise IntacctValidationError(f"record.{missing[0]}", "a value (it is required)", None, show_value=False)
            body = mapping(**arguments)
        body = merge_extra_fields(body, self.extra_fields)
        check_body(obj, body, extra=parse_json("extra_fields", self.extra_fields))
        return body

    def tenant_payload(self, obj: IntacctObject, payload: dict[str, Any]) -> dict[str, Any]:
        """The body checked against the company's own model where it needs it (custom fields, a custom object).

        Reading the model is a read, made in ``execute()`` before the create; the standard fields
        were checked against Sage's published schema by :meth:`build_payload` without a request.
        """
        from intacct_provider.catalog.body_check import argument_name
        from intacct_provider.catalog.custom_fields import with_model
        from intacct_provider.catalog.validation import parse_json

        extra = parse_json("extra_fields", self.extra_fields)
        return with_model(
            lambda: self.hook.model_for_check(obj.path),
            obj.path,
            payload,
            name=lambda path: argument_name(obj, path, extra),
            label=obj.label,
        )

    def execute(self, context: Context) -> dict[str, dict[str, Any]]:
        from intacct_provider.catalog.validation import check_header_value
        from intacct_provider.operators.asset_events import writes_extra
        from intacct_provider.operators.links import link_record
        from intacct_provider.operators.workflow import check_flag

        obj = entry(self.object)
        payload = self.tenant_payload(obj, self.build_payload())
        fetch_link = check_flag("web_link", self.web_link)
        assets = self.intacct_outlets(obj.path)  # checked before any request
        given = self.idempotency_key
        key = check_header_value("idempotency_key", given) if given else default_idempotency_key(context)
        store = context.get("task_state_store")
        remembered = store.get(STATE_KEY, None) if store is not None else None
        state: dict[str, Any] = remembered if isinstance(remembered, dict) else {}
        record = state.get("record")
        if isinstance(record, dict) and state.get("idempotency_key") == key:
            self.log.info("An earlier try created %s %s; reading it back", obj.label, record.get("key"))
            found = self.hook.get_record(obj.path, str(record["key"]))
            reference = {"href": found.get("href"), "id": found.get("id"), "key": str(found.get("key"))}
            link_record(self, context, obj.path, reference["key"], record=found)
        else:
            # An earlier try that stored this key but no record may have created it before dying.
            # When it began posting (wall clock, so a retry on another worker can tell): the content
            # look-up of a record with no natural key considers only records created since.
            resumed = state.get("idempotency_key") == key
            posted_at = state.get("posted_at") if resumed else time.time()
            if store is not None and not resumed:
                store.set(STATE_KEY, {"idempotency_key": key, "record": None, "posted_at": posted_at})
            reference = self.hook.create_record(
                obj.path, payload, idempotency_key=key, lookup=obj.lookup_filters(payload), resumed=resumed,
                posted_at=posted_at if isinstance(posted_at, (int, float)) else None,
            )  # fmt: skip
            state = {"idempotency_key": key, "record": reference}
            if store is not None:
                store.set(STATE_KEY, state)
            self.log.info("Created %s %s (key %s)", obj.label, reference.get("id"), reference.get("key"))
            link_record(self, context, obj.path, reference["key"], fetch=fetch_link)
        self.after_create(context, reference, state)
        self.emit_assets(context, assets, writes_extra([reference["key"]]))
        self.record_lineage(obj.path, "output", fields=list(payload))
        return {"ia::result": {"href": reference.get("href"), "id": reference.get("id"), "key": reference["key"]}}

    def after_create(self, context: Context, reference: dict[str, Any], state: dict[str, Any]) -> None:
        """Run once the record exists (also on a retry that found it); a draft is submitted here."""


class _CreateThenSubmit(IntacctCreateRecordOperator):
    """A create whose record is a draft until submitted: ``submit=True`` submits it through its
    documented workflow (``/workflows/<object>/submit``) once it exists, never through the
    deprecated ``action`` field of the body.

    Retry-safe: the submission is remembered in ``task_state_store`` and, before submitting, the
    record's state is read: a record already submitted (or past that, as a tenant without
    approvals takes it) is not submitted again.
    """

    template_fields = (*IntacctCreateRecordOperator.template_fields, "submit")
    submit: Any = False

    def build_payload(self) -> dict[str, Any]:
        from intacct_provider.operators.workflow import check_flag

        check_flag("submit", self.submit)  # before any request, like every other argument
        return super().build_payload()

    def after_create(self, context: Context, reference: dict[str, Any], state: dict[str, Any]) -> None:
        from intacct_provider.operators.workflow import check_flag, run_workflow

        if not check_flag("submit", self.submit) or state.get("submitted"):
            return
        run_workflow(self.hook, entry(self.object), "submit", reference["key"], {}, self.log)
        store = context.get("task_state_store")
        if store is not None:
            store.set(STATE_KEY, {**state, "submitted": True})


class IntacctCreateBillOperator(_CreateThenSubmit):
    """Create an AP bill (a draft, as Sage documents; ``submit=True`` submits it too).

    :param vendor_id: vendor ID (``VEND-100``).
    :param date_created: bill date, ``YYYY-MM-DD``.
    :param date_due: due date, ``YYYY-MM-DD``, not before ``date_created``.
    :param line_items: list (or JSON text) of ``{"glaccountno", "amount", "memo"}`` plus optional
        dimension ids ``locationid``, ``departmentid``, ``classid``, ``projectid``, ``customerid``,
        ``vendorid``, ``employeeid``, ``itemid`` (sent as ``dimensions.<dimension>.id``). Sage
        requires a location on every bill line unless the tenant defaults one.
    :param bill_number: the vendor's bill number (unique per vendor); left to Intacct's numbering if
        empty. A number lets a lost create be settled by looking it up; without one only the
        idempotency key protects it.
    :param currency: ISO code (``"USD"``), sent as ``currency.txnCurrency`` (required by Sage unless
        the tenant defaults it).
    :param submit: submit the bill after creating it (``/workflows/accounts-payable/bill/submit``);
        retry-safe: a retry whose bill is already submitted or posted does not submit it again.
    """

    intacct_object = BILL
    arguments = ("vendor_id", "date_created", "date_due", "line_items", "bill_number", "reference_number",
                 "description", "currency")  # fmt: skip

    def __init__(
        self,
        *,
        vendor_id: str,
        date_created: str,
        date_due: str,
        line_items: Any,
        bill_number: str | None = None,
        reference_number: str | None = None,
        description: str | None = None,
        currency: str | None = None,
        submit: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._keep(locals())
        self.submit = submit


class IntacctCreateInvoiceOperator(IntacctCreateRecordOperator):
    """Create an AR invoice (same line format as bills; Sage posts invoices on creation).

    :param customer_id: customer ID (``CUST-100``).
    :param date_created: invoice date, ``YYYY-MM-DD``.
    :param date_due: due date, ``YYYY-MM-DD``.
    :param invoice_number: unique per customer; left to Intacct's numbering if empty.
    :param currency: ISO code (``"USD"``), sent as ``currency.txnCurrency``.
    """

    intacct_object = INVOICE
    arguments = ("customer_id", "date_created", "date_due", "line_items", "invoice_number", "reference_number",
                 "description", "currency")  # fmt: skip

    def __init__(
        self,
        *,
        customer_id: str,
        date_created: str,
        date_due: str,
        line_items: Any,
        invoice_number: str | None = None,
        reference_number: str | None = None,
        description: str | None = None,
        currency: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._keep(locals())


class IntacctCreateJournalEntryOperator(IntacctCreateRecordOperator):
    """Create a GL journal entry; lines must balance (checked before sending).

    :param journal_id: GL journal (``GJ``).
    :param posting_date: ``YYYY-MM-DD`` (must fall in an open period in Intacct).
    :param lines: ``{"glaccountno", "amount", "tr_type": "debit"|"credit", "memo"}`` plus dimension ids;
        amounts are absolute (the direction is ``tr_type``), ``memo`` is sent as the line's ``description``.
    :param description: required by Intacct; with the journal, date and lines it identifies the entry
        when a create's answer is lost.
    """

    intacct_object = JOURNAL_ENTRY
    arguments = ("journal_id", "posting_date", "lines", "description")

    def __init__(
        self, *, journal_id: str, posting_date: str, lines: Any, description: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._keep(locals())


class IntacctCreateVendorOperator(IntacctCreateRecordOperator):
    """Create an AP vendor. :param vendor_id: the new vendor's ID. :param name: its name."""

    intacct_object = VENDOR
    arguments = ("vendor_id", "name")

    def __init__(self, *, vendor_id: str, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._keep(locals())


class IntacctCreateCustomerOperator(IntacctCreateRecordOperator):
    """Create an AR customer. :param customer_id: the new customer's ID. :param name: its name."""

    intacct_object = CUSTOMER
    arguments = ("customer_id", "name")

    def __init__(self, *, customer_id: str, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._keep(locals())


class IntacctCreatePaymentOperator(_CreateThenSubmit):
    """Pay AP bills the documented way: an AP payment whose ``details`` name each bill and amount.

    Sage creates an AP payment as a ``draft``: it pays nothing until it goes through its workflow
    (submit, then as the company is configured approve, print, confirm). ``submit=True`` submits it
    after the create; the later steps are :class:`~intacct_provider.operators.workflow.IntacctWorkflowOperator`
    with ``object="ap_payment"`` (each skips a step the payment is already past). No natural key: a
    lost answer is settled by looking up an identical payment created since the first POST (vendor,
    bank account, method, currency, memo, check number, amount per bill).

    :param vendor_id: the vendor paid.
    :param bank_account_id: the checking account paid from (``financialEntity.entityId``).
    :param payment_date: ``YYYY-MM-DD`` (sent as ``paymentDate``; Intacct never returns it).
    :param bills: ``[{"key": <bill key>, "amount": "1250.00"}]`` (a list or JSON text).
    :param payment_method: required, sent exactly as given: the method as your company names it
        (Sage's examples: ``"Printed Check"``, ``"creditCard"``; its schema lists no values).
    :param currency: ISO code (default ``USD``).
    :param description: the payment's memo. :param document_number: check or transaction number.
    :param submit: submit the payment after creating it (``/workflows/accounts-payable/payment/submit``).
    """

    intacct_object = AP_PAYMENT
    arguments = ("vendor_id", "bank_account_id", "payment_date", "bills", "payment_method", "currency",
                 "description", "document_number")  # fmt: skip

    def __init__(
        self,
        *,
        vendor_id: str,
        bank_account_id: str,
        payment_date: str,
        bills: Any,
        payment_method: str,
        currency: str = "USD",
        description: str | None = None,
        document_number: str | None = None,
        submit: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._keep(locals())
        self.submit = submit

"""Create operators: any registered object, and the named ones (bills, invoices, journal entries...).

(What a create runs, :mod:`intacct_provider.operators.execute.create`, is imported when a task runs,
not when a DAG is parsed.)

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
3. A lost answer, a 5xx or a 409 is settled by the write engine
   (:mod:`intacct_provider.hooks.writes`, the bulk operators' too): the record is
   looked up by its natural key (vendor + bill number, customer + invoice number,
   vendor/customer id, a journal entry's journal, date, description and lines) or,
   with none, by content, never by a blind second post. Sage documents a reused
   idempotency key as a 409, so a replay is only a bonus where a tenant offers one.
4. A record found identical that was there before this task sent it (an earlier
   run made it) is adopted, not created again: the log says so and the XCom has
   ``"adopted": true``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from intacct_provider.operators.asset_events import IntacctAssetMixin
from intacct_provider.operators.base import IntacctBaseOperator
from intacct_provider.operators.lineage import IntacctLineageMixin
from intacct_provider.operators.links import IntacctRecordLink

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct_provider.catalog.registry import IntacctObject


class IntacctCreateRecordOperator(IntacctAssetMixin, IntacctLineageMixin, IntacctBaseOperator):
    """Create one record of any registered object; returns ``{"ia::result": {"href", "id", "key"}, "adopted": bool}``.

    ``adopted`` is true when an identical record made by an earlier run was found instead (a re-run
    of the same bill number, say): nothing new was created, and the log says so.

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

    #: The object a named operator creates: its registry name (the registry is read when one is built) or entry.
    intacct_object: ClassVar[str | IntacctObject | None] = None
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
    #: Submit the record once created: only the draft operators (bill, payment) take it as an argument.
    submit: Any = False
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
        from intacct_provider.catalog.registry import entry

        self.web_link = web_link
        if self.intacct_object is not None and (object is not None or record is not None):
            from intacct_provider.exceptions import IntacctArgumentError

            given = "object" if object is not None else "record"
            raise IntacctArgumentError(
                f"{type(self).__name__}(task_id={self.task_id!r})",
                [f"unknown argument {given!r}: this operator creates {entry(self.intacct_object).label}s, whose "
                 f"fields are its own arguments ({', '.join(self.arguments)})"],
            )  # fmt: skip
        self.object = entry(self.intacct_object or object or "").name
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
        from intacct_provider.operators.execute.create import create_record_name

        return create_record_name(self)

    def build_payload(self) -> dict[str, Any]:
        """The checked Intacct body: mapped arguments plus ``extra_fields``, valid by the contract (no I/O)."""
        from intacct_provider.operators.execute.create import build_payload

        return build_payload(self)

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct_provider.operators.execute.create import run_create

        return run_create(self, context)


class _CreateThenSubmit(IntacctCreateRecordOperator):
    """A create whose record is a draft until submitted: ``submit=True`` submits it through its
    documented workflow (``/workflows/<object>/submit``) once it exists, never through the
    deprecated ``action`` field of the body.

    Retry-safe: the submission is remembered in ``task_state_store`` and, before submitting, the
    record's state is read: a record already submitted (or past that, as a tenant without
    approvals takes it) is not submitted again.
    """

    template_fields = (*IntacctCreateRecordOperator.template_fields, "submit")


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

    intacct_object = "bill"
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

    intacct_object = "invoice"
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

    intacct_object = "journal_entry"
    arguments = ("journal_id", "posting_date", "lines", "description")

    def __init__(
        self, *, journal_id: str, posting_date: str, lines: Any, description: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._keep(locals())


class IntacctCreateVendorOperator(IntacctCreateRecordOperator):
    """Create an AP vendor. :param vendor_id: the new vendor's ID. :param name: its name."""

    intacct_object = "vendor"
    arguments = ("vendor_id", "name")

    def __init__(self, *, vendor_id: str, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._keep(locals())


class IntacctCreateCustomerOperator(IntacctCreateRecordOperator):
    """Create an AR customer. :param customer_id: the new customer's ID. :param name: its name."""

    intacct_object = "customer"
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

    intacct_object = "ap_payment"
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

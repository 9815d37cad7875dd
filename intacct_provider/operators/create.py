"""Create operators: bills, invoices, journal entries, vendors, customers.

(The payload and validation modules are imported when a task runs, not when a DAG is parsed.)

Each one is thin: check the arguments and map them to an Intacct body
(``payloads``), then one retry-safe ``create_record`` call. What makes them
safe to retry, whether inside the task or as an Airflow task retry:

1. Every create sends an ``Idempotency-Key``, derived by default from the DAG,
   task, run and map index, so every try of one task instance sends the same key.
2. The key, and the created record's key once known, are kept in
   ``context["task_state_store"]`` (Airflow 3.3+), which survives task retries;
   a retry whose record is already known reads it back instead of posting.
3. A lost answer is settled by looking the record up (vendor + bill number,
   customer + invoice number, vendor/customer id) or replaying the same
   idempotency key, never by a blind second post. On Airflow without
   ``task_state_store`` this step alone prevents duplicates.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, ClassVar

from intacct_provider.objects import BILL, CUSTOMER, INVOICE, JOURNAL_ENTRY, VENDOR, IntacctObject
from intacct_provider.operators.base import IntacctBaseOperator

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


class IntacctCreateOperator(IntacctBaseOperator):
    """Base of the create operators; returns ``{"ia::result": {"href", "id", "key"}}``.

    :param idempotency_key: override the derived key (templated), e.g. an upstream
        document id, so a re-run of the same source document never creates twice.
    """

    intacct_object: ClassVar[IntacctObject]
    template_fields: tuple[str, ...] = (*IntacctBaseOperator.template_fields, "idempotency_key")
    template_fields_renderers: ClassVar[dict[str, str]] = {"line_items": "json", "lines": "json"}

    def __init__(self, *, idempotency_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.idempotency_key = idempotency_key

    def build_payload(self) -> dict[str, Any]:
        """The checked Intacct body; subclasses map their arguments here (no I/O)."""
        raise NotImplementedError

    def execute(self, context: Context) -> dict[str, dict[str, Any]]:
        from intacct_provider.payloads import natural_key_filters
        from intacct_provider.validation import check_header_value

        obj = self.intacct_object
        payload = self.build_payload()
        given = self.idempotency_key
        key = check_header_value("idempotency_key", given) if given else default_idempotency_key(context)
        store = context.get("task_state_store")
        remembered = store.get(STATE_KEY, None) if store is not None else None
        state: dict[str, Any] = remembered if isinstance(remembered, dict) else {}
        record = state.get("record")
        if isinstance(record, dict) and state.get("idempotency_key") == key:
            self.log.info("An earlier try created %s %s; reading it back", obj.label, record.get("key"))
            found = self.hook.get_record(obj.path, str(record["key"]), fields=["key", "id", "href"])
            return {"ia::result": {"href": found.get("href"), "id": found.get("id"), "key": str(found.get("key"))}}
        # An earlier try that stored this key but no record may have created it before dying.
        resumed = state.get("idempotency_key") == key
        if store is not None and not resumed:
            store.set(STATE_KEY, {"idempotency_key": key, "record": None})
        reference = self.hook.create_record(
            obj.path, payload, idempotency_key=key, lookup=natural_key_filters(obj, payload), resumed=resumed
        )
        if store is not None:
            store.set(STATE_KEY, {"idempotency_key": key, "record": reference})
        self.log.info("Created %s %s (key %s)", obj.label, reference.get("id"), reference.get("key"))
        return {"ia::result": {"href": reference.get("href"), "id": reference.get("id"), "key": reference["key"]}}


class _DocumentCreateOperator(IntacctCreateOperator):
    """Shared arguments of bills and invoices (dates, lines, numbers)."""

    template_fields = (
        *IntacctCreateOperator.template_fields,
        "date_created",
        "date_due",
        "line_items",
        "reference_number",
        "description",
    )

    def __init__(
        self,
        *,
        date_created: str,
        date_due: str,
        line_items: Any,
        reference_number: str | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.date_created = date_created
        self.date_due = date_due
        self.line_items = line_items
        self.reference_number = reference_number
        self.description = description


class IntacctCreateBillOperator(_DocumentCreateOperator):
    """Create an AP bill.

    :param vendor_id: vendor ID (``VEND-100``).
    :param date_created: bill date, ``YYYY-MM-DD``.
    :param date_due: due date, ``YYYY-MM-DD``, not before ``date_created``.
    :param line_items: list (or JSON text) of ``{"glaccountno", "amount", "memo"}`` plus optional
        ``locationid``, ``departmentid``, ``classid``, ``projectid``, ``customerid``, ``vendorid``,
        ``employeeid``, ``itemid``.
    :param bill_number: the vendor's bill number (unique per vendor); left to Intacct's numbering if empty.
    """

    intacct_object = BILL
    template_fields = (*_DocumentCreateOperator.template_fields, "vendor_id", "bill_number")

    def __init__(self, *, vendor_id: str, bill_number: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vendor_id = vendor_id
        self.bill_number = bill_number

    def build_payload(self) -> dict[str, Any]:
        from intacct_provider.payloads import bill_payload

        return bill_payload(
            self.vendor_id,
            self.date_created,
            self.date_due,
            self.line_items,
            bill_number=self.bill_number,
            reference_number=self.reference_number,
            description=self.description,
        )


class IntacctCreateInvoiceOperator(_DocumentCreateOperator):
    """Create an AR invoice (same line format as bills).

    :param customer_id: customer ID (``CUST-100``).
    :param date_created: invoice date, ``YYYY-MM-DD``.
    :param date_due: due date, ``YYYY-MM-DD``.
    :param invoice_number: unique per customer; left to Intacct's numbering if empty.
    """

    intacct_object = INVOICE
    template_fields = (*_DocumentCreateOperator.template_fields, "customer_id", "invoice_number")

    def __init__(self, *, customer_id: str, invoice_number: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.customer_id = customer_id
        self.invoice_number = invoice_number

    def build_payload(self) -> dict[str, Any]:
        from intacct_provider.payloads import invoice_payload

        return invoice_payload(
            self.customer_id,
            self.date_created,
            self.date_due,
            self.line_items,
            invoice_number=self.invoice_number,
            reference_number=self.reference_number,
            description=self.description,
        )


class IntacctCreateJournalEntryOperator(IntacctCreateOperator):
    """Create a GL journal entry; lines must balance (checked before sending).

    :param journal_id: GL journal (``GJ``).
    :param posting_date: ``YYYY-MM-DD`` (must fall in an open period in Intacct).
    :param lines: ``{"glaccountno", "amount", "tr_type": "debit"|"credit", "memo"}`` plus dimension ids.
    """

    intacct_object = JOURNAL_ENTRY
    template_fields = (*IntacctCreateOperator.template_fields, "journal_id", "posting_date", "lines", "description")

    def __init__(
        self, *, journal_id: str, posting_date: str, lines: Any, description: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.journal_id = journal_id
        self.posting_date = posting_date
        self.lines = lines
        self.description = description

    def build_payload(self) -> dict[str, Any]:
        from intacct_provider.payloads import journal_entry_payload

        return journal_entry_payload(self.journal_id, self.posting_date, self.lines, self.description)


class _PartyCreateOperator(IntacctCreateOperator):
    """Vendors and customers: an ``id`` and a ``name``."""

    id_parameter: ClassVar[str]
    template_fields = (*IntacctCreateOperator.template_fields, "name")

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name

    def build_payload(self) -> dict[str, Any]:
        from intacct_provider.payloads import party_payload

        return party_payload(self.id_parameter, getattr(self, self.id_parameter), self.name)


class IntacctCreateVendorOperator(_PartyCreateOperator):
    """Create an AP vendor. :param vendor_id: the new vendor's ID. :param name: its name."""

    intacct_object = VENDOR
    id_parameter = "vendor_id"
    template_fields = (*_PartyCreateOperator.template_fields, "vendor_id")

    def __init__(self, *, vendor_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vendor_id = vendor_id


class IntacctCreateCustomerOperator(_PartyCreateOperator):
    """Create an AR customer. :param customer_id: the new customer's ID. :param name: its name."""

    intacct_object = CUSTOMER
    id_parameter = "customer_id"
    template_fields = (*_PartyCreateOperator.template_fields, "customer_id")

    def __init__(self, *, customer_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.customer_id = customer_id

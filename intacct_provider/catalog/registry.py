"""The one registry of Intacct objects the provider knows by name, each with its contract.

An entry says everything the provider needs about an object: its path, how a
list names its rows, which operator arguments filter a list, how to find the
record a create made (its natural key, read by ``catalog.identity.NaturalKey``), how to tell our
record from someone else's (``differences``), how operator arguments become a
body (a dotted reference to the mapping function, so importing this module
stays cheap), its default state and its documented workflow actions. Adding an
object is one entry here: the generic list, create and workflow operators work
for it at once. Any raw Intacct path such as ``"purchasing/document"`` is
still accepted wherever an object is expected.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intacct_provider.catalog.identity import Natural
    from intacct_provider.catalog.workflows import Workflow

#: Path prefix of every object under the API base URL.
OBJECTS_PREFIX = "/objects/"
#: Where every custom object lives (``platform-apps/nsp::<integration name>``) and its prefix.
CUSTOM_APPLICATION = "platform-apps"
CUSTOM_PREFIX = "nsp::"
#: An integration name: letters, digits and underscores (Platform Services' rule for object names).
_INTEGRATION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class IntacctObject:
    """One Intacct object and its contract.

    ``filters`` maps a list operator argument (``vendor_id``) to the query field it filters
    (``vendor.id``). ``natural_key`` names the body fields that identify a record a user
    created (vendor + bill number; a journal entry's journal, date and description): a create
    whose answer was lost is settled by looking them up, never by trusting ``id`` (which is the
    system ``key`` by spec). ``compared`` and ``line_compared`` are the body fields (dotted)
    that must match for a found record to be ours; ``payload`` is ``"module:function"``
    mapping operator arguments to a body (``None``: the record given is the body itself).
    """

    name: str
    path: str
    list_key: str
    label: str
    filters: Mapping[str, str] = field(default_factory=dict)
    natural_key: tuple[str, ...] = ()
    compared: tuple[str, ...] = ()
    line_compared: tuple[str, ...] = ()
    payload: str | None = None
    #: Body field -> operator argument, so a schema error names what the user typed.
    arguments: Mapping[str, str] = field(default_factory=dict)
    #: Fields Sage requires but a tenant may default (``lines.dimensions.location``): the client
    #: does not insist on them; Intacct (and the sandbox) does when the tenant has no default.
    tenant_defaults: tuple[str, ...] = ()
    #: The body's list of lines that ``line_compared`` compares (an AP payment's is ``details``).
    lines_field: str = "lines"
    #: The header amounts a copy of the records must match to the cent (``totalTxnAmount``): what a
    #: tie-out (``IntacctTieOutOperator``) compares and totals by default, with ``state_field``.
    amount_fields: tuple[str, ...] = ()
    #: The field holding the record's state or status (``state``; ``status`` for master data).
    state_field: str | None = None
    #: Sage documents this object's ``id`` as "the same as the ``key``" (bills, invoices, journal
    #: entries, AP payments). Not relied on blindly (one of Sage's own examples contradicts it): a
    #: deletion sync checks it on the tenant's records before naming a deleted record's key by its id.
    id_is_key: bool = False

    @property
    def tie_out_fields(self) -> tuple[str, ...]:
        """What a tie-out compares by default: the amounts, then the state."""
        return (*self.amount_fields, *((self.state_field,) if self.state_field else ()))

    def differences(self, body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
        """The compared fields in which an existing record does not match this create body.

        Only fields the body sets are compared (Intacct fills in defaults), and never one Sage marks
        writeOnly (Intacct does not return it: a payment's ``paymentDate``); amounts compare as
        decimals (``"12.5"`` is ``"12.50"``), lines in order by ``line_compared``. The body's own
        custom fields (``nsp::APPROVER``), custom relationships (``nsp::CONTRACT.key``) and its lines'
        custom fields are compared too: a record that differs in them is not ours.
        """
        from intacct_provider.catalog.identity import compare

        hidden = _write_only(self.path)
        custom = [
            name if not isinstance(value, Mapping) else f"{name}.key"
            for name, value in body.items()
            if name[:5] == CUSTOM_PREFIX
            and not isinstance(value, list)
            and (not isinstance(value, Mapping) or value.get("key") is not None)
        ]
        compared = [name for name in (*self.compared, *custom) if name not in hidden]
        lines = self.lines_field
        rows = body.get(lines)
        line_custom = {  # the lines' own custom fields (a payment detail's nsp::REMIT_REF) count too
            name: None
            for line in (rows if isinstance(rows, list) else ())
            if isinstance(line, Mapping)
            for name, value in line.items()
            if name[:5] == CUSTOM_PREFIX and not isinstance(value, (Mapping, list))
        }
        line_compared = [name for name in (*self.line_compared, *line_custom) if f"{lines}.{name}" not in hidden]
        return compare(compared, line_compared, body, record, lines=lines)

    def payload_function(self) -> Callable[..., dict[str, Any]] | None:
        """The argument-to-body mapping, imported on first use (``None``: the record is the body)."""
        if self.payload is None:
            return None
        module, _, name = self.payload.partition(":")
        function: Callable[..., dict[str, Any]] = getattr(importlib.import_module(module), name)
        return function

    @property
    def default_state(self) -> str | None:
        """The state a new record starts in, as the contract says (a bill: ``draft``)."""
        from intacct_provider.contract import object_facts

        try:
            state = object_facts(self.path).get("state") or {}
        except KeyError:
            return None
        default = state.get("default")
        return None if default is None else str(default)

    @property
    def workflows(self) -> dict[str, Workflow]:
        """The documented workflow actions, read from the contract on first use (not at import)."""
        from intacct_provider.catalog.workflows import Workflow
        from intacct_provider.contract import object_facts

        try:
            documented = object_facts(self.path).get("workflows") or {}
        except KeyError:
            documented = {}
        return {action: Workflow.from_contract(action, facts) for action, facts in documented.items()}

    def workflow(self, action: str) -> Workflow:
        """The documented workflow ``action`` of this object, or a validation error naming those there are."""
        workflows = self.workflows
        if action not in workflows:
            from intacct_provider.exceptions import IntacctValidationError

            known = ", ".join(workflows) or "none documented"
            raise IntacctValidationError("action", f"a workflow action of {self.name} ({known})", action)
        return workflows[action]


_DOCUMENT_LINE = ("glAccount.id", "txnAmount", "memo", "dimensions.location.id", "dimensions.department.id")

BILL = IntacctObject(
    name="bill",
    path="accounts-payable/bill",
    list_key="bills",
    label="AP bill",
    filters={"vendor_id": "vendor.id"},
    natural_key=("vendor.id", "billNumber"),
    compared=("vendor.id", "billNumber", "createdDate", "dueDate", "currency.txnCurrency", "referenceNumber"),
    line_compared=_DOCUMENT_LINE,
    payload="intacct_provider.catalog.payloads:bill_payload",
    tenant_defaults=("currency", "currency.txnCurrency", "lines.dimensions", "lines.dimensions.location"),
    arguments={
        "vendor": "vendor_id",
        "createdDate": "date_created",
        "dueDate": "date_due",
        "lines": "line_items",
        "billNumber": "bill_number",
        "referenceNumber": "reference_number",
        "description": "description",
        "currency": "currency",
    },
    amount_fields=("totalTxnAmount",),
    state_field="state",
    id_is_key=True,
)
INVOICE = IntacctObject(
    name="invoice",
    path="accounts-receivable/invoice",
    list_key="invoices",
    label="AR invoice",
    filters={"customer_id": "customer.id"},
    natural_key=("customer.id", "invoiceNumber"),
    compared=("customer.id", "invoiceNumber", "invoiceDate", "dueDate", "currency.txnCurrency", "referenceNumber"),
    line_compared=_DOCUMENT_LINE,
    payload="intacct_provider.catalog.payloads:invoice_payload",
    arguments={
        "customer": "customer_id",
        "invoiceDate": "date_created",
        "dueDate": "date_due",
        "lines": "line_items",
        "invoiceNumber": "invoice_number",
        "referenceNumber": "reference_number",
        "description": "description",
        "currency": "currency",
    },
    amount_fields=("totalTxnAmount",),
    state_field="state",
    id_is_key=True,
)
CUSTOMER = IntacctObject(
    name="customer",
    path="accounts-receivable/customer",
    list_key="customers",
    label="AR customer",
    natural_key=("id",),
    compared=("id", "name"),
    payload="intacct_provider.catalog.payloads:customer_payload",
    arguments={"id": "customer_id", "name": "name"},
    state_field="status",
)
VENDOR = IntacctObject(
    name="vendor",
    path="accounts-payable/vendor",
    list_key="vendors",
    label="AP vendor",
    natural_key=("id",),
    compared=("id", "name"),
    payload="intacct_provider.catalog.payloads:vendor_payload",
    arguments={"id": "vendor_id", "name": "name"},
    state_field="status",
)
GL_ACCOUNT = IntacctObject(
    name="gl_account",
    path="general-ledger/account",
    list_key="accounts",
    label="GL account",
    state_field="status",
)
JOURNAL_ENTRY = IntacctObject(
    name="journal_entry",
    path="general-ledger/journal-entry",
    list_key="entries",
    label="GL journal entry",
    natural_key=("glJournal.id", "postingDate", "description"),
    compared=("glJournal.id", "postingDate", "description", "referenceNumber"),
    line_compared=(
        "glAccount.id",
        "txnAmount",
        "txnType",
        "description",
        "dimensions.location.id",
        "dimensions.department.id",
    ),
    payload="intacct_provider.catalog.payloads:journal_entry_payload",
    arguments={
        "glJournal": "journal_id",
        "postingDate": "posting_date",
        "lines": "lines",
        "description": "description",
    },
    state_field="state",
    id_is_key=True,
)
AP_PAYMENT = IntacctObject(
    name="ap_payment",
    path="accounts-payable/payment",
    list_key="payments",
    label="AP payment",
    filters={"vendor_id": "vendor.id"},
    # No natural key: a lost create is found by content (identical records created since its first
    # POST). What Intacct returns identifies it: vendor, bank account, method, currency, memo,
    # check number and, bill by bill, the amount. Not ``paymentDate``: it is writeOnly, never
    # returned; the dates a payment does return (``txnDate``, ``details[].paymentDate``) are not
    # documented to equal it, and a wrong guess would make our own payment look foreign (and be
    # paid twice).
    compared=(
        "vendor.id",
        "vendor.key",
        "financialEntity.entityId",
        "paymentMethod",
        "txnCurrency.currency",
        "description",
        "documentNumber",
    ),
    line_compared=("bill.key", "bill.id", "txnCurrency.paymentAmount"),
    lines_field="details",
    payload="intacct_provider.catalog.payloads:ap_payment_payload",
    arguments={
        "financialEntity": "bank_account_id",
        "vendor": "vendor_id",
        "paymentMethod": "payment_method",
        "paymentDate": "payment_date",
        "txnCurrency": "currency",
        "details": "bills",
        "description": "description",
        "documentNumber": "document_number",
    },
    state_field="state",
    id_is_key=True,
)

REGISTRY: dict[str, IntacctObject] = {
    obj.name: obj for obj in (BILL, INVOICE, CUSTOMER, VENDOR, GL_ACCOUNT, JOURNAL_ENTRY, AP_PAYMENT)
}


def register(obj: IntacctObject) -> IntacctObject:
    """Add an object to the registry (one entry makes it listable, creatable and workflow-capable)."""
    REGISTRY[obj.name] = obj
    return obj


def resolve_path(obj: str | IntacctObject) -> str:
    """Return the Intacct path for a registry name, a registry entry or a raw path.

    Raw paths must look like ``area/object`` so a typo such as ``"bills"`` fails
    here, naming the known objects, rather than as a 404 from Intacct.
    """
    if isinstance(obj, IntacctObject):
        return obj.path
    text = str(obj).strip().strip("/")
    if text.startswith(OBJECTS_PREFIX.strip("/") + "/"):
        text = text[len(OBJECTS_PREFIX) - 1 :]
    if text in REGISTRY:
        return REGISTRY[text].path
    custom = custom_object_path(text)
    if custom is not None:
        return custom
    parts = text.split("/")
    if len(parts) == 2 and all(parts) and all(_is_path_segment(p) for p in parts):
        return text
    from intacct_provider.catalog.suggest import suggestion
    from intacct_provider.exceptions import IntacctValidationError

    known = ", ".join(sorted(REGISTRY))
    raise IntacctValidationError(
        "object",
        f"a registry name ({known}), an Intacct path like 'accounts-payable/bill' or a custom object "
        f"like 'platform-apps/nsp::cip_asset', got {obj!r}"
        + suggestion(text, [*REGISTRY, *(o.path for o in REGISTRY.values())]),
        obj,
        show_value=False,
    )


def custom_object_path(text: str) -> str | None:
    """``platform-apps/nsp::<name>`` for ``nsp::<name>`` or ``platform-apps/nsp::<name>``; None otherwise."""
    name = text[len(CUSTOM_APPLICATION) + 1 :] if text.startswith(CUSTOM_APPLICATION + "/") else text
    if name.startswith(CUSTOM_PREFIX) and _INTEGRATION_NAME.fullmatch(name[len(CUSTOM_PREFIX) :]):
        return f"{CUSTOM_APPLICATION}/{name}"
    return None


def is_custom_object(obj: str | IntacctObject) -> bool:
    """Whether ``obj`` names one of the company's custom objects (``nsp::cip_asset``)."""
    path = obj.path if isinstance(obj, IntacctObject) else str(obj).strip().strip("/")
    return custom_object_path(path.removeprefix(OBJECTS_PREFIX.strip("/") + "/")) is not None


def custom_object(path: str) -> IntacctObject:
    """The registry's view of a custom object: its body is the record itself, its natural key ``id``.

    Sage: "The key and id values for a custom object are always the same", so a create whose body
    names its ``id`` is looked up by it (as a vendor's is) and one without (Intacct numbers it) by
    its content; the whole body is checked against the company's model when the task runs.
    """
    name = path.rsplit("/", 1)[-1]
    return IntacctObject(
        name=path,
        path=path,
        list_key="records",
        label=f"custom object {name}",
        natural_key=("id",),
        compared=("id",),
    )


def entry(obj: str | IntacctObject, parameter: str = "object") -> IntacctObject:
    """The registry entry for a name or path (a custom object's own); any other unregistered object is an error."""
    if isinstance(obj, IntacctObject):
        return obj
    found = lookup(obj)
    if found is not None:
        return found
    from intacct_provider.exceptions import IntacctValidationError

    raise IntacctValidationError(
        parameter, f"a registered object ({', '.join(sorted(REGISTRY))}) or a custom object ('nsp::<name>')", obj
    )


def lookup(obj: str | IntacctObject) -> IntacctObject | None:
    """The registry entry of ``obj``, a custom object's entry, or None for another unregistered path."""
    if isinstance(obj, IntacctObject):
        return obj
    path = resolve_path(obj)
    known = registered(path)
    if known is not None:
        return known
    return custom_object(path) if is_custom_object(path) else None


def natural_key_of(path: str, body: Mapping[str, Any], filters: Any = None) -> tuple[tuple[str, ...], Natural | None]:
    """The natural-key fields of the object at ``path`` and ``body``'s values of them.

    ``filters`` (``[{"$eq": {field: value}}, ...]``, a create's ``lookup``) name them instead, for
    a create whose caller knows better than the registry (a raw path, say).
    """
    from intacct_provider.catalog.identity import NaturalKey

    if not filters:
        known = lookup(path)
        key = NaturalKey(known.natural_key if known is not None else ())
        return key.fields, key.of(body)
    from intacct_provider.exceptions import IntacctValidationError

    if not isinstance(filters, (list, tuple)):
        raise IntacctValidationError("lookup", 'a list of {"$eq": {field: value}} filters', filters)
    pairs = []
    for index, condition in enumerate(filters):
        equal = condition.get("$eq") if isinstance(condition, Mapping) and len(condition) == 1 else None
        if not isinstance(equal, Mapping) or len(equal) != 1:
            raise IntacctValidationError(
                f"lookup[{index}]",
                'an {"$eq": {field: value}} filter (a natural key, matched field by field)',
                condition,
            )
        ((name, value),) = equal.items()
        pairs.append((str(name), value if type(value) is str else str(value)))
    return tuple(name for name, _ in pairs), tuple(pairs)


def registered(path: str) -> IntacctObject | None:
    """The registry entry of an Intacct path, or ``None`` for a path nobody registered."""
    return next((candidate for candidate in REGISTRY.values() if candidate.path == path), None)


def differences(obj: str | IntacctObject, body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """``obj``'s comparison rule; an unregistered path compares the body's top-level scalars."""
    path = resolve_path(obj)
    known = registered(path)  # a custom object's body is compared whole, as another unregistered path's
    if known is not None:
        return known.differences(body, record)
    from intacct_provider.catalog.identity import compare

    hidden = _write_only(path)
    scalars = [name for name, value in body.items() if not isinstance(value, (Mapping, list)) and name not in hidden]
    return compare(scalars, (), body, record)


def _write_only(path: str) -> frozenset[str]:
    """The contract's writeOnly fields of ``path`` (none for an object it does not describe)."""
    from intacct_provider.contract import write_only_fields

    return write_only_fields(path)


def _is_path_segment(segment: str) -> bool:
    return all(ch.isalnum() or ch in "-_" for ch in segment)

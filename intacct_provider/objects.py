"""The one registry of Intacct objects the provider knows by name.

Operators, sensors and the hook look objects up here instead of repeating
paths: adding an object costs one entry (plus a payload mapping in
``payloads.py`` if it can be created). Any raw Intacct path such as
``"purchasing/document"`` is still accepted wherever an object is expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Path prefix of every object under the API base URL.
OBJECTS_PREFIX = "/objects/"


@dataclass(frozen=True)
class IntacctObject:
    """One Intacct object.

    ``filters`` maps an operator argument (``vendor_id``) to the query field it
    filters (``vendor.id``). ``natural_key`` names the fields that identify a
    record a user created (vendor + bill number), used to find a create whose
    answer was lost.
    """

    name: str
    path: str
    list_key: str
    label: str
    filters: dict[str, str] = field(default_factory=dict)
    natural_key: tuple[str, ...] = ()

    @property
    def href_prefix(self) -> str:
        """The ``href`` prefix of this object's records (``/objects/<path>/``)."""
        return f"{OBJECTS_PREFIX}{self.path}/"


BILL = IntacctObject(
    name="bill",
    path="accounts-payable/bill",
    list_key="bills",
    label="AP bill",
    filters={"vendor_id": "vendor.id"},
    natural_key=("vendor.id", "billNumber"),
)
INVOICE = IntacctObject(
    name="invoice",
    path="accounts-receivable/invoice",
    list_key="invoices",
    label="AR invoice",
    filters={"customer_id": "customer.id"},
    natural_key=("customer.id", "invoiceNumber"),
)
CUSTOMER = IntacctObject(
    name="customer",
    path="accounts-receivable/customer",
    list_key="customers",
    label="AR customer",
    natural_key=("id",),
)
VENDOR = IntacctObject(
    name="vendor",
    path="accounts-payable/vendor",
    list_key="vendors",
    label="AP vendor",
    natural_key=("id",),
)
GL_ACCOUNT = IntacctObject(
    name="gl_account",
    path="general-ledger/account",
    list_key="accounts",
    label="GL account",
)
JOURNAL_ENTRY = IntacctObject(
    name="journal_entry",
    path="general-ledger/journal-entry",
    list_key="entries",
    label="GL journal entry",
)

REGISTRY: dict[str, IntacctObject] = {
    obj.name: obj for obj in (BILL, INVOICE, CUSTOMER, VENDOR, GL_ACCOUNT, JOURNAL_ENTRY)
}
_BY_PATH: dict[str, IntacctObject] = {obj.path: obj for obj in REGISTRY.values()}


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
    parts = text.split("/")
    if len(parts) == 2 and all(parts) and all(_is_path_segment(p) for p in parts):
        return text
    from intacct_provider.exceptions import IntacctValidationError
    from intacct_provider.suggest import suggestion

    known = ", ".join(sorted(REGISTRY))
    raise IntacctValidationError(
        "object",
        f"a registry name ({known}) or an Intacct path like 'accounts-payable/bill', got {obj!r}"
        + suggestion(text, [*REGISTRY, *_BY_PATH]),
        obj,
        show_value=False,
    )


def lookup(obj: str | IntacctObject) -> IntacctObject | None:
    """The registry entry for a name or path, or ``None`` for an unregistered raw path."""
    return _BY_PATH.get(resolve_path(obj))


def _is_path_segment(segment: str) -> bool:
    return all(ch.isalnum() or ch in "-_" for ch in segment)

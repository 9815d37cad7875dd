"""Deterministic seeds: ``demo`` (a small realistic company) and ``empty``.

Deterministic but for one thing: the dates of yesterday's work follow the real clock.

The demo company opens with exactly the examples of the original action catalog (VEND-100 key 33,
CUST-100 key 68, GL 4000 key 1, BILL-100 key 2001, ...), then generates bills, invoices and
journal entries across 2026, and ends with yesterday's work (three bills, two invoices, a journal
entry dated the day before the seed is loaded), so a daily sync of yesterday has rows to show.
``scale`` multiplies the generated volume (1 -> 50 bills, 50 invoices, 20 entries; 800 -> 40,000
bills) and records are built as literals, not through the validating write path, so large seeds
load in seconds.

Records have the contract's shape: bills and invoices carry a currency and a location on every
line, journal-entry lines a ``description``; bills come in every state a sync meets (draft,
submitted, posted, partially paid and paid, the paid ones through AP payment records).  Entity
"CA" is private: its records stay out of top-level queries unless ``includePrivate`` is set.
"""

from __future__ import annotations

import gc
import random
from datetime import date, timedelta
from typing import Any

from .clock import Clock
from .gcpause import gc_paused
from .schema import OBJECTS, set_path
from .store import Store, document_id

SEEDS = ("demo", "empty")
BILLS_PER_SCALE, INVOICES_PER_SCALE, ENTRIES_PER_SCALE = 50, 50, 20
FREEZE_FROM_SCALE = 50
_MASTER_STAMP = "2026-01-01T08:00:00Z"
_SEED_USER = "seed"

# key, id, name, accountType, normalBalance, required dimension
_ACCOUNTS = (
    (1, "4000", "Sales", "incomeStatement", "credit", None),
    (2, "6700", "Office supplies", "incomeStatement", "debit", None),
    (3, "1000", "Cash", "balanceSheet", "debit", None),
    (4, "1200", "Accounts receivable", "balanceSheet", "debit", None),
    (5, "2000", "Accounts payable", "balanceSheet", "credit", None),
    (6, "3000", "Retained earnings", "balanceSheet", "credit", None),
    (7, "4100", "Service revenue", "incomeStatement", "credit", None),
    (8, "5000", "Cost of goods sold", "incomeStatement", "debit", None),
    (9, "6100", "Travel", "incomeStatement", "debit", "department"),
    (10, "6200", "Software subscriptions", "incomeStatement", "debit", None),
    (11, "6500", "Rent", "incomeStatement", "debit", None),
    (12, "6600", "Utilities", "incomeStatement", "debit", None),
    (13, "6800", "Professional fees", "incomeStatement", "debit", None),
)
_VENDORS = (
    ("VEND-100", "Acme Office Supply"),
    ("VEND-200", "Northwind Travel"),
    ("VEND-300", "Contoso Software"),
    ("VEND-400", "Globex Property Management"),
    ("VEND-500", "Initech Consulting"),
)
_CUSTOMERS = (
    ("CUST-100", "Blue Harbor Retail"),
    ("CUST-200", "Summit Analytics"),
    ("CUST-300", "Riverbend Clinics"),
    ("CUST-400", "Oakline Logistics"),
    ("CUST-500", "Pinecrest Schools"),
)
# id, name, entity: None (a plain location), False (an entity) or True (a private entity)
_LOCATIONS = (
    ("US", "United States", False),
    ("UK", "United Kingdom", False),
    ("US-NY", "New York office", None),
    ("CA", "Canada", True),
)
_DEPARTMENTS = (("ADM", "Administration"), ("ENG", "Engineering"), ("SAL", "Sales"), ("OPS", "Operations"))
_CLASSES = (("RETAIL", "Retail"), ("WHOLESALE", "Wholesale"))
_PROJECTS = (("PRJ-100", "Website relaunch"), ("PRJ-200", "ERP migration"))
_JOURNALS = (("GJ", "General journal"), ("ADJ", "Adjustments"))
_EXPENSES = ("6700", "6100", "6200", "6500", "6600", "6800", "5000")
_INCOME = ("4000", "4100")
_ENTITIES = (None, "US", "UK")
_LINE_LOCATION = {None: "US", "US": "US-NY", "UK": "UK", "CA": "CA"}
_CURRENCY = {"txnCurrency": "USD", "baseCurrency": "USD"}
_BANK = {"entityId": "SANDBOX-BANK"}
PRIVATE_EXTRA = 3  # bills and invoices of the private entity, after the generated ones
#: Yesterday's bills (vendor, GL account, amount, memo, state) and invoices, after the private ones,
#: and one journal entry after the generated ones: dated the day before the seed is loaded.
RECENT_BILLS = (
    ("VEND-300", "6200", "1450.00", "Design software, annual licence", "posted"),
    ("VEND-100", "6700", "86.40", "Printer paper", "posted"),
    ("VEND-500", "6800", "3200.00", "Advisory retainer", "draft"),
)
RECENT_INVOICES = (("CUST-300", "4100", "2750.00", "Consulting hours"), ("CUST-500", "4000", "980.00", "Licences"))


def build_store(name: str, scale: int, clock: Clock, user_id: str, id_semantics: str = "key") -> Store:
    """A store loaded with seed ``name`` ("demo" or "empty")."""
    if name not in SEEDS:
        raise ValueError(f"unknown seed {name!r}; expected one of {', '.join(SEEDS)}")
    if scale < 1:
        raise ValueError("seed scale must be at least 1")
    store = Store(clock, user_id, id_semantics)
    if name == "demo":
        # Hundreds of thousands of small dicts would trigger the cyclic GC over and over while
        # nothing here can form a cycle; pausing it halves the build time of large seeds.
        with gc_paused():
            _master_data(store)
            _Transactions(store, scale, clock.now().date()).build()
        if scale >= FREEZE_FROM_SCALE:
            # Records are acyclic (refcounting frees them); without this, the next full collection
            # walks millions of seed objects and stalls the first large query for about a second.
            gc.freeze()
    return store


def _master(store: Store, path: str, key: int, record_id: str, name: str, **fields: Any) -> None:
    record: dict[str, Any] = {"key": str(key), "id": record_id, "name": name, "href": f"/objects/{path}/{key}"}
    record["status"] = "active"
    for field_name, value in fields.items():
        set_path(record, field_name.replace("__", "."), value)
    record["entity"] = {"id": None}
    record["audit"] = _audit(_MASTER_STAMP, _MASTER_STAMP)
    store.adopt(path, record)


def _ref(store: Store, path: str, record_id: str) -> dict[str, str]:
    """A reference as Intacct reads it back: key and id."""
    return {"key": store.tables[path].ids[record_id], "id": record_id}


def _audit(created: str, modified: str) -> dict[str, Any]:
    return {
        "createdDateTime": created,
        "modifiedDateTime": modified,
        "createdBy": _SEED_USER,
        "modifiedBy": _SEED_USER,
        "createdByUser": {"id": _SEED_USER},
        "modifiedByUser": {"id": _SEED_USER},
    }


def _master_data(store: Store) -> None:
    for key, acct, name, kind, balance, required in _ACCOUNTS:
        flags = {f"requireDimensions__{required}": True} if required else {}
        _master(store, "general-ledger/account", key, acct, name, accountType=kind, normalBalance=balance, **flags)
    for offset, (vid, name) in enumerate(_VENDORS):
        _master(store, "accounts-payable/vendor", 33 + offset, vid, name, currency="USD")
    for offset, (cid, name) in enumerate(_CUSTOMERS):
        _master(store, "accounts-receivable/customer", 68 + offset, cid, name, creditLimit=50000)
    for offset, (lid, name, private) in enumerate(_LOCATIONS):
        _master(store, "company-config/location", 1 + offset, lid, name)
        if private is not None:
            store.entities[lid] = private
    for path, rows in (
        ("company-config/department", _DEPARTMENTS),
        ("company-config/class", _CLASSES),
        ("projects/project", _PROJECTS),
        ("general-ledger/journal", _JOURNALS),
    ):
        for offset, (rid, name) in enumerate(rows):
            _master(store, path, 1 + offset, rid, name)


def _line(
    account: str, amount: str, text: str, department: str | None = None, location: str | None = None
) -> dict[str, Any]:
    """A bill or invoice line: account, amount, memo and dimensions (location always)."""
    dims: dict[str, Any] = {"location": {"id": location}}
    if department is not None:
        dims["department"] = {"id": department}
    return {"glAccount": {"id": account}, "txnAmount": amount, "memo": text, "dimensions": dims}


def _entry_line(account: str, amount: str, txn_type: str, text: str, department: str | None = None) -> dict[str, Any]:
    """A journal-entry line: its text is ``description`` (journal lines have no memo)."""
    line: dict[str, Any] = {"glAccount": {"id": account}, "txnAmount": amount, "txnType": txn_type, "description": text}
    if department is not None:
        line["dimensions"] = {"department": {"id": department}}
    return line


class _Transactions:
    """Generates the demo's bills, invoices, payments and journal entries from one seeded RNG."""

    def __init__(self, store: Store, scale: int, today: date) -> None:
        self.store = store
        self.scale = scale
        self.today = today
        self.rng = random.Random(20260101)
        start = date(2026, 1, 1)
        self.days = [(start + timedelta(days=n)).isoformat() for n in range(365 + 60)]
        self.payment_key = OBJECTS["accounts-payable/payment"].first_key

    def amount(self) -> str:
        cents = self.rng.randint(2500, 500000)
        return f"{cents // 100}.{cents % 100:02d}"

    def build(self) -> None:
        bills, invoices = BILLS_PER_SCALE * self.scale, INVOICES_PER_SCALE * self.scale
        self.document("accounts-payable/bill", 0, _line("6700", "500.00", "Office supplies", location="US"), day=4)
        for i in range(1, bills):
            lines = [self.expense_line(i) for _ in range(1 + i % 3)]
            self.document("accounts-payable/bill", i, *lines, day=(i * 3) % 360)
        self.document("accounts-receivable/invoice", 0, _line("4000", "1000.00", "Service fee", location="US"), day=4)
        for i in range(1, invoices):
            lines = [
                _line(
                    _INCOME[(i + n) % 2],
                    self.amount(),
                    ("Service fee", "Consulting hours")[n % 2],
                    location=_LINE_LOCATION[_ENTITIES[i % 3]],
                )
                for n in range(1 + i % 2)
            ]
            self.document("accounts-receivable/invoice", i, *lines, day=(i * 3 + 1) % 360)
        for n in range(PRIVATE_EXTRA):  # the private entity's records, hidden from default queries
            line = _line("6500", self.amount(), "Toronto office rent", location="CA")
            self.document("accounts-payable/bill", bills + n, line, day=300 + n * 10, entity="CA")
            line = _line("4100", self.amount(), "Consulting hours", location="CA")
            self.document("accounts-receivable/invoice", invoices + n, line, day=301 + n * 10, entity="CA")
        self.entry(
            0,
            [
                _entry_line("6700", "250.00", "debit", "Accrued office supplies"),
                _entry_line("2000", "250.00", "credit", "Accrued office supplies"),
            ],
            day=30,
        )
        for i in range(1, ENTRIES_PER_SCALE * self.scale):
            debits = [(self.rng.choice(_EXPENSES), self.amount()) for _ in range(1 + i % 2)]
            lines = [
                _entry_line(acct, amt, "debit", "Monthly accrual", department="ADM" if acct == "6100" else None)
                for acct, amt in debits
            ]
            total = _cents(sum(_decimal_cents(amt) for _, amt in debits))
            lines.append(_entry_line("2000", total, "credit", "Monthly accrual"))
            self.entry(i, lines, day=(i * 7) % 360)
        self.recent(bills + PRIVATE_EXTRA, invoices + PRIVATE_EXTRA, ENTRIES_PER_SCALE * self.scale)

    def recent(self, first_bill: int, first_invoice: int, first_entry: int) -> None:
        """Yesterday's work (UTC, on the day the seed is loaded): what a daily sync of "yesterday" reads.

        The history above is fixed in 2026; without these a DAG run for yesterday, the first
        thing a user tries (``airflow dags test my_dag``), would sync nothing and show nothing.
        """
        yesterday = self.today - timedelta(days=1)
        for n, (vendor, account, amount, memo, state) in enumerate(RECENT_BILLS):
            line = _line(account, amount, memo, location="US")
            self.document("accounts-payable/bill", first_bill + n, line, day=0, recent=(yesterday, vendor, state))
        for n, (customer, account, amount, memo) in enumerate(RECENT_INVOICES):
            line = _line(account, amount, memo, location="US")
            self.document(
                "accounts-receivable/invoice", first_invoice + n, line, day=0, recent=(yesterday, customer, "posted")
            )
        lines = [
            _entry_line("6500", "4000.00", "debit", "Rent accrual"),
            _entry_line("2000", "4000.00", "credit", "Rent accrual"),
        ]
        self.entry(first_entry, lines, day=0, on=yesterday, text="Rent accrual")

    def expense_line(self, i: int) -> dict[str, Any]:
        account = self.rng.choice(_EXPENSES)
        department = _DEPARTMENTS[i % len(_DEPARTMENTS)][0] if account == "6100" or i % 4 == 0 else None
        location = "US-NY" if i % 5 == 0 else _LINE_LOCATION[_ENTITIES[i % 3]]
        return _line(account, self.amount(), "Generated expense", department=department, location=location)

    def document(
        self,
        path: str,
        i: int,
        *lines: dict[str, Any],
        day: int,
        entity: str | None = None,
        recent: tuple[date, str, str] | None = None,
    ) -> None:
        """Bill or invoice ``i``: one in ten paid, one in ten half paid, one in ten a draft, one in
        twenty submitted (awaiting approval), the rest posted.  ``recent`` = (date, party id, state)
        dates it on that day instead, unpaid (see :meth:`recent`)."""
        obj = OBJECTS[path]
        number_field, party = obj.number_field, obj.party
        assert number_field and party
        vendor_side = party == "vendor"
        parties = _VENDORS if vendor_side else _CUSTOMERS
        key = obj.first_key + i
        number = f"{obj.number_prefix}{100 + i}"
        total = sum(_decimal_cents(line["txnAmount"]) for line in lines)
        paid = {3: total, 6: total // 2}.get(i % 10, 0) if entity is None and recent is None else 0
        state = {8: "draft", 9: "submitted" if i % 20 == 9 else "posted"}.get(i % 10, "posted")
        on, due, party_id = self.days[day], self.days[day + 30], parties[i % len(parties)][0]
        if recent is not None:
            on, due = recent[0].isoformat(), (recent[0] + timedelta(days=30)).isoformat()
            party_id, state = recent[1], recent[2]
        created = f"{on}T{9 + i % 8:02d}:{i % 60:02d}:00Z"
        modified = f"{self.days[day + 30]}T12:00:00Z" if paid else created
        party_path = "accounts-payable/vendor" if vendor_side else "accounts-receivable/customer"
        record: dict[str, Any] = {
            "key": str(key),
            "href": f"/objects/{path}/{key}",
            "audit": _audit(created, modified),
            "entity": {"id": entity if entity is not None or recent else _ENTITIES[i % 3]},
            number_field: number,
            party: _ref(self.store, party_path, party_id),
            "createdDate" if vendor_side else "invoiceDate": on,
            "dueDate": due,
            "currency": dict(_CURRENCY),
            "state": state,
            "lines": list(lines),
        }
        if vendor_side:
            record["postingDate"] = on  # invoices have no posting date in the contract
        if i:
            record["referenceNumber"] = f"REF-{key}"
        record["id"] = document_id(obj, record, self.store.id_semantics)
        # The totals compute_totals would give, in integer cents (large seeds build much faster).
        record["totalTxnAmount"] = record["totalBaseAmount"] = _cents(total)
        record["totalTxnAmountDue"] = record["totalBaseAmountDue"] = _cents(total - paid)
        record["paymentInformation"] = {
            "totalTxnAmountPaid": _cents(paid),
            "totalBaseAmountPaid": _cents(paid),
            "fullyPaidDate": self.days[day + 30] if paid and paid == total else None,
        }
        if paid:
            record["state"] = "paid" if paid == total else "partiallyPaid"
            if vendor_side:
                self.payment(record, _cents(paid), self.days[day + 30], modified)
        self.store.adopt(path, record)

    def payment(self, bill: dict[str, Any], amount: str, paid_on: str, stamp: str) -> None:
        """The AP payment that paid (part of) ``bill``."""
        path = "accounts-payable/payment"
        key = str(self.payment_key)
        self.payment_key += 1
        record = {
            "key": key,
            "id": key,
            "href": f"/objects/{path}/{key}",
            "audit": _audit(stamp, stamp),
            "entity": {"id": bill["entity"]["id"]},
            "financialEntity": dict(_BANK),
            "paymentMethod": "Printed Check",
            "paymentDate": paid_on,
            "txnDate": paid_on,
            "txnPaidDate": paid_on,
            "vendor": dict(bill["vendor"]),
            "txnCurrency": {"currency": "USD", "totalPaid": amount},
            "baseCurrency": {"currency": "USD", "totalPaid": amount},
            "state": "confirmed",  # paid out: every payment_flow reading counts it applied
            "details": [
                {
                    "bill": {"key": bill["key"], "id": bill["id"]},
                    "txnCurrency": {"paymentAmount": amount},
                    "paymentDate": paid_on,
                }
            ],
        }
        self.store.adopt(path, record)

    def entry(self, i: int, lines: list[dict[str, Any]], day: int, on: date | None = None, text: str = "") -> None:
        path = "general-ledger/journal-entry"
        obj = OBJECTS[path]
        key = obj.first_key + i
        posted = self.days[day] if on is None else on.isoformat()
        created = f"{posted}T18:{i % 60:02d}:00Z"
        journal = "GJ" if i % 4 or not i else "ADJ"
        record: dict[str, Any] = {
            "key": str(key),
            "href": f"/objects/{path}/{key}",
            "audit": _audit(created, created),
            "entity": {"id": _ENTITIES[i % 3] if on is None else None},
            "txnNumber": 100 + i,
            "glJournal": _ref(self.store, "general-ledger/journal", journal),
            "postingDate": posted,
            "description": text or ("Accrued office supplies" if i == 0 else "Monthly accrual"),
            "state": "posted",
            "lines": lines,
        }
        record["id"] = document_id(obj, record, self.store.id_semantics)
        self.store.adopt(path, record)


def _decimal_cents(amount: str) -> int:
    units, _, cents = amount.partition(".")
    return int(units) * 100 + int(cents.ljust(2, "0")[:2])


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"

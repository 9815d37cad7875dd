"""Deterministic seeds: ``demo`` (a small realistic company) and ``empty``.

The demo company opens with exactly the examples of the original action catalog (VEND-100 key 33,
CUST-100 key 68, GL 4000 key 1, BILL-100 key 2001, ...), then generates bills, invoices and
journal entries across 2026.  ``scale`` multiplies the generated volume (1 -> 50 bills, 50
invoices, 20 entries; 800 -> 40,000 bills) and records are built as literals, not through the
validating write path, so large seeds load in seconds.
"""

from __future__ import annotations

import gc
import random
from datetime import date, timedelta
from typing import Any

from .clock import Clock
from .schema import OBJECTS, set_path
from .store import Store, blank_record

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
_LOCATIONS = (("US", "United States", True), ("UK", "United Kingdom", True), ("US-NY", "New York office", False))
_DEPARTMENTS = (("ADM", "Administration"), ("ENG", "Engineering"), ("SAL", "Sales"), ("OPS", "Operations"))
_CLASSES = (("RETAIL", "Retail"), ("WHOLESALE", "Wholesale"))
_PROJECTS = (("PRJ-100", "Website relaunch"), ("PRJ-200", "ERP migration"))
_JOURNALS = (("GJ", "General journal"), ("ADJ", "Adjustments"))
_EXPENSES = ("6700", "6100", "6200", "6500", "6600", "6800", "5000")
_INCOME = ("4000", "4100")
_ENTITIES = (None, "US", "UK")


def build_store(name: str, scale: int, clock: Clock, user_id: str) -> Store:
    """A store loaded with seed ``name`` ("demo" or "empty")."""
    if name not in SEEDS:
        raise ValueError(f"unknown seed {name!r}; expected one of {', '.join(SEEDS)}")
    if scale < 1:
        raise ValueError("seed scale must be at least 1")
    store = Store(clock, user_id)
    if name == "demo":
        # Hundreds of thousands of small dicts would trigger the cyclic GC over and over while
        # nothing here can form a cycle; pausing it halves the build time of large seeds.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            _master_data(store)
            _Transactions(store, scale).build()
        finally:
            if was_enabled:
                gc.enable()
        if scale >= FREEZE_FROM_SCALE:
            # Records are acyclic (refcounting frees them); without this, the next full collection
            # walks millions of seed objects and stalls the first large query for about a second.
            gc.freeze()
    return store


def _master(store: Store, path: str, key: int, record_id: str, name: str, **fields: Any) -> None:
    record = blank_record(OBJECTS[path])
    record.update(key=str(key), id=record_id, name=name, href=f"/objects/{path}/{key}")
    for field_name, value in fields.items():
        set_path(record, field_name.replace("__", "."), value)
    record["audit"] = _audit(_MASTER_STAMP, _MASTER_STAMP)
    store.adopt(path, record)


def _audit(created: str, modified: str) -> dict[str, str]:
    return {"createdDateTime": created, "modifiedDateTime": modified, "createdBy": _SEED_USER, "modifiedBy": _SEED_USER}


def _master_data(store: Store) -> None:
    for key, acct, name, kind, balance, required in _ACCOUNTS:
        flags = {f"requiredDimensions__{required}": True} if required else {}
        _master(store, "general-ledger/account", key, acct, name, accountType=kind, normalBalance=balance, **flags)
    for offset, (vid, name) in enumerate(_VENDORS):
        email = f"ap@{name.split()[0].lower()}.example"
        _master(store, "accounts-payable/vendor", 33 + offset, vid, name, email=email)
    for offset, (cid, name) in enumerate(_CUSTOMERS):
        email = f"billing@{name.split()[0].lower()}.example"
        _master(store, "accounts-receivable/customer", 68 + offset, cid, name, email=email, creditLimit="50000.00")
    for offset, (lid, name, is_entity) in enumerate(_LOCATIONS):
        _master(store, "company-config/location", 1 + offset, lid, name, isEntity=is_entity)
    for path, rows in (
        ("company-config/department", _DEPARTMENTS),
        ("company-config/class", _CLASSES),
        ("projects/project", _PROJECTS),
        ("general-ledger/journal", _JOURNALS),
    ):
        for offset, (rid, name) in enumerate(rows):
            _master(store, path, 1 + offset, rid, name)


def _line(
    account: str,
    amount: str,
    memo: str,
    department: str | None = None,
    location: str | None = None,
    txn_type: str | None = None,
) -> dict[str, Any]:
    dims = {
        "location": {"id": location},
        "department": {"id": department},
        "class": {"id": None},
        "project": {"id": None},
        "customer": {"id": None},
        "vendor": {"id": None},
        "employee": {"id": None},
        "item": {"id": None},
    }
    line: dict[str, Any] = {"glAccount": {"id": account}, "txnAmount": amount}
    if txn_type is not None:
        line["txnType"] = txn_type
    line["memo"] = memo
    line["dimensions"] = dims
    return line


class _Transactions:
    """Generates the demo's bills, invoices and journal entries from one seeded RNG."""

    def __init__(self, store: Store, scale: int) -> None:
        self.store = store
        self.scale = scale
        self.rng = random.Random(20260101)
        start = date(2026, 1, 1)
        self.days = [(start + timedelta(days=n)).isoformat() for n in range(365 + 60)]

    def amount(self) -> str:
        cents = self.rng.randint(2500, 500000)
        return f"{cents // 100}.{cents % 100:02d}"

    def build(self) -> None:
        self.document("accounts-payable/bill", 0, _line("6700", "500.00", "Office supplies"), day=4)
        for i in range(1, BILLS_PER_SCALE * self.scale):
            lines = [self.expense_line(i) for _ in range(1 + i % 3)]
            self.document("accounts-payable/bill", i, *lines, day=(i * 3) % 360)
        self.document("accounts-receivable/invoice", 0, _line("4000", "1000.00", "Service fee"), day=4)
        for i in range(1, INVOICES_PER_SCALE * self.scale):
            lines = [
                _line(_INCOME[(i + n) % 2], self.amount(), ("Service fee", "Consulting hours")[n % 2])
                for n in range(1 + i % 2)
            ]
            self.document("accounts-receivable/invoice", i, *lines, day=(i * 3 + 1) % 360)
        self.entry(
            0,
            [
                _line("6700", "250.00", "Accrued office supplies", txn_type="debit"),
                _line("2000", "250.00", "Accrued office supplies", txn_type="credit"),
            ],
            day=30,
        )
        for i in range(1, ENTRIES_PER_SCALE * self.scale):
            debits = [(self.rng.choice(_EXPENSES), self.amount()) for _ in range(1 + i % 2)]
            lines = [
                _line(acct, amt, "Monthly accrual", txn_type="debit", department="ADM" if acct == "6100" else None)
                for acct, amt in debits
            ]
            total = _cents(sum(_decimal_cents(amt) for _, amt in debits))
            lines.append(_line("2000", total, "Monthly accrual", txn_type="credit"))
            self.entry(i, lines, day=(i * 7) % 360)

    def expense_line(self, i: int) -> dict[str, Any]:
        account = self.rng.choice(_EXPENSES)
        department = _DEPARTMENTS[i % len(_DEPARTMENTS)][0] if account == "6100" or i % 4 == 0 else None
        location = "US-NY" if i % 5 == 0 else None
        return _line(account, self.amount(), "Generated expense", department=department, location=location)

    def document(self, path: str, i: int, *lines: dict[str, Any], day: int) -> None:
        obj = OBJECTS[path]
        number_field, party = obj.number_field, obj.party
        assert number_field and party
        vendor_side = party == "vendor"
        parties = _VENDORS if vendor_side else _CUSTOMERS
        key = obj.first_key + i
        number = f"{obj.number_prefix}{100 + i}"
        total = sum(_decimal_cents(line["txnAmount"]) for line in lines)
        paid = {3: total, 6: total // 2}.get(i % 10, 0)
        state = "paid" if paid == total and paid else ("partiallyPaid" if paid else "posted")
        created = f"{self.days[day]}T{9 + i % 8:02d}:{i % 60:02d}:00Z"
        modified = f"{self.days[day + 30]}T12:00:00Z" if paid else created
        record: dict[str, Any] = {
            "key": str(key),
            "href": f"/objects/{path}/{key}",
            "audit": _audit(created, modified),
            "entity": {"id": _ENTITIES[i % 3]},
            "id": number,
            number_field: number,
            party: {"id": parties[i % len(parties)][0]},
            "createdDate" if vendor_side else "invoiceDate": self.days[day],
            "dueDate": self.days[day + 30],
            "postingDate": self.days[day],
            "referenceNumber": f"REF-{key}" if i else None,
            "description": None,
            "state": state,
            "totalTxnAmount": _cents(total),
            "totalTxnAmountDue": _cents(total - paid),
            "totalPaid": _cents(paid),
            "lines": list(lines),
        }
        self.store.adopt(path, record)

    def entry(self, i: int, lines: list[dict[str, Any]], day: int) -> None:
        path = "general-ledger/journal-entry"
        key = 3001 + i
        created = f"{self.days[day]}T18:{i % 60:02d}:00Z"
        record: dict[str, Any] = {
            "key": str(key),
            "href": f"/objects/{path}/{key}",
            "audit": _audit(created, created),
            "entity": {"id": _ENTITIES[i % 3]},
            "id": f"JE-{100 + i}",
            "glJournal": {"id": "GJ" if i % 4 else "ADJ"} if i else {"id": "GJ"},
            "postingDate": self.days[day],
            "referenceNumber": None,
            "description": "Accrued office supplies" if i == 0 else "Monthly accrual",
            "state": "posted",
            "lines": lines,
        }
        self.store.adopt(path, record)


def _decimal_cents(amount: str) -> int:
    units, _, cents = amount.partition(".")
    return int(units) * 100 + int(cents.ljust(2, "0")[:2])


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"

"""Seed content, determinism and the performance the benchmarks and large syncs rely on."""

from __future__ import annotations

from decimal import Decimal

from sandbox_helpers import BILL, ENTRY, INVOICE, Client

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.clock import Clock
from intacct_provider.sandbox.seed import RECENT_BILLS, RECENT_INVOICES, build_store


def test_demo_examples_match_the_catalog(intacct_sandbox: IntacctSandbox) -> None:
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["id"], bill["billNumber"], bill["vendor"]["id"], bill["state"]) == (
        "2001",
        "BILL-100",
        "VEND-100",
        "posted",
    )
    assert [(ln["glAccount"]["id"], ln["txnAmount"], ln["memo"]) for ln in bill["lines"]] == [
        ("6700", "500.00", "Office supplies")
    ]
    invoice = intacct_sandbox.get_record(INVOICE, "1001")
    assert (invoice["invoiceNumber"], invoice["customer"]["id"]) == ("INV-100", "CUST-100")
    assert [(ln["glAccount"]["id"], ln["txnAmount"], ln["memo"]) for ln in invoice["lines"]] == [
        ("4000", "1000.00", "Service fee")
    ]
    entry = intacct_sandbox.get_record(ENTRY, "3001")
    assert (entry["id"], entry["txnNumber"], entry["description"]) == ("3001", 100, "Accrued office supplies")
    travel = next(a for a in intacct_sandbox.records("general-ledger/account") if a["id"] == "6100")
    assert travel["requireDimensions"]["department"] is True
    assert {j["id"] for j in intacct_sandbox.records("general-ledger/journal")} >= {"GJ"}
    assert intacct_sandbox.state.store.entities == {"US": False, "UK": False, "CA": True}


def test_number_id_semantics_give_the_catalog_ids() -> None:
    with IntacctSandbox(id_semantics="number") as sb:
        assert [sb.get_record(p, k)["id"] for p, k in ((BILL, "2001"), (INVOICE, "1001"), (ENTRY, "3001"))] == [
            "BILL-100",
            "INV-100",
            "JE-100",
        ]
        sb.id_semantics = "key"
        assert sb.get_record(BILL, "2001")["id"] == "2001"
        assert Client(sb).rows(object=BILL, filters=[{"$eq": {"id": "2001"}}], fields=["key"]) == [{"key": "2001"}]


def test_demo_counts_and_states(intacct_sandbox: IntacctSandbox) -> None:
    bills = intacct_sandbox.records(BILL, include_private=True)
    counts = (len(bills), len(intacct_sandbox.records(INVOICE)), len(intacct_sandbox.records(ENTRY)))
    assert counts == (53 + len(RECENT_BILLS), 50 + len(RECENT_INVOICES), 20 + 1)
    assert len(intacct_sandbox.records(BILL)) == 50 + len(
        RECENT_BILLS
    )  # a top-level read leaves the private entity out
    assert {b["state"] for b in bills} == {"draft", "submitted", "posted", "paid", "partiallyPaid"}
    assert all(b["createdDate"].startswith("2026-") for b in bills[: -len(RECENT_BILLS)])
    assert all(b["currency"]["txnCurrency"] == "USD" for b in bills)
    assert all(ln["dimensions"]["location"]["id"] for b in bills for ln in b["lines"])
    assert all("description" in ln and "memo" not in ln for e in intacct_sandbox.records(ENTRY) for ln in e["lines"])


def test_paid_bills_are_paid_by_payment_records(intacct_sandbox: IntacctSandbox) -> None:
    paid: dict[str, Decimal] = {}
    for payment in intacct_sandbox.records("accounts-payable/payment"):
        for item in payment["details"]:
            paid[item["bill"]["key"]] = paid.get(item["bill"]["key"], Decimal(0)) + Decimal(
                item["txnCurrency"]["paymentAmount"]
            )
    bills = {b["key"]: b for b in intacct_sandbox.records(BILL)}
    assert paid and {b["key"] for b in bills.values() if b["state"] in ("paid", "partiallyPaid")} == set(paid)
    for key, amount in paid.items():
        info = bills[key]["paymentInformation"]
        assert Decimal(info["totalTxnAmountPaid"]) == amount
        due = Decimal(bills[key]["totalTxnAmount"]) - amount
        assert Decimal(bills[key]["totalTxnAmountDue"]) == due
        assert (bills[key]["state"] == "paid") == (due == 0) == (info["fullyPaidDate"] is not None)


def test_seeded_records_pass_the_sandbox_own_rules(intacct_sandbox: IntacctSandbox) -> None:
    """Re-creating every seeded transaction through the API must succeed (no impossible seed data).

    Without their numbers (the seed's are taken), so in a company with document sequencing.
    """
    intacct_sandbox.require_document_numbers = False
    api = Client(intacct_sandbox)
    writable = {"lines", "vendor", "customer", "createdDate", "invoiceDate", "dueDate", "glJournal", "postingDate"}
    writable |= {"currency", "description", "referenceNumber"}
    for path in (BILL, INVOICE, ENTRY):
        for record in intacct_sandbox.records(path)[:15]:
            body = {k: v for k, v in record.items() if k in writable}
            response = api.create(path, body)
            assert response.status_code == 201, (path, record["id"], response.text)


def test_seed_is_deterministic() -> None:
    clock = Clock()
    clock.freeze("2026-12-07T08:00:00Z")
    first = build_store("demo", 2, clock, "u").tables[BILL].records
    second = build_store("demo", 2, clock, "u").tables[BILL].records
    assert first == second and len(first) == 103 + len(RECENT_BILLS)


def test_yesterdays_work_is_dated_yesterday(intacct_sandbox: IntacctSandbox) -> None:
    """A daily sync of yesterday, the first run a user tries, has bills, invoices and an entry to show."""
    from datetime import UTC, datetime, timedelta

    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    for path, count in ((BILL, len(RECENT_BILLS)), (INVOICE, len(RECENT_INVOICES)), (ENTRY, 1)):
        recent = [r for r in intacct_sandbox.records(path) if r["audit"]["modifiedDateTime"].startswith(yesterday)]
        assert len(recent) == count, path
    bills = [b for b in intacct_sandbox.records(BILL) if b["createdDate"] == yesterday]
    assert [(b["vendor"]["id"], b["totalTxnAmount"], b["state"]) for b in bills] == [
        (vendor, amount, state) for vendor, _, amount, _, state in RECENT_BILLS
    ]
    clock = Clock()
    clock.freeze("2027-03-01T00:30:00Z")
    again = build_store("demo", 1, clock, "u").tables[BILL].records
    assert sorted({r["createdDate"] for r in again.values()})[-1] == "2027-02-28"


def test_large_seed_answers_deep_pages() -> None:
    """40,000 bills: a deep 4,000-row page is whole and in key order (its speed is measured in
    bench/, not asserted here: the project keeps timings out of tests)."""
    with IntacctSandbox(seed_scale=800) as sb:
        response = Client(sb).query(
            object=BILL,
            fields=["key", "id", "vendor.id", "totalTxnAmount", "audit.modifiedDateTime"],
            filters=[{"$gte": {"audit.modifiedDateTime": "2026-01-01T00:00:00Z"}}],
            orderBy=[{"key": "asc"}],
            start=20001,
            size=4000,
        )
        body = response.json()
        assert len(body["ia::result"]) == 4000 and body["ia::meta"]["totalCount"] == 40000 + len(RECENT_BILLS)
        keys = [int(row["key"]) for row in body["ia::result"]]
        assert keys == list(range(2001 + 20000, 2001 + 24000))


def test_the_docs_list_the_whole_demo_company(intacct_sandbox: IntacctSandbox) -> None:
    """``docs/demo-company.md`` names every master record and counts every transaction as the seed has them."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "demo-company.md").read_text()
    for name in ("vendor", "customer", "gl_account", "journal", "location", "department", "class", "project"):
        for record in intacct_sandbox.records(name):
            row = re.compile(rf"\| {re.escape(record['id'])} \| {re.escape(record['name'])} \| {record['key']} \|")
            assert row.search(page), (name, record["id"])
    for label, name in (("AP bills", BILL), ("AR invoices", INVOICE), ("GL journal entries", ENTRY)):
        records = intacct_sandbox.records(name, include_private=True)
        assert f"| {label} (`{name}`) | {len(records)} | {records[0]['key']} |" in page
    payments = intacct_sandbox.records("ap_payment")
    assert f"| AP payments (`accounts-payable/payment`) | {len(payments)} | {payments[0]['key']} |" in page
    details = intacct_sandbox.records("accounts-payable/payment-detail")
    assert [d["apPayment"]["key"] for d in details] == [p["key"] for p in payments]  # one each, in order
    row = f"| AP payment details (`accounts-payable/payment-detail`) | {len(details)} | {details[0]['key']} |"
    assert row in page
    recent = intacct_sandbox.records(BILL)[-len(RECENT_BILLS) :]
    for bill in recent:
        assert f"| bill {bill['billNumber']} (key {bill['key']}) | {bill['vendor']['id']} |" in page
        assert f"| {bill['totalTxnAmount']} | {bill['state']} |" in page
    for invoice in intacct_sandbox.records(INVOICE)[-len(RECENT_INVOICES) :]:
        assert f"| invoice {invoice['invoiceNumber']} (key {invoice['key']}) | {invoice['customer']['id']} |" in page
    total = sum(Decimal(b["totalTxnAmount"]) for b in recent)
    assert f"3 bills ({total} USD)" in page

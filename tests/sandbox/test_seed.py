"""Seed content, determinism and the performance the benchmarks and large syncs rely on."""

from __future__ import annotations

from decimal import Decimal

from sandbox_helpers import BILL, ENTRY, INVOICE, Client

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.clock import Clock
from intacct_provider.sandbox.seed import build_store


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
    assert (len(bills), len(intacct_sandbox.records(INVOICE)), len(intacct_sandbox.records(ENTRY))) == (53, 50, 20)
    assert len(intacct_sandbox.records(BILL)) == 50  # a top-level read leaves the private entity out
    assert {b["state"] for b in bills} == {"draft", "submitted", "posted", "paid", "partiallyPaid"}
    assert all(b["createdDate"].startswith("2026-") for b in bills)
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
    first = build_store("demo", 2, Clock(), "u").tables[BILL].records
    second = build_store("demo", 2, Clock(), "u").tables[BILL].records
    assert first == second and len(first) == 103


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
        assert len(body["ia::result"]) == 4000 and body["ia::meta"]["totalCount"] == 40000
        keys = [int(row["key"]) for row in body["ia::result"]]
        assert keys == list(range(2001 + 20000, 2001 + 24000))

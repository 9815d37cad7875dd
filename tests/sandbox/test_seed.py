"""Seed content, determinism and the performance the benchmarks and large syncs rely on."""

from __future__ import annotations

import time

from sandbox_helpers import BILL, ENTRY, INVOICE, Client

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.clock import Clock
from intacct_provider.sandbox.seed import build_store


def test_demo_examples_match_the_catalog(intacct_sandbox: IntacctSandbox) -> None:
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["id"], bill["vendor"]["id"]) == ("BILL-100", "VEND-100")
    assert [(ln["glAccount"]["id"], ln["txnAmount"], ln["memo"]) for ln in bill["lines"]] == [
        ("6700", "500.00", "Office supplies")
    ]
    invoice = intacct_sandbox.get_record(INVOICE, "1001")
    assert (invoice["id"], invoice["customer"]["id"]) == ("INV-100", "CUST-100")
    assert [(ln["glAccount"]["id"], ln["txnAmount"], ln["memo"]) for ln in invoice["lines"]] == [
        ("4000", "1000.00", "Service fee")
    ]
    assert intacct_sandbox.get_record(ENTRY, "3001")["id"] == "JE-100"
    travel = next(a for a in intacct_sandbox.records("general-ledger/account") if a["id"] == "6100")
    assert travel["requiredDimensions"]["department"] is True
    assert {j["id"] for j in intacct_sandbox.records("general-ledger/journal")} >= {"GJ"}
    entities = [loc["id"] for loc in intacct_sandbox.records("company-config/location") if loc["isEntity"]]
    assert entities == ["US", "UK"]


def test_demo_counts_and_states(intacct_sandbox: IntacctSandbox) -> None:
    bills = intacct_sandbox.records(BILL)
    assert (len(bills), len(intacct_sandbox.records(INVOICE)), len(intacct_sandbox.records(ENTRY))) == (50, 50, 20)
    assert {b["state"] for b in bills} == {"posted", "paid", "partiallyPaid"}
    assert all(b["createdDate"].startswith("2026-") for b in bills)


def test_seeded_records_pass_the_sandbox_own_rules(intacct_sandbox: IntacctSandbox) -> None:
    """Re-creating every seeded transaction through the API must succeed (no impossible seed data)."""
    api = Client(intacct_sandbox)
    writable = {"lines", "vendor", "customer", "createdDate", "invoiceDate", "dueDate", "glJournal", "postingDate"}
    for path in (BILL, INVOICE, ENTRY):
        for record in intacct_sandbox.records(path)[:15]:
            body = {k: v for k, v in record.items() if k in writable}
            response = api.create(path, body)
            assert response.status_code == 201, (path, record["id"], response.text)


def test_seed_is_deterministic() -> None:
    first = build_store("demo", 2, Clock(), "u").tables[BILL].records
    second = build_store("demo", 2, Clock(), "u").tables[BILL].records
    assert first == second and len(first) == 100


def test_large_seed_builds_fast_and_big_queries_answer_fast() -> None:
    started = time.monotonic()
    with IntacctSandbox(seed_scale=800) as sb:
        build_seconds = time.monotonic() - started
        assert build_seconds < 5, build_seconds
        client = Client(sb)
        client.rows(object=BILL, size=1)  # warm the connection
        started = time.monotonic()
        response = client.query(
            object=BILL,
            fields=["key", "id", "vendor.id", "totalTxnAmount", "audit.modifiedDateTime"],
            filters=[{"$gte": {"audit.modifiedDateTime": "2026-01-01T00:00:00Z"}}],
            orderBy=[{"key": "asc"}],
            start=20001,
            size=4000,
        )
        query_seconds = time.monotonic() - started
        body = response.json()
        assert len(body["ia::result"]) == 4000 and body["ia::meta"]["totalCount"] == 40000
        assert query_seconds < 0.8, query_seconds

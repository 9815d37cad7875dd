"""Every documented field of the objects the contract builds: writable ones accepted, writeOnly honoured."""

from __future__ import annotations

import pytest

from intacct_provider import contract
from intacct_provider.catalog.body_check import check_body, merge_extra_fields
from intacct_provider.catalog.payloads import ap_payment_payload, bill_payload
from intacct_provider.catalog.registry import AP_PAYMENT, BILL
from intacct_provider.exceptions import IntacctValidationError

BILL_BODY = bill_payload(
    vendor_id="VEND-100",
    date_created="2026-11-01",
    date_due="2026-12-01",
    line_items=[{"glaccountno": "6700", "amount": "10.00", "locationid": "US"}],
    bill_number="B-1",
    currency="USD",
)
PAYMENT_BODY = ap_payment_payload("VEND-100", "BOA", "2026-11-15", [{"key": "2001", "amount": "1"}], "Printed Check")


@pytest.mark.parametrize(
    "extra",
    [
        {"billBackTemplate": {"id": "BB-1"}},
        {"dispute": {"reason": "duplicateInvoice", "notes": "Billed twice"}},
        {"refuse": {"reason": "incorrectVATRate", "notes": "Wrong rate"}},
    ],
)
def test_writable_spec_fields_of_a_bill_are_accepted(extra):
    check_body(BILL, merge_extra_fields(BILL_BODY, extra), extra=extra)


def test_a_payment_takes_its_exchange_rate():
    extra = {"exchangeRate": {"date": "2026-11-15", "typeId": "Intacct Daily Rate"}}
    check_body(AP_PAYMENT, merge_extra_fields(PAYMENT_BODY, extra), extra=extra)


@pytest.mark.parametrize(
    ("path", "extra", "where"),
    [
        ("bill", {"billBackTemplate": {"href": "/x"}}, "extra_fields.billBackTemplate.href"),
        ("bill", {"dispute": {"reason": "tooExpensive"}}, "extra_fields.dispute.reason"),
        ("payment", {"exchangeRate": {"rate": "1.1"}}, "extra_fields.exchangeRate.rate"),
    ],
)
def test_read_only_and_enum_spec_fields_are_refused(path, extra, where):
    obj, body = (BILL, BILL_BODY) if path == "bill" else (AP_PAYMENT, PAYMENT_BODY)
    with pytest.raises(IntacctValidationError) as info:
        check_body(obj, merge_extra_fields(body, extra), extra=extra)
    assert info.value.parameter == where


def test_read_only_spec_fields_are_queryable_and_write_only_ones_are_not_read():
    bill = contract.leaf_properties(contract.load_schema(BILL.path, "record"))
    assert {"billBackTemplate.enableInterEntityPostings", "recipientEmail", "taxSolution.href"} <= set(bill)
    payment = contract.load_schema(AP_PAYMENT.path, "record")
    assert "paymentDate" not in payment["properties"]  # writeOnly: never returned
    assert payment["properties"]["details"]["items"]["properties"]["paymentDate"]["readOnly"] is True
    assert contract.load_schema(AP_PAYMENT.path, "create")["properties"]["paymentDate"]["writeOnly"] is True
    invoice = contract.load_schema("accounts-receivable/invoice", "record")
    assert not {"action", "createAPBill"} & set(invoice["properties"])


def test_the_bill_state_enum_has_the_approve_answer():
    assert "approved" in contract.load_schema(BILL.path, "record")["properties"]["state"]["enum"]
    assert "approved" in contract.object_facts(BILL.path)["state"]["enum"]

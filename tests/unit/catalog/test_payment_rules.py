"""AP payments in the registry: how a lost one is recognised, its workflows, its payment method."""

from __future__ import annotations

import pytest

from intacct_provider.catalog.payloads import ap_payment_payload
from intacct_provider.catalog.registry import AP_PAYMENT, BILL, INVOICE, differences
from intacct_provider.contract import write_only_fields
from intacct_provider.exceptions import IntacctValidationError

BODY = ap_payment_payload(
    vendor_id="VEND-100",
    bank_account_id="BOA",
    payment_date="2026-11-15",
    bills=[{"key": "2001", "amount": "120.5"}, {"key": "2002", "amount": "10"}],
    payment_method="Printed Check",
    description="November run",
)
#: The payment as Intacct reads it back: no ``paymentDate`` (writeOnly), references completed.
READ = {
    "key": "4100",
    "vendor": {"key": "33", "id": "VEND-100"},
    "financialEntity": {"entityId": "BOA"},
    "paymentMethod": "Printed Check",
    "txnCurrency": {"currency": "USD", "totalPaid": "0.00"},
    "description": "November run",
    "txnDate": "2026-11-20",
    "details": [
        {"bill": {"key": "2001", "id": "2001"}, "txnCurrency": {"paymentAmount": "120.50"}},
        {"bill": {"key": "2002", "id": "2002"}, "txnCurrency": {"paymentAmount": "10.00"}},
    ],
}


def test_a_payment_read_back_matches_its_body_without_the_write_only_date():
    assert write_only_fields(AP_PAYMENT.path) == {"paymentDate"}
    assert AP_PAYMENT.differences(BODY, READ) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vendor": {"key": "34", "id": "VEND-200"}}, "vendor.id"),
        ({"financialEntity": {"entityId": "WF"}}, "financialEntity.entityId"),
        ({"paymentMethod": "creditCard"}, "paymentMethod"),
        ({"description": "December run"}, "description"),
        ({"details": READ["details"][:1]}, "details"),
        ({"details": [READ["details"][0], {**READ["details"][1], "txnCurrency": {"paymentAmount": "10.01"}}]},
         "details"),
        ({"details": [READ["details"][0], {**READ["details"][1], "bill": {"key": "2003", "id": "2003"}}]},
         "details"),
    ],
)  # fmt: skip
def test_a_payment_differing_in_what_intacct_returns_is_not_ours(change, field):
    assert AP_PAYMENT.differences(BODY, {**READ, **change}) == [field]


def test_an_unregistered_path_never_compares_write_only_fields():
    body = {"action": "submit", "description": "x"}
    assert differences("accounts-receivable/invoice", body, {"description": "x"}) == []


def test_payment_workflows_know_what_has_happened():
    workflows = AP_PAYMENT.workflows
    assert list(workflows) == ["submit", "approve", "decline", "print", "confirm", "reverse"]
    submit, approve, reverse = workflows["submit"], workflows["approve"], workflows["reverse"]
    assert submit.path == "/workflows/accounts-payable/payment/submit"
    # A tenant without approvals confirms on submit: approve, print and confirm are then done.
    assert all(workflows[action].happened(None, "confirmed") for action in ("submit", "approve", "print", "confirm"))
    assert not approve.happened(None, "submitted") and not submit.happened(None, "declined")
    # A delivered payment reversed is approved again: done only knowing where it started.
    assert reverse.happened("delivered", "approved") and not reverse.happened(None, "approved")
    # A confirmed payment reversed is voided (the state enum) or reversed (the answer): both done,
    # known with or without the state an earlier try read.
    assert all(reverse.happened(before, after) for before in (None, "confirmed") for after in ("voided", "reversed"))
    assert not reverse.happened(None, "confirmed") and not reverse.happened("confirmed", "confirmed")
    assert reverse.arguments == {"reverse_date": "paymentDate", "notes": "description"} and reverse.required == ()


@pytest.mark.parametrize("state", ["approved", "posted"])
def test_bill_approve_is_done_under_either_reading(state):
    approve = BILL.workflows["approve"]
    assert approve.happened(None, state) and approve.happened("submitted", state)
    assert BILL.workflows["submit"].happened(None, state)
    assert INVOICE.workflows["submit"].done_states == ("posted", "partiallyPaid", "paid")


@pytest.mark.parametrize("method", [None, "", "   ", 5, ["Printed Check"], "Printed\nCheck"])
def test_the_payment_method_is_required_and_never_guessed(method):
    with pytest.raises(IntacctValidationError) as info:
        ap_payment_payload("VEND-100", "BOA", "2026-11-15", [{"key": "1", "amount": "1"}], payment_method=method)
    assert info.value.parameter == "payment_method"


@pytest.mark.parametrize("method", ["Printed Check", "creditCard", " EFT "])
def test_the_payment_method_is_sent_as_given(method):
    body = ap_payment_payload("VEND-100", "BOA", "2026-11-15", [{"key": "1", "amount": "1"}], payment_method=method)
    assert body["paymentMethod"] == method


def test_a_payment_detail_carries_the_companys_own_fields_and_nothing_else():
    body = ap_payment_payload(
        vendor_id="VEND-100",
        bank_account_id="BOA",
        payment_date="2026-11-15",
        bills=[{"key": "2001", "amount": "120.5", "nsp::REMIT_REF": "R-7", "nsp::WITHHELD": "1.10"}],
        payment_method="Printed Check",
    )
    assert body["details"] == [
        {
            "bill": {"key": "2001"},
            "txnCurrency": {"paymentAmount": "120.5"},
            "nsp::REMIT_REF": "R-7",  # as given here: typed by the company's model when the task runs
            "nsp::WITHHELD": "1.10",
        }
    ]
    for item in ({"key": "2001", "amount": "1", "remit": "x"}, {"key": "2001", "nsp::REMIT_REF": "x"}):
        with pytest.raises(IntacctValidationError, match=r"bills\[0\]: expected an object with 'key' and 'amount'"):
            ap_payment_payload("V", "BOA", "2026-11-15", [item], "Printed Check")


def test_a_record_differing_in_a_detail_field_or_a_relationship_is_not_ours():
    detail = {**BODY["details"][0], "nsp::REMIT_REF": "R-7"}
    body = {**BODY, "details": [detail, BODY["details"][1]]}
    read = {**READ, "details": [{**READ["details"][0], "nsp::REMIT_REF": "R-7"}, READ["details"][1]]}
    assert AP_PAYMENT.differences(body, read) == []
    other = {**READ, "details": [{**READ["details"][0], "nsp::REMIT_REF": "R-8"}, READ["details"][1]]}
    assert AP_PAYMENT.differences(body, other) == ["details"]
    bill = {"billNumber": "B-1", "nsp::CONTRACT": {"key": "10001"}}
    assert BILL.differences(bill, {"billNumber": "B-1", "nsp::CONTRACT": {"key": "10001", "id": "10001"}}) == []
    assert BILL.differences(bill, {"billNumber": "B-1", "nsp::CONTRACT": {"key": "10002", "id": "10002"}}) == [
        "nsp::CONTRACT.key"
    ]
    unset = {"billNumber": "B-1", "nsp::CONTRACT": {"key": None}}  # nothing to compare
    assert BILL.differences(unset, {"billNumber": "B-1", "nsp::CONTRACT": {"key": "10002"}}) == []

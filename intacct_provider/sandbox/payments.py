"""AP payments (``accounts-payable/payment``): how a bill gets paid, as in Sage's contract.

A payment names its bills in ``details[]`` (``bill`` by key or id, ``txnCurrency.paymentAmount``).
The sandbox applies a payment to its bills when it is created (it simulates no payment approval,
printing or confirmation) and takes it back when the payment is deleted.  Only posted bills can be
paid, by their own vendor, in their currency, and never beyond what is due.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from .amounts import amount_paid, compute_totals, money
from .behaviour import Behaviour, Records
from .errors import ApiError, detail

BILL = "accounts-payable/bill"
PAYABLE_STATES = ("posted", "partiallyPaid")


def _bills(records: Records, payment: dict[str, Any]) -> list[tuple[int, dict[str, Any], Decimal]]:
    """(detail index, bill, amount) of every detail; references were checked before."""
    found = []
    for index, item in enumerate(payment["details"]):
        bill = records.resolve(BILL, item["bill"])
        assert bill is not None
        found.append((index, bill, Decimal(item["txnCurrency"].get("paymentAmount") or 0)))
    return found


def check_payment(records: Records, payment: dict[str, Any]) -> None:
    """422 for a payment that cannot be applied to its bills."""
    problems = []
    entity = payment["entity"]["id"]
    vendor = records.resolve("accounts-payable/vendor", payment["vendor"])
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for index, bill, amount in _bills(records, payment):
        target = f"/details/{index}"
        name = f"Bill {bill['id']}"
        totals[bill["key"]] += amount
        if entity is not None and bill["entity"]["id"] != entity:
            problems.append(detail("referenceNotFound", f"{name} does not exist in entity {entity}", target + "/bill"))
        elif vendor is not None and bill["vendor"]["key"] != vendor["key"]:
            message = f"{name} belongs to vendor {bill['vendor']['id']}, not {vendor['id']}"
            problems.append(detail("vendorMismatch", message, target + "/bill"))
        elif bill["state"] not in PAYABLE_STATES:
            message = f"{name} is {bill['state']}: only posted bills can be paid"
            problems.append(detail("billNotPayable", message, target + "/bill"))
        elif bill["currency"]["txnCurrency"] != payment["txnCurrency"]["currency"]:
            message = (
                f"{name} is in {bill['currency']['txnCurrency']}, the payment in {payment['txnCurrency']['currency']}"
            )
            problems.append(detail("currencyMismatch", message, "/txnCurrency/currency"))
        elif amount <= 0:
            problems.append(
                detail("invalidAmount", "The payment amount must be more than 0", target + "/txnCurrency/paymentAmount")
            )
        elif totals[bill["key"]] > Decimal(bill["totalTxnAmountDue"]):
            message = f"Payment {money(totals[bill['key']])} is more than the {bill['totalTxnAmountDue']} due on {name}"
            problems.append(detail("overpayment", message, target + "/txnCurrency/paymentAmount"))
    if problems:
        raise ApiError.from_details(422, problems)


def refuse_change(records: Records, payment: dict[str, Any], changes: dict[str, Any]) -> None:
    """422: a payment is never changed; it is deleted and created again."""
    message = "A payment cannot be changed; delete it and create another"
    raise ApiError.from_details(422, [detail("operationNotAllowed", message, payment["key"])])


def apply_payment(records: Records, payment: dict[str, Any]) -> None:
    """Pay the bills: their paid totals, amounts due and states (partiallyPaid / paid)."""
    total = Decimal(0)
    for _, bill, amount in _bills(records, payment):
        total += amount
        settle(records, bill, amount_paid(bill) + amount, payment.get("paymentDate"))
    payment["txnCurrency"]["totalPaid"] = money(total)
    payment["baseCurrency"] = {"currency": payment["txnCurrency"]["currency"], "totalPaid": money(total)}
    payment["txnPaidDate"] = payment.get("paymentDate")


def unapply_payment(records: Records, payment: dict[str, Any]) -> None:
    """Take a deleted payment back off its bills."""
    for _, bill, amount in _bills(records, payment):
        settle(records, bill, amount_paid(bill) - amount, None)


def settle(records: Records, bill: dict[str, Any], paid: Decimal, paid_on: str | None) -> None:
    """Set a bill's (or invoice's) paid total, amount due and state from what is now paid."""
    compute_totals(bill, paid)
    due = Decimal(bill["totalTxnAmountDue"])
    bill["state"] = "paid" if due == 0 else ("partiallyPaid" if paid else "posted")
    bill["paymentInformation"]["fullyPaidDate"] = paid_on if due == 0 else None
    records.touch(bill)


#: The payment's hooks on its object definition (:mod:`.schema`): checked against its bills when
#: created, applied to them once complete, never changed, taken back off them when deleted.
PAYMENT = Behaviour(
    check=(check_payment,),
    on_create=(apply_payment,),
    before_update=(refuse_change,),
    before_delete=(unapply_payment,),
)

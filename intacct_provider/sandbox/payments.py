"""AP payments (``accounts-payable/payment``): how a bill gets paid, as in Sage's contract.

A payment names its bills in ``details[]`` (``bill`` by key or id, ``txnCurrency.paymentAmount``).
It is created a ``draft`` (the spec's default) and moves by its workflow actions
(``/workflows/accounts-payable/payment/<action>``): submit, approve, decline, print, confirm,
reverse.  It is applied to its bills (their paid totals, amounts due and states) only once it is
*paid out*, and taken back off them when it leaves that state (reversed, voided) or is deleted.
What reversing a confirmed payment leaves is the ``payment_reverse_state`` reading: the state enum
says ``voided``, the reverse answer ``reversed`` (:func:`payment_transition`).

Which state is paid out, and the order of states after submit, Sage documents only in part, so it
is the sandbox's ``payment_flow`` reading (:mod:`.readings`):

``print`` (default, the fullest): submit -> ``submitted``, approve -> ``approved``, print ->
``delivered`` (a check printed), confirm -> ``confirmed``, applied at ``confirmed`` ("confirmed and
posted", the confirm action's description).

``approval``: the same steps, applied from ``approved`` on (a method with nothing to print).

``direct``: submit -> ``confirmed`` at once (the submit answer's other enum value: no approval).

A payment is checked against its bills when created (only bills of its vendor, in its currency,
that are posted or approved, and never more than is due on a bill less what other payments
waiting to be paid out already hold for it) and again when it is paid out.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .amounts import amount_paid, compute_totals, money
from .behaviour import Behaviour, Records
from .errors import ApiError, detail

if TYPE_CHECKING:
    from .readings import Readings

BILL = "accounts-payable/bill"
PAYMENT = "accounts-payable/payment"
#: Bill states a payment may be made against (``approved``: the approve answer's reading).
PAYABLE_STATES = ("posted", "partiallyPaid", "approved")
#: Payment states that hold no claim on a bill: refused or taken back.
_RELEASED = ("declined", "voided", "reversed", "printVoided")
#: Per ``payment_flow``: the states in which a payment is applied to its bills.
PAID_OUT = {
    "print": frozenset({"confirmed"}),
    "approval": frozenset({"approved", "delivered", "confirmed"}),
    "direct": frozenset({"confirmed"}),
}
#: The action that moves a payment on from each state towards paid out (:func:`.workflows.pay_out`).
NEXT_ACTION = {"draft": "submit", "declined": "submit", "submitted": "approve", "approved": "print",
               "delivered": "confirm"}  # fmt: skip


def _bills(records: Records, payment: dict[str, Any]) -> list[tuple[int, dict[str, Any], Decimal]]:
    """(detail index, bill, amount) of every detail; references were checked before."""
    found = []
    for index, item in enumerate(payment["details"]):
        bill = records.resolve(BILL, item["bill"])
        assert bill is not None
        found.append((index, bill, Decimal(item["txnCurrency"].get("paymentAmount") or 0)))
    return found


def is_applied(payment: dict[str, Any]) -> bool:
    """Whether the payment's amounts are on its bills now (``txnCurrency.totalPaid`` above zero)."""
    return Decimal((payment.get("txnCurrency") or {}).get("totalPaid") or 0) > 0


def _held_elsewhere(records: Records, payment: dict[str, Any]) -> dict[str, Decimal]:
    """Per bill key: what other payments not yet paid out (and not released) hold for it."""
    held: dict[str, Decimal] = defaultdict(Decimal)
    for other in records.each(PAYMENT):
        if other.get("key") == payment.get("key") or is_applied(other) or other.get("state") in _RELEASED:
            continue
        for _, bill, amount in _bills(records, other):
            held[bill["key"]] += amount
    return held


def check_payment(records: Records, payment: dict[str, Any]) -> None:
    """422 for a payment that cannot be applied to its bills (as it is created)."""
    _check(records, payment, _held_elsewhere(records, payment), states=PAYABLE_STATES)


def _check(records: Records, payment: dict[str, Any], held: dict[str, Decimal], *, states: tuple[str, ...]) -> None:
    problems = []
    entity = payment["entity"]["id"]
    vendor = records.resolve("accounts-payable/vendor", payment["vendor"])
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for index, bill, amount in _bills(records, payment):
        target = f"/details/{index}"
        name = f"Bill {bill['id']}"
        totals[bill["key"]] += amount
        available = Decimal(bill["totalTxnAmountDue"]) - held.get(bill["key"], Decimal(0))
        if entity is not None and bill["entity"]["id"] != entity:
            problems.append(detail("referenceNotFound", f"{name} does not exist in entity {entity}", target + "/bill"))
        elif vendor is not None and bill["vendor"]["key"] != vendor["key"]:
            message = f"{name} belongs to vendor {bill['vendor']['id']}, not {vendor['id']}"
            problems.append(detail("vendorMismatch", message, target + "/bill"))
        elif bill["state"] not in states:
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
        elif totals[bill["key"]] > available:
            pending = f" ({money(held[bill['key']])} of it held by other payments)" if held.get(bill["key"]) else ""
            message = (
                f"Payment {money(totals[bill['key']])} is more than the {money(available)} left to pay on {name}"
                f"{pending}"
            )
            problems.append(detail("overpayment", message, target + "/txnCurrency/paymentAmount"))
    if problems:
        raise ApiError.from_details(422, problems)


def start_draft(records: Records, payment: dict[str, Any]) -> None:
    """A new payment: nothing paid yet, created today (``txnDate``, Sage: "date the payment was created")."""
    currency = payment["txnCurrency"]["currency"]
    payment["txnCurrency"]["totalPaid"] = money(Decimal(0))
    payment["baseCurrency"] = {**payment.get("baseCurrency", {}), "currency": currency, "totalPaid": money(Decimal(0))}
    payment["txnDate"] = payment["audit"]["createdDateTime"][:10]
    payment["txnPaidDate"] = None


def refuse_change(records: Records, payment: dict[str, Any], changes: dict[str, Any]) -> None:
    """422: a payment is never changed; it is deleted and created again."""
    message = "A payment cannot be changed; delete it and create another"
    raise ApiError.from_details(422, [detail("operationNotAllowed", message, payment["key"])])


def follow_state(records: Records, payment: dict[str, Any], previous: str) -> None:
    """Apply the payment when it reaches a paid-out state, take it back when it leaves one."""
    paid_out = payment["state"] in PAID_OUT[records.readings.payment_flow]
    if paid_out and not is_applied(payment):
        apply_payment(records, payment)
    elif is_applied(payment) and not paid_out:
        unapply_payment(records, payment)


def apply_payment(records: Records, payment: dict[str, Any]) -> None:
    """Pay the bills: their paid totals, amounts due and states (partiallyPaid / paid).

    Checked again first: a bill may have been paid, or reversed, since the payment was created.
    """
    _check(records, payment, {}, states=PAYABLE_STATES)
    total = Decimal(0)
    paid_on = payment.get("paymentDate")
    for index, bill, amount in _bills(records, payment):
        total += amount
        settle(records, bill, amount_paid(bill) + amount, paid_on)
        payment["details"][index].update(paymentDate=paid_on, state="confirmed")
    payment["txnCurrency"]["totalPaid"] = money(total)
    payment["baseCurrency"] = {**payment.get("baseCurrency", {}), "totalPaid": money(total)}
    payment["txnPaidDate"] = paid_on


def unapply_payment(records: Records, payment: dict[str, Any]) -> None:
    """Take a paid-out payment back off its bills (reversed, voided or deleted)."""
    if not is_applied(payment):
        return
    for index, bill, amount in _bills(records, payment):
        settle(records, bill, amount_paid(bill) - amount, None)
        payment["details"][index]["state"] = "draft"
    payment["txnCurrency"]["totalPaid"] = money(Decimal(0))
    payment["baseCurrency"] = {**payment.get("baseCurrency", {}), "totalPaid": money(Decimal(0))}
    payment["txnPaidDate"] = None


def settle(records: Records, bill: dict[str, Any], paid: Decimal, paid_on: str | None) -> None:
    """Set a bill's (or invoice's) paid total, amount due and state from what is now paid."""
    compute_totals(bill, paid)
    due = Decimal(bill["totalTxnAmountDue"])
    bill["state"] = "paid" if due == 0 else ("partiallyPaid" if paid else "posted")
    bill["paymentInformation"]["fullyPaidDate"] = paid_on if due == 0 else None
    records.touch(bill)


def payment_transition(readings: Readings, action: str, current: str, documented: list[str]) -> str:
    """``submit`` leads to ``confirmed`` under the ``direct`` reading; reversing a confirmed payment
    leaves the ``payment_reverse_state`` reading: ``voided`` (the state enum's name) or ``reversed``
    (the reverse answer's, not among the states). Either is released (:data:`_RELEASED`): the
    payment is taken back off its bills and holds nothing on them. Reversing a delivered payment
    (a check printed, not confirmed) makes it ``approved`` again under every reading."""
    if action == "submit":
        return "confirmed" if readings.payment_flow == "direct" else "submitted"
    if action == "reverse" and current == "confirmed":
        return readings.payment_reverse_state
    return documented[0]


#: The payment's hooks on its object definition (:mod:`.schema`): checked against its bills when
#: created, applied to them once paid out, never changed, taken back off them when deleted.
PAYMENT_BEHAVIOUR = Behaviour(
    check=(check_payment,),
    on_create=(start_draft,),
    before_update=(refuse_change,),
    before_delete=(unapply_payment,),
    on_state=(follow_state,),
    transition=payment_transition,
)

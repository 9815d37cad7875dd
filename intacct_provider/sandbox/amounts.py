"""Decimal amounts the way Intacct writes them, and the totals of a bill or invoice."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

# A plain amount with at most two decimals and few enough digits that quantizing cannot round or
# overflow: its Intacct form is the text itself, padded to two decimals.
_PLAIN = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.([0-9]{1,2}))?")


def money(value: str | Decimal) -> str:
    """Amounts as Intacct prints them: at least two decimals, never fewer.

    The common amounts (``"12.5"``, a total of such) are padded as text: going through
    ``Decimal.as_tuple`` cost a bill's totals about as much as validating its body.
    """
    text = value if isinstance(value, str) else str(value)  # str() of a Decimal keeps its exponent
    plain = _PLAIN.fullmatch(text)
    if plain is not None:
        decimals = plain.group(1) or ""
        return text + ("." if not decimals else "") + "0" * (2 - len(decimals))
    amount = Decimal(value)
    if amount.as_tuple().exponent >= -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return str(amount)


def amount_paid(record: dict[str, Any]) -> Decimal:
    """What has been paid on a bill or invoice (``paymentInformation.totalTxnAmountPaid``)."""
    return Decimal((record.get("paymentInformation") or {}).get("totalTxnAmountPaid") or 0)


def compute_totals(record: dict[str, Any], paid: Decimal) -> None:
    """Totals of a bill or invoice from its lines and what has been paid.

    Base amounts equal transaction amounts: the sandbox company has a single currency.
    """
    total = sum((Decimal(line["txnAmount"]) for line in record["lines"]), Decimal(0))
    record["totalTxnAmount"] = record["totalBaseAmount"] = money(total)
    record["totalTxnAmountDue"] = record["totalBaseAmountDue"] = money(total - paid)
    info = record.setdefault("paymentInformation", {})
    info["totalTxnAmountPaid"] = info["totalBaseAmountPaid"] = money(paid)
    info.setdefault("fullyPaidDate", None)

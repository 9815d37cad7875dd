"""Amounts as Intacct prints them: the text fast path must agree with the Decimal reading."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

from intacct_provider.sandbox.amounts import compute_totals, money


def by_decimal(value: str | Decimal) -> str:
    """The definition: at least two decimals (quantized when fewer), more kept as they are."""
    amount = Decimal(value)
    if amount.as_tuple().exponent >= -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return str(amount)


EDGES = [
    *("0", "-0", "0.0", "-0.0", "0.00", "-0.00", "0.000", "00", "01", "1", "1.", ".5", "-.5", "1.5", "-1.5"),
    *("1.50", "1.500", "12.345", "1e3", "1E-2", "1.2e1", " 1.5", "+1.5", "1_000.00", "0.05", "-0.05", "0.10"),
    *("123456789012345", "1234567890123456", "999999999999999.99", "1000000000000000000000000000.00"),
    *("NaN", "Infinity", "-0E-5", "0E+2", "ten", ""),
]


def outcome(function: Callable[[Any], Any], value: Any) -> Any:
    """The result, or the type of what was raised (both readings must fail alike, e.g. on NaN)."""
    try:
        return function(value)
    except (InvalidOperation, ValueError, TypeError) as error:
        return type(error)


def generated(count: int) -> list[str]:
    rng = random.Random(13)
    values = []
    for _ in range(count):
        whole = str(rng.choice([0, rng.randint(0, 999), rng.randint(0, 10 ** rng.randint(1, 30))]))
        cents = rng.choice(
            ["", ".", f".{rng.randint(0, 9)}", f".{rng.randint(0, 99):02d}", f".{rng.randint(0, 999):03d}"]
        )
        values.append(rng.choice(["", "-"]) + rng.choice(["", "0"]) + whole + cents)
    return values


def agrees(value: str) -> bool:
    same = outcome(money, value) == outcome(by_decimal, value)
    if isinstance(outcome(Decimal, value), Decimal):
        same = same and outcome(money, Decimal(value)) == outcome(by_decimal, Decimal(value))
    return same


@pytest.mark.parametrize("value", EDGES)
def test_money_of_text_and_of_decimal_is_the_decimal_reading(value: str) -> None:
    assert agrees(value), (value, outcome(money, value), outcome(by_decimal, value))


def test_money_agrees_on_generated_amounts() -> None:
    assert [value for value in generated(5000) if not agrees(value)] == []


def test_totals_are_written_with_two_decimals() -> None:
    record = {"lines": [{"txnAmount": "10.50"}, {"txnAmount": "0.5"}, {"txnAmount": "-1"}]}
    compute_totals(record, Decimal("2"))
    assert (record["totalTxnAmount"], record["totalTxnAmountDue"]) == ("10.00", "8.00")
    assert record["paymentInformation"] == {
        "totalTxnAmountPaid": "2.00",
        "totalBaseAmountPaid": "2.00",
        "fullyPaidDate": None,
    }

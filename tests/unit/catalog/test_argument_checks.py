"""validation: the one integer checker and the argument checks, before any request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intacct_provider.catalog.validation import (
    MAX_ID_LENGTH,
    check_amount,
    check_date,
    check_id,
    check_int,
    check_pagesize,
    parse_json,
    parse_json_list,
)
from intacct_provider.exceptions import IntacctValidationError


@pytest.mark.parametrize(("value", "number"), [(5, 5), ("250", 250), (" 7 ", 7), ("+3", 3)])
def test_check_int_accepts_ints_and_ascii_text(value, number):
    assert check_int("n", value, minimum=1) == number


@pytest.mark.parametrize("value", [True, 2.0, "²", "٣", "1e3", "", None, "10" * 20, [1]])
def test_check_int_refuses_everything_else_with_the_argument_named(value):
    with pytest.raises(IntacctValidationError) as info:
        check_int("pagesize", value)
    assert info.value.parameter == "pagesize"


def test_check_int_bounds_say_what_is_expected():
    with pytest.raises(IntacctValidationError, match="an integer between 1 and 1000"):
        check_pagesize("1001")
    with pytest.raises(IntacctValidationError, match="a positive integer"):
        check_int("max_records", 0, minimum=1)


def test_dates_amounts_and_lists():
    assert check_date("d", "2026-11-01") == "2026-11-01"
    with pytest.raises(IntacctValidationError):
        check_date("d", "2026-02-30")
    assert check_amount("a", 250) == "250"
    with pytest.raises(IntacctValidationError):
        check_amount("a", "12,50")
    assert parse_json_list("fields", '["key", "id"]') == ["key", "id"]
    assert parse_json_list("fields", "key, id") == "key, id"


def test_json_text_arguments_read_numbers_exactly():
    """A rendered template's ``12345678901234567.89`` is that amount, not the float 12345678901234568.0."""
    record = parse_json("record", '{"nsp::AMOUNT": 12345678901234567.89, "rate": 0.1, "units": 3}')
    assert record == {"nsp::AMOUNT": Decimal("12345678901234567.89"), "rate": Decimal("0.1"), "units": 3}
    assert type(record["rate"]) is Decimal and type(record["units"]) is int
    for text in ('{"amount": NaN}', '{"amount": 1e}'):
        with pytest.raises(IntacctValidationError) as info:
            parse_json("record", text)
        assert info.value.parameter == "record"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.25", "12.25"),
        ("  7 ", "7"),
        ("0", "0"),
        ("999999999999.99", "999999999999.99"),  # 12 integer digits: the common path
        ("9999999999999.99", "9999999999999.99"),  # 13: the limit itself, through Decimal
        ("0000000000000000001.5", "0000000000000000001.5"),  # many digits, small value
        ("-3.5", "-3.5"),
    ],
)
def test_amount_text_is_returned_as_given(value, expected):
    assert check_amount("a", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10000000000000", "an amount between"),
        ("-0", "without a sign on zero"),
        ("-0.00", "without a sign on zero"),
        ("12.505", "at most 2 decimal places"),
        ("", "a decimal amount with a dot separator"),
        ("١٢", "ASCII digits"),
    ],
)
def test_amount_text_refused_with_its_reason(value, expected):
    with pytest.raises(IntacctValidationError, match=expected):
        check_amount("a", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" VEND-100 ", "VEND-100"), ("x" * MAX_ID_LENGTH, "x" * MAX_ID_LENGTH), (42, "42"), ("Müller AG", "Müller AG")],
)
def test_ids_are_trimmed_text(value, expected):
    assert check_id("vendor_id", value) == expected


@pytest.mark.parametrize("value", ["", "  ", "a\nb", "a\u200bb", "x" * (MAX_ID_LENGTH + 1), True, 1.5])
def test_ids_refused(value):
    with pytest.raises(IntacctValidationError, match="vendor_id"):
        check_id("vendor_id", value)


def test_dates_are_trimmed_and_real():
    assert check_date("d", " 2026-11-01 ") == "2026-11-01"
    for bad, reason in [("2026-02-30", "real calendar date"), ("", "a date as"), ("2026-1-01", "a date as")]:
        with pytest.raises(IntacctValidationError, match=reason):
            check_date("d", bad)

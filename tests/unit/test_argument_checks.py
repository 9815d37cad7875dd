"""validation: the one integer checker and the argument checks, before any request."""

from __future__ import annotations

import pytest

from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.validation import check_amount, check_date, check_int, check_pagesize, parse_json_list


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

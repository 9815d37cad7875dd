"""core.query: the query service's filters, expression, order and fields, checked before any request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intacct_provider.core.query import (
    DEFAULT_FIELDS,
    MAX_FIELD_NAME_LENGTH,
    MAX_FIELDS,
    check_field_name,
    check_filter_expression,
    normalize_fields,
    normalize_filters,
    normalize_order_by,
)
from intacct_provider.exceptions import IntacctValidationError


def refused(call, *args) -> IntacctValidationError:
    with pytest.raises(IntacctValidationError) as info:
        call(*args)
    return info.value


# ------------------------------------------------------------------ filters
def test_filters_in_intacct_list_form_pass_through():
    filters = [{"$eq": {"vendor.id": "VEND-100"}}, {"$gte": {"totalDue": "10.00"}}]
    assert normalize_filters(filters) == filters


def test_a_mapping_is_equality_shorthand_and_an_operator_mapping_is_one_filter():
    assert normalize_filters({"vendor.id": "V", "state": "paid"}) == [
        {"$eq": {"vendor.id": "V"}},
        {"$eq": {"state": "paid"}},
    ]
    assert normalize_filters({"$in": {"state": ("paid", "posted")}}) == [{"$in": {"state": ["paid", "posted"]}}]
    assert normalize_filters(None) == []


@pytest.mark.parametrize(
    ("filters", "parameter", "expected"),
    [
        ("vendor.id = 1", "filters", "a list like"),
        (["nope"], "filters[0]", "one operator mapping"),
        ([{"$eq": {"a": 1}, "$ne": {"b": 2}}], "filters[0]", "one operator mapping"),
        ([{"$like": {"a": 1}}], "filters[0]", "an operator among"),
        ([{"$eq": "a"}], "filters[0]", 'one {"field": value} pair'),
        ([{"$eq": {"a": 1, "b": 2}}], "filters[0]", 'one {"field": value} pair'),
        ([{"$eq": {"": 1}}], "filters[0]", "a field name"),
        ([{"$eq": {"a&b": 1}}], "filters[0]", "field names of letters"),
        ([{"$in": {"state": "paid"}}], "filters[0]", "a non-empty list of values for $in"),
        ([{"$between": {"date": ["2026-01-01"]}}], "filters[0]", "a [from, to] pair of non-null values for $between"),
    ],
)
def test_bad_filters_are_named_with_what_was_expected(filters, parameter, expected):
    error = refused(normalize_filters, filters)
    assert error.parameter == parameter and expected in error.expectation


def test_decimal_amounts_are_numbers_like_any_other():
    """JSON text arguments decode fractions as Decimal, so a templated amount filter arrives as one."""
    filters = [
        {"$gte": {"totalTxnAmount": Decimal("1000.50")}},
        {"$in": {"totalTxnAmount": [Decimal("0.10"), 2, 3.5]}},
        {"$between": {"totalTxnAmount": [Decimal("0.01"), Decimal("12345678901234567.89")]}},
    ]
    assert normalize_filters(filters) == filters


@pytest.mark.parametrize(
    "filters",
    [
        [{"$gte": {"totalTxnAmount": Decimal("NaN")}}],
        [{"$eq": {"totalTxnAmount": float("inf")}}],
        [{"$in": {"totalTxnAmount": [Decimal("Infinity")]}}],
        [{"$between": {"totalTxnAmount": [Decimal("1"), float("nan")]}}],
    ],
)
def test_a_number_that_is_no_json_number_is_refused(filters):
    assert refused(normalize_filters, filters).parameter == "filters[0]"


def test_the_parameter_name_is_the_callers():
    assert refused(normalize_filters, "x", "window").parameter == "window"


# ------------------------------------------------------------------ filter expressions
@pytest.mark.parametrize("expression", ["1", "1 and 2", "(1 or 2) and 3", "1 AND (2 OR 3)", " 2 or 1 "])
def test_well_formed_expressions_pass(expression):
    assert check_filter_expression(expression, 3) == expression.strip()


@pytest.mark.parametrize("expression", [None, "", "   "])
def test_no_expression_is_none(expression):
    assert check_filter_expression(expression, 3) is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 and 4", "filter numbers between 1 and 3"),
        ("0", "filter numbers between 1 and 3"),
        ("1 and", "a complete expression"),
        ("(1 and 2", "a complete expression"),
        ("1 and 2)", "a well-formed expression"),
        ("1 2", "a well-formed expression"),
        ("1 xor 2", "numbers, 'and', 'or' and parentheses"),
    ],
)
def test_malformed_expressions_are_refused(expression, expected):
    error = refused(check_filter_expression, expression, 3)
    assert error.parameter == "filter_expression" and expected in error.expectation


# ------------------------------------------------------------------ order and fields
def test_order_by_accepts_names_minus_names_and_mappings():
    assert normalize_order_by("key") == [{"key": "asc"}]
    assert normalize_order_by(["-audit.createdDateTime", {"key": "DESC"}]) == [
        {"audit.createdDateTime": "desc"},
        {"key": "desc"},
    ]
    assert normalize_order_by(None) == []


@pytest.mark.parametrize("order_by", [{"key": "up"}, [""], [{"a": "asc", "b": "desc"}], [3], ["-a b"]])
def test_bad_order_by_is_refused(order_by):
    assert refused(normalize_order_by, order_by).parameter == "order_by"


def test_fields_default_split_and_deduplicate():
    assert normalize_fields(None) == list(DEFAULT_FIELDS) == normalize_fields("") == normalize_fields([])
    assert normalize_fields("key, vendor.id ,key") == ["key", "vendor.id"]
    assert normalize_fields(("count:key",)) == ["count:key"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"key": 1}, "a list of field names"),
        (["key", " "], "non-empty field names"),
        (["key", "name?x"], "field names of letters"),
        ([f"f{n}" for n in range(MAX_FIELDS + 1)], f"at most {MAX_FIELDS} field names"),
    ],
)
def test_bad_fields_are_refused(fields, expected):
    error = refused(normalize_fields, fields)
    assert error.parameter == "fields" and expected in error.expectation


def test_a_field_name_longer_than_any_real_one_is_refused():
    assert check_field_name("fields", "a" * MAX_FIELD_NAME_LENGTH) == "a" * MAX_FIELD_NAME_LENGTH
    assert refused(check_field_name, "fields", "a" * (MAX_FIELD_NAME_LENGTH + 1)).parameter == "fields"

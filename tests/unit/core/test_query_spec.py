"""core.query_spec: one checked query for every layer, built from template output."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from intacct_provider.core import exact_json
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctValidationError


def test_build_accepts_json_text_and_names_and_builds_the_body():
    spec = QuerySpec.build(
        "bill",
        '["key", "state"]',
        '{"vendor.id": "VEND-100"}',
        order_by="-key",
        filter_parameters={"include_private": "true", "as_of_date": dt.date(2026, 11, 1), "case_sensitive": False},
    )
    assert spec.body(1, 50) == {
        "object": "accounts-payable/bill",
        "fields": ["key", "state"],
        "filters": [{"$eq": {"vendor.id": "VEND-100"}}],
        "filterParameters": {"includePrivate": True, "asOfDate": "2026-11-01", "caseSensitiveComparison": False},
        "orderBy": [{"key": "desc"}],
        "start": 1,
        "size": 50,
    }


@pytest.mark.parametrize(("shortcut", "expected"), [("and", "1 and 2 and 3"), ("OR", "1 or 2 or 3")])
def test_expression_shortcuts(shortcut, expected):
    spec = QuerySpec.build("bill", filters=[{"$eq": {"a": 1}}, {"$eq": {"b": 2}}, {"$eq": {"c": 3}}],
                           filter_expression=shortcut)  # fmt: skip
    assert spec.filter_expression == expected


def test_keyed_and_window_filters():
    spec = QuerySpec.build("vendor", ["id"], [{"$eq": {"a": 1}}, {"$eq": {"b": 2}}], "1 or 2", "-id").keyed()
    assert spec.fields == ["id", "key"] and spec.order_by == [{"id": "desc"}, {"key": "asc"}]
    windowed = spec.and_filters([{"$gte": {"audit.modifiedDateTime": "2026-11-01T00:00:00Z"}}])
    assert windowed.filter_expression == "(1 or 2) and 3" and len(windowed.filters) == 3


def test_round_trip_through_a_dict():
    spec = QuerySpec.build("bill", filters={"state": "paid"}, filter_parameters={"include_hierarchy_fields": True})
    assert QuerySpec.from_dict(spec.to_dict()) == spec


def test_a_templated_amount_filter_keeps_its_digits_through_a_trigger():
    """Rendered JSON text decodes 1000.50 as a Decimal; the trigger's kwargs (plain JSON for
    Airflow's serializer) carry it as exact text, and the query body sends the same token."""
    spec = QuerySpec.build("bill", filters='[{"$gte": {"totalTxnAmount": 12345678901234567.89}}]')
    assert spec.filters == [{"$gte": {"totalTxnAmount": Decimal("12345678901234567.89")}}]
    travelled = json.loads(json.dumps(spec.to_dict()))
    back = QuerySpec.from_dict(travelled)
    assert back == spec
    assert '"totalTxnAmount":12345678901234567.89' in exact_json.compact(back.body())


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"filters": "{nope"}, "filters"),
        ({"filters": [{"$like": {"a": 1}}]}, "filters[0]"),
        ({"filters": [{"$eq": {"a": 1}}], "filter_expression": "1 and 2"}, "filter_expression"),
        ({"filter_parameters": {"include_private": "yes"}}, "filter_parameters.include_private"),
        ({"filter_parameters": {"as_of_date": "2026-02-30"}}, "filter_parameters.as_of_date"),
        ({"filter_parameters": {"colour": True}}, "filter_parameters.colour"),
        ({"filter_parameters": "[1]"}, "filter_parameters"),
    ],
)
def test_bad_arguments_are_named(kwargs, parameter):
    with pytest.raises(IntacctValidationError) as info:
        QuerySpec.build("bill", **kwargs)
    assert info.value.parameter == parameter


@pytest.mark.parametrize(("start", "size", "parameter"), [(0, 10, "start"), (1, 4001, "size"), (1, "²", "size")])
def test_page_window_is_checked(start, size, parameter):
    with pytest.raises(IntacctValidationError) as info:
        QuerySpec.build("bill").body(start, size)
    assert info.value.parameter == parameter


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"$has": {"tags": ["a"]}}, "a string"),
        ({"$has": {"tags": 5}}, "a string"),
        ({"$in": {"state": []}}, "a non-empty list"),
        ({"$notIn": {"state": "posted"}}, "a non-empty list"),
        ({"$in": {"state": ["posted", None]}}, "a list of strings, numbers or true/false"),
        ({"$between": {"dueDate": ["2026-01-01", None]}}, "pair of non-null values"),
        ({"$notBetween": {"dueDate": ["2026-01-01"]}}, "pair of non-null values"),
        ({"$between": {"totalTxnAmount": [1, True]}}, "pair of non-null values"),
        ({"$contains": {"description": None}}, "a string or a number"),
        ({"$startsWith": {"description": ["a"]}}, "a string or a number"),
        ({"$lt": {"totalTxnAmount": None}}, "a string or a number"),
        ({"$gt": {"totalTxnAmount": True}}, "a string or a number"),
        ({"$eq": {"state": ["posted"]}}, "a string, number, true/false or null"),
    ],
)
def test_filter_values_are_checked_per_operator(item, expected):
    with pytest.raises(IntacctValidationError, match=expected) as info:
        QuerySpec.build("bill", filters=[{"$eq": {"key": "1"}}, item])
    assert info.value.parameter == "filters[1]"


@pytest.mark.parametrize(
    ("operator", "field"),
    [("$contains", "dueDate"), ("$notStartsWith", "createdDate"), ("$endsWith", "audit.modifiedDateTime")],
)
def test_text_operators_are_refused_on_date_fields(operator, field):
    with pytest.raises(IntacctValidationError, match="cannot be used with date fields") as info:
        QuerySpec.build("bill", filters=[{operator: {field: "2026"}}])
    assert info.value.parameter == "filters[0]"


def test_values_intacct_takes_pass():
    spec = QuerySpec.build(
        "bill",
        filters=[
            {"$eq": {"description": None}},
            {"$in": {"state": ["posted", "paid"]}},
            {"$between": {"dueDate": ["2026-01-01", "currentYear"]}},
            {"$contains": {"description": "paper"}},
            {"$gte": {"isOnHold": False}},
            {"$startsWith": {"billNumber": 20}},
        ],
    )
    assert len(spec.filters) == 6
    # A path the contract does not describe: field types are Intacct's to check.
    assert QuerySpec.build("purchasing/document", filters=[{"$contains": {"whenCreated": "2026"}}]).filters


def test_a_window_with_its_own_expression_is_renumbered_and_anded():
    window = [{"$gte": {"m": "x"}}, {"$eq": {"m": None}}, {"$gte": {"c": "x"}}]
    alone = QuerySpec.build("bill").and_filters(window, "1 or (2 and 3)")
    assert alone.filter_expression == "1 or (2 and 3)" and len(alone.filters) == 3
    one = QuerySpec.build("bill", filters={"state": "paid"}).and_filters(window, "1 or (2 and 3)")
    assert one.filter_expression == "1 and (2 or (3 and 4))"
    two = QuerySpec.build("bill", filters=[{"$eq": {"a": 1}}, {"$eq": {"b": 2}}], filter_expression="1 or 2")
    assert two.and_filters(window, "1 or (2 and 3)").filter_expression == "(1 or 2) and (3 or (4 and 5))"
    implicit = QuerySpec.build("bill", filters=[{"$eq": {"a": 1}}, {"$eq": {"b": 2}}])
    assert implicit.and_filters(window, "1 or (2 and 3)").filter_expression == "(1 and 2) and (3 or (4 and 5))"

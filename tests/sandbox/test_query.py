"""The query service: fields, all 17 operators, filterExpression, ordering, paging and strictness."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import BILL, VENDOR, Client, error_of

from intacct_provider.sandbox import IntacctSandbox


@pytest.fixture
def vendors(api: Client) -> Client:
    """Five seeded vendors plus two whose names exercise case and decimals."""
    api.create(VENDOR, {"id": "VEND-600", "name": "acme lowercase", "notes": None})
    api.create(VENDOR, {"id": "vend-700", "name": "Zeta Supplies", "status": "inactive"})
    return api


def _ids(client: Client, *filters: dict[str, Any], **body: Any) -> list[str]:
    rows = client.rows(object=VENDOR, fields=["id"], filters=list(filters), orderBy=[{"id": "asc"}], **body)
    return [row["id"] for row in rows]


ALL = ["VEND-100", "VEND-200", "VEND-300", "VEND-400", "VEND-500", "VEND-600", "vend-700"]


@pytest.mark.parametrize(
    ("operator", "operand", "expected"),
    [
        ("$eq", {"id": "VEND-200"}, ["VEND-200"]),
        ("$ne", {"id": "VEND-200"}, [i for i in ALL if i != "VEND-200"]),
        ("$lt", {"id": "VEND-300"}, ["VEND-100", "VEND-200"]),
        ("$lte", {"id": "VEND-300"}, ["VEND-100", "VEND-200", "VEND-300"]),
        ("$gt", {"id": "VEND-500"}, ["VEND-600", "vend-700"]),
        ("$gte", {"id": "VEND-500"}, ["VEND-500", "VEND-600", "vend-700"]),
        ("$in", {"id": ["VEND-100", "VEND-400", "X"]}, ["VEND-100", "VEND-400"]),
        ("$notIn", {"id": ["VEND-100", "VEND-400"]}, ["VEND-200", "VEND-300", "VEND-500", "VEND-600", "vend-700"]),
        ("$between", {"id": ["VEND-200", "VEND-400"]}, ["VEND-200", "VEND-300", "VEND-400"]),
        ("$notBetween", {"id": ["VEND-200", "VEND-400"]}, ["VEND-100", "VEND-500", "VEND-600", "vend-700"]),
        ("$contains", {"name": "Software"}, ["VEND-300"]),
        ("$notContains", {"name": "o"}, ["VEND-100", "vend-700"]),
        ("$startsWith", {"name": "Glob"}, ["VEND-400"]),
        ("$notStartsWith", {"id": "VEND"}, ["vend-700"]),
        ("$endsWith", {"name": "Supply"}, ["VEND-100"]),
        ("$notEndsWith", {"id": "00"}, []),
        ("$has", {"name": "Zeta Supplies"}, ["vend-700"]),
    ],
)
def test_each_operator(vendors: Client, operator: str, operand: dict[str, Any], expected: list[str]) -> None:
    assert _ids(vendors, {operator: operand}) == expected


def test_has_takes_a_string(vendors: Client) -> None:
    """``$has`` names the value an array-of-strings field must contain (the spec's
    ``{arrayField: string}``); the sandbox has no array fields, so it matches single values."""
    response = vendors.query(object=VENDOR, filters=[{"$has": {"id": True}}])
    assert response.status_code == 400 and "$has takes a string" in error_of(response)["message"]


def test_case_insensitive_comparison(vendors: Client) -> None:
    params = {"caseSensitiveComparison": False}
    assert _ids(vendors, {"$eq": {"id": "VEND-700"}}, filterParameters=params) == ["vend-700"]
    assert _ids(vendors, {"$startsWith": {"name": "ACME"}}, filterParameters=params) == ["VEND-100", "VEND-600"]
    assert _ids(vendors, {"$eq": {"id": "VEND-700"}}) == []


def test_decimals_compare_as_numbers(api: Client) -> None:
    rows = api.rows(object=BILL, fields=["totalTxnAmount"], filters=[{"$gte": {"totalTxnAmount": "1000"}}], size=4000)
    assert rows and all(float(row["totalTxnAmount"]) >= 1000 for row in rows)
    numeric = api.rows(object=BILL, fields=["key"], filters=[{"$gte": {"totalTxnAmount": 1000}}], size=4000)
    assert len(numeric) == len(rows)
    ordered = api.rows(object=BILL, fields=["totalTxnAmount"], orderBy=[{"totalTxnAmount": "asc"}], size=4000)
    amounts = [float(row["totalTxnAmount"]) for row in ordered]
    assert amounts == sorted(amounts)


def test_dates_and_timestamps_compare_in_iso_order(api: Client) -> None:
    rows = api.rows(
        object=BILL,
        fields=["createdDate", "audit.modifiedDateTime"],
        filters=[
            {"$between": {"createdDate": ["2026-02-01", "2026-02-28"]}},
            {"$gte": {"audit.modifiedDateTime": "2026-02-10T00:00:00Z"}},
        ],
        size=4000,
    )
    assert rows
    assert all("2026-02-01" <= r["createdDate"] <= "2026-02-28" for r in rows)
    assert all(r["audit.modifiedDateTime"] >= "2026-02-10T00:00:00Z" for r in rows)


def test_rows_are_flat_with_dotted_keys_and_default_fields(api: Client) -> None:
    rows = api.rows(object=BILL, fields=["key", "vendor.id", "audit.createdDateTime", "entity.id"], size=1)
    assert rows == [
        {"key": "2001", "vendor.id": "VEND-100", "audit.createdDateTime": "2026-01-05T09:00:00Z", "entity.id": None}
    ]
    default = api.rows(object=BILL, size=1)
    assert default == [{"key": "2001", "id": "2001", "href": "/objects/accounts-payable/bill/2001"}]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 or 2", ["VEND-100", "VEND-300"]),
        ("1 and 2", []),
        ("(1 or 2) and 3", ["VEND-300"]),
        ("1 or 2 and 3", ["VEND-100", "VEND-300"]),
        ("1 OR (2 AND 3)", ["VEND-100", "VEND-300"]),
        ("((1))", ["VEND-100"]),
        ("and", []),
        ("or", ["VEND-100", "VEND-300"]),
    ],
)
def test_filter_expression(api: Client, expression: str, expected: list[str]) -> None:
    filters = [{"$eq": {"id": "VEND-100"}}, {"$eq": {"id": "VEND-300"}}, {"$contains": {"name": "Soft"}}]
    if expression in ("and", "or"):
        filters = filters[:2]
    assert _ids(api, *filters, filterExpression=expression) == expected


def test_filters_default_to_and(api: Client) -> None:
    assert _ids(api, {"$startsWith": {"id": "VEND"}}, {"$contains": {"name": "Travel"}}) == ["VEND-200"]


@pytest.mark.parametrize("expression", ["1 and", "(1 or 2", "1 2", "1 xor 2", "3", "0", "1 and ()", "1;2", "or 1"])
def test_bad_expression_is_400(api: Client, expression: str) -> None:
    filters = [{"$eq": {"id": "VEND-100"}}, {"$eq": {"id": "VEND-300"}}]
    response = api.query(object=VENDOR, filters=filters, filterExpression=expression)
    assert response.status_code == 400
    assert "filterExpression" in error_of(response)["message"]


def test_order_by_multiple_fields(api: Client) -> None:
    rows = api.rows(object=BILL, fields=["vendor.id", "key"], orderBy=[{"vendor.id": "desc"}, {"key": "asc"}], size=100)
    pairs = [(r["vendor.id"], int(r["key"])) for r in rows]
    assert pairs == sorted(pairs, key=lambda p: (-int(p[0][5:]), p[1]))


def test_paging_meta_next_and_previous(api: Client) -> None:
    first = api.query(object=BILL, start=1, size=20).json()
    total = 53  # 50 generated and yesterday's 3 (the private entity's are left out)
    assert first["ia::meta"] == {"totalCount": total, "start": 1, "pageSize": 20, "next": 21, "previous": None}
    middle = api.query(object=BILL, start=21, size=20).json()["ia::meta"]
    assert (middle["next"], middle["previous"]) == (41, 1)
    last = api.query(object=BILL, start=41, size=20).json()
    assert len(last["ia::result"]) == total - 40
    assert (last["ia::meta"]["next"], last["ia::meta"]["previous"]) == (None, 21)
    beyond = api.query(object=BILL, start=500, size=20).json()
    assert beyond["ia::result"] == [] and beyond["ia::meta"]["next"] is None


def test_null_and_empty_optional_keys_are_accepted(api: Client) -> None:
    response = api.query(
        object=VENDOR,
        fields=None,
        filters=[],
        filterExpression=None,
        filterParameters={},
        orderBy=[],
        start=None,
        size=None,
    )
    assert response.status_code == 200
    assert response.json()["ia::meta"]["pageSize"] == 100
    assert api.query(object=VENDOR, filterExpression="", filterParameters=None, orderBy=None).status_code == 200


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"caseSensitiveComparison": True}, "caseSensitiveComparison"),
        ({"pageSize": 10}, "pageSize"),
        ({"fields": ["id", "nickname"]}, "nickname"),
        ({"fields": "id"}, "fields"),
        ({"filters": [{"$eq": {"nickname": "x"}}]}, "nickname"),
        ({"filters": [{"$like": {"id": "x"}}]}, "$like"),
        ({"filters": [{"$eq": {"id": "x", "name": "y"}}]}, "exactly one field"),
        ({"filters": [{"$eq": {"id": "x"}, "$ne": {"id": "y"}}]}, "one operator"),
        ({"filters": {"$eq": {"id": "x"}}}, "array"),
        ({"filters": [{"$in": {"id": "x"}}]}, "$in"),
        ({"filters": [{"$in": {"id": []}}]}, "$in"),
        ({"filters": [{"$between": {"id": ["a"]}}]}, "$between"),
        ({"filters": [{"$contains": {"id": 5}}]}, "not a valid value"),
        ({"filters": [{"$lt": {"id": None}}]}, "needs a value"),
        ({"filters": [{"$has": {"id": True}}]}, "$has"),
        ({"filterParameters": {"asOfDate": "2026-02-30"}}, "asOfDate"),
        ({"filterParameters": {"includeHierarchyFields": "yes"}}, "includeHierarchyFields"),
        ({"filterParameters": {"includePrivate": 1}}, "includePrivate"),
        ({"filters": [{"$eq": {"dueDate": "lastFortnight"}}]}, "dueDate"),
        ({"orderBy": [{"nickname": "asc"}]}, "nickname"),
        ({"orderBy": [{"id": "up"}]}, "asc or desc"),
        ({"orderBy": {"id": "asc"}}, "orderBy"),
        ({"start": 0}, "start"),
        ({"start": "1"}, "start"),
        ({"size": 0}, "size"),
        ({"size": 4001}, "size"),
        ({"size": True}, "size"),
        ({"filterParameters": {"pageSize": 1}}, "pageSize"),
        ({"filterParameters": {"caseSensitiveComparison": "no"}}, "caseSensitiveComparison"),
        ({"object": "accounts-payable/nothing"}, "accounts-payable/nothing"),
    ],
)
def test_invalid_queries_are_400_naming_the_problem(api: Client, body: dict[str, Any], needle: str) -> None:
    response = api.query(**{"object": VENDOR, **body})
    assert response.status_code == 400
    assert needle in error_of(response)["message"]


@pytest.mark.parametrize(
    ("operator", "field"),
    [("$contains", "dueDate"), ("$notStartsWith", "createdDate"), ("$endsWith", "audit.createdDateTime")],
)
def test_text_operators_cannot_be_used_with_date_fields(api: Client, operator: str, field: str) -> None:
    response = api.query(object=BILL, filters=[{operator: {field: "2026"}}])
    assert response.status_code == 400
    assert "cannot be used with date fields" in error_of(response)["message"]
    assert error_of(response)["details"][0]["target"] == "/filters/0"


def test_operators_must_fit_the_field_type(api: Client) -> None:
    assert api.query(object=BILL, filters=[{"$contains": {"totalTxnAmount": "5"}}]).status_code == 400
    assert api.query(object=VENDOR, filters=[{"$gt": {"isOnHold": True}}]).status_code == 400
    assert api.query(object=BILL, filters=[{"$eq": {"totalTxnAmount": "abc"}}]).status_code == 400
    api.patch(f"/objects/{VENDOR}/34", json={"isOnHold": True})
    rows = api.rows(object=VENDOR, fields=["id"], filters=[{"$eq": {"isOnHold": True}}])
    assert [r["id"] for r in rows] == ["VEND-200"]


def test_keys_compare_and_sort_as_numbers() -> None:
    with IntacctSandbox(seed_scale=200) as sb:
        rows = Client(sb).rows(object=BILL, fields=["key"], filters=[{"$gt": {"key": "9999"}}], size=3)
        assert [r["key"] for r in rows] == ["10000", "10001", "10002"]


def test_query_requires_auth(intacct_sandbox: IntacctSandbox) -> None:
    import requests

    response = requests.post(f"{intacct_sandbox.base_url}/services/core/query", json={"object": VENDOR}, timeout=10)
    assert response.status_code == 401


def test_and_or_shortcuts_without_filters_match_everything(api: Client) -> None:
    for expression in ("and", "or"):
        assert len(_ids(api, filterExpression=expression)) == 5


@pytest.mark.parametrize(
    ("operator", "macro", "expected"),
    [
        ("$eq", "today", ["2026-03-10"]),
        ("$eq", "yesterday", ["2026-03-09"]),
        ("$eq", "currentWeek", ["2026-03-09", "2026-03-10", "2026-03-15"]),
        ("$eq", "lastWeek", ["2026-03-02", "2026-03-08"]),
        ("$eq", "currentMonth", ["2026-03-01", "2026-03-02", "2026-03-08", "2026-03-09", "2026-03-10", "2026-03-15"]),
        ("$eq", "priorMonth", ["2026-02-28"]),
        ("$eq", "priorQuarter", ["2025-12-31"]),
        ("$eq", "priorYear", ["2025-12-31"]),
        ("$lt", "currentMonth", ["2025-12-31", "2026-02-28"]),
        ("$gt", "currentQuarter", ["2026-04-01"]),
        ("$gte", "today", ["2026-03-10", "2026-03-15", "2026-04-01"]),
        ("$ne", "currentYear", ["2025-12-31"]),
    ],
)
def test_date_macros_are_relative_to_as_of_date(api: Client, operator: str, macro: str, expected: list[str]) -> None:
    days = ["2025-12-31", "2026-02-28", "2026-03-01", "2026-03-02", "2026-03-08", "2026-03-09", "2026-03-10"]
    days += ["2026-03-15", "2026-04-01"]
    for n, day in enumerate(days):
        api.create("general-ledger/journal", {"id": f"M{n}", "name": "macro"})
        body = {
            "glJournal": {"id": f"M{n}"},
            "postingDate": day,
            "description": "macro",
            "lines": [
                {"glAccount": {"id": "6500"}, "txnAmount": "1.00", "txnType": "debit"},
                {"glAccount": {"id": "1000"}, "txnAmount": "1.00", "txnType": "credit"},
            ],
        }
        assert api.create("general-ledger/journal-entry", body).status_code == 201
    rows = api.rows(
        object="general-ledger/journal-entry",
        fields=["postingDate"],
        filters=[{"$eq": {"description": "macro"}}, {operator: {"postingDate": macro}}],
        orderBy=[{"postingDate": "asc"}],
        filterParameters={"asOfDate": "2026-03-10"},
    )
    assert [r["postingDate"] for r in rows] == expected


def test_date_macros_in_lists_and_ranges(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.freeze_time("2026-02-15T12:00:00Z")  # no asOfDate: macros are relative to today
    within = api.rows(
        object=BILL, fields=["createdDate"], filters=[{"$between": {"createdDate": ["priorMonth", "today"]}}]
    )
    assert within and all("2026-01-01" <= r["createdDate"] <= "2026-02-15" for r in within)
    listed = api.rows(
        object=BILL, fields=["createdDate"], filters=[{"$in": {"createdDate": ["priorMonth", "2026-03-02"]}}]
    )
    assert {r["createdDate"][:7] for r in listed} <= {"2026-01", "2026-03"} and listed


def test_case_sensitive_comparison_is_the_default(vendors: Client) -> None:
    assert _ids(vendors, {"$eq": {"id": "vend-700"}}) == ["vend-700"]
    assert _ids(vendors, {"$eq": {"id": "VEND-700"}}, filterParameters={"caseSensitiveComparison": True}) == []


def test_include_hierarchy_fields_is_accepted(api: Client) -> None:
    assert _ids(api, {"$eq": {"id": "VEND-100"}}, filterParameters={"includeHierarchyFields": True}) == ["VEND-100"]

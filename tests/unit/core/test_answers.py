"""core.answers: every 2xx must be its call's documented envelope, or an IntacctProtocolError."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from intacct_provider.core.answers import Shape, next_start, read, total_count
from intacct_provider.exceptions import IntacctProtocolError

PAGE = {"ia::result": [{"key": "1"}, {"key": "2"}], "ia::meta": {"totalCount": 2, "next": None}}


def rows_answer(rows, **meta):
    return json.dumps({"ia::result": rows, "ia::meta": {"totalCount": len(rows), **meta}})


def test_a_documented_page_is_read():
    page = read(Shape.ROWS, 200, json.dumps(PAGE), method="POST", path="/q")
    assert page == PAGE and total_count(page) == 2 and next_start(page) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "is not JSON"),
        ("<html>proxy</html>", "is not JSON"),
        ("[]", "not an object"),
        ('{"ia::meta": {"totalCount": 0}}', "no ia::result list"),
        ('{"ia::result": []}', "no ia::meta"),
        ('{"ia::result": [], "ia::meta": {"totalCount": "9"}}', "no integer ia::meta.totalCount"),
        ('{"ia::result": [], "ia::meta": {"totalCount": true}}', "no integer ia::meta.totalCount"),
        ('{"ia::result": [], "ia::meta": {"totalCount": 0, "next": "2"}}', "ia::meta.next"),
        (rows_answer([1]), "row 0 that is not an object"),
        (rows_answer([{"key": "1"}, {"id": "x"}]), "row 1 without a key"),
        (rows_answer([{"key": None}]), "row 0 without a key"),
        ('{"ia::result": {"ia::error": {"message": "boom"}}}', "boom"),
        ('{"ia::result": [{"ia::error": {"message": "row boom"}}], "ia::meta": {"totalCount": 1}}', "row boom"),
        ('{"ia::result": [{"key": "1", "nsp::COST": NaN}], "ia::meta": {"totalCount": 1}}', "is not JSON"),
    ],
)
def test_anything_else_is_a_protocol_error_naming_the_call(body, problem):
    with pytest.raises(IntacctProtocolError) as info:
        read(Shape.ROWS, 200, body, method="POST", path="/services/core/query")
    text = str(info.value)
    assert problem in text and "POST /services/core/query" in text and "HTTP 200" in text


def test_numbers_are_read_exactly():
    """A number custom field is a Decimal with the answer's own digits; an integer stays an int."""
    text = '{"ia::result": [{"key": "1", "nsp::COST": 12345678901234567.89, "nsp::RATE": 59.10, "n": 7}], '
    page = read(Shape.ROWS, 200, text + '"ia::meta": {"totalCount": 1}}', method="POST", path="/q")
    row = page["ia::result"][0]
    assert row == {"key": "1", "nsp::COST": Decimal("12345678901234567.89"), "nsp::RATE": Decimal("59.10"), "n": 7}
    assert str(row["nsp::RATE"]) == "59.10" and type(row["n"]) is int
    record = read(Shape.RECORD, 200, '{"ia::result": {"key": "1", "amount": 0.1}}', method="GET", path="/o/1")
    assert record["ia::result"]["amount"] == Decimal("0.1")


def test_rows_without_key_are_fine_when_key_was_not_asked():
    assert read(Shape.ROWS, 200, rows_answer([{"id": "x"}]), method="POST", path="/q", require_keys=False)


def test_records_and_references_need_a_key():
    record = '{"ia::result": {"key": "7", "id": "B"}, "ia::meta": {"totalCount": 1}}'
    assert read(Shape.RECORD, 200, record, method="GET", path="/o")["ia::result"]["key"] == "7"
    for body in ('{"ia::result": {"id": "B"}}', '{"ia::result": [{"key": "7"}]}', "{}"):
        with pytest.raises(IntacctProtocolError, match="no ia::result object with a key"):
            read(Shape.REFERENCE, 201, body, method="POST", path="/o")


def test_delete_may_be_empty_but_not_an_error():
    assert read(Shape.EMPTY, 204, "", method="DELETE", path="/o") == {}
    with pytest.raises(IntacctProtocolError):
        read(Shape.EMPTY, 200, '{"ia::error": {"message": "no"}}', method="DELETE", path="/o")


def test_excerpts_are_short():
    with pytest.raises(IntacctProtocolError) as info:
        read(Shape.OBJECT, 200, "x" * 100_000, method="GET", path="/o")
    assert len(str(info.value)) < 1000

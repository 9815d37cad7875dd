"""The 207 reader: every plausible per-record shape, and refusal of anything it cannot tie to a record."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from intacct_provider.core.batch_answers import UnreadableAnswer, read_items

REF = {"key": "7", "id": "B-1", "href": "/objects/accounts-payable/bill/7"}
ERROR = {
    "code": "operationFailed",
    "message": "Vendor 'NOPE' does not exist",
    "supportId": "ABC123",
    "details": [{"code": "referenceNotFound", "message": "Vendor 'NOPE' does not exist", "target": "/vendor/id"}],
}


def read(payload, count, status=207):
    return read_items(status, json.dumps(payload), count, method="POST", path="/objects/accounts-payable/bill")


def meta(total, ok):
    return {"totalCount": total, "totalSuccess": ok, "totalError": total - ok}


def test_all_success_plain_references():
    answers = read({"ia::result": [REF, {**REF, "key": "8"}], "ia::meta": meta(2, 2)}, 2, status=201)
    assert [a.result["key"] for a in answers] == ["7", "8"]
    assert all(a.ok for a in answers)


def test_a_result_holds_exact_numbers():
    text = '{"ia::result": [{"key": "7", "nsp::COST": 12345678901234567.89}]}'
    answers = read_items(201, text, 1, method="POST", path="/objects/platform-apps/nsp::cip_asset")
    assert answers[0].result == {"key": "7", "nsp::COST": Decimal("12345678901234567.89")}


def test_composite_shape_in_request_order():
    items = [{"ia::status": 201, "ia::result": REF}, {"ia::status": 422, "ia::error": ERROR}]
    ok, bad = read({"ia::result": items, "ia::meta": meta(2, 1)}, 2)
    assert ok.ok and ok.result == REF
    assert not bad.ok and bad.status == 422
    assert "Vendor 'NOPE' does not exist" in bad.error and "ABC123" in bad.error


def test_bare_shape_has_no_invented_status():
    ok, bad = read({"ia::result": [REF, {"ia::error": ERROR}], "ia::meta": meta(2, 1)}, 2)
    assert ok.ok and not bad.ok and bad.status is None
    assert "HTTP" not in bad.error


def test_nested_error_envelope_per_item_keeps_each_status():
    items = [{"ia::status": 503, "ia::result": {"ia::error": ERROR}}, {"ia::status": 429, "ia::error": ERROR}]
    first, second = read({"ia::result": items}, 2)
    assert (first.ok, first.status, second.ok, second.status) == (False, 503, False, 429)


@pytest.mark.parametrize("status", [200, 201])
@pytest.mark.parametrize("bad", [{"ia::error": ERROR}, {"ia::result": {"ia::error": ERROR}}], ids=["bare", "nested"])
def test_an_all_success_status_holding_an_error_without_its_status_is_unreadable(status, bad):
    """A 200/201 says every record was written; an error item of unknown status contradicts it: settle."""
    with pytest.raises(UnreadableAnswer, match=f"is a {status}, which says every record succeeded"):
        read({"ia::result": [REF, bad]}, 2, status=status)


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ({"ia::result": [REF]}, "lists 1 results"),
        ({"ia::result": {"key": "1"}}, "no ia::result array"),
        ({"ia::result": [REF, {"something": "else"}]}, "neither a record nor an error"),
        ({"ia::result": [REF, {**REF, "key": ""}]}, "neither a record nor an error"),
        ({"ia::result": [REF, REF], "ia::meta": meta(2, 1)}, "contradicting"),
        ({"ia::result": [{"ia::status": "201", "ia::result": REF}, REF]}, "neither a record nor an error"),
    ],
)
def test_unreadable_answers_are_refused(payload, why):
    with pytest.raises(UnreadableAnswer, match=why):
        read(payload, 2)


def test_non_json_answer_is_refused():
    with pytest.raises(UnreadableAnswer, match="is not JSON"):
        read_items(200, "<html>ok</html>", 1, method="POST", path="/objects/x/y")


@pytest.mark.parametrize(
    "meta_of",
    [
        None,  # no ia::meta at all
        {"totalCount": 2},  # only totalCount, as in Sage's composite example
        {"totalCount": 2, "totalSuccess": 1},
        {"totalError": 1},
    ],
    ids=["absent", "total-count-only", "no-total-error", "total-error-only"],
)
def test_the_items_decide_when_meta_counts_are_missing(meta_of):
    payload = {"ia::result": [REF, {"ia::error": ERROR}]}
    if meta_of is not None:
        payload["ia::meta"] = meta_of
    ok, bad = read(payload, 2)
    assert ok.ok and ok.result == REF and not bad.ok


@pytest.mark.parametrize(
    ("meta_of", "why"),
    [
        ({"totalCount": 3}, "totalCount is 3, not 2"),
        ({"totalCount": 2, "totalSuccess": 2}, "totalSuccess is 2, not 1"),
        ({"totalError": 0}, "totalError is 0, not 1"),
        ({"totalCount": True}, "totalCount is True"),
        ([2, 1, 1], "ia::meta that is a JSON list"),
    ],
)
def test_meta_counts_present_must_agree_with_the_items(meta_of, why):
    with pytest.raises(UnreadableAnswer, match=why):
        read({"ia::result": [REF, {"ia::error": ERROR}], "ia::meta": meta_of}, 2)

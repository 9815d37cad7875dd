"""IntacctHook against a loopback server that answers what no documented Intacct would.

Each answer is played by ``scripted_server``; the hook must fail naming the call, or settle, never
return less than asked. (The full hostile catalogue lives with issue 12's own module; these are
the request-path rules the core enforces.)
"""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from scripted_server import CUT, Answer, rows, token

from intacct_provider.exceptions import (
    IntacctError,
    IntacctNotFoundError,
    IntacctProtocolError,
    IntacctRequestError,
    IntacctServerError,
)

BILL = "accounts-payable/bill"
BODY = {"vendor": {"id": "V-1"}, "createdDate": "2026-11-01", "dueDate": "2026-12-01", "lines": []}
CREATED = Answer(201, {"ia::result": {"key": "9", "id": "9", "href": "/objects/accounts-payable/bill/9"}})


def api(server):
    return [r for r in server.requests if not r["path"].endswith("/oauth2/token")]


def test_an_error_inside_a_200_is_an_error_not_no_rows(server, scripted_hook):
    server.play([token(), Answer(200, {"ia::result": {"ia::error": {"message": "Query failed"}}})])
    with pytest.raises(IntacctProtocolError, match="Query failed"):
        scripted_hook.query("bill", size=10)


@pytest.mark.parametrize("body", ["", "[]", '{"ia::result": [{"id": "1"}], "ia::meta": {"totalCount": 1}}'])
def test_an_undocumented_page_is_an_error(server, scripted_hook, body):
    server.play([token(), Answer(200, body)])
    with pytest.raises(IntacctProtocolError, match="POST /services/core/query"):
        scripted_hook.query("bill", size=10)


def test_a_full_page_without_next_is_not_the_end(server, scripted_hook):
    server.play([token(), rows("1", "2", total=5, next_start=None)])
    with pytest.raises(IntacctProtocolError, match=r"full but has no ia::meta\.next"):
        list(scripted_hook.iter_query("bill", page_size=2))
    assert len(api(server)) == 1


def test_a_lying_count_is_refused_before_a_second_query(server, scripted_hook):
    server.play([token(), rows("1", "2", total=10**12, next_start=3)])
    with pytest.raises(IntacctError, match="max_queries=10000"):
        list(scripted_hook.iter_query("bill", page_size=2))
    assert len(api(server)) == 1


def test_a_short_page_that_contradicts_the_count_fails(server, scripted_hook):
    server.play([token(), rows("1", "2", total=3, next_start=3), rows("2", total=3, next_start=None)])
    with pytest.raises(IntacctProtocolError, match="holds 1 rows where totalCount 3 promises 2"):
        list(scripted_hook.iter_query("bill", page_size=2))


def test_a_cut_create_answer_is_looked_up_by_content_then_replayed(server, scripted_hook):
    server.play([token(), CUT, rows(), CREATED])  # nothing identical to the body exists: posted again
    assert scripted_hook.create_record(BILL, BODY, idempotency_key="K-1") == {
        "key": "9", "id": "9", "href": "/objects/accounts-payable/bill/9"
    }  # fmt: skip
    calls = api(server)
    assert [c["path"].rsplit("/", 1)[-1] for c in calls] == ["bill", "query", "bill"]
    look_up = calls[1]["body"]
    assert {"$eq": {"vendor.id": "V-1"}} in look_up["filters"] and "audit.createdDateTime" in look_up["fields"]
    posts = [c for c in calls if c["path"].endswith("/bill")]
    assert {p["headers"]["Idempotency-Key"] for p in posts} == {"K-1"}


def test_an_unreadable_create_answer_is_settled_like_a_lost_one(server, scripted_hook):
    server.play([token(), Answer(201, "<html>ok</html>"), rows(), CREATED])
    assert scripted_hook.create_record(BILL, BODY, idempotency_key="K-2")["key"] == "9"
    assert len(api(server)) == 3


def test_permanent_errors_fail_without_airflow_retries(server, scripted_hook):
    server.play([token(), Answer(404, {"ia::error": {"message": "no such record"}})])
    with pytest.raises(IntacctNotFoundError) as info:
        scripted_hook.get_record("bill", "77")
    assert isinstance(info.value, AirflowFailException)
    server.play([Answer(503, "down"), Answer(503, "down")])  # the token is still held
    with pytest.raises(IntacctServerError) as transient:
        scripted_hook.get_record("bill", "77")
    assert not isinstance(transient.value, AirflowFailException)


def test_get_by_key_sends_no_query_parameters(server, scripted_hook):
    record = {"key": "77", "id": "B-77", "state": "paid", "lines": []}
    server.play([token(), Answer(200, {"ia::result": record, "ia::meta": {"totalCount": 1}})])
    assert scripted_hook.get_record("bill", "77") == record
    assert api(server)[0]["path"] == "/ia/api/v1/objects/accounts-payable/bill/77"


def test_a_huge_error_detail_is_capped(server, scripted_hook):
    detail = "x" * 2_000_000
    server.play([token(), Answer(400, {"ia::error": {"message": "bad", "details": [{"message": detail}]}})])
    with pytest.raises(IntacctRequestError) as info:
        scripted_hook.query("bill", size=1)
    assert len(str(info.value)) < 5000 and "more characters not shown" in str(info.value)

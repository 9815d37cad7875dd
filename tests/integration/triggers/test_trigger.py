"""IntacctQueryTrigger and IntacctAsyncClient against the sandbox over real HTTP (httpx, asyncio).

The trigger runs the way the triggerer runs it: rebuilt from its serialized
kwargs, then its first event is awaited. Payments, token expiry and faults are
scripted from a coroutine that watches the sandbox's request log, so they land
between two polls.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from typing import Any

import pytest

from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctConfigError
from intacct_provider.hooks.async_client import IntacctAsyncClient
from intacct_provider.triggers.query import IntacctQueryTrigger

BILL = "accounts-payable/bill"
QUERY = "/services/core/query"
PAID = [{"$eq": {"key": "2001"}}, {"$eq": {"state": "paid"}}]
PAID_ROW = {"key": "2001", "billNumber": "BILL-100", "state": "paid", "totalTxnAmountDue": "0.00"}


def _import_class(classpath: str) -> Any:
    """What the triggerer does with a serialized classpath (Airflow's own helper moved between versions)."""
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)


def trigger(
    filters: Any = PAID, fields: Any = ("key", "billNumber", "state", "totalTxnAmountDue"), **kwargs: Any
) -> Any:
    """A trigger as the triggerer gets it: serialized to JSON, then rebuilt from the kwargs."""
    query = {"object": BILL, "fields": list(fields), "filters": filters}
    args: dict[str, Any] = {"query": query, "poke_interval": 0.05}
    classpath, serialized = IntacctQueryTrigger(**{**args, **kwargs}).serialize()
    return _import_class(classpath)(**json.loads(json.dumps(serialized)))


def calls(sandbox: Any, path: str) -> list[dict]:
    return [r for r in sandbox.requests if r["path"] == path]


async def polls(sandbox: Any, count: int) -> None:
    """Return once the sandbox has answered ``count`` query calls."""
    while len([r for r in calls(sandbox, QUERY) if r["status"] == 200]) < count:
        await asyncio.sleep(0.01)


async def first_event(trig: IntacctQueryTrigger, *script: Any) -> dict[str, Any]:
    """Run the trigger (with optional scripted coroutines alongside) and return its first event's payload."""

    async def run() -> dict[str, Any]:
        event = await anext(trig.run())
        json.dumps(event.payload)  # events are stored as JSON
        return event.payload

    results = await asyncio.wait_for(asyncio.gather(run(), *script), timeout=20)
    return results[0]


def run_trigger(trig: IntacctQueryTrigger, *script: Any) -> dict[str, Any]:
    return asyncio.run(first_event(trig, *script))


# ----------------------------------------------------------- serialization
def test_serialize_round_trip_is_plain_json():
    query = QuerySpec.build(
        BILL,
        ["key", "state"],
        [{"$eq": {"vendor.id": "VEND-100"}}, {"$in": {"state": ["paid", "partiallyPaid"]}}],
        "1 and 2",
        filter_parameters={"include_private": True},
    )
    original = IntacctQueryTrigger(
        query=query,
        min_count=3,
        poke_interval=30.0,
        intacct_conn_id="intacct_prod",
    )
    classpath, kwargs = original.serialize()
    assert classpath == "intacct_provider.triggers.query.IntacctQueryTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs
    rebuilt = _import_class(classpath)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert kwargs == {
        "query": {
            "object": BILL,
            "fields": ["key", "state"],
            "filters": '[{"$eq": {"vendor.id": "VEND-100"}}, {"$in": {"state": ["paid", "partiallyPaid"]}}]',
            "filter_expression": "1 and 2",
            "order_by": [],
            "filter_parameters": {"include_private": True},
        },
        "min_count": 3,
        "poke_interval": 30.0,
        "intacct_conn_id": "intacct_prod",
    }


def test_init_does_no_io(intacct_sandbox):
    IntacctQueryTrigger(query=QuerySpec.build(BILL, filters=PAID), intacct_conn_id="does_not_exist")
    assert intacct_sandbox.requests == []


# ---------------------------------------------------------------- success
def test_fires_at_once_when_already_matching(intacct_sandbox, intacct_conn):
    intacct_sandbox.record_payment(BILL, "2001")
    assert run_trigger(trigger()) == {"status": "success", "rows": [PAID_ROW], "count": 1}
    assert len(calls(intacct_sandbox, QUERY)) == 1
    assert calls(intacct_sandbox, QUERY)[0]["body"] == QuerySpec.build(
        BILL, ["key", "billNumber", "state", "totalTxnAmountDue"], PAID, order_by=[{"key": "asc"}]
    ).body(1, 100)


def test_polls_until_paid_with_one_token(intacct_sandbox, intacct_conn):
    async def pay_after_three_polls() -> None:
        await polls(intacct_sandbox, 3)
        intacct_sandbox.record_payment(BILL, "2001")

    assert run_trigger(trigger(), pay_after_three_polls()) == {"status": "success", "rows": [PAID_ROW], "count": 1}
    assert len(calls(intacct_sandbox, QUERY)) >= 4
    assert len(calls(intacct_sandbox, "/oauth2/token")) == 1


def test_min_count(intacct_sandbox, intacct_conn):
    vendor_bills = sorted((r["key"] for r in intacct_sandbox.records(BILL) if r["vendor"]["id"] == "VEND-100"), key=int)
    payload = run_trigger(trigger(filters=[{"$eq": {"vendor.id": "VEND-100"}}], fields=["key"], min_count=2))
    assert payload == {"status": "success", "rows": [{"key": k} for k in vendor_bills], "count": len(vendor_bills)}


@pytest.mark.parametrize("invalid_token_status", [401, 400])
def test_token_expiry_between_polls_is_renewed(intacct_sandbox, intacct_conn, invalid_token_status):
    intacct_sandbox.invalid_token_status = invalid_token_status

    async def expire_then_pay() -> None:
        await polls(intacct_sandbox, 1)
        intacct_sandbox.expire_tokens()
        await polls(intacct_sandbox, 2)  # a poll after the expiry succeeded, with a new token
        intacct_sandbox.record_payment(BILL, "2001")

    assert run_trigger(trigger(), expire_then_pay())["status"] == "success"
    assert len(calls(intacct_sandbox, "/oauth2/token")) == 2
    assert invalid_token_status in [r["status"] for r in calls(intacct_sandbox, QUERY)]


def test_retries_throttling_gateway_errors_and_resets(intacct_sandbox, intacct_conn):
    intacct_sandbox.inject("reset", path=QUERY)
    intacct_sandbox.inject("status", status=503, path=QUERY, html=True)
    intacct_sandbox.inject("status", status=429, path=QUERY, retry_after=0)
    intacct_sandbox.record_payment(BILL, "2001")
    assert run_trigger(trigger()) == {"status": "success", "rows": [PAID_ROW], "count": 1}
    log = calls(intacct_sandbox, QUERY)
    assert [r["fault"] is not None for r in log] == [True, True, True, False]
    assert [r["status"] for r in log][1:] == [503, 429, 200]


# ----------------------------------------------------------------- errors
def test_wrong_secret_is_an_error_event_without_the_secret(intacct_sandbox, monkeypatch, caplog):
    secret = "not-the-sandbox-secret-5eCr3t"
    conn = intacct_sandbox.connection()
    monkeypatch.setenv("AIRFLOW_CONN_INTACCT_WRONG", json.dumps({**conn, "password": secret}))
    with caplog.at_level(logging.DEBUG):
        payload = run_trigger(trigger(intacct_conn_id="intacct_wrong"))
    assert payload["status"] == "error"
    assert payload["error_type"] == "IntacctAuthError"
    assert "HTTP 401" in payload["message"] and "Invalid client credentials" in payload["message"]
    assert "client secret" in payload["message"]  # says what to fix, not which temporary form id
    assert secret not in json.dumps(payload)
    assert secret not in caplog.text
    assert calls(intacct_sandbox, QUERY) == []


def test_unknown_field_is_an_error_event_with_intaccts_message(intacct_sandbox, intacct_conn):
    payload = run_trigger(trigger(fields=["key", "notAField"]))
    assert payload["status"] == "error"
    assert payload["error_type"] == "IntacctRequestError"
    assert "Field 'notAField' is not valid for object 'accounts-payable/bill'" in payload["message"]
    assert "HTTP 400" in payload["message"] and "REST-1064" in payload["message"]


def test_an_outage_outlasting_every_retry_does_not_end_the_wait(intacct_sandbox, intacct_conn):
    """A maintenance window (HTML 502/503 beyond max_retries) is waited out; the bill is then seen paid."""
    intacct_conn(max_retries=1)
    intacct_sandbox.record_payment(BILL, "2001")
    intacct_sandbox.inject("status", count=4, status=502, path=QUERY, html=True)
    payload = run_trigger(trigger())
    assert payload == {"status": "success", "rows": [PAID_ROW], "count": 1}
    assert [r["status"] for r in calls(intacct_sandbox, QUERY)] == [502, 502, 502, 502, 200]


def test_missing_connection_is_an_error_event():
    payload = run_trigger(trigger(intacct_conn_id="does_not_exist"))
    assert payload["status"] == "error" and payload["error_type"] == "IntacctConfigError"
    assert "does_not_exist" in payload["message"]


def test_invalid_arguments_are_an_error_event_before_any_request(intacct_sandbox, intacct_conn):
    payload = run_trigger(trigger(filters=[{"$like": {"id": "BILL-%"}}]))
    assert payload["status"] == "error" and payload["error_type"] == "IntacctValidationError"
    assert "filters[0]" in payload["message"]
    assert intacct_sandbox.requests == []


# ------------------------------------------------- the async client alone
def test_client_refresh_token_grant_entity_header_and_rotation(intacct_sandbox, monkeypatch):
    import requests

    form = {
        "grant_type": "client_credentials",
        "client_id": intacct_sandbox.client_id,
        "client_secret": intacct_sandbox.client_secret,
        "username": f"{intacct_sandbox.user_id}@{intacct_sandbox.company_id}",
    }
    issued = requests.post(intacct_sandbox.base_url + "/oauth2/token", data=form, timeout=10).json()
    monkeypatch.setenv(
        "AIRFLOW_CONN_INTACCT_UK", intacct_sandbox.connection_json("UK", refresh_token=issued["refresh_token"])
    )
    intacct_sandbox.clear_requests()

    async def two_queries() -> tuple[dict, dict, str | None]:
        async with await IntacctAsyncClient.for_connection("intacct_uk") as client:
            spec = QuerySpec.build(BILL, ["key"], [{"$eq": {"key": "2001"}}])
            first = await client.query(spec)
            kept = client._tokens.refresh_token
            intacct_sandbox.expire_tokens()
            return first, await client.query(spec), kept

    first, second, kept = asyncio.run(two_queries())
    assert first["ia::result"] == second["ia::result"] == []  # BILL-100 lives at the top level, not in UK
    grants = [r["body"] for r in calls(intacct_sandbox, "/oauth2/token")]
    assert [g["grant_type"] for g in grants] == ["refresh_token", "refresh_token"]
    assert kept not in (None, issued["refresh_token"])  # the newest refresh token is the one kept
    assert {r["entity"] for r in calls(intacct_sandbox, QUERY)} == {"UK"}


def test_client_checks_the_connection_like_the_hook(intacct_sandbox, monkeypatch):
    conn = intacct_sandbox.connection()
    monkeypatch.setenv("AIRFLOW_CONN_INTACCT_PLAIN", json.dumps({**conn, "host": "http://intacct.example.com/ia"}))
    with pytest.raises(IntacctConfigError, match="refusing to send credentials over plain http"):
        asyncio.run(IntacctAsyncClient.for_connection("intacct_plain"))

"""IntacctHook against the sandbox over real HTTP: auth, paging, errors, retries."""

from __future__ import annotations

import pytest

from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctAuthError,
    IntacctConfigError,
    IntacctError,
    IntacctNotFoundError,
    IntacctServerError,
    IntacctValidationError,
)
from intacct_provider.hooks.intacct import USER_AGENT, IntacctHook

BILL = "accounts-payable/bill"
#: A bill without a number (the content look-up's case: a company with document sequencing, see
#: ``keyless``); ``numbered()`` gives it one, as the sandbox's default reading requires.
NEW_BILL = {
    "vendor": {"id": "VEND-100"},
    "createdDate": "2026-11-01",
    "dueDate": "2026-12-01",
    "currency": {"txnCurrency": "USD"},
    "lines": [
        {"glAccount": {"id": "6700"}, "txnAmount": "500.00", "memo": "Paper", "dimensions": {"location": {"id": "US"}}}
    ],
}


def numbered(number):
    return {**NEW_BILL, "billNumber": number}


def keyless(sandbox):
    """A company with document sequencing: the only one where a bill without a number exists."""
    sandbox.require_document_numbers = False


def api_calls(sandbox, method=None, path_part=""):
    return [
        r
        for r in sandbox.requests
        if (method is None or r["method"] == method) and path_part in r["path"] and not r["path"].startswith("/sandbox")
    ]


def test_init_does_no_io(intacct_sandbox):
    IntacctHook(intacct_conn_id="does_not_exist")
    assert intacct_sandbox.requests == []


def test_missing_connection_is_named():
    with pytest.raises(IntacctConfigError, match="does_not_exist"):
        IntacctHook(intacct_conn_id="does_not_exist").query("bill")


def test_query_first_page_matches_catalog(hook):
    page = hook.query("vendor", size=2, order_by="key")
    assert page["ia::result"] == [
        {"key": "33", "id": "VEND-100", "href": "/objects/accounts-payable/vendor/33"},
        {"key": "34", "id": "VEND-200", "href": "/objects/accounts-payable/vendor/34"},
    ]
    assert page["ia::meta"]["next"] == 3


def test_headers_auth_and_user_agent(hook, intacct_sandbox):
    hook.query("bill", size=1)
    token_calls = api_calls(intacct_sandbox, "POST", "/oauth2/token")
    assert len(token_calls) == 1
    form = token_calls[0]["body"]
    assert form["grant_type"] == "client_credentials"
    assert form["username"] == f"{intacct_sandbox.user_id}@{intacct_sandbox.company_id}"
    query = api_calls(intacct_sandbox, "POST", "/services/core/query")[0]
    headers = {k.lower(): v for k, v in query["headers"].items()}
    assert headers["user-agent"] == USER_AGENT
    assert headers["authorization"] == "***"
    assert "x-ia-api-param-entity" not in headers


def test_token_is_reused_then_renewed_on_expiry(hook, intacct_sandbox):
    hook.query("bill", size=1)
    hook.query("bill", size=1)
    assert len(api_calls(intacct_sandbox, "POST", "/oauth2/token")) == 1
    intacct_sandbox.expire_tokens()
    assert hook.query("bill", size=1)["ia::result"]
    assert len(api_calls(intacct_sandbox, "POST", "/oauth2/token")) == 2


def test_renews_on_invalid_token_400(intacct_sandbox, intacct_conn):
    intacct_sandbox.inject("expire_token", path="/services/core/query")
    hook = IntacctHook()
    assert hook.query("bill", size=1)["ia::result"]
    assert len(api_calls(intacct_sandbox, "POST", "/oauth2/token")) == 2


def test_refresh_token_grant_keeps_newest(intacct_sandbox, intacct_conn):
    first = IntacctHook()
    first.query("bill", size=1)
    refresh = first.transport._tokens.refresh_token or _issue_refresh_token(intacct_sandbox)
    intacct_conn(refresh_token=refresh)
    hook = IntacctHook()
    hook.query("bill", size=1)
    grants = [c["body"]["grant_type"] for c in api_calls(intacct_sandbox, "POST", "/oauth2/token")]
    assert grants[-1] == "refresh_token"
    kept = hook.transport._tokens.refresh_token
    assert kept and kept != refresh


def _issue_refresh_token(sandbox):
    import requests

    answer = requests.post(
        f"{sandbox.base_url}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "username": f"{sandbox.user_id}@{sandbox.company_id}",
        },
        timeout=10,
    )
    return answer.json()["refresh_token"]


def test_wrong_secret_is_an_auth_error_naming_the_user(intacct_sandbox, monkeypatch):
    import json

    conn = intacct_sandbox.connection()
    conn["password"] = "wrong-secret"
    monkeypatch.setenv("AIRFLOW_CONN_SAGE_INTACCT_DEFAULT", json.dumps(conn))
    with pytest.raises(IntacctAuthError) as info:
        IntacctHook().query("bill")
    assert info.value.status == 401
    assert "wrong-secret" not in str(info.value)
    assert intacct_sandbox.user_id in str(info.value)


def test_entity_header_sent_when_configured(intacct_sandbox, intacct_conn):
    intacct_conn(entity_id="US")
    IntacctHook().query("bill", size=1)
    query = api_calls(intacct_sandbox, "POST", "/services/core/query")[0]
    assert {k.lower(): v for k, v in query["headers"].items()}["x-ia-api-param-entity"] == "US"


def test_iter_query_pages_in_order_without_duplicates(hook, intacct_sandbox):
    expected = sorted(int(r["key"]) for r in intacct_sandbox.records(BILL))
    rows = list(hook.iter_query("bill", fields=["key", "id", "vendor.id"], page_size=7))
    assert [int(r["key"]) for r in rows] == expected
    assert all("vendor.id" in r for r in rows)
    queries = api_calls(intacct_sandbox, "POST", "/services/core/query")
    assert len(queries) == -(-len(expected) // 7)


def test_iter_query_max_records(hook):
    rows = list(hook.iter_query("invoice", page_size=5, max_records=12))
    assert len(rows) == 12


def test_iter_query_retries_throttling_and_gateway_errors(hook, intacct_sandbox):
    intacct_sandbox.inject("status", status=429, retry_after=0, count=2, path="/services/core/query")
    intacct_sandbox.inject("status", status=502, html=True, count=1, path="/services/core/query")
    intacct_sandbox.inject("reset", count=1, path="/services/core/query")
    rows = list(hook.iter_query("bill", page_size=20))
    assert len(rows) == len(intacct_sandbox.records(BILL))


def test_retry_honours_ia_retry_header(hook, intacct_sandbox, monkeypatch):
    slept = []
    monkeypatch.setattr("intacct_provider.hooks.transport.time.sleep", slept.append)
    intacct_sandbox.inject(
        "status", status=429, retry_after=2, retry_header="x-ia-throttle-limit-retry-after", path="/services/core/query"
    )
    hook.query("bill", size=1)
    assert slept and 2 <= slept[0] < 2.2


def test_gives_up_after_max_retries(intacct_sandbox, intacct_conn, monkeypatch):
    monkeypatch.setattr("intacct_provider.hooks.transport.time.sleep", lambda _s: None)
    intacct_conn(max_retries=2)
    intacct_sandbox.inject("status", status=503, count=10, path="/services/core/query")
    with pytest.raises(IntacctServerError) as info:
        IntacctHook().query("bill")
    assert info.value.status == 503
    assert len(api_calls(intacct_sandbox, "POST", "/services/core/query")) == 3


def test_get_update_delete_record(hook, intacct_sandbox):
    bill = hook.get_record("bill", "2001")
    assert bill["billNumber"] == "BILL-100" and bill["vendor"]["id"] == "VEND-100"
    ref = hook.update_record("bill", "2001", {"description": "checked"})
    assert ref["key"] == "2001"
    assert hook.get_record("bill", 2001)["description"] == "checked"
    created = hook.create_record("bill", numbered("H-DEL-1"))
    hook.delete_record("bill", created["key"])
    with pytest.raises(IntacctNotFoundError):
        hook.get_record("bill", created["key"])


def test_create_returns_reference_and_sends_idempotency_key(hook, intacct_sandbox):
    ref = hook.create_record("bill", numbered("H-REF-1"), idempotency_key="k-1")
    assert set(ref) == {"key", "id", "href"}
    assert ref["href"] == f"/objects/accounts-payable/bill/{ref['key']}"
    post = api_calls(intacct_sandbox, "POST", "/objects/accounts-payable/bill")[0]
    assert {k.lower(): v for k, v in post["headers"].items()}["idempotency-key"] == "k-1"


def test_create_without_a_key_is_found_by_content_not_resent(hook, intacct_sandbox):
    keyless(intacct_sandbox)
    before = len(intacct_sandbox.records(BILL))
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/accounts-payable/bill$")
    ref = hook.create_record("bill", NEW_BILL)  # no bill number, no key: the one identical new bill is it
    assert len(api_calls(intacct_sandbox, "POST", "/objects/accounts-payable/bill")) == 1
    assert len(intacct_sandbox.records(BILL)) == before + 1
    assert intacct_sandbox.get_record(BILL, ref["key"])["vendor"]["id"] == "VEND-100"


def test_create_is_never_blindly_resent(hook, intacct_sandbox, monkeypatch):
    """Nothing found, but no key either: a late commit could not be caught, so it is not posted again."""
    monkeypatch.setattr("intacct_provider.hooks.transport.time.sleep", lambda _s: None)
    keyless(intacct_sandbox)
    before = len(intacct_sandbox.records(BILL))
    intacct_sandbox.inject("status", status=504, method="POST", path="/objects/accounts-payable/bill$")
    with pytest.raises(IntacctAmbiguousWriteError, match="it was not posted again; check Intacct"):
        hook.create_record("bill", NEW_BILL)
    assert len(api_calls(intacct_sandbox, "POST", "/objects/accounts-payable/bill")) == 1
    assert len(intacct_sandbox.records(BILL)) == before


@pytest.mark.parametrize("fault", [{"kind": "commit_then_drop"}, {"kind": "status", "status": 504}])
def test_ambiguous_create_settled_by_idempotency_replay(hook, intacct_sandbox, fault, monkeypatch):
    monkeypatch.setattr("intacct_provider.hooks.transport.time.sleep", lambda _s: None)
    intacct_sandbox.idempotency = "replay"  # where Intacct replays a key (Sage documents a 409 instead)
    keyless(intacct_sandbox)
    before = len(intacct_sandbox.records(BILL))
    kind = fault.pop("kind")
    intacct_sandbox.inject(kind, method="POST", path="/objects/accounts-payable/bill$", **fault)
    ref = hook.create_record("bill", NEW_BILL, idempotency_key="replay-1")
    assert len(intacct_sandbox.records(BILL)) == before + 1
    assert intacct_sandbox.get_record(BILL, ref["key"])["vendor"]["id"] == "VEND-100"


def test_ambiguous_create_settled_by_natural_key(hook, intacct_sandbox):
    before = len(intacct_sandbox.records(BILL))
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/accounts-payable/bill$")
    payload = {**NEW_BILL, "billNumber": "NK-1"}
    lookup = [{"$eq": {"vendor.id": "VEND-100"}}, {"$eq": {"billNumber": "NK-1"}}]
    ref = hook.create_record("bill", payload, lookup=lookup)
    assert intacct_sandbox.get_record(BILL, ref["key"])["billNumber"] == "NK-1"
    assert len(intacct_sandbox.records(BILL)) == before + 1
    assert len(api_calls(intacct_sandbox, "POST", "/objects/accounts-payable/bill")) == 1


def test_create_retries_after_throttling(hook, intacct_sandbox):
    intacct_sandbox.inject("status", status=429, retry_after=0, method="POST", path="/objects/accounts-payable/bill$")
    ref = hook.create_record("bill", numbered("H-429-1"))
    assert ref["key"]
    assert len(api_calls(intacct_sandbox, "POST", "/objects/accounts-payable/bill")) == 2


def test_intacct_details_lead_the_message(hook):
    with pytest.raises(IntacctError) as info:
        hook.create_record("bill", {**NEW_BILL, "newDate": "2026-01-01"})
    text = str(info.value)
    assert text.startswith("/newDate is not a valid field") or "newDate" in text.split("[")[0]
    assert info.value.status == 400
    assert info.value.support_id and info.value.support_id in text


def test_unknown_vendor_surfaces_intacct_message(hook):
    with pytest.raises(IntacctError) as info:
        hook.create_record("bill", {**numbered("H-NOPE-1"), "vendor": {"id": "NOPE"}})
    assert "NOPE" in str(info.value)


@pytest.mark.parametrize("envelope", ["nested", "top", "plain"])
def test_every_error_envelope_is_read(hook, intacct_sandbox, envelope):
    intacct_sandbox.error_envelope = envelope
    with pytest.raises(IntacctNotFoundError) as info:
        hook.get_record("bill", "999999")
    assert info.value.status == 404
    assert info.value.support_id


def test_non_json_error_body_is_truncated(hook, intacct_sandbox, monkeypatch):
    monkeypatch.setattr("intacct_provider.hooks.transport.time.sleep", lambda _s: None)
    intacct_sandbox.inject("status", status=502, html=True, count=20, path="/services/core/query")
    with pytest.raises(IntacctServerError) as info:
        hook.query("bill")
    assert "without a JSON error body" in str(info.value)
    assert len(str(info.value)) < 600


def test_client_side_query_errors_send_nothing(hook, intacct_sandbox):
    with pytest.raises(IntacctValidationError, match="filters"):
        hook.query("bill", filters=[{"$like": {"id": "x"}}])
    with pytest.raises(IntacctValidationError, match="filter_expression"):
        hook.query("bill", filters={"id": "x"}, filter_expression="1 and 2")
    with pytest.raises(IntacctValidationError, match="size"):
        hook.query("bill", size=4001)
    with pytest.raises(IntacctValidationError, match="object"):
        hook.query("bills")
    assert intacct_sandbox.requests == []


def test_filters_and_expression(hook):
    rows = hook.query(
        "bill",
        fields=["key", "vendor.id"],
        filters=[{"$eq": {"vendor.id": "VEND-100"}}, {"$eq": {"vendor.id": "VEND-200"}}, {"$gte": {"key": "0"}}],
        filter_expression="(1 or 2) and 3",
        size=1000,
    )["ia::result"]
    assert rows and {r["vendor.id"] for r in rows} <= {"VEND-100", "VEND-200"}


def test_test_connection(hook, intacct_sandbox, monkeypatch):
    ok, message = hook.test_connection()
    assert ok, message
    assert intacct_sandbox.company_id in message
    import json

    conn = intacct_sandbox.connection()
    conn["password"] = "nope"
    monkeypatch.setenv("AIRFLOW_CONN_BAD", json.dumps(conn))
    ok, message = IntacctHook("bad").test_connection()
    assert not ok and "nope" not in message and "HTTP 401" in message


def test_plain_http_to_a_remote_host_is_refused(monkeypatch):
    import json

    conn = {
        "conn_type": "sage_intacct",
        "host": "http://intacct.example.com/ia/api/v1",
        "login": "id",
        "password": "secret",
        "extra": {"company_id": "C", "user_id": "U"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_REMOTE", json.dumps(conn))
    with pytest.raises(IntacctConfigError, match="plain http"):
        IntacctHook("remote").settings  # noqa: B018


def test_connection_numbers_are_checked(intacct_sandbox, intacct_conn):
    intacct_conn(max_retries="many")
    with pytest.raises(IntacctConfigError, match="max_retries"):
        IntacctHook().settings  # noqa: B018


def test_no_row_skipped_when_one_leaves_and_one_enters_mid_read(hook, intacct_sandbox):
    """The total stays the same, but every later offset shifts: the overlap row reveals it."""
    vendor_bills = [{"$eq": {"vendor.id": "VEND-100"}}]
    before = {r["key"] for r in hook.iter_query("bill", filters=vendor_bills)}
    rows = hook.iter_query("bill", filters=vendor_bills, page_size=1)
    got = [next(rows)["key"]]
    hook.update_record("bill", got[0], {"vendor": {"id": "VEND-200"}})
    new = hook.create_record("bill", {**NEW_BILL, "billNumber": "MID-READ-1"})
    got.extend(r["key"] for r in rows)
    assert len(got) == len(set(got))
    assert set(got) == before | {new["key"]}


def test_no_row_skipped_in_a_custom_order_when_a_read_row_moves(hook, intacct_sandbox):
    everything = {r["key"] for r in hook.iter_query("bill")}
    rows = hook.iter_query("bill", fields=["key"], order_by=[{"audit.modifiedDateTime": "asc"}], page_size=3)
    got = [next(rows)["key"]]
    intacct_sandbox.advance_time(5)
    hook.update_record("bill", got[0], {"description": "approved"})  # moves to the end of the order
    got.extend(r["key"] for r in rows)
    assert sorted(got) == sorted(everything)


def test_a_different_record_with_the_same_natural_key_is_a_conflict_not_a_success(hook, intacct_sandbox):
    from intacct_provider.exceptions import IntacctConflictError

    with pytest.raises(IntacctConflictError, match=r"'VEND-100' \(key 33\) already exists and differs .* in name"):
        hook.create_record(
            "vendor",
            {"id": "VEND-100", "name": "Totally Different Supplier Ltd"},
            idempotency_key="fresh-key-1",
            lookup=[{"$eq": {"id": "VEND-100"}}],
        )
    assert intacct_sandbox.get_record("accounts-payable/vendor", "33")["name"] != "Totally Different Supplier Ltd"

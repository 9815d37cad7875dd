"""core.tokens and oauth: freshness, grants, refusals and the refresh fallback, without a server."""

from __future__ import annotations

import json

import pytest

from intacct_provider.core.connection import ConnectionSettings
from intacct_provider.core.tokens import RENEW_MARGIN, TokenState
from intacct_provider.exceptions import IntacctAuthError, IntacctServerError

SETTINGS = ConnectionSettings(
    conn_id="c", base_url="https://x/ia/api/v1", client_id="id", client_secret="s3cr3t", company_id="C", user_id="U"
)
WITH_REFRESH = ConnectionSettings(**{**vars(SETTINGS), "refresh_token": "rt-1"})


def answer(**body) -> str:
    return json.dumps(body)


def test_client_credentials_form_then_fresh_until_the_margin():
    state = TokenState(SETTINGS)
    assert state.current(0) is None
    assert state.form() == {
        "client_id": "id", "client_secret": "s3cr3t", "grant_type": "client_credentials", "username": "U@C"
    }  # fmt: skip
    assert state.accept(200, answer(access_token="a", expires_in=3600), now=100) == "a"
    assert state.current(100 + 3600 - RENEW_MARGIN - 1) == "a"
    assert state.current(100 + 3600 - RENEW_MARGIN) is None


@pytest.mark.parametrize("lifetime", [None, 0, -5, "soon", True, 30])
def test_no_usable_lifetime_serves_this_call_only(lifetime):
    state = TokenState(SETTINGS)
    body = {"access_token": "a"} if lifetime is None else {"access_token": "a", "expires_in": lifetime}
    assert state.accept(200, json.dumps(body), now=100) == "a"
    assert state.current(100) is None  # renewed on the next use, never assumed to last an hour


@pytest.mark.parametrize(
    "body", ['{"access_token": null}', '{"expires_in": 3600}', '{"access_token": ""}', "[]", "oops"]
)
def test_an_answer_without_access_token_is_an_auth_error(body):
    with pytest.raises(IntacctAuthError, match="without an access_token"):
        TokenState(SETTINGS).accept(200, body, now=0)


def test_refusals():
    with pytest.raises(IntacctAuthError, match="client ID, client secret and user 'U@C'"):
        TokenState(SETTINGS).accept(401, answer(error="invalid_client"), now=0)
    with pytest.raises(IntacctServerError):
        TokenState(SETTINGS).accept(503, "<html>down</html>", now=0)


def test_refresh_grant_keeps_the_newest_and_falls_back_once():
    state = TokenState(WITH_REFRESH)
    assert state.form()["grant_type"] == "refresh_token" and state.form()["refresh_token"] == "rt-1"
    state.accept(200, answer(access_token="a", expires_in=3600, refresh_token="rt-2"), now=0)
    assert state.refresh_token == "rt-2"
    assert state.fall_back() is True
    assert state.form()["grant_type"] == "client_credentials"
    assert state.fall_back() is False


def test_invalidate_only_the_token_refused():
    state = TokenState(SETTINGS)
    state.accept(200, answer(access_token="a", expires_in=3600), now=0)
    state.invalidate("older")
    assert state.current(1) == "a"
    state.invalidate("a")
    assert state.current(1) is None


def test_repr_holds_no_secret():
    state = TokenState(WITH_REFRESH)
    state.accept(200, answer(access_token="tok-SECRET", expires_in=3600, refresh_token="rt-SECRET"), now=0)
    assert "SECRET" not in repr(state) and "s3cr3t" not in repr(state)

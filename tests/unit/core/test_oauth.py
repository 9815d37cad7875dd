"""oauth: the token exchange's form and the reading of its answer, without a server."""

from __future__ import annotations

import pytest

from intacct_provider.core.connection import ConnectionSettings
from intacct_provider.core.oauth import read_token_answer, token_form
from intacct_provider.exceptions import IntacctAuthError

SETTINGS = ConnectionSettings(
    conn_id="c", base_url="https://x/ia/api/v1", client_id="id", client_secret=" s3cr3t ", company_id="C", user_id="U"
)


def test_forms_of_both_grants_use_the_secret_as_stored():
    assert token_form(SETTINGS, None) == {
        "client_id": "id", "client_secret": " s3cr3t ", "grant_type": "client_credentials", "username": "U@C"
    }  # fmt: skip
    refresh = token_form(SETTINGS, "rt-1")
    assert refresh["grant_type"] == "refresh_token" and refresh["refresh_token"] == "rt-1" and "username" not in refresh


@pytest.mark.parametrize(
    ("text", "lifetime", "refresh"),
    [
        ('{"access_token": "a", "expires_in": 3600, "refresh_token": "r"}', 3600.0, "r"),
        ('{"access_token": "a", "expires_in": "1800"}', 1800.0, None),
        ('{"access_token": "a", "expires_in": 1799.5}', 1799.5, None),
        ('{"access_token": "a", "expires_in": 0, "refresh_token": ""}', 0.0, None),
        ('{"access_token": "a"}', 0.0, None),
    ],
)
def test_answers(text, lifetime, refresh):
    answer = read_token_answer(SETTINGS, 200, text)
    assert (answer.access_token, answer.expires_in, answer.refresh_token) == ("a", lifetime, refresh)


def test_the_answer_repr_holds_no_token():
    answer = read_token_answer(SETTINGS, 200, '{"access_token": "tok-XYZ", "refresh_token": "rt-XYZ"}')
    assert "XYZ" not in repr(answer)


@pytest.mark.parametrize("status", [400, 401, 403])
def test_refusals_are_auth_errors_naming_the_user(status):
    with pytest.raises(IntacctAuthError, match="user 'U@C'") as info:
        read_token_answer(SETTINGS, status, '{"error": "invalid_client"}')
    assert "s3cr3t" not in str(info.value)

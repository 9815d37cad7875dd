"""OAuth token endpoint and bearer checks, including expiry, refresh rotation and the 400 variant."""

from __future__ import annotations

import time

import pytest
import requests
from sandbox_helpers import Client, error_of, fetch_token, token_form

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox import auth as auth_module


def _token(sb: IntacctSandbox, **kwargs: object) -> requests.Response:
    return requests.post(f"{sb.base_url}/oauth2/token", timeout=10, **kwargs)  # type: ignore[arg-type]


def _vendors(sb: IntacctSandbox, token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{sb.base_url}/objects/accounts-payable/vendor", headers=headers, timeout=10)


def test_client_credentials_grant_answers_tokens(intacct_sandbox: IntacctSandbox) -> None:
    answer = fetch_token(intacct_sandbox)
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 43200
    assert answer["access_token"] and answer["refresh_token"]
    assert _vendors(intacct_sandbox, answer["access_token"]).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"client_secret": "wrong"},
        {"client_id": "someone-else"},
        {"username": "sandbox-api-user@OTHER-CO"},
        {"username": "intruder@SANDBOX-CO"},
    ],
)
def test_wrong_credentials_are_401_with_ia_error(intacct_sandbox: IntacctSandbox, change: dict[str, str]) -> None:
    response = _token(intacct_sandbox, data=token_form(intacct_sandbox, **change))
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_json_body_is_refused(intacct_sandbox: IntacctSandbox) -> None:
    response = _token(intacct_sandbox, json=token_form(intacct_sandbox))
    assert response.status_code == 400


@pytest.mark.parametrize("missing", ["client_id", "client_secret", "username", "grant_type"])
def test_missing_form_fields_are_400(intacct_sandbox: IntacctSandbox, missing: str) -> None:
    form = token_form(intacct_sandbox)
    del form[missing]
    assert _token(intacct_sandbox, data=form).status_code == 400


def test_unsupported_grant_is_400(intacct_sandbox: IntacctSandbox) -> None:
    response = _token(intacct_sandbox, data=token_form(intacct_sandbox, grant_type="password"))
    assert response.status_code == 400


def test_refresh_rotates_and_old_token_has_a_grace_period(
    intacct_sandbox: IntacctSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth_module, "ROTATION_GRACE_SECONDS", 0.3)
    first = fetch_token(intacct_sandbox)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": intacct_sandbox.client_id,
        "client_secret": intacct_sandbox.client_secret,
    }
    second = _token(intacct_sandbox, data=form).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert _vendors(intacct_sandbox, second["access_token"]).status_code == 200
    assert _token(intacct_sandbox, data=form).status_code == 200  # still inside the grace period
    time.sleep(0.4)
    assert _token(intacct_sandbox, data=form).status_code == 401
    form["refresh_token"] = second["refresh_token"]
    assert _token(intacct_sandbox, data=form).status_code == 200


def test_refresh_needs_the_client_secret_and_a_known_token(intacct_sandbox: IntacctSandbox) -> None:
    refresh = fetch_token(intacct_sandbox)["refresh_token"]
    base = {"grant_type": "refresh_token", "client_id": intacct_sandbox.client_id}
    bad_secret = {**base, "client_secret": "nope", "refresh_token": refresh}
    unknown = {**base, "client_secret": intacct_sandbox.client_secret, "refresh_token": "made-up"}
    assert _token(intacct_sandbox, data=bad_secret).status_code == 401
    assert _token(intacct_sandbox, data=unknown).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer ", "Basic abc", "Bearer not-a-token"])
def test_missing_or_unknown_bearer_is_401(intacct_sandbox: IntacctSandbox, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    url = f"{intacct_sandbox.base_url}/objects/accounts-payable/vendor"
    response = requests.get(url, headers=headers, timeout=10)
    assert response.status_code == 401
    assert "ia::error" in response.json()["ia::result"]


def test_expire_tokens_keeps_refresh_tokens(intacct_sandbox: IntacctSandbox) -> None:
    answer = fetch_token(intacct_sandbox)
    intacct_sandbox.expire_tokens()
    assert _vendors(intacct_sandbox, answer["access_token"]).status_code == 401
    form = {
        "grant_type": "refresh_token",
        "refresh_token": answer["refresh_token"],
        "client_id": intacct_sandbox.client_id,
        "client_secret": intacct_sandbox.client_secret,
    }
    renewed = _token(intacct_sandbox, data=form).json()
    assert _vendors(intacct_sandbox, renewed["access_token"]).status_code == 200


def test_invalid_token_400_variant(intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.invalid_token_status = 400
    client = Client(intacct_sandbox)
    intacct_sandbox.expire_tokens()
    response = client.get("/objects/accounts-payable/vendor")
    assert response.status_code == 400
    assert "Invalid token" in response.text


def test_token_ttl_is_reported_and_enforced(intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.token_ttl = 1
    answer = fetch_token(intacct_sandbox)
    assert answer["expires_in"] == 1
    assert _vendors(intacct_sandbox, answer["access_token"]).status_code == 200
    time.sleep(1.1)
    assert _vendors(intacct_sandbox, answer["access_token"]).status_code == 401

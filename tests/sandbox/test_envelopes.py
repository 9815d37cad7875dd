"""The three error body shapes clients meet: nested ia::error, top-level ia::error, plain error."""

from __future__ import annotations

import pytest
from sandbox_helpers import BILL, Client, bill_body

from intacct_provider.sandbox import IntacctSandbox


def test_nested_envelope_is_the_default(api: Client) -> None:
    body = api.create(BILL, bill_body(extra=1)).json()
    error = body["ia::result"]["ia::error"]
    assert set(error) == {"code", "message", "errorId", "supportId", "additionalInfo", "details"}
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 0, "totalError": 1}


def test_top_level_envelope(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.error_envelope = "top"
    body = api.create(BILL, bill_body(extra=1)).json()
    assert body["ia::error"]["details"][0]["target"] == "/extra"
    assert "ia::result" not in body


def test_plain_envelope(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.error_envelope = "plain"
    response = api.get(f"/objects/{BILL}/1")
    assert response.status_code == 404
    assert set(response.json()) == {"error"}
    assert set(response.json()["error"]) == {"code", "message", "supportId"}


def test_support_ids_are_fresh(api: Client) -> None:
    first = api.get(f"/objects/{BILL}/1").json()["ia::result"]["ia::error"]["supportId"]
    second = api.get(f"/objects/{BILL}/1").json()["ia::result"]["ia::error"]["supportId"]
    assert first != second


def test_envelope_applies_to_injected_faults_and_reset_restores_it(
    intacct_sandbox: IntacctSandbox, api: Client
) -> None:
    intacct_sandbox.error_envelope = "top"
    intacct_sandbox.inject("status", status=500)
    assert "ia::error" in api.get(f"/objects/{BILL}").json()
    intacct_sandbox.reset()
    assert "ia::result" in api.get(f"/objects/{BILL}/1").json()


def test_unknown_envelope_is_refused(intacct_sandbox: IntacctSandbox) -> None:
    with pytest.raises(ValueError, match="error_envelope"):
        intacct_sandbox.error_envelope = "xml"

"""Idempotency-Key: by default (Sage's documented 409) any reuse is a conflict; with
``idempotency="replay"`` an identical replay gets the original 201 and a different body a 409."""

from __future__ import annotations

import pytest
from sandbox_helpers import BILL, INVOICE, Client, bill_body, error_of, invoice_body

from intacct_provider.sandbox import IntacctSandbox


def _count(client: Client, number: str) -> int:
    rows = client.rows(object=BILL, fields=["key"], filters=[{"$eq": {"billNumber": number}}])
    return len(rows)


def test_any_reuse_is_409_by_default_even_for_identical_bodies(api: Client) -> None:
    headers = {"Idempotency-Key": "strict"}
    assert api.create(BILL, bill_body(billNumber="B-45"), headers=headers).status_code == 201
    response = api.create(BILL, bill_body(billNumber="B-45"), headers=headers)
    assert response.status_code == 409
    assert error_of(response)["details"][0]["target"] == "Idempotency-Key"
    assert _count(api, "B-45") == 1


def test_replay_returns_the_original_answer_without_a_new_record(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.idempotency = "replay"
    headers = {"Idempotency-Key": "bill-42"}
    first = api.create(BILL, bill_body(billNumber="B-42"), headers=headers)
    again = api.create(BILL, bill_body(billNumber="B-42"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert _count(api, "B-42") == 1


@pytest.mark.parametrize("mode", ["conflict", "replay"])
def test_same_key_with_another_body_is_409(intacct_sandbox: IntacctSandbox, api: Client, mode: str) -> None:
    intacct_sandbox.idempotency = mode
    headers = {"Idempotency-Key": "bill-43"}
    assert api.create(BILL, bill_body(billNumber="B-43"), headers=headers).status_code == 201
    response = api.create(BILL, bill_body(billNumber="B-44"), headers=headers)
    assert response.status_code == 409
    assert "idempotency key" in error_of(response)["message"]
    assert _count(api, "B-44") == 0


def test_same_key_on_another_path_is_409(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.idempotency = "replay"
    headers = {"Idempotency-Key": "shared"}
    assert api.create(BILL, bill_body(), headers=headers).status_code == 201
    assert api.create(INVOICE, invoice_body(), headers=headers).status_code == 409


def test_rejected_create_does_not_use_up_the_key(api: Client) -> None:
    headers = {"Idempotency-Key": "fix-and-retry"}
    assert api.create(BILL, bill_body(dueDate="bad"), headers=headers).status_code == 400
    assert api.create(BILL, bill_body(), headers=headers).status_code == 201


def test_keys_live_24_hours(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    headers = {"Idempotency-Key": "day-old"}
    api.create(BILL, bill_body(billNumber="B-46"), headers=headers)
    intacct_sandbox.advance_time(23 * 3600)
    assert api.create(BILL, bill_body(billNumber="B-47"), headers=headers).status_code == 409
    intacct_sandbox.advance_time(3600)
    assert api.create(BILL, bill_body(billNumber="B-47"), headers=headers).status_code == 201


def test_the_setting_is_validated(intacct_sandbox: IntacctSandbox) -> None:
    with pytest.raises(ValueError, match="idempotency must be one of conflict, replay"):
        intacct_sandbox.idempotency = "maybe"
    with pytest.raises(ValueError, match="idempotency"):
        IntacctSandbox(idempotency="sometimes")


def test_idempotency_key_is_logged(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    api.create(BILL, bill_body(), headers={"Idempotency-Key": "logged"})
    assert intacct_sandbox.requests[-1]["headers"]["Idempotency-Key"] == "logged"

"""AP payments: created drafts, paid out through their workflow under each reading, and taken back."""

from __future__ import annotations

import pytest
from sandbox_helpers import BILL, Client, bill_body, error_of, payment_body, submit, targets

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.readings import PAYMENT_REVERSE_STATES

PAYMENT = "accounts-payable/payment"
#: Per ``payment_flow``: the actions that pay a payment out, each with the state it leads to and
#: whether the bill (2001, 500.00 due) has been paid by then.
FLOWS = {
    "print": [("submit", "submitted", False), ("approve", "approved", False), ("print", "delivered", False),
              ("confirm", "confirmed", True)],
    "approval": [("submit", "submitted", False), ("approve", "approved", True), ("print", "delivered", True),
                 ("confirm", "confirmed", True)],
    "direct": [("submit", "confirmed", True)],
}  # fmt: skip


def _create(api: Client, amount: str = "120.50", bill: str = "2001") -> str:
    response = api.create(PAYMENT, payment_body(bill, amount))
    assert response.status_code == 201, response.text
    return str(response.json()["ia::result"]["key"])


def _act(api: Client, key: str, action: str, **extra: str):
    return submit(api, PAYMENT, key, action, **extra)


def test_a_new_payment_is_a_draft_that_pays_nothing(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.freeze_time("2026-04-15T09:00:00Z")
    key = _create(api)
    payment = api.get(f"/objects/{PAYMENT}/{key}").json()["ia::result"]
    assert payment["id"] == key  # "id readOnly, same as key"
    assert payment["state"] == "draft"  # the contract's default
    assert payment["details"][0]["bill"] == {"key": "2001", "id": "2001"}
    assert payment["details"][0]["txnCurrency"]["paymentAmount"] == "120.50"
    assert payment["txnCurrency"] == {"currency": "USD", "totalPaid": "0.00"}
    assert (payment["txnDate"], payment["txnPaidDate"]) == ("2026-04-15", None)
    assert "paymentDate" not in payment  # writeOnly: sent, never returned
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"]) == ("posted", "500.00")


@pytest.mark.parametrize("flow", list(FLOWS))
def test_paid_out_only_in_the_state_the_reading_names(api: Client, intacct_sandbox: IntacctSandbox, flow: str) -> None:
    intacct_sandbox.payment_flow = flow
    intacct_sandbox.freeze_time("2026-04-20T09:00:00Z")
    key = _create(api)
    for action, state, paid in FLOWS[flow]:
        response = _act(api, key, action)
        assert response.status_code == 200, response.text
        assert response.json()["ia::result"] == {
            "key": key,
            "id": key,
            "href": f"/objects/{PAYMENT}/{key}",
            "state": state,
        }
        bill = intacct_sandbox.get_record(BILL, "2001")
        expected = ("partiallyPaid", "379.50") if paid else ("posted", "500.00")
        assert (action, bill["state"], bill["totalTxnAmountDue"]) == (action, *expected)
    payment = intacct_sandbox.get_record(PAYMENT, key)
    assert payment["txnCurrency"]["totalPaid"] == "120.50" and payment["txnPaidDate"] == "2026-04-15"
    assert payment["details"][0]["paymentDate"] == "2026-04-15"  # readable: the date it was made
    assert bill["audit"]["modifiedDateTime"] == "2026-04-20T09:00:00Z"


@pytest.mark.parametrize("flow", list(FLOWS))
def test_actions_out_of_order_are_refused(api: Client, intacct_sandbox: IntacctSandbox, flow: str) -> None:
    intacct_sandbox.payment_flow = flow
    key = _create(api)
    for action in ("approve", "print", "confirm", "reverse"):
        response = _act(api, key, action)
        assert response.status_code == 422 and error_of(response)["details"][0]["code"] == "invalidStateTransition"
    for action, _, _ in FLOWS[flow]:
        _act(api, key, action)
    again = _act(api, key, FLOWS[flow][-1][0])
    assert again.status_code == 422 and error_of(again)["details"][0]["code"] == "alreadyInState"
    if flow == "direct":  # submit confirmed it: there is nothing to approve
        assert error_of(_act(api, key, "approve"))["details"][0]["code"] == "alreadyInState"


def test_decline_then_resubmit(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    key = _create(api)
    assert _act(api, key, "submit").json()["ia::result"]["state"] == "submitted"
    assert _act(api, key, "decline", notes="Wrong bank").json()["ia::result"]["state"] == "declined"
    assert _act(api, key, "submit").json()["ia::result"]["state"] == "submitted"
    response = _act(api, key, "approve", note="typo")
    assert response.status_code == 400 and targets(response) == ["/note"]


@pytest.mark.parametrize("reverse_state", PAYMENT_REVERSE_STATES)
def test_reversing_takes_the_payment_back(api: Client, intacct_sandbox: IntacctSandbox, reverse_state: str) -> None:
    intacct_sandbox.payment_reverse_state = reverse_state
    key = _create(api, "500.00")
    for action in ("submit", "approve", "print"):
        _act(api, key, action)
    # A check lost before it was confirmed: delivered goes back to approved, nothing was paid.
    assert _act(api, key, "reverse").json()["ia::result"]["state"] == "approved"
    _act(api, key, "print")
    _act(api, key, "confirm")
    assert intacct_sandbox.get_record(BILL, "2001")["state"] == "paid"
    response = _act(api, key, "reverse", paymentDate="2026-05-01", description="Check lost")
    assert response.json()["ia::result"]["state"] == reverse_state
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"], bill["paymentInformation"]["fullyPaidDate"]) == (
        "posted",
        "500.00",
        None,
    )
    assert intacct_sandbox.get_record(PAYMENT, key)["txnCurrency"]["totalPaid"] == "0.00"
    bad = _act(api, key, "reverse", paymentDate="2026-02-30")
    assert bad.status_code == 400 and targets(bad) == ["/paymentDate"]


@pytest.mark.parametrize("reverse_state", PAYMENT_REVERSE_STATES)
@pytest.mark.parametrize("flow", list(FLOWS))
def test_a_reversed_payment_is_released_under_every_reading(
    api: Client, intacct_sandbox: IntacctSandbox, flow: str, reverse_state: str
) -> None:
    """Whatever the reverse leaves, the payment is off its bill and holds nothing on it: the bill
    can be paid in full again; a second reverse is ``alreadyInState``, listed in the trail."""
    intacct_sandbox.payment_flow = flow
    intacct_sandbox.payment_reverse_state = reverse_state
    key = _create(api, "500.00")
    for action, _, _ in FLOWS[flow]:  # every reading's flow ends confirmed
        assert _act(api, key, action).status_code == 200
    assert intacct_sandbox.get_record(BILL, "2001")["state"] == "paid"
    response = _act(api, key, "reverse")
    assert response.status_code == 200 and response.json()["ia::result"]["state"] == reverse_state
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"]) == ("posted", "500.00")
    rows = api.rows(object=PAYMENT, fields=["key", "state"], filters=[{"$eq": {"state": reverse_state}}])
    assert [row["key"] for row in rows] == [key]  # the state as stored, found by its name
    again = _act(api, key, "reverse")
    assert again.status_code == 422 and error_of(again)["details"][0]["code"] == "alreadyInState"
    assert reverse_state in error_of(again)["message"]
    assert api.create(PAYMENT, payment_body("2001", "500.00")).status_code == 201  # it holds nothing
    moves = [
        (e["changeSource"]["workflowAction"], e["changeDetails"]["newValue"])
        for e in intacct_sandbox.audit_entries()
        if e["changeDetails"]["objectName"] == PAYMENT and e["changeDetails"]["objectId"] == key
    ]
    assert moves[-1] == ("reverse", reverse_state)


def test_deleting_a_payment_takes_it_back_off_the_bill(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.payment_flow = "direct"
    key = _create(api, "500.00")
    _act(api, key, "submit")
    assert intacct_sandbox.get_record(BILL, "2001")["state"] == "paid"
    assert api.delete(f"/objects/{BILL}/2001").status_code == 422  # a bill with payments stays
    assert api.patch(f"/objects/{PAYMENT}/{key}", json={"description": "x"}).status_code == 422
    assert api.delete(f"/objects/{PAYMENT}/{key}").status_code == 204
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"]) == ("posted", "500.00")


def test_payments_waiting_to_be_paid_out_hold_their_amount(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    first = _create(api, "400.00")
    response = api.create(PAYMENT, payment_body("2001", "200.00"))
    assert response.status_code == 422 and error_of(response)["details"][0]["code"] == "overpayment"
    assert "held by other payments" in error_of(response)["message"]
    _act(api, first, "submit")
    _act(api, first, "decline")  # a declined payment holds nothing
    assert api.create(PAYMENT, payment_body("2001", "200.00")).status_code == 201


def test_paying_out_checks_the_bill_again(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.payment_flow = "direct"
    key = _create(api, "500.00")
    _act(api, key, "submit")  # pays 2001 in full
    intacct_sandbox.payment_flow = "print"
    second = api.create(PAYMENT, payment_body("2001", "1.00"))
    assert second.status_code == 422  # nothing left to pay


def test_several_details_on_one_bill_count_together(api: Client) -> None:
    body = payment_body("2001", "300.00")
    body["details"].append({"bill": {"id": "2001"}, "txnCurrency": {"paymentAmount": "300.00"}})
    response = api.create(PAYMENT, body)
    assert response.status_code == 422 and targets(response) == ["/details/1/txnCurrency/paymentAmount"]


def test_currency_and_entity_must_match_the_bill(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    response = api.create(PAYMENT, payment_body("2001", txnCurrency={"currency": "EUR"}))
    assert response.status_code == 422 and error_of(response)["details"][0]["code"] == "currencyMismatch"
    uk = Client(intacct_sandbox, entity="UK")
    response = uk.create(PAYMENT, payment_body("2001"))
    assert response.status_code == 422 and targets(response) == ["/details/0/bill"]


def test_unknown_bill_and_zero_amount(api: Client) -> None:
    response = api.create(PAYMENT, payment_body("999999"))
    assert response.status_code == 422 and targets(response) == ["/details/0/bill/key"]
    response = api.create(PAYMENT, payment_body("2001", "0.00"))
    assert response.status_code == 422 and error_of(response)["details"][0]["code"] == "invalidAmount"


def test_the_payment_date_is_write_only(api: Client) -> None:
    key = _create(api)
    query = api.query(object=PAYMENT, fields=["key"], filters=[{"$eq": {"paymentDate": "2026-04-15"}}])
    assert query.status_code == 400 and "paymentDate" in error_of(query)["message"]
    rows = api.rows(object=PAYMENT, fields=["key", "txnDate", "state"], filters=[{"$eq": {"key": key}}])
    assert rows[0]["state"] == "draft"
    batch = api.get(f"/objects/{PAYMENT}/{key},4001").json()["ia::result"]
    assert all("paymentDate" not in record for record in batch)


def test_the_deprecated_create_action_submits(api: Client) -> None:
    response = api.create(PAYMENT, payment_body("2001", action="submit"))
    key = response.json()["ia::result"]["key"]
    assert api.get(f"/objects/{PAYMENT}/{key}").json()["ia::result"]["state"] == "submitted"


@pytest.mark.parametrize("approve_state", ["approved", "posted"])
def test_submitted_bill_paid_after_approval(api: Client, intacct_sandbox: IntacctSandbox, approve_state: str) -> None:
    intacct_sandbox.bill_approve_state = approve_state
    intacct_sandbox.payment_flow = "direct"
    line = {"glAccount": {"id": "6700"}, "txnAmount": "10.00", "dimensions": {"location": {"id": "US"}}}
    key = api.create(BILL, bill_body(lines=[line])).json()["ia::result"]["key"]
    assert submit(api, BILL, key).json()["ia::result"]["state"] == "submitted"  # bill_approval: on by default
    assert api.create(PAYMENT, payment_body(key, "10.00")).status_code == 422
    assert submit(api, BILL, key, "approve").json()["ia::result"]["state"] == approve_state
    payment = api.create(PAYMENT, payment_body(key, "10.00")).json()["ia::result"]["key"]
    _act(api, payment, "submit")
    assert intacct_sandbox.get_record(BILL, key)["state"] == "paid"


@pytest.mark.parametrize("flow", list(FLOWS))
def test_record_payment_takes_the_payment_through_its_workflow(intacct_sandbox: IntacctSandbox, flow: str) -> None:
    intacct_sandbox.payment_flow = flow
    bill = intacct_sandbox.record_payment(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"]) == ("paid", "0.00")
    payment = intacct_sandbox.records(PAYMENT)[-1]
    paid_out = next(state for _, state, paid in FLOWS[flow] if paid)  # it stops once paid out
    assert payment["state"] == paid_out and payment["paymentMethod"] == "Printed Check"


def test_the_model_lists_the_write_only_payment_date(api: Client) -> None:
    model = api.get("/services/core/model", params={"name": PAYMENT}).json()["ia::result"]
    assert model["fields"]["paymentDate"]["writeOnly"] is True
    assert model["fields"]["paymentDate"]["readOnly"] is False and model["fields"]["paymentDate"]["mutable"] is True
    assert model["fields"]["paymentMethod"]["writeOnly"] is False


def test_every_payment_state_change_is_in_the_audit_trail(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    """Workflow actions, the deprecated create action and the record_payment control alike."""
    key = _create(api)
    for action in ("submit", "approve", "print", "confirm"):
        _act(api, key, action)
    trail = [e for e in intacct_sandbox.audit_entries() if e["changeDetails"]["objectName"] == PAYMENT]
    moves = [
        (e["changeSource"]["workflowAction"], e["changeDetails"]["previousValue"], e["changeDetails"]["newValue"])
        for e in trail
        if e["changeDetails"]["objectId"] == key and e["changeSource"]["actionPerformed"] == "workflow"
    ]
    assert moves == [
        ("submit", "draft", "submitted"),
        ("approve", "submitted", "approved"),
        ("print", "approved", "delivered"),
        ("confirm", "delivered", "confirmed"),
    ]
    intacct_sandbox.payment_flow = "direct"
    intacct_sandbox.record_payment(BILL, "2001")
    last = [e for e in intacct_sandbox.audit_entries() if e["changeDetails"]["objectName"] == PAYMENT][-1]
    assert (last["changeSource"]["workflowAction"], last["changeDetails"]["newValue"]) == ("submit", "confirmed")

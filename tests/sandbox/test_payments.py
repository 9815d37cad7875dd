"""AP payments: the record a payment leaves, and how it moves its bills (apply, refuse, undo)."""

from __future__ import annotations

from sandbox_helpers import BILL, Client, error_of, payment_body, targets

from intacct_provider.sandbox import IntacctSandbox

PAYMENT = "accounts-payable/payment"


def test_payment_record_and_bill_totals(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.freeze_time("2026-04-15T09:00:00Z")
    response = api.create(PAYMENT, payment_body("2001", "120.5"))
    assert response.status_code == 201, response.text
    ref = response.json()["ia::result"]
    assert ref["id"] == ref["key"]  # "id readOnly, same as key"
    payment = api.get(f"/objects/{PAYMENT}/{ref['key']}").json()["ia::result"]
    assert payment["state"] == "draft"  # the contract's default; the sandbox applies it at once
    assert payment["details"][0]["bill"] == {"key": "2001", "id": "2001"}
    assert payment["details"][0]["txnCurrency"]["paymentAmount"] == "120.50"
    assert payment["txnCurrency"] == {"currency": "USD", "totalPaid": "120.50"}
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert bill["paymentInformation"]["totalTxnAmountPaid"] == "120.50"
    assert (bill["state"], bill["totalTxnAmountDue"]) == ("partiallyPaid", "379.50")
    assert bill["audit"]["modifiedDateTime"] == "2026-04-15T09:00:00Z"


def test_deleting_a_payment_takes_it_back_off_the_bill(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    key = api.create(PAYMENT, payment_body("2001", "500.00")).json()["ia::result"]["key"]
    assert intacct_sandbox.get_record(BILL, "2001")["state"] == "paid"
    assert api.delete(f"/objects/{BILL}/2001").status_code == 422  # a bill with payments stays
    assert api.patch(f"/objects/{PAYMENT}/{key}", json={"description": "x"}).status_code == 422
    assert api.delete(f"/objects/{PAYMENT}/{key}").status_code == 204
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"], bill["paymentInformation"]["fullyPaidDate"]) == (
        "posted",
        "500.00",
        None,
    )


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


def test_submitted_bill_paid_after_approval(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.bill_approval = True
    key = api.create(BILL, {**_bill(), "billNumber": "APPR-1"}).json()["ia::result"]["key"]
    assert api.post("/workflows/accounts-payable/bill/submit", json={"key": key}).json()["ia::result"]["state"] == (
        "submitted"
    )
    assert api.create(PAYMENT, payment_body(key, "10.00")).status_code == 422
    assert api.post("/workflows/accounts-payable/bill/approve", json={"key": key}).status_code == 200
    assert api.create(PAYMENT, payment_body(key, "10.00")).status_code == 201
    assert intacct_sandbox.get_record(BILL, key)["state"] == "paid"


def _bill() -> dict:
    return {
        "vendor": {"id": "VEND-100"},
        "createdDate": "2026-03-01",
        "dueDate": "2026-03-31",
        "currency": {"txnCurrency": "USD"},
        "lines": [{"glAccount": {"id": "6700"}, "txnAmount": "10.00", "dimensions": {"location": {"id": "US"}}}],
    }

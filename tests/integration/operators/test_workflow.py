"""Draft bills, workflow actions, AP payments and extra_fields: the contract's rules as a user meets them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from intacct_provider.exceptions import IntacctError
from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateInvoiceOperator,
    IntacctCreatePaymentOperator,
    IntacctGetRecordOperator,
    IntacctWorkflowOperator,
)

BILL = "accounts-payable/bill"
INVOICE = "accounts-receivable/invoice"
SUBMIT = "/workflows/accounts-payable/bill/submit"
LINES = [{"glaccountno": "6700", "amount": "120.00", "memo": "Chairs", "locationid": "US"}]


class Store(dict):
    """The slice of ``task_state_store`` the operators use."""

    def set(self, key, value, **_kw):
        self[key] = value


def context(task_id="t", run_id="run-1", store=None):
    ctx = {"ti": SimpleNamespace(dag_id="d", task_id=task_id, run_id=run_id, map_index=-1)}
    if store is not None:
        ctx["task_state_store"] = store
    return ctx


def bill(**changes):
    kwargs = dict(
        task_id="bill",
        vendor_id="VEND-200",
        date_created="2026-11-01",
        date_due="2026-11-30",
        line_items=LINES,
        currency="USD",
    )
    return IntacctCreateBillOperator(**{**kwargs, **changes})


def requests_to(sandbox, path):
    return [r for r in sandbox.requests if r["path"] == path]


def state(sandbox, key):
    return sandbox.get_record(BILL, key)["state"]


def test_a_new_bill_is_a_draft_and_submit_posts_it(intacct_sandbox, intacct_conn):
    draft = bill(bill_number="WF-1").execute(context())["ia::result"]
    assert state(intacct_sandbox, draft["key"]) == "draft"
    assert requests_to(intacct_sandbox, SUBMIT) == []
    submitted = bill(task_id="b2", bill_number="WF-2", submit=True).execute(context(task_id="b2"))["ia::result"]
    assert state(intacct_sandbox, submitted["key"]) == "posted"
    assert [r["body"] for r in requests_to(intacct_sandbox, SUBMIT)] == [{"key": submitted["key"]}]


def test_submit_whose_answer_was_lost_is_settled_by_reading_the_state(intacct_sandbox, intacct_conn):
    intacct_sandbox.inject("commit_then_drop", method="POST", path=f"^{SUBMIT}$")
    ref = bill(bill_number="WF-LOST", submit=True).execute(context())["ia::result"]
    assert state(intacct_sandbox, ref["key"]) == "posted"
    assert len(requests_to(intacct_sandbox, SUBMIT)) == 1  # not re-sent: the state showed it had happened


def test_retry_after_a_crash_between_create_and_submit_submits_once(intacct_sandbox, intacct_conn):
    store = Store()
    created = bill(bill_number="WF-3").execute(context(store=store))["ia::result"]  # as if try 1 died here
    assert store["intacct_create"]["record"]["key"] == created["key"] and "submitted" not in store["intacct_create"]
    again = bill(bill_number="WF-3", submit=True).execute(context(store=store))["ia::result"]
    assert again == created
    assert state(intacct_sandbox, created["key"]) == "posted"
    assert store["intacct_create"]["submitted"] is True
    intacct_sandbox.clear_requests()
    assert bill(bill_number="WF-3", submit=True).execute(context(store=store))["ia::result"] == created
    assert requests_to(intacct_sandbox, SUBMIT) == []  # the store knows it was submitted
    sent = [r["path"] for r in intacct_sandbox.requests if r["path"] != "/oauth2/token"]
    assert sent == [f"/objects/{BILL}/{created['key']}"]


def test_retry_without_a_store_skips_a_bill_already_posted(intacct_sandbox, intacct_conn):
    first = bill(bill_number="WF-4", submit=True).execute(context())["ia::result"]
    intacct_sandbox.clear_requests()
    second = bill(bill_number="WF-4", submit=True).execute(context())["ia::result"]  # same key, no store
    assert second["key"] == first["key"]
    assert requests_to(intacct_sandbox, SUBMIT) == []


def test_approval_workflow_submit_approve_and_retry(intacct_sandbox, intacct_conn):
    intacct_sandbox.bill_approval = True
    ref = bill(bill_number="WF-5", submit=True).execute(context())["ia::result"]
    assert state(intacct_sandbox, ref["key"]) == "submitted"
    approve = IntacctWorkflowOperator(task_id="a", object="bill", action="approve", key=ref["key"], notes="OK")
    assert approve.execute(context()) == {"key": ref["key"], "action": "approve", "state": "posted", "performed": True}
    assert requests_to(intacct_sandbox, "/workflows/accounts-payable/bill/approve")[0]["body"] == {
        "key": ref["key"],
        "notes": "OK",
    }
    # A retry of the approval (or a person approved meanwhile): nothing is sent, the task succeeds.
    again = approve.execute(context())
    assert again["performed"] is False and again["state"] == "posted"
    assert len(requests_to(intacct_sandbox, "/workflows/accounts-payable/bill/approve")) == 1


def test_decline_recall_and_reverse(intacct_sandbox, intacct_conn):
    intacct_sandbox.bill_approval = True
    one = bill(bill_number="WF-6", submit=True).execute(context())["ia::result"]["key"]
    two = bill(task_id="b2", bill_number="WF-7", submit=True).execute(context(task_id="b2"))["ia::result"]["key"]
    IntacctWorkflowOperator(task_id="d", object="bill", action="decline", key=one, notes="wrong").execute(context())
    assert state(intacct_sandbox, one) == "declined"
    IntacctWorkflowOperator(task_id="r", object="bill", action="recall", key=two).execute(context())
    assert state(intacct_sandbox, two) == "draft"
    intacct_sandbox.bill_approval = False
    IntacctWorkflowOperator(task_id="s", object="bill", action="submit", key=two).execute(context())
    reverse = IntacctWorkflowOperator(task_id="v", object="bill", action="reverse", key=two, reverse_date="2026-12-05")
    assert reverse.execute(context())["state"] == "reversed"
    assert requests_to(intacct_sandbox, "/workflows/accounts-payable/bill/reverse")[0]["body"] == {
        "key": two,
        "reverseDate": "2026-12-05",
    }


def test_invoice_reverse_uses_its_own_date_field(intacct_sandbox, intacct_conn):
    ref = IntacctCreateInvoiceOperator(
        task_id="i",
        customer_id="CUST-100",
        date_created="2026-11-01",
        date_due="2026-11-30",
        line_items=LINES,
        invoice_number="WF-INV-1",
        currency="USD",
    ).execute(context())["ia::result"]
    result = IntacctWorkflowOperator(
        task_id="r", object="invoice", action="reverse", key=ref["key"], reverse_date="2026-12-01", notes="dup"
    ).execute(context())
    assert result["state"] == "reversed"
    body = requests_to(intacct_sandbox, "/workflows/accounts-receivable/invoice/reverse")[0]["body"]
    assert body == {"key": ref["key"], "reversedDate": "2026-12-01", "memo": "dup"}


def test_a_refused_action_is_a_clear_error(intacct_sandbox, intacct_conn):
    draft = bill(bill_number="WF-8").execute(context())["ia::result"]["key"]
    with pytest.raises(IntacctError, match="draft") as info:
        IntacctWorkflowOperator(task_id="a", object="bill", action="approve", key=draft).execute(context())
    assert info.value.status == 422


def test_payment_pays_a_submitted_bill(intacct_sandbox, intacct_conn):
    ref = bill(bill_number="WF-PAY", submit=True).execute(context())["ia::result"]
    payment = IntacctCreatePaymentOperator(
        task_id="p",
        vendor_id="VEND-200",
        bank_account_id="BOA",
        payment_date="2026-11-15",
        bills=f'[{{"key": "{ref["key"]}", "amount": "120.00"}}]',
    ).execute(context(task_id="p"))["ia::result"]
    paid = intacct_sandbox.get_record(BILL, ref["key"])
    assert paid["state"] == "paid" and paid["totalTxnAmountDue"] in ("0", "0.00")
    body = next(r for r in intacct_sandbox.requests if r["path"] == "/objects/accounts-payable/payment")["body"]
    assert body == {
        "financialEntity": {"entityId": "BOA"},
        "vendor": {"id": "VEND-200"},
        "paymentMethod": "printedCheck",
        "paymentDate": "2026-11-15",
        "txnCurrency": {"currency": "USD"},
        "details": [{"bill": {"key": ref["key"]}, "txnCurrency": {"paymentAmount": "120.00"}}],
    }
    assert payment["href"].startswith("/objects/accounts-payable/payment/")


def test_extra_fields_are_merged_and_sent(intacct_sandbox, intacct_conn):
    ref = bill(
        bill_number="WF-X", extra_fields='{"term": {"id": "N30"}, "currency": {"exchangeRate": {"rate": 1.0}}}'
    ).execute(context())["ia::result"]
    body = next(r for r in intacct_sandbox.requests if r["path"] == f"/objects/{BILL}")["body"]
    assert body["term"] == {"id": "N30"}
    assert body["currency"] == {"txnCurrency": "USD", "exchangeRate": {"rate": 1.0}}
    assert intacct_sandbox.get_record(BILL, ref["key"])["billNumber"] == "WF-X"


def test_get_with_fields_sends_no_query_parameters_on_get_by_key(intacct_sandbox, intacct_conn):
    key = min(intacct_sandbox.records(BILL), key=lambda r: int(r["key"]))["key"]
    row = IntacctGetRecordOperator(task_id="g", object="bill", key=key, fields=["key", "billNumber", "state"]).execute(
        context()
    )
    assert set(row) == {"key", "billNumber", "state"} and row["key"] == key
    assert [r["path"] for r in intacct_sandbox.requests if r["path"] != "/oauth2/token"] == ["/services/core/query"]
    full = IntacctGetRecordOperator(task_id="g", object="bill", key=key).execute(context())
    assert full["key"] == key and "lines" in full
    assert all("?" not in r["path"] and not r.get("query") for r in intacct_sandbox.requests if r["method"] == "GET")

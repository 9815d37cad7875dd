"""Draft bills, workflow actions, AP payments and extra_fields: the contract's rules as a user meets them.

Where Sage leaves a state open (does submit post a bill or wait for approval, does approve answer
``approved`` or ``posted``, which payment step pays a bill out) the tests run under each reading.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from intacct_provider.exceptions import IntacctError, IntacctValidationError
from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateInvoiceOperator,
    IntacctCreatePaymentOperator,
    IntacctGetRecordOperator,
    IntacctWorkflowOperator,
)
from intacct_provider.sandbox.readings import PAYMENT_REVERSE_STATES

BILL = "accounts-payable/bill"
INVOICE = "accounts-receivable/invoice"
SUBMIT = "/workflows/accounts-payable/bill/submit"
PAYMENT = "accounts-payable/payment"
REVERSE = "/workflows/accounts-payable/payment/reverse"
#: What a bill's submit leads to, with and without approvals (``bill_approval``).
SUBMITTED = {True: "submitted", False: "posted"}
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


@pytest.mark.parametrize("approval", [True, False], ids=["approval", "no-approval"])
def test_a_new_bill_is_a_draft_and_submit_submits_it(intacct_sandbox, intacct_conn, approval):
    intacct_sandbox.bill_approval = approval
    draft = bill(bill_number="WF-1").execute(context())["ia::result"]
    assert state(intacct_sandbox, draft["key"]) == "draft"
    assert requests_to(intacct_sandbox, SUBMIT) == []
    submitted = bill(task_id="b2", bill_number="WF-2", submit=True).execute(context(task_id="b2"))["ia::result"]
    assert state(intacct_sandbox, submitted["key"]) == SUBMITTED[approval]
    assert [r["body"] for r in requests_to(intacct_sandbox, SUBMIT)] == [{"key": submitted["key"]}]


@pytest.mark.parametrize("approval", [True, False], ids=["approval", "no-approval"])
def test_submit_whose_answer_was_lost_is_settled_by_reading_the_state(intacct_sandbox, intacct_conn, approval):
    intacct_sandbox.bill_approval = approval
    intacct_sandbox.inject("commit_then_drop", method="POST", path=f"^{SUBMIT}$")
    ref = bill(bill_number="WF-LOST", submit=True).execute(context())["ia::result"]
    assert state(intacct_sandbox, ref["key"]) == SUBMITTED[approval]
    assert len(requests_to(intacct_sandbox, SUBMIT)) == 1  # not re-sent: the state showed it had happened


@pytest.mark.parametrize("approval", [True, False], ids=["approval", "no-approval"])
def test_retry_after_a_crash_between_create_and_submit_submits_once(intacct_sandbox, intacct_conn, approval):
    intacct_sandbox.bill_approval = approval
    store = Store()
    created = bill(bill_number="WF-3").execute(context(store=store))["ia::result"]  # as if try 1 died here
    assert store["intacct_create"]["record"]["key"] == created["key"] and "submitted" not in store["intacct_create"]
    again = bill(bill_number="WF-3", submit=True).execute(context(store=store))["ia::result"]
    assert again == created
    assert state(intacct_sandbox, created["key"]) == SUBMITTED[approval]
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


@pytest.mark.parametrize("approved", ["approved", "posted"])
def test_approval_workflow_submit_approve_and_retry(intacct_sandbox, intacct_conn, approved):
    """Sage's approve answers ``approved`` (its enum) or leaves the bill ``posted`` (its description)."""
    intacct_sandbox.bill_approval = True
    intacct_sandbox.bill_approve_state = approved
    ref = bill(bill_number="WF-5", submit=True).execute(context())["ia::result"]
    assert state(intacct_sandbox, ref["key"]) == "submitted"
    approve = IntacctWorkflowOperator(task_id="a", object="bill", action="approve", key=ref["key"], notes="OK")
    assert approve.execute(context()) == {"key": ref["key"], "action": "approve", "state": approved, "performed": True}
    assert requests_to(intacct_sandbox, "/workflows/accounts-payable/bill/approve")[0]["body"] == {
        "key": ref["key"],
        "notes": "OK",
    }
    # A retry of the approval (or a person approved meanwhile): nothing is sent, the task succeeds.
    again = approve.execute(context())
    assert again["performed"] is False and again["state"] == approved
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


def payment(**changes):
    """A payment of seeded bill 2001 (VEND-100, posted, 500.00 due) unless told otherwise."""
    kwargs = dict(
        task_id="p",
        vendor_id="VEND-100",
        bank_account_id="BOA",
        payment_date="2026-11-15",
        payment_method="Printed Check",
        bills=[{"key": "2001", "amount": "120.00"}],
    )
    return IntacctCreatePaymentOperator(**{**kwargs, **changes})


def step(action, key, **kwargs):
    return IntacctWorkflowOperator(task_id=f"{action}_payment", object="ap_payment", action=action, key=key, **kwargs)


#: Per ``payment_flow``: whether approve, print and confirm are performed after submit.
PAID_OUT_STEPS = {"print": (True, True, True), "approval": (True, True, True), "direct": (False, False, False)}


@pytest.mark.parametrize("flow", list(PAID_OUT_STEPS))
@pytest.mark.parametrize("approved", ["approved", "posted"])
def test_a_payment_pays_its_bill_once_its_workflow_is_through(intacct_sandbox, intacct_conn, flow, approved):
    """Create (a draft: pays nothing), submit, then approve, print and confirm, each skipped where
    the reading has the payment past it already; the bill is paid at the end under every reading."""
    intacct_sandbox.payment_flow = flow
    intacct_sandbox.bill_approve_state = approved
    ref = bill(bill_number="WF-PAY", submit=True).execute(context())["ia::result"]
    IntacctWorkflowOperator(task_id="a", object="bill", action="approve", key=ref["key"]).execute(context())
    bills = f'[{{"key": "{ref["key"]}", "amount": "120.00"}}]'
    created = payment(vendor_id="VEND-200", bills=bills).execute(context(task_id="p"))
    key = created["ia::result"]["key"]
    assert created["ia::result"]["href"] == f"/objects/{PAYMENT}/{key}"
    assert state(intacct_sandbox, ref["key"]) == approved  # a draft payment pays nothing
    assert intacct_sandbox.get_record(PAYMENT, key)["state"] == "draft"
    body = next(r for r in intacct_sandbox.requests if r["path"] == f"/objects/{PAYMENT}")["body"]
    assert body == {
        "financialEntity": {"entityId": "BOA"},
        "vendor": {"id": "VEND-200"},
        "paymentMethod": "Printed Check",  # as given: Sage documents no enum
        "paymentDate": "2026-11-15",
        "txnCurrency": {"currency": "USD"},
        "details": [{"bill": {"key": ref["key"]}, "txnCurrency": {"paymentAmount": "120.00"}}],
    }
    assert "action" not in body  # the deprecated field: submitting is the workflow's job
    step("submit", key).execute(context())
    performed = tuple(step(action, key).execute(context())["performed"] for action in ("approve", "print", "confirm"))
    assert performed == PAID_OUT_STEPS[flow]
    paid = intacct_sandbox.get_record(BILL, ref["key"])
    assert paid["state"] == "paid" and paid["totalTxnAmountDue"] == "0.00"
    assert intacct_sandbox.get_record(PAYMENT, key)["state"] == "confirmed"


@pytest.mark.parametrize("flow", list(PAID_OUT_STEPS))
def test_payment_operator_submits_through_the_workflow(intacct_sandbox, intacct_conn, flow):
    intacct_sandbox.payment_flow = flow
    key = payment(submit=True).execute(context(task_id="p"))["ia::result"]["key"]
    submits = requests_to(intacct_sandbox, "/workflows/accounts-payable/payment/submit")
    assert [r["body"] for r in submits] == [{"key": key}]
    assert intacct_sandbox.get_record(PAYMENT, key)["state"] == ("confirmed" if flow == "direct" else "submitted")
    again = payment(submit=True).execute(context(task_id="p"))  # the same task again: found, not re-submitted
    assert again["ia::result"]["key"] == key
    assert len(requests_to(intacct_sandbox, "/workflows/accounts-payable/payment/submit")) == 1


def test_payment_method_is_required_and_checked_before_any_request(intacct_sandbox, intacct_conn):
    with pytest.raises(TypeError, match="payment_method"):
        IntacctCreatePaymentOperator(
            task_id="p", vendor_id="V", bank_account_id="BOA", payment_date="2026-11-15", bills=[]
        )
    for method in ("", "  ", None):
        with pytest.raises(IntacctValidationError) as info:
            payment(payment_method=method).execute(context(task_id="p"))
        assert info.value.parameter == "payment_method"
    assert [r for r in intacct_sandbox.requests if r["path"] != "/oauth2/token"] == []


@pytest.mark.parametrize("reverse_state", PAYMENT_REVERSE_STATES)
def test_every_documented_payment_action_runs(intacct_sandbox, intacct_conn, reverse_state):
    intacct_sandbox.payment_reverse_state = reverse_state
    key = payment().execute(context(task_id="p"))["ia::result"]["key"]
    assert step("submit", key).execute(context())["state"] == "submitted"
    assert step("decline", key, notes="Wrong bank").execute(context())["state"] == "declined"
    assert requests_to(intacct_sandbox, "/workflows/accounts-payable/payment/decline")[0]["body"] == {
        "key": key,
        "notes": "Wrong bank",
    }
    for action, reached in (("submit", "submitted"), ("approve", "approved"), ("print", "delivered")):
        assert step(action, key).execute(context())["state"] == reached
    reversed_ = step("reverse", key, reverse_date="2026-11-20", notes="Check lost").execute(context())
    assert reversed_["state"] == "approved"  # a delivered payment reversed is approved again
    assert requests_to(intacct_sandbox, "/workflows/accounts-payable/payment/reverse")[0]["body"] == {
        "key": key,
        "paymentDate": "2026-11-20",
        "description": "Check lost",
    }
    for action in ("print", "confirm"):
        step(action, key).execute(context())
    assert state(intacct_sandbox, "2001") == "partiallyPaid"
    assert step("reverse", key).execute(context())["state"] == reverse_state  # the paymentDate is optional
    assert state(intacct_sandbox, "2001") == "posted"
    again = step("reverse", key).execute(context())  # a re-run: done under either name, nothing posted
    assert again == {"key": key, "action": "reverse", "state": reverse_state, "performed": False}
    assert len(requests_to(intacct_sandbox, REVERSE)) == 2


@pytest.mark.parametrize("reverse_state", PAYMENT_REVERSE_STATES)
def test_a_lost_reverse_answer_is_settled_in_the_same_try(intacct_sandbox, intacct_conn, reverse_state):
    """The reverse commits but its answer is lost: the state read again shows it done, whichever
    name the reading gives it; the task succeeds without posting again."""
    intacct_sandbox.payment_reverse_state = reverse_state
    key = payment().execute(context(task_id="p"))["ia::result"]["key"]
    for action in ("submit", "approve", "print", "confirm"):
        step(action, key).execute(context())
    intacct_sandbox.inject("commit_then_drop", method="POST", path=f"^{REVERSE}$")
    outcome = step("reverse", key).execute(context())
    assert outcome == {"key": key, "action": "reverse", "state": reverse_state, "performed": True}
    assert len(requests_to(intacct_sandbox, REVERSE)) == 1 and state(intacct_sandbox, "2001") == "posted"


def test_a_retried_reverse_whose_answer_was_lost_knows_where_it_started(intacct_sandbox, intacct_conn):
    """Reversing a delivered payment leaves it approved, a state that is not "done" in general: the
    state read before posting is kept in ``task_state_store``, so the retry recognises the outcome."""
    intacct_conn(max_retries=0)
    key = payment().execute(context(task_id="p"))["ia::result"]["key"]
    for action in ("submit", "approve", "print"):
        step(action, key).execute(context())
    store = Store()
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/workflows/accounts-payable/payment/reverse$")
    # Try 1 dies before it can read the state again (the query after the lost answer fails too).
    intacct_sandbox.inject("status", status=503, method="POST", path="/services/core/query$", after=1)
    with pytest.raises(IntacctError):
        step("reverse", key).execute(context(store=store))
    assert store["intacct_workflow"] == {"key": key, "action": "reverse", "before": "delivered"}
    again = step("reverse", key).execute(context(store=store))
    assert again == {"key": key, "action": "reverse", "state": "approved", "performed": False}
    assert len(requests_to(intacct_sandbox, "/workflows/accounts-payable/payment/reverse")) == 1


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

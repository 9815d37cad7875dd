"""Custom fields on an AP payment's details, end to end against the sandbox with the example tenant.

A payment's lines are its ``details`` (each names a bill and an amount), and a company may add
fields to them (``nsp::REMIT_REF``, ``nsp::WITHHELD``). Given beside a bill's key and amount in
``bills``, they are checked against the company's model before the write (wherever the model lists
them: in place, or in the ``accounts-payable/payment-detail`` owned object's own model), sent on
the detail (numbers exact), paid through the workflow, read back, queried and loaded into a table
from the owned object.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from warehouse_helpers import CONN_ID, column_types, context, rows

from intacct_provider.catalog.bulk_records import BulkRecordsError
from intacct_provider.exceptions import (
    IntacctConflictError,
    IntacctInputError,
    IntacctRequestError,
    IntacctValidationError,
)
from intacct_provider.operators import (
    IntacctBulkCreateOperator,
    IntacctCreatePaymentOperator,
    IntacctGetRecordOperator,
    IntacctQueryOperator,
    IntacctTieOutOperator,
    IntacctToSqlOperator,
    IntacctWorkflowOperator,
)
from intacct_provider.sandbox.tenant import EXAMPLE_TENANT, load_tenant

BILL = "accounts-payable/bill"
PAYMENT = "accounts-payable/payment"
DETAIL = "accounts-payable/payment-detail"
TENANT = load_tenant(EXAMPLE_TENANT)
WITHHELD = "12345678901234567.89"  # 19 significant digits: a float keeps 17


@pytest.fixture
def intacct_tenant() -> Any:
    return TENANT


@pytest.fixture(params=["reference", "inline"])
def owned_lists(request: pytest.FixtureRequest, intacct_sandbox: Any) -> str:
    """Both readings of how the payment's model lists its details (its owned object named, or in place)."""
    intacct_sandbox.owned_lists = request.param
    return str(request.param)


def payment(bills: Any, **changes: Any) -> IntacctCreatePaymentOperator:
    """A payment of seeded bill 2001 (VEND-100, posted, 500.00 due) unless told otherwise."""
    arguments = dict(
        task_id="pay",
        vendor_id="VEND-100",
        bank_account_id="BOA",
        payment_date="2026-11-15",
        payment_method="Printed Check",
        bills=bills,
    )
    return IntacctCreatePaymentOperator(**{**arguments, **changes})


def step(action: str, key: str) -> dict[str, Any]:
    return IntacctWorkflowOperator(task_id=action, object="ap_payment", action=action, key=key).execute(context())


def posted(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests if r["method"] == "POST" and r["path"] == f"/objects/{PAYMENT}"]


def test_a_detail_field_is_checked_sent_paid_read_back_and_loaded(intacct_sandbox, owned_lists, warehouse):
    detail = {"key": "2001", "amount": "120.00", "nsp::REMIT_REF": "R-7", "nsp::WITHHELD": WITHHELD}
    key = payment([detail], submit=True).execute(context())["ia::result"]["key"]
    (sent,) = posted(intacct_sandbox)
    assert sent["body"]["details"] == [
        {
            "bill": {"key": "2001"},
            "txnCurrency": {"paymentAmount": "120.00"},
            "nsp::REMIT_REF": "R-7",
            "nsp::WITHHELD": Decimal(WITHHELD),  # a JSON number, as the model types it: every digit
        }
    ]
    reads = [r["query"]["name"] for r in intacct_sandbox.requests if r["path"] == "/services/core/model"]
    assert reads == ([PAYMENT, DETAIL] if owned_lists == "reference" else [PAYMENT])
    for action in ("approve", "print", "confirm"):  # paid out (the sandbox's default payment_flow)
        step(action, key)
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"]) == ("partiallyPaid", "380.00")

    read = IntacctGetRecordOperator(task_id="get", object="ap_payment", key=key).execute(context())
    (line,) = read["details"]
    assert (line["nsp::REMIT_REF"], line["nsp::WITHHELD"]) == ("R-7", WITHHELD)  # XCom: the exact text
    assert (line["state"], line["apPayment"]["key"]) == ("confirmed", key)

    found = IntacctQueryOperator(
        task_id="details",
        object=DETAIL,
        fields=["key", "apPayment.key", "bill.key", "txnCurrency.paymentAmount", "nsp::REMIT_REF", "nsp::WITHHELD"],
        filters=[{"$eq": {"apPayment.key": key}}],
    ).execute(context())
    assert [(r["key"], r["bill.key"], r["nsp::REMIT_REF"], r["nsp::WITHHELD"]) for r in found] == [
        (line["key"], "2001", "R-7", WITHHELD)
    ]

    loaded = IntacctToSqlOperator(
        task_id="load", object=DETAIL, sql_conn_id=CONN_ID, table="intacct_payment_details"
    ).execute(context())
    assert loaded["inserted"] == len(intacct_sandbox.records(DETAIL))  # every detail of every payment
    types = column_types(warehouse, "intacct_payment_details")
    assert (types["nsp__remit_ref"], types["nsp__withheld"], types["ap_payment_key"]) == ("TEXT", "TEXT", "TEXT")
    stored = next(r for r in rows(warehouse, "intacct_payment_details") if r["ap_payment_key"] == key)
    assert (stored["bill_key"], stored["nsp__remit_ref"], stored["state"]) == ("2001", "R-7", "confirmed")
    assert stored["nsp__withheld"] == WITHHELD and Decimal(stored["txn_currency_payment_amount"]) == Decimal("120")
    tie = IntacctTieOutOperator(
        task_id="tie",
        object=DETAIL,
        sql_conn_id=CONN_ID,
        table="intacct_payment_details",
        compare=["txnCurrency.paymentAmount", "nsp::REMIT_REF", "nsp::WITHHELD"],
    ).execute(context())
    assert (tie["missing"]["count"], tie["different"]["count"], tie["extra"]["count"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        (
            {"nsp::REMIT_RF": "R-7"},
            "bills[0].nsp::REMIT_RF: expected a custom field of AP payment details — did you mean 'nsp::REMIT_REF'?",
        ),
        (
            {"nsp::WITHHELD": "twelve"},
            "bills[0].nsp::WITHHELD: expected a number such as 59.10 (sent as a JSON number), got 'twelve'",
        ),
        ({"nsp::REMIT_REF": ["R-7"]}, "bills[0].nsp::REMIT_REF: expected text, got ['R-7']"),
    ],
)
def test_a_wrong_detail_field_fails_before_any_write_naming_the_argument(
    intacct_sandbox, intacct_conn, owned_lists, detail, expected
):
    with pytest.raises(IntacctValidationError) as refused:
        payment([{"key": "2001", "amount": "120.00", **detail}]).execute(context())
    assert str(refused.value) == f"AP payment of vendor VEND-100 dated 2026-11-15: {expected}"
    assert posted(intacct_sandbox) == []


def test_every_wrong_detail_of_a_payment_is_named_at_once(intacct_sandbox, intacct_conn, owned_lists):
    bills = [
        {"key": "2001", "amount": "20.00", "nsp::REMIT_REF": "ok"},
        {"key": "2001", "amount": "30.00", "nsp::REMITREF": "R-8", "nsp::WITHHELD": "1.005e2"},
    ]
    with pytest.raises(IntacctInputError) as refused:
        payment(bills).execute(context())
    assert [problem.split(": ")[0] for problem in refused.value.problems] == [
        "bills[1].nsp::REMITREF",
        "bills[1].nsp::WITHHELD",
    ]
    assert posted(intacct_sandbox) == []


def test_a_detail_field_the_company_does_not_have_is_refused_before_the_write(intacct_sandbox, intacct_conn):
    intacct_sandbox.reset(tenant=None)  # a company without custom fields on payment details
    with pytest.raises(IntacctValidationError, match=r"bills\[0\].nsp::REMIT_REF: expected a custom field of AP"):
        payment([{"key": "2001", "amount": "20.00", "nsp::REMIT_REF": "R-7"}]).execute(context())
    assert posted(intacct_sandbox) == []


def test_an_unreadable_model_sends_detail_fields_as_given_and_intacct_judges(intacct_sandbox, intacct_conn, caplog):
    intacct_sandbox.model_service = "forbidden"
    key = payment([{"key": "2001", "amount": "20.00", "nsp::REMIT_REF": "R-7"}]).execute(context())["ia::result"]
    assert intacct_sandbox.get_record(PAYMENT, key["key"])["details"][0]["nsp::REMIT_REF"] == "R-7"
    assert any("cannot be read" in r.getMessage() for r in caplog.records)
    with pytest.raises(IntacctRequestError, match=r"/details/0/nsp::REMIT_RF is not a valid field") as refused:
        payment([{"key": "2001", "amount": "20.00", "nsp::REMIT_RF": "R-7"}], idempotency_key="second").execute(
            context()
        )
    assert refused.value.status == 400  # permanent: not retried


def test_a_payment_differing_only_in_a_detail_field_is_not_adopted_as_ours(intacct_sandbox, intacct_conn):
    """The same task's key again, for a payment whose detail says otherwise: Intacct refuses the key,
    and the look-up does not take the earlier payment (its detail field differs) for this one."""
    intacct_sandbox.idempotency = "conflict"
    payment([{"key": "2001", "amount": "20.00", "nsp::REMIT_REF": "R-1"}]).execute(context())
    with pytest.raises(IntacctConflictError):
        payment([{"key": "2001", "amount": "20.00", "nsp::REMIT_REF": "R-2"}]).execute(context())
    assert len(posted(intacct_sandbox)) == 2
    assert [p["details"][0].get("nsp::REMIT_REF") for p in intacct_sandbox.records(PAYMENT)][-1] == "R-1"


def test_a_deleted_payments_details_leave_the_table_by_key_sets(intacct_sandbox, intacct_conn, warehouse, hook):
    """The details go with their (draft) payment; ``track_deletes="keys"`` applies that to the table."""
    key = payment([{"key": "2001", "amount": "20.00", "nsp::REMIT_REF": "R-9"}]).execute(context())["ia::result"]
    load = dict(
        task_id="load",
        object=DETAIL,
        sql_conn_id=CONN_ID,
        table="details",
        track_deletes="keys",
        keys_state_path=str(warehouse.with_suffix(".keys")),
    )
    IntacctToSqlOperator(**load).execute(context())
    (stored,) = [r for r in rows(warehouse, "details") if r["ap_payment_key"] == key["key"]]
    hook.delete_record("ap_payment", key["key"])
    assert IntacctToSqlOperator(**load).execute(context())["deleted"] == 1
    (gone,) = [r for r in rows(warehouse, "details") if r["key"] == stored["key"]]
    assert gone["_deleted"] == 1 and gone["nsp__remit_ref"] == "R-9"


def test_bulk_payments_check_every_detail_before_anything_is_sent(intacct_sandbox, intacct_conn, owned_lists):
    records = [
        {"vendor_id": "VEND-100", "bank_account_id": "BOA", "payment_date": "2026-11-15",
         "payment_method": "Printed Check", "bills": [{"key": "2001", "amount": "10.00", "nsp::REMIT_REF": f"B-{i}",
                                                      "nsp::WITHHELD": "0.10"}]}
        for i in range(3)
    ]  # fmt: skip
    records[1]["bills"][0]["nsp::WITHHELD"] = "lots"
    with pytest.raises(BulkRecordsError) as refused:
        IntacctBulkCreateOperator(task_id="bulk", object="ap_payment", records=records).execute(context())
    assert [(p.index, p.field) for p in refused.value.problems] == [(1, "bills[0].nsp::WITHHELD")]
    assert posted(intacct_sandbox) == []
    del records[1]
    summary = IntacctBulkCreateOperator(task_id="bulk2", object="ap_payment", records=records).execute(context())
    assert summary["created"] == 2
    made = [p for p in intacct_sandbox.records(PAYMENT) if str(p["details"][0].get("nsp::REMIT_REF")).startswith("B-")]
    assert sorted(p["details"][0]["nsp::REMIT_REF"] for p in made) == ["B-0", "B-2"]
    assert {str(p["details"][0]["nsp::WITHHELD"]) for p in made} == {"0.10"}  # exact, as sent

"""Create tasks that Airflow itself retries (``retries=2, retry_delay=0``), for tests/test_retry_safety.py.

* ``intacct_retry_bill``: a plain bill create; with a connection whose ``max_retries`` is 0 the
  provider cannot settle a lost answer inside the task, so the task fails and Airflow retries it.
* ``intacct_retry_bill_no_store``: the same on "an Airflow without ``task_state_store``": the
  operator never sees the store, so only the look-up / idempotency-key replay can stop a duplicate.
* ``intacct_retry_bill_crash_after_create``: try 1 creates the bill (and records it in
  ``task_state_store``), then the task dies before it can return (as a worker killed right after
  the create would); try 2 must read the bill back instead of posting.
* ``intacct_retry_invoice_mapped``: three mapped invoice creates, each retried by Airflow.
* ``intacct_retry_journal_entry``: a journal entry (no number of its own: found by its journal,
  posting date, description and lines), retried by Airflow.
* ``intacct_retry_vendor``: a vendor (found by its id), retried by Airflow.
* ``intacct_retry_payment``: an AP payment of a bill (no natural key: found by what Intacct returns
  of it, created since the first POST), submitted, then taken through approve, print and confirm by
  workflow tasks; every task retried by Airflow.

Params: ``vendor_id``, ``bill_number`` (empty: Intacct numbers the bill), ``amount``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateInvoiceOperator,
    IntacctCreateJournalEntryOperator,
    IntacctCreatePaymentOperator,
    IntacctCreateVendorOperator,
    IntacctWorkflowOperator,
)

RETRIES = {"retries": 2, "retry_delay": timedelta(seconds=0)}
PARAMS = {"vendor_id": "VEND-200", "bill_number": "", "amount": "321.00"}


class BillWithoutStateStore(IntacctCreateBillOperator):
    """What the operator sees on Airflow < 3.3: a context without ``task_state_store``."""

    def execute(self, context: Any) -> Any:
        return super().execute({k: v for k, v in context.items() if k != "task_state_store"})


class BillCrashingAfterCreate(IntacctCreateBillOperator):
    """Try 1 creates and remembers the bill, then dies before returning."""

    def execute(self, context: Any) -> Any:
        result = super().execute(context)
        if context["ti"].try_number == 1:
            raise RuntimeError("simulated worker loss right after the create")
        return result


def _bill(cls: type[IntacctCreateBillOperator]) -> IntacctCreateBillOperator:
    return cls(
        task_id="create_bill",
        vendor_id="{{ params.vendor_id }}",
        bill_number="{{ params.bill_number }}",
        date_created="2026-11-02",
        date_due="2026-12-02",
        line_items=(
            '[{"glaccountno": "6700", "amount": {{ params.amount | tojson }}, "memo": "retry safety", '
            '"locationid": "US"}]'
        ),
        currency="USD",
        **RETRIES,
    )


for dag_id, operator_class in (
    ("intacct_retry_bill", IntacctCreateBillOperator),
    ("intacct_retry_bill_no_store", BillWithoutStateStore),
    ("intacct_retry_bill_crash_after_create", BillCrashingAfterCreate),
):
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        params=PARAMS,
    ) as dag:
        _bill(operator_class)
    globals()[dag_id] = dag


with DAG(
    dag_id="intacct_retry_invoice_mapped",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"prefix": "RS"},
) as intacct_retry_invoice_mapped:

    @task
    def orders(params: dict | None = None) -> list[dict]:
        prefix = (params or {}).get("prefix", "RS")
        return [
            {
                "customer_id": customer,
                "invoice_number": f"{prefix}-{n}" if prefix else None,
                "date_created": "2026-11-02",
                "date_due": "2026-12-02",
                "currency": "USD",
                "line_items": [{"glaccountno": "4000", "amount": amount, "locationid": "US"}],
            }
            for n, (customer, amount) in enumerate(
                (("CUST-100", "10.00"), ("CUST-200", "20.00"), ("CUST-100", "30.00"))
            )
        ]

    IntacctCreateInvoiceOperator.partial(task_id="create_invoice", **RETRIES).expand_kwargs(orders())


with DAG(
    dag_id="intacct_retry_journal_entry",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"description": "Retry safety accrual", "amount": "75.25"},
) as intacct_retry_journal_entry:
    IntacctCreateJournalEntryOperator(
        task_id="create_entry",
        journal_id="GJ",
        posting_date="2026-11-30",
        description="{{ params.description }}",
        lines=(
            '[{"glaccountno": "6500", "amount": {{ params.amount | tojson }}, "tr_type": "debit", "memo": "Rent"},'
            ' {"glaccountno": "2000", "amount": {{ params.amount | tojson }}, "tr_type": "credit"}]'
        ),
        **RETRIES,
    )

with DAG(
    dag_id="intacct_retry_vendor",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"vendor_id": "VEND-RETRY"},
) as intacct_retry_vendor:
    IntacctCreateVendorOperator(
        task_id="create_vendor", vendor_id="{{ params.vendor_id }}", name="Retry Safety Ltd", **RETRIES
    )

with DAG(
    dag_id="intacct_retry_payment",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"bill_key": "2001", "amount": "500.00"},
) as intacct_retry_payment:
    pay = IntacctCreatePaymentOperator(
        task_id="pay_bill",
        vendor_id="VEND-100",
        bank_account_id="BOA",
        payment_date="2026-11-15",
        payment_method="Printed Check",
        bills=[{"key": "{{ params.bill_key }}", "amount": "{{ params.amount }}"}],
        description="Retry safety payment",
        submit=True,
        **RETRIES,
    )
    steps = [
        IntacctWorkflowOperator(
            task_id=f"{action}_payment",
            object="ap_payment",
            action=action,
            key="{{ ti.xcom_pull(task_ids='pay_bill')['ia::result']['key'] }}",
            **RETRIES,
        )
        for action in ("approve", "print", "confirm")
    ]
    pay >> steps[0] >> steps[1] >> steps[2]

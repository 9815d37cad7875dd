"""Create an AP bill, approve it, pay it through the payment workflow, and wait for Intacct to show it paid.

The approval-and-payment flow finance teams automate, the way Sage documents it:

- ``create_bill`` creates the bill from the trigger form (``params``) with its
  currency, a location on its line and its own number, and submits it
  (``submit=True``): a new bill is a *draft* until
  ``/workflows/accounts-payable/bill/submit``, and a draft is never paid.
- ``approve_bill``: where bills need approval, a submitted bill waits for
  ``approve``; where they do not, submit posted it and this step does nothing.
- ``pay_bill`` creates an AP payment whose ``details`` name the bill and the
  amount, and submits it. A payment, too, starts as a *draft* that pays nothing.
- ``approve_payment``, ``print_payment``, ``confirm_payment``: the payment's
  own workflow (``/workflows/accounts-payable/payment/<action>``). Intacct
  applies a payment to its bills once it is paid out ("confirmed and posted");
  a company without payment approval, or paying by a method with nothing to
  print, is past some steps already, and each task then only checks that.
- ``wait_for_payment`` is a deferrable ``IntacctRecordSensor`` that polls the
  query service from the triggerer until the bill's state is ``paid``;
  ``summarize`` reads the paid bill from the sensor's XCom.

In production a person or a payment run often approves and prints; drop the
tasks that are theirs, and the sensor waits for them. Each check is one query,
and Intacct counts every query as a transaction: the two-second interval suits
a demo against the sandbox; poll every few minutes (and wait days) when a
person pays the bill.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task

from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreatePaymentOperator,
    IntacctWorkflowOperator,
)
from intacct_provider.sensors.record import IntacctRecordSensor

with DAG(
    dag_id="intacct_bill_payment_flow",
    description="Create a bill, wait (deferrable) until it is paid, then summarize it",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["intacct", "example", "sensor"],
    params={
        "vendor_id": Param("VEND-200", type="string", minLength=1, description="Vendor ID of the bill"),
        "amount": Param(
            "1250.00",
            type="string",
            pattern=r"^\d+(\.\d{1,2})?$",
            description="Bill amount, a positive decimal such as 1250.00",
        ),
        "gl_account": Param("6700", type="string", minLength=1, description="GL account of the bill line"),
        "memo": Param("Office furniture", type="string", description="Memo of the bill line"),
        "location": Param("US", type="string", minLength=1, description="Location ID of the bill line"),
        "currency": Param("USD", type="string", pattern="^[A-Z]{3}$", description="ISO currency code"),
        "bank_account_id": Param("BOA", type="string", minLength=1, description="Checking account paid from"),
        "payment_method": Param(
            "Printed Check",
            type="string",
            minLength=1,
            description="Payment method as your company names it (Sage's examples: Printed Check, creditCard)",
        ),
        "bill_date": Param(None, type=["null", "string"], format="date", description="Empty means the run's date"),
        "days_due": Param(30, type="integer", minimum=0, description="Due date = bill date + days"),
    },
) as dag:
    # Manual runs in Airflow 3 may have no logical date (no ``ds``); run_after always exists.
    bill_date = "{{ params.bill_date or dag_run.run_after | ds }}"

    create_bill = IntacctCreateBillOperator(
        task_id="create_bill",
        vendor_id="{{ params.vendor_id }}",
        date_created=bill_date,
        date_due="{{ macros.ds_add(params.bill_date or dag_run.run_after | ds, params.days_due) }}",
        line_items=(
            '[{"glaccountno": {{ params.gl_account | tojson }}, "amount": {{ params.amount | tojson }}, '
            '"memo": {{ params.memo | tojson }}, "locationid": {{ params.location | tojson }}}]'
        ),
        # The bill's own number (one per run), so a lost answer is settled by looking it up.
        bill_number="PAY-{{ dag_run.run_after.strftime('%y%m%d%H%M%S%f') }}",
        currency="{{ params.currency }}",
        description="Created by the intacct_bill_payment_flow example DAG",
        submit=True,
    )
    bill_key = "{{ ti.xcom_pull(task_ids='create_bill')['ia::result']['key'] }}"

    # A no-op (performed=False) where bills need no approval: submit posted the bill.
    approve_bill = IntacctWorkflowOperator(
        task_id="approve_bill", object="bill", action="approve", key=bill_key, notes="Approved by Airflow"
    )

    pay_bill = IntacctCreatePaymentOperator(
        task_id="pay_bill",
        vendor_id="{{ params.vendor_id }}",
        bank_account_id="{{ params.bank_account_id }}",
        payment_date=bill_date,
        payment_method="{{ params.payment_method }}",
        currency="{{ params.currency }}",
        bills=[{"key": bill_key, "amount": "{{ params.amount }}"}],
        description="Paid by the intacct_bill_payment_flow example DAG",
        submit=True,
    )
    payment_key = "{{ ti.xcom_pull(task_ids='pay_bill')['ia::result']['key'] }}"

    # The payment's workflow after submit; each step is skipped where the payment is already past it.
    approve_payment, print_payment, confirm_payment = (
        IntacctWorkflowOperator(task_id=f"{action}_payment", object="ap_payment", action=action, key=payment_key)
        for action in ("approve", "print", "confirm")
    )

    wait_for_payment = IntacctRecordSensor(
        task_id="wait_for_payment",
        object="bill",
        filters=[
            {"$eq": {"key": bill_key}},
            {"$eq": {"state": "paid"}},
        ],
        fields=["key", "billNumber", "state", "totalTxnAmount", "totalTxnAmountDue"],
        deferrable=True,
        poke_interval=timedelta(seconds=2),
        timeout=timedelta(hours=1),
        # A deferrable task whose trigger fires within seconds of deferring can be failed by the
        # scheduler (Airflow <= 3.3.2): the "success" of the deferring try's exit, read late, meets
        # the resumed try already running (apache/airflow#72716). Checking again is only a read.
        retries=2,
        retry_delay=timedelta(seconds=10),
    )

    @task
    def summarize(paid: dict) -> dict:
        """The paid bill in one small dict (what a notification or the next DAG needs)."""
        bill = paid["rows"][0]
        return {
            "bill_number": bill["billNumber"],
            "key": bill["key"],
            "amount": bill["totalTxnAmount"],
            "amount_due": bill["totalTxnAmountDue"],
            "state": bill["state"],
        }

    create_bill >> approve_bill >> pay_bill >> approve_payment >> print_payment >> confirm_payment >> wait_for_payment
    summarize(wait_for_payment.output)

"""Create tasks that Airflow itself retries (``retries=2, retry_delay=0``), for tests/test_retry_safety.py.

With ``params.die_while_settling`` try 1 dies at its first look-up, as a worker killed right after a
POST whose answer was lost would (the provider settles a lost answer inside the task otherwise):
only an Airflow retry can then settle the create.

* ``intacct_retry_bill``: a plain bill create.
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
* ``intacct_retry_reverse``: two confirmed AP payments (``params.payment_keys``) reversed by tasks
  whose try 1 dies right after its POST (a worker lost before the answer is read), one of them on
  "an Airflow without ``task_state_store``"; try 2 must see the reverse done, whichever state
  (``voided`` or ``reversed``) it left, and not post again.

Params: ``vendor_id``, ``bill_number`` (empty: Intacct numbers the bill), ``amount``, ``die_while_settling``.
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
PARAMS = {"vendor_id": "VEND-200", "bill_number": "", "amount": "321.00", "die_while_settling": False}
QUERY_PATH = "/services/core/query"


class DiesWhileSettling:
    """With ``params.die_while_settling``, try 1 dies at its first look-up (a worker lost after its POST)."""

    hook: Any

    def execute(self, context: Any) -> Any:
        if context["ti"].try_number == 1 and (context.get("params") or {}).get("die_while_settling"):
            send = self.hook.send

            def send_or_die(method: str, path: str, **kwargs: Any) -> Any:
                if path == QUERY_PATH:
                    raise RuntimeError("simulated worker loss before the look-up that settles a lost create")
                return send(method, path, **kwargs)

            self.hook.send = send_or_die
        return super().execute(context)  # type: ignore[misc]


class Bill(DiesWhileSettling, IntacctCreateBillOperator):
    """A bill create whose try 1 can die while settling."""


class Invoice(DiesWhileSettling, IntacctCreateInvoiceOperator):
    """An invoice create whose try 1 can die while settling."""


class JournalEntry(DiesWhileSettling, IntacctCreateJournalEntryOperator):
    """A journal entry create whose try 1 can die while settling."""


class Vendor(DiesWhileSettling, IntacctCreateVendorOperator):
    """A vendor create whose try 1 can die while settling."""


class BillWithoutStateStore(Bill):
    """What the operator sees on Airflow < 3.3: a context without ``task_state_store``."""

    def execute(self, context: Any) -> Any:
        return super().execute({k: v for k, v in context.items() if k != "task_state_store"})


class BillCrashingAfterCreate(Bill):
    """Try 1 creates and remembers the bill, then dies before returning."""

    def execute(self, context: Any) -> Any:
        result = super().execute(context)
        if context["ti"].try_number == 1:
            raise RuntimeError("simulated worker loss right after the create")
        return result


def _bill(cls: type[Bill]) -> IntacctCreateBillOperator:
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
    ("intacct_retry_bill", Bill),
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
    params={"prefix": "RS", "die_while_settling": False},
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

    Invoice.partial(task_id="create_invoice", **RETRIES).expand_kwargs(orders())


with DAG(
    dag_id="intacct_retry_journal_entry",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"description": "Retry safety accrual", "amount": "75.25", "die_while_settling": False},
) as intacct_retry_journal_entry:
    JournalEntry(
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
    params={"vendor_id": "VEND-RETRY", "die_while_settling": False},
) as intacct_retry_vendor:
    Vendor(task_id="create_vendor", vendor_id="{{ params.vendor_id }}", name="Retry Safety Ltd", **RETRIES)

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


class ReverseDiesAfterPosting(IntacctWorkflowOperator):
    """Try 1 posts the action, then dies before it can read the answer (or the state again)."""

    def execute(self, context: Any) -> Any:
        if context["ti"].try_number == 1:
            send = self.hook.send

            def send_then_die(method: str, path: str, **kwargs: Any) -> Any:
                response = send(method, path, **kwargs)
                if path.startswith("/workflows/"):
                    raise RuntimeError("simulated worker loss right after the workflow POST")
                return response

            self.hook.send = send_then_die
        return super().execute(context)


class ReverseWithoutStateStore(ReverseDiesAfterPosting):
    """The same on Airflow < 3.3: a context without ``task_state_store``."""

    def execute(self, context: Any) -> Any:
        return super().execute({k: v for k, v in context.items() if k != "task_state_store"})


with DAG(
    dag_id="intacct_retry_reverse",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"payment_keys": ["", ""]},
) as intacct_retry_reverse:
    for index, reverse_class in enumerate((ReverseDiesAfterPosting, ReverseWithoutStateStore)):
        reverse_class(
            task_id=f"reverse_{index}",
            object="ap_payment",
            action="reverse",
            key=f"{{{{ params.payment_keys[{index}] }}}}",
            **RETRIES,
        )

"""All eight catalog actions in one DAG, chained through XCom as users chain them.

List vendors, then bill the first one and list that vendor's bills; list
customers, then invoice the first one and list that customer's invoices; list
the chart of accounts and the journal entries. Trigger it from the UI with
your own dates and lines (the ``params`` form), or let it use the run's date.

As Sage's contract asks, the documents carry their currency and a location on
every line, and their own numbers (derived from the run), so a create whose
answer is lost is found by its number rather than created twice.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param, task

from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateInvoiceOperator,
    IntacctListBillsOperator,
    IntacctListCustomersOperator,
    IntacctListGLAccountsOperator,
    IntacctListInvoicesOperator,
    IntacctListJournalEntriesOperator,
    IntacctListVendorsOperator,
)

FIRST_VENDOR = "{{ ti.xcom_pull(task_ids='list_vendors')['vendors'][0]['id'] }}"
FIRST_CUSTOMER = "{{ ti.xcom_pull(task_ids='list_customers')['customers'][0]['id'] }}"
#: One document number per run (microseconds of the run's run_after), unique per vendor/customer.
RUN_NUMBER = "{{ dag_run.run_after.strftime('%y%m%d%H%M%S%f') }}"

with DAG(
    dag_id="intacct_catalog_tour",
    description="Every catalog action: list vendors/customers/accounts/entries, create a bill and an invoice",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["intacct", "example"],
    params={
        "document_date": Param("", type="string", description="YYYY-MM-DD; empty means the run's date"),
        "days_due": Param(30, type="integer", minimum=0, description="Due date = document date + days"),
        "bill_lines": Param(
            [{"glaccountno": "6700", "amount": "500.00", "memo": "Office supplies", "locationid": "US"}],
            type="array",
            description="Bill lines: glaccountno, amount, memo, locationid and optional other dimension ids",
        ),
        "invoice_lines": Param(
            [{"glaccountno": "4000", "amount": "1000.00", "memo": "Service fee", "locationid": "US"}],
            type="array",
            description="Invoice lines",
        ),
        "currency": Param("USD", type="string", pattern="^[A-Z]{3}$", description="ISO currency of both documents"),
    },
) as dag:
    # Manual runs in Airflow 3 may have no logical date (no ``ds``); the run's run_after always exists.
    document_date = "{{ params.document_date or dag_run.run_after | ds }}"
    due_date = "{{ macros.ds_add(params.document_date or dag_run.run_after | ds, params.days_due) }}"

    list_vendors = IntacctListVendorsOperator(task_id="list_vendors", pagesize=10)
    create_bill = IntacctCreateBillOperator(
        task_id="create_bill",
        vendor_id=FIRST_VENDOR,
        date_created=document_date,
        date_due=due_date,
        line_items="{{ params.bill_lines | tojson }}",
        bill_number="TOUR-" + RUN_NUMBER,
        currency="{{ params.currency }}",
        description="Created by the intacct_catalog_tour example DAG",
    )
    list_bills = IntacctListBillsOperator(task_id="list_vendor_bills", vendor_id=FIRST_VENDOR, pagesize=100)

    list_customers = IntacctListCustomersOperator(task_id="list_customers", pagesize=10)
    create_invoice = IntacctCreateInvoiceOperator(
        task_id="create_invoice",
        customer_id=FIRST_CUSTOMER,
        date_created=document_date,
        date_due=due_date,
        line_items="{{ params.invoice_lines | tojson }}",
        invoice_number="TOUR-" + RUN_NUMBER,
        currency="{{ params.currency }}",
    )
    list_invoices = IntacctListInvoicesOperator(
        task_id="list_customer_invoices", customer_id=FIRST_CUSTOMER, pagesize="250"
    )

    list_accounts = IntacctListGLAccountsOperator(task_id="list_gl_accounts", pagesize=1000)
    list_entries = IntacctListJournalEntriesOperator(task_id="list_journal_entries")

    @task
    def summarize(bill: dict, invoice: dict, bills: dict, invoices: dict, accounts: dict, entries: dict) -> dict:
        """One small dict a person (or the next DAG) can read."""
        return {
            "bill": bill["ia::result"],
            "invoice": invoice["ia::result"],
            "vendor_bills": len(bills["bills"]),
            "customer_invoices": len(invoices["invoices"]),
            "gl_accounts": len(accounts["accounts"]),
            "journal_entries": len(entries["entries"]),
        }

    list_vendors >> create_bill >> list_bills
    list_customers >> create_invoice >> list_invoices
    summarize(
        create_bill.output,
        create_invoice.output,
        list_bills.output,
        list_invoices.output,
        list_accounts.output,
        list_entries.output,
    )

"""Intacct operators; importing this package stays cheap (no HTTP stack until a task runs)."""

from intacct_provider.operators.bulk import IntacctBulkCreateOperator, IntacctBulkUpsertOperator
from intacct_provider.operators.create import (
    IntacctCreateBillOperator,
    IntacctCreateCustomerOperator,
    IntacctCreateInvoiceOperator,
    IntacctCreateJournalEntryOperator,
    IntacctCreatePaymentOperator,
    IntacctCreateRecordOperator,
    IntacctCreateVendorOperator,
)
from intacct_provider.operators.list import (
    IntacctListBillsOperator,
    IntacctListCustomersOperator,
    IntacctListGLAccountsOperator,
    IntacctListInvoicesOperator,
    IntacctListJournalEntriesOperator,
    IntacctListOperator,
    IntacctListVendorsOperator,
)
from intacct_provider.operators.records import (
    IntacctGetRecordOperator,
    IntacctQueryOperator,
    IntacctUpdateRecordOperator,
)
from intacct_provider.operators.sql import IntacctTieOutOperator, IntacctToSqlOperator
from intacct_provider.operators.workflow import IntacctWorkflowOperator

__all__ = [
    "IntacctBulkCreateOperator",
    "IntacctBulkUpsertOperator",
    "IntacctCreateBillOperator",
    "IntacctCreateCustomerOperator",
    "IntacctCreateInvoiceOperator",
    "IntacctCreateJournalEntryOperator",
    "IntacctCreatePaymentOperator",
    "IntacctCreateRecordOperator",
    "IntacctCreateVendorOperator",
    "IntacctGetRecordOperator",
    "IntacctListBillsOperator",
    "IntacctListCustomersOperator",
    "IntacctListGLAccountsOperator",
    "IntacctListInvoicesOperator",
    "IntacctListJournalEntriesOperator",
    "IntacctListOperator",
    "IntacctListVendorsOperator",
    "IntacctQueryOperator",
    "IntacctTieOutOperator",
    "IntacctToSqlOperator",
    "IntacctUpdateRecordOperator",
    "IntacctWorkflowOperator",
]

"""Bad inputs: each case gives one clear error naming the parameter and the expectation.

Client-side cases must send zero requests; server-side cases (unknown vendor,
unknown GL account, wrong secret...) must surface Intacct's own message.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from intacct_provider.exceptions import IntacctAuthError, IntacctConfigError, IntacctError, IntacctValidationError
from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateCustomerOperator,
    IntacctCreateInvoiceOperator,
    IntacctCreateJournalEntryOperator,
    IntacctCreatePaymentOperator,
    IntacctCreateVendorOperator,
    IntacctGetRecordOperator,
    IntacctListBillsOperator,
    IntacctListVendorsOperator,
    IntacctQueryOperator,
    IntacctUpdateRecordOperator,
    IntacctWorkflowOperator,
)
from intacct_provider.sensors.record import IntacctRecordSensor

LINE = {"glaccountno": "6700", "amount": "500.00", "memo": "Paper", "locationid": "US"}
BILL = {"vendor_id": "VEND-100", "date_created": "2026-11-01", "date_due": "2026-11-30", "line_items": [LINE],
        "currency": "USD"}  # fmt: skip
INVOICE = {"customer_id": "CUST-100", "date_created": "2026-11-01", "date_due": "2026-11-30", "line_items": [LINE]}
JE_LINES = [
    {"glaccountno": "6700", "amount": "100.00", "tr_type": "debit"},
    {"glaccountno": "1000", "amount": "100.00", "tr_type": "credit"},
]
JE = {"journal_id": "GJ", "posting_date": "2026-11-01", "lines": JE_LINES, "description": "Accrual"}


def bill(**changes):
    return IntacctCreateBillOperator, {**BILL, **changes}


def line(**changes):
    return bill(line_items=[{**LINE, **changes}])


CLIENT_SIDE = [
    ("impossible date", *bill(date_created="2026-02-30"), "date_created", "real calendar date"),
    ("US date format", *bill(date_created="11/26/2026"), "date_created", "YYYY-MM-DD"),
    ("date with time", *bill(date_due="2026-11-30T10:00"), "date_due", "YYYY-MM-DD"),
    ("due before created", *bill(date_due="2026-10-01"), "date_due", "on or after date_created"),
    ("date not text", *bill(date_created=20261101), "date_created", "YYYY-MM-DD"),
    ("missing vendor", *bill(vendor_id=""), "vendor_id", "non-empty ID"),
    ("vendor as dict", *bill(vendor_id={"id": "V"}), "vendor_id", "ID string"),
    ("lines not JSON", *bill(line_items="[{glaccountno: 6700}"), "line_items", "valid JSON"),
    ("lines empty", *bill(line_items=[]), "line_items", "at least one line"),
    ("lines empty JSON", *bill(line_items="[]"), "line_items", "at least one line"),
    ("lines not a list", *bill(line_items={"glaccountno": "6700"}), "line_items", "JSON array"),
    ("line not an object", *bill(line_items=["6700"]), "line_items[0]", "an object"),
    ("line without glaccountno", *bill(line_items=[{"amount": "1.00"}]), "line_items[0].glaccountno", "required"),
    ("line without amount", *bill(line_items=[{"glaccountno": "6700"}]), "line_items[0].amount", "required"),
    ("amount with comma", *line(amount="12,50"), "line_items[0].amount", "decimal amount"),
    ("amount abc", *line(amount="abc"), "line_items[0].amount", "decimal amount"),
    ("amount NaN", *line(amount="NaN"), "line_items[0].amount", "finite decimal"),
    ("amount Infinity", *line(amount="Infinity"), "line_items[0].amount", "finite decimal"),
    ("amount float inf", *line(amount=float("inf")), "line_items[0].amount", "finite decimal"),
    ("amount exponent", *line(amount="1e3"), "line_items[0].amount", "dot separator"),
    ("amount bool", *line(amount=True), "line_items[0].amount", "type"),
    ("empty dimension", *line(departmentid=""), "line_items[0].departmentid", "non-empty"),
    ("second line bad", *bill(line_items=[LINE, {**LINE, "amount": "x"}]), "line_items[1].amount", "decimal"),
    ("invoice bad date", IntacctCreateInvoiceOperator, {**INVOICE, "date_due": "2026-13-01"}, "date_due", "real calendar"),
    ("invoice no customer", IntacctCreateInvoiceOperator, {**INVOICE, "customer_id": None}, "customer_id", "non-empty"),
    ("pagesize 0", IntacctListVendorsOperator, {"pagesize": 0}, "pagesize", "between 1 and 1000"),
    ("pagesize 1001", IntacctListVendorsOperator, {"pagesize": 1001}, "pagesize", "between 1 and 1000"),
    ("pagesize ten", IntacctListVendorsOperator, {"pagesize": "ten"}, "pagesize", "between 1 and 1000"),
    ("pagesize negative", IntacctListBillsOperator, {"pagesize": "-5"}, "pagesize", "between 1 and 1000"),
    ("pagesize float", IntacctListBillsOperator, {"pagesize": 2.5}, "pagesize", "between 1 and 1000"),
    ("unbalanced journal entry", IntacctCreateJournalEntryOperator,
     {**JE, "lines": [JE_LINES[0], {**JE_LINES[1], "amount": "90.00"}]}, "lines", "debits 100.00 must equal credits 90.00"),
    ("journal line bad type", IntacctCreateJournalEntryOperator,
     {**JE, "lines": [{**JE_LINES[0], "tr_type": "DR"}, JE_LINES[1]]}, "lines[0].tr_type", "one of"),
    ("journal missing tr_type", IntacctCreateJournalEntryOperator,
     {**JE, "lines": [{"glaccountno": "6700", "amount": "1"}]}, "lines[0].tr_type", "required"),
    ("journal without description", IntacctCreateJournalEntryOperator, {**JE, "description": None}, "description",
     "Intacct requires it"),
    ("journal blank description", IntacctCreateJournalEntryOperator, {**JE, "description": "  "}, "description",
     "Intacct requires it"),
    ("journal negative amount", IntacctCreateJournalEntryOperator,
     {**JE, "lines": [{**JE_LINES[0], "amount": "-100.00"}, {**JE_LINES[1], "amount": "-100.00"}]}, "lines[0].amount",
     "use tr_type"),
    ("journal single line", IntacctCreateJournalEntryOperator, {**JE, "lines": [JE_LINES[0]]}, "lines",
     "at least two lines"),
    ("currency not ISO", *bill(currency="dollars"), "currency", "ISO 4217"),
    ("currency lower case", *bill(currency="usd"), "currency", "ISO 4217"),
    ("extra field unknown", *bill(extra_fields={"termz": {"id": "N30"}}), "extra_fields.termz", "not a valid field"),
    ("extra field nested unknown", *bill(extra_fields={"currency": {"rate": 1}}), "extra_fields.currency.rate",
     "not a valid field"),
    ("extra field read-only", *bill(extra_fields={"totalTxnAmount": "5.00"}), "extra_fields.totalTxnAmount",
     "read-only"),
    ("extra field overrides an argument", *bill(bill_number="B-1", extra_fields={"billNumber": "B-2"}),
     "extra_fields.billNumber", "do not already set"),
    ("extra fields not a mapping", *bill(extra_fields="[1]"), "extra_fields", "mapping"),
    ("extra fields bad JSON", *bill(extra_fields="{term"), "extra_fields", "valid JSON"),
    ("extra field bad enum", *bill(extra_fields={"paymentPriority": "asap"}), "extra_fields.paymentPriority",
     "contract allows"),
    ("update changes state", IntacctUpdateRecordOperator, {"object": "bill", "key": "2001", "changes": {"state": "posted"}},
     "changes.state", "IntacctWorkflowOperator"),
    ("workflow unknown action", IntacctWorkflowOperator, {"object": "invoice", "action": "approve", "key": "1001"},
     "action", "submit, reverse"),
    ("workflow reverse without date", IntacctWorkflowOperator, {"object": "bill", "action": "reverse", "key": "2001"},
     "reverse_date", "requires it"),
    ("workflow bad date", IntacctWorkflowOperator,
     {"object": "bill", "action": "reverse", "key": "2001", "reverse_date": "01/02/2026"}, "reverse_date", "YYYY-MM-DD"),
    ("bill submit not a flag", *bill(submit="yes"), "submit", "true or false"),
    ("payment without bills", IntacctCreatePaymentOperator,
     {"vendor_id": "VEND-100", "bank_account_id": "BOA", "payment_date": "2026-11-01", "payment_method": "EFT",
      "bills": []}, "bills", "non-empty"),
    ("payment negative amount", IntacctCreatePaymentOperator,
     {"vendor_id": "VEND-100", "bank_account_id": "BOA", "payment_date": "2026-11-01", "payment_method": "EFT",
      "bills": [{"key": "2001", "amount": "-1"}]}, "bills[0].amount", "positive"),
    ("payment method empty", IntacctCreatePaymentOperator,
     {"vendor_id": "VEND-100", "bank_account_id": "BOA", "payment_date": "2026-11-01", "payment_method": " ",
      "bills": [{"key": "2001", "amount": "1"}]}, "payment_method", "Printed Check"),
    ("query $in without values", IntacctQueryOperator,
     {"object": "bill", "filters": [{"$in": {"state": []}}]}, "filters[0]", "non-empty list"),
    ("query $between with a null", IntacctQueryOperator,
     {"object": "bill", "filters": [{"$between": {"dueDate": ["2026-01-01", None]}}]}, "filters[0]", "non-null"),
    ("query text operator on a date", IntacctQueryOperator,
     {"object": "bill", "filters": [{"$startsWith": {"dueDate": "2026"}}]}, "filters[0]", "date fields"),
    ("customer without name", IntacctCreateCustomerOperator, {"customer_id": "C-9", "name": " "}, "name", "non-empty"),
    ("query unknown object", IntacctQueryOperator, {"object": "bills"}, "object", "registry name"),
    ("query bad operator", IntacctQueryOperator, {"object": "bill", "filters": [{"$like": {"id": "x"}}]}, "filters[0]", "operator"),
    ("query bad expression", IntacctQueryOperator, {"object": "bill", "filters": {"id": "x"}, "filter_expression": "1 or 3"}, "filter_expression", "between 1 and 1"),
    ("query bad since", IntacctQueryOperator, {"object": "bill", "modified_since": "yesterday"}, "modified_since", "ISO-8601"),
    ("query window reversed", IntacctQueryOperator,
     {"object": "bill", "modified_since": "2026-11-02T00:00:00Z", "modified_until": "2026-11-01T00:00:00Z"}, "modified_until", "after modified_since"),
    ("query bad lookback", IntacctQueryOperator, {"object": "bill", "lookback": "-1"}, "lookback", "non-negative"),
    ("query bad max_records", IntacctQueryOperator, {"object": "bill", "max_records": 0}, "max_records", "positive integer"),
    ("get without key or id", IntacctGetRecordOperator, {"object": "bill"}, "key", "exactly one of key and id"),
    ("update empty changes", IntacctUpdateRecordOperator, {"object": "bill", "key": "2001", "changes": {}}, "changes", "non-empty mapping"),
    ("update key with slash", IntacctUpdateRecordOperator, {"object": "bill", "key": "20/01", "changes": {"a": 1}}, "key", "record key"),
]  # fmt: skip


def context():
    return {"ti": SimpleNamespace(dag_id="d", task_id="t", run_id="r", map_index=-1)}


@pytest.mark.parametrize(
    ("operator", "kwargs", "parameter", "expectation"),
    [case[1:] for case in CLIENT_SIDE],
    ids=[case[0] for case in CLIENT_SIDE],
)
def test_client_side_errors_send_nothing(intacct_sandbox, intacct_conn, operator, kwargs, parameter, expectation):
    with pytest.raises(IntacctValidationError) as info:
        operator(task_id="t", **kwargs).execute(context())
    message = str(info.value)
    assert info.value.parameter == parameter, message
    if info.value.record is not None:  # a create, get, update or workflow names its record first
        assert message.startswith(info.value.record + ": "), message
        message = message[len(info.value.record) + 2 :]
    assert message.startswith(f"{parameter}: expected"), message
    assert expectation in message, message
    assert intacct_sandbox.requests == []


def test_at_least_thirty_client_cases():
    assert len(CLIENT_SIDE) >= 30


@pytest.mark.parametrize(
    ("operator", "kwargs", "needle"),
    [
        (IntacctCreateBillOperator, {**BILL, "bill_number": "BI-1", "vendor_id": "VEND-404"}, "VEND-404"),
        (
            IntacctCreateBillOperator,
            {**BILL, "bill_number": "BI-2", "line_items": [{**LINE, "glaccountno": "9999"}]},
            "9999",
        ),
        (IntacctCreateInvoiceOperator, {**INVOICE, "invoice_number": "BI-3", "customer_id": "CUST-404"}, "CUST-404"),
        (
            IntacctCreateBillOperator,
            {**BILL, "bill_number": "BI-4", "line_items": [{**LINE, "departmentid": "NOPE"}]},
            "NOPE",
        ),
    ],
    ids=["unknown vendor", "unknown GL account", "unknown customer", "unknown department"],
)
def test_intacct_rejections_surface_its_message(intacct_sandbox, intacct_conn, operator, kwargs, needle):
    with pytest.raises(IntacctError) as info:
        operator(task_id="t", **kwargs).execute(context())
    message = str(info.value)
    assert needle in message.split("[")[0], message
    assert info.value.status in (400, 404, 422)
    assert info.value.support_id


def test_missing_connection(intacct_sandbox, monkeypatch):
    with pytest.raises(IntacctConfigError, match="'nowhere' does not exist"):
        IntacctListVendorsOperator(task_id="t", intacct_conn_id="nowhere").execute(context())


def test_connection_without_company(intacct_sandbox, monkeypatch):
    conn = intacct_sandbox.connection()
    del conn["extra"]["company_id"]
    monkeypatch.setenv("AIRFLOW_CONN_NOCOMPANY", json.dumps(conn))
    with pytest.raises(IntacctConfigError, match="missing extra company_id"):
        IntacctListVendorsOperator(task_id="t", intacct_conn_id="nocompany").execute(context())
    assert intacct_sandbox.requests == []


def test_wrong_client_secret(intacct_sandbox, monkeypatch):
    conn = intacct_sandbox.connection()
    conn["password"] = "not-the-secret"
    monkeypatch.setenv("AIRFLOW_CONN_WRONG", json.dumps(conn))
    with pytest.raises(IntacctAuthError) as info:
        IntacctListVendorsOperator(task_id="t", intacct_conn_id="wrong").execute(context())
    assert "not-the-secret" not in str(info.value)
    assert "client secret" in str(info.value)


def test_non_json_response(intacct_sandbox, intacct_conn, monkeypatch):
    monkeypatch.setattr("intacct_provider.hooks.transport.time.sleep", lambda _s: None)
    intacct_sandbox.inject("status", status=503, html=True, count=50, path="/services/core/query")
    with pytest.raises(IntacctError, match="without a JSON error body"):
        IntacctListVendorsOperator(task_id="t").execute(context())


# ------------------------------------------------- hostile inputs (issue 12), three renderings
# Each case: (id, operator, other arguments, the templated argument, its bad value, the
# parameter the error must name, a phrase of the expectation). Every case runs with the value
# passed directly, rendered by Jinja as text, and rendered as a native object, through the
# template environment of a real DAG, and must be refused before any request.
VENDOR_ARGS = {"vendor_id": "V-1", "name": "N"}
GET_ARGS = {"object": "bill"}
QUERY_ARGS = {"object": "bill"}
SENSOR_ARGS = {"object": "bill", "filters": {"state": "paid"}, "deferrable": False}


def amount(value):
    return ("line_items", [{**LINE, "amount": value}], "line_items[0].amount")


INPUT_RULES = [
    ("amount Arabic-Indic digits", IntacctCreateBillOperator, BILL, *amount("\u0665\u0660\u0660.\u0660\u0660"), "ASCII digits"),
    ("amount Persian digit", IntacctCreateBillOperator, BILL, *amount("\u06f5"), "ASCII digits"),
    ("amount fullwidth digits", IntacctCreateBillOperator, BILL, *amount("\uff15\uff10\uff10"), "ASCII digits"),
    ("amount -0", IntacctCreateBillOperator, BILL, *amount("-0"), "sign on zero"),
    ("amount -0.00", IntacctCreateBillOperator, BILL, *amount("-0.00"), "sign on zero"),
    ("amount float -0.0", IntacctCreateBillOperator, BILL, *amount(-0.0), "sign on zero"),
    ("amount 10.005", IntacctCreateBillOperator, BILL, *amount("10.005"), "at most 2 decimal places"),
    ("amount 10**20", IntacctCreateBillOperator, BILL, *amount(10**20), "between"),
    ("amount 1e13 as text", IntacctCreateBillOperator, BILL, *amount("10000000000000.00"), "between"),
    ("amount inexact float", IntacctCreateBillOperator, BILL, *amount(0.1 + 0.2), "at most 2 decimal places"),
    ("amount leading plus", IntacctCreateBillOperator, BILL, *amount("+5"), "dot separator"),
    ("amount trailing dot", IntacctCreateBillOperator, BILL, *amount("5."), "dot separator"),
    ("key ..", IntacctGetRecordOperator, GET_ARGS, "key", "..", "key", "not '.' or '..'"),
    ("key .", IntacctGetRecordOperator, GET_ARGS, "key", ".", "key", "not '.' or '..'"),
    ("key with slash", IntacctGetRecordOperator, GET_ARGS, "key", "20/01", "key", "without '/'"),
    ("key with backslash", IntacctGetRecordOperator, GET_ARGS, "key", "20\\01", "key", "without '/'"),
    ("key with ?", IntacctGetRecordOperator, GET_ARGS, "key", "2001?fields=x", "key", "'?'"),
    ("key with #", IntacctGetRecordOperator, GET_ARGS, "key", "A#B", "key", "'#'"),
    ("key with CR/LF", IntacctGetRecordOperator, GET_ARGS, "key", "20\r\n01", "key", "control characters"),
    ("id with CR/LF", IntacctGetRecordOperator, GET_ARGS, "id", "BILL\r\n100", "id", "control characters"),
    ("vendor id with newline", IntacctCreateBillOperator, BILL, "vendor_id", "VEND\n100", "vendor_id", "control characters"),
    ("fields with &", IntacctQueryOperator, QUERY_ARGS, "fields", "key,id&object=vendor", "fields", "field names of letters"),
    ("fields with #", IntacctQueryOperator, QUERY_ARGS, "fields", ["key", "id#x"], "fields", "field names of letters"),
    ("fields with space", IntacctQueryOperator, QUERY_ARGS, "fields", ["vendor id"], "fields", "field names of letters"),
    ("fields with quote", IntacctQueryOperator, QUERY_ARGS, "fields", 'key,"id"', "fields", "field names of letters"),
    ("10,000 fields", IntacctQueryOperator, QUERY_ARGS, "fields", [f"f{n}" for n in range(10_000)], "fields", "at most 500"),
    ("get fields with &", IntacctGetRecordOperator, {**GET_ARGS, "key": "2001"}, "fields", "key&x=1", "fields", "field names"),
    ("order_by injection", IntacctQueryOperator, QUERY_ARGS, "order_by", "key;drop", "order_by", "field names"),
    ("filter field with &", IntacctQueryOperator, QUERY_ARGS, "filters", [{"$eq": {"vendor.id&x": "1"}}], "filters[0]", "field names"),
    ("pagesize superscript two", IntacctListVendorsOperator, {}, "pagesize", "\u00b2", "pagesize", "between 1 and 1000"),
    ("pagesize Arabic-Indic", IntacctListVendorsOperator, {}, "pagesize", "\u0665", "pagesize", "between 1 and 1000"),
    ("pagesize exponent", IntacctListVendorsOperator, {}, "pagesize", "1e2", "pagesize", "between 1 and 1000"),
    ("max_records superscript", IntacctQueryOperator, QUERY_ARGS, "max_records", "\u00b2", "max_records", "positive integer"),
    ("max_records Arabic-Indic", IntacctQueryOperator, QUERY_ARGS, "max_records", "\u0663", "max_records", "positive integer"),
    ("min_count superscript", IntacctRecordSensor, SENSOR_ARGS, "min_count", "\u00b2", "min_count", "between 1 and 4000"),
    ("lookback Arabic-Indic", IntacctQueryOperator, QUERY_ARGS, "lookback", "\u0663\u0666\u0660\u0660", "lookback", "non-negative"),
    ("idempotency key CR/LF", IntacctCreateVendorOperator, VENDOR_ARGS, "idempotency_key", "k\r\nX-Injected: 1", "idempotency_key", "printable ASCII"),
    ("idempotency key non-ASCII", IntacctCreateVendorOperator, VENDOR_ARGS, "idempotency_key", "cl\u00e9-1", "idempotency_key", "printable ASCII"),
    ("idempotency key too long", IntacctCreateVendorOperator, VENDOR_ARGS, "idempotency_key", "k" * 201, "idempotency_key", "1 to 200"),
    ("idempotency key tab", IntacctCreateVendorOperator, VENDOR_ARGS, "idempotency_key", "a\tb", "idempotency_key", "printable ASCII"),
]  # fmt: skip


def rendered(operator, arguments, name, value, mode):
    """Build the task with ``name`` given directly, or as a template rendered by a real DAG's Jinja."""
    import pendulum
    from airflow.sdk import DAG

    if mode == "direct":
        return operator(task_id="t", **{**arguments, name: value})
    template = "{{ params.value }}" if mode == "native" or isinstance(value, str) else "{{ params.value | tojson }}"
    with DAG(
        dag_id=f"bad_inputs_{mode}",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        render_template_as_native_obj=mode == "native",
    ):
        task = operator(task_id="t", **{**arguments, name: template})
    task.render_template_fields({**context(), "params": {"value": value}})
    return task


@pytest.mark.parametrize("mode", ["direct", "strings", "native"])
@pytest.mark.parametrize(
    ("operator", "arguments", "name", "value", "parameter", "expectation"),
    [case[1:] for case in INPUT_RULES],
    ids=[case[0] for case in INPUT_RULES],
)
def test_hostile_inputs_are_refused_in_every_rendering(
    intacct_sandbox, intacct_conn, operator, arguments, name, value, parameter, expectation, mode
):
    task = rendered(operator, arguments, name, value, mode)
    with pytest.raises(IntacctValidationError) as info:
        task.execute(context())
    message = str(info.value)
    assert info.value.parameter == parameter, message
    if info.value.record is not None:  # a create, get, update or workflow names its record first
        assert message.startswith(info.value.record + ": "), message
        message = message[len(info.value.record) + 2 :]
    assert message.startswith(f"{parameter}: expected"), message
    assert expectation in message, message
    assert intacct_sandbox.requests == []


def test_the_hostile_input_table_covers_every_rule():
    names = {case[0].split()[0] for case in INPUT_RULES}
    assert {"amount", "key", "fields", "pagesize", "max_records", "min_count", "idempotency"} <= names
    assert len(INPUT_RULES) >= 40

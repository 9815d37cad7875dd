"""core/columns: a field's column name, kind and value, the rules the load and the tie-out share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from intacct_provider.core.columns import (
    ColumnError,
    check_identifier,
    column_name,
    kind_of,
    plan_columns,
    same_value,
    snake,
    to_value,
)
from intacct_provider.exceptions import IntacctValidationError


@pytest.mark.parametrize(
    ("field", "column"),
    [
        ("key", "key"),
        ("vendor.id", "vendor_id"),
        ("totalTxnAmount", "total_txn_amount"),
        ("audit.modifiedDateTime", "audit_modified_date_time"),
        ("webURL", "web_url"),
        ("createAPBill", "create_ap_bill"),
        ("eInvoiceStatus", "e_invoice_status"),
        ("currency.exchangeRate.rate", "currency_exchange_rate_rate"),
        ("nsp::APPROVER", "nsp__approver"),
        ("nsp::approver_name", "nsp__approver_name"),
        ("nsp::approverName", "nsp__approver_name"),
        ("vendor.nsp::REGION", "vendor_nsp__region"),
        (
            "paymentInformation.totalBaseAmountSelectedForPayment",
            "payment_information_total_base_amount_selected_for_payment",
        ),
    ],
)
def test_columns_are_lower_snake_case(field, column):
    assert column_name(field) == column


def test_snake_splits_acronyms_and_digits():
    assert snake("address1Line") == "address1_line"
    assert snake("APBill") == "ap_bill"


@pytest.mark.parametrize(
    "field",
    [
        'a"; DROP TABLE x; --',
        "nsp::a b",
        "nsp::x-y",
        "nsp::",
        "1stField",
        "vendor..id",
        "naïve",
        "nsp::" + "x" * 60,
    ],
)
def test_unsafe_names_are_refused_naming_the_field(field):
    with pytest.raises(ColumnError) as raised:
        column_name(field)
    assert repr(field) in str(raised.value)


def test_two_fields_sharing_a_column_are_refused_naming_both():
    with pytest.raises(ColumnError, match=r"'vendorId' and 'vendor\.id' would both be column 'vendor_id'"):
        plan_columns(["vendorId", "vendor.id"], {})
    with pytest.raises(ColumnError, match="nsp__approver"):
        plan_columns(["nsp::APPROVER", "nsp::Approver"], {})


def test_every_problem_of_a_plan_is_reported_at_once():
    with pytest.raises(ColumnError) as raised:
        plan_columns(['bad"name', "vendorId", "vendor.id"], {})
    assert 'bad"name' in str(raised.value) and "vendor_id" in str(raised.value)


def test_plan_puts_key_first_and_types_from_the_schema():
    schemas = {
        "totalTxnAmount": {"type": "string", "format": "decimal-precision-2"},
        "dueDate": {"type": "string", "format": "date"},
    }
    columns = plan_columns(["dueDate", "totalTxnAmount", "key"], schemas)
    assert [(c.field, c.name, c.kind) for c in columns] == [
        ("key", "key", "text"),
        ("dueDate", "due_date", "date"),
        ("totalTxnAmount", "total_txn_amount", "decimal"),
    ]


@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        ({"type": "string", "format": "decimal-precision-2"}, "decimal"),
        ({"type": ["number", "null"]}, "decimal"),
        ({"type": "integer"}, "integer"),
        ({"type": ["string", "null"], "format": "date"}, "date"),
        ({"type": "string", "format": "date-time"}, "timestamp"),
        ({"type": "boolean"}, "boolean"),
        ({"type": "array", "items": {}}, "json"),
        ({"type": "object"}, "json"),
        ({"type": "string", "enum": ["a"]}, "text"),
        (None, "text"),
    ],
)
def test_kind_of_a_leaf_schema(schema, kind):
    assert kind_of(schema) == kind


def test_decimals_stay_exact():
    assert to_value("decimal", "10.50") == Decimal("10.50")
    assert str(to_value("decimal", "10.50")) == "10.50"  # the scale Intacct sent is kept
    assert to_value("decimal", 0.1) == Decimal("0.1")  # a JSON number's shortest text, not 0.1000000000000000055...
    assert to_value("decimal", 7) == Decimal(7)
    assert to_value("decimal", "-0.01") == Decimal("-0.01")
    assert str(to_value("decimal", Decimal("12345678901234567.89"))) == "12345678901234567.89"  # as exact_json reads it


def test_integers_as_the_exact_decoder_reads_them():
    """``3.0`` and ``3E+2`` are ``Decimal``s after decoding; a BIGINT cannot hold what is beyond 64 bits."""
    assert to_value("integer", Decimal("3.0")) == 3 and type(to_value("integer", Decimal("3E+2"))) is int
    assert to_value("integer", 2**63 - 1) == 2**63 - 1 and to_value("integer", -(2**63)) == -(2**63)
    for beyond in (2**63, -(2**63) - 1, Decimal("1E+19"), str(2**63)):
        with pytest.raises(ColumnError, match=r"record 7, field 'nsp::UNITS'"):
            to_value("integer", beyond, field="nsp::UNITS", key="7")
    with pytest.raises(ColumnError):
        to_value("integer", Decimal("2.5"), field="f", key="7")
    assert to_value("text", Decimal("1E+2")) == "100" and to_value("text", Decimal("59.10")) == "59.10"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("decimal", "abc"),
        ("decimal", True),
        ("decimal", "1e5"),
        ("decimal", "NaN"),
        ("integer", "1.5"),
        ("date", "2026-02-30"),
        ("date", "2026-02-03T00:00:00Z"),
        ("timestamp", "2026-02-03"),
        ("boolean", "maybe"),
    ],
)
def test_a_value_not_of_its_kind_is_refused_naming_field_and_record(kind, value):
    with pytest.raises(ColumnError, match=r"record 2001, field 'f'"):
        to_value(kind, value, field="f", key="2001")


def test_timestamps_become_utc():
    assert to_value("timestamp", "2026-01-05T10:00:00Z") == dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    assert to_value("timestamp", "2026-01-05T12:00:00+02:00") == dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    assert to_value("timestamp", "2026-01-05 10:00:00") == dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)


def test_values_read_back_compare_as_their_kind():
    assert same_value("decimal", "10.5", Decimal("10.50"))
    assert not same_value("decimal", "10.51", Decimal("10.50"))
    assert same_value("boolean", 1, True)  # SQLite gives a boolean back as 1
    assert same_value("date", "2026-01-05", dt.date(2026, 1, 5))
    assert same_value("timestamp", "2026-01-05T10:00:00Z", dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC))
    assert not same_value("text", None, "")
    assert same_value("text", None, None)
    assert to_value("text", {"b": 1, "a": [1]}) == '{"a":[1],"b":1}'


def test_json_columns_keep_each_numbers_digits():
    """A list or object column is canonical JSON text whose numbers are the tokens Intacct sent."""
    assert (
        to_value("json", [Decimal("59.10"), Decimal("12345678901234567.89"), "é"]) == '[59.10,12345678901234567.89,"é"]'
    )
    assert to_value("json", '{"b": 59.10, "a": 0.1}') == '{"a":0.1,"b":59.10}'


@pytest.mark.parametrize("name", ["Bills", "bills-2026", "1bills", "_bills", "x" * 64, "", None, "bills; drop"])
def test_table_names_are_checked(name):
    with pytest.raises(IntacctValidationError, match=r"^table: expected"):
        check_identifier("table", name)


def test_a_good_table_name_passes():
    assert check_identifier("table", " intacct_bills ") == "intacct_bills"

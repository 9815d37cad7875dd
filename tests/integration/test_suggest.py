"""Errors that name the fix: did-you-mean for line keys, objects, asset URIs and operator arguments.

The messages asserted here verbatim are the ones the README's error table shows.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from intacct_provider.catalog.suggest import did_you_mean, suggestion
from intacct_provider.exceptions import IntacctInputError, IntacctValidationError
from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateJournalEntryOperator,
    IntacctQueryOperator,
)

BILL = {"vendor_id": "VEND-100", "date_created": "2026-11-01", "date_due": "2026-11-30"}


def context():
    return {"ti": SimpleNamespace(dag_id="d", task_id="t", run_id="r", map_index=-1)}


def create_bill(*lines):
    return IntacctCreateBillOperator(task_id="t", **BILL, line_items=list(lines)).execute(context())


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        ("amout", ["glaccountno", "amount", "memo"], "amount"),
        ("Amount", ["amount"], "amount"),
        ("glaccount", ["glaccountno", "amount"], "glaccountno"),
        ("bills", ["bill", "invoice"], "bill"),
        ("zzz", ["amount", "memo"], None),
        ("", ["amount"], None),
        (None, ["amount"], None),
    ],
)
def test_did_you_mean(word, candidates, expected):
    assert did_you_mean(word, candidates) == expected
    assert suggestion(word, candidates) == (f" — did you mean {expected!r}?" if expected else "")


def test_misspelt_line_key_names_the_typo_not_a_missing_amount(intacct_sandbox, intacct_conn):
    with pytest.raises(IntacctValidationError) as info:
        create_bill({"glaccountno": "6700", "amout": "500.00"})
    assert str(info.value) == "line_items[0]: unknown key 'amout' — did you mean 'amount'?"
    assert info.value.parameter == "line_items[0]"
    assert intacct_sandbox.requests == []


def test_every_problem_of_a_line_is_reported_at_once(intacct_sandbox, intacct_conn):
    good = {"glaccountno": "6700", "amount": "1.00"}
    with pytest.raises(IntacctInputError) as info:
        create_bill(good, {"glacount": "6700", "amount": "12,50", "departmentid": "", "memo": 7})
    assert info.value.parameter == "line_items[1]"
    assert info.value.problems == [
        "unknown key 'glacount' — did you mean 'glaccountno'?",
        "departmentid: expected a non-empty value, got ''",
        "memo: expected a value of type ['string', 'null'], got 7",
        "amount: expected a decimal amount with a dot separator such as '12.50', got '12,50'",
    ]
    assert str(info.value).startswith("line_items[1]: unknown key 'glacount' — did you mean 'glaccountno'?; ")
    assert intacct_sandbox.requests == []


def test_unknown_key_without_a_close_match_lists_the_known_keys(intacct_sandbox, intacct_conn):
    with pytest.raises(IntacctInputError, match=r"unknown key 'colour' \(known line keys: glaccountno, amount, memo, "):
        create_bill({"glaccountno": "6700", "amount": "1.00", "colour": "red"})


def test_journal_line_key(intacct_sandbox, intacct_conn):
    lines = [
        {"glaccountno": "6700", "amount": "5.00", "trtype": "debit"},
        {"glaccountno": "2000", "amount": "5.00", "tr_type": "credit"},
    ]
    op = IntacctCreateJournalEntryOperator(
        task_id="t", journal_id="GJ", posting_date="2026-11-01", description="Accrual", lines=lines
    )
    with pytest.raises(IntacctValidationError) as info:
        op.execute(context())
    assert str(info.value) == "lines[0]: unknown key 'trtype' — did you mean 'tr_type'?"


def test_a_lone_problem_keeps_the_argument_form(intacct_sandbox, intacct_conn):
    with pytest.raises(IntacctValidationError) as info:
        create_bill({"glaccountno": "6700", "amount": "abc"})
    assert info.value.parameter == "line_items[0].amount"
    assert str(info.value).startswith("line_items[0].amount: expected a decimal amount with a dot separator")


@pytest.mark.parametrize(("written", "meant"), [("bills", "bill"), ("Vendors", "vendor"), ("gl_acount", "gl_account")])
def test_object_names(intacct_sandbox, intacct_conn, written, meant):
    with pytest.raises(IntacctValidationError) as info:
        IntacctQueryOperator(task_id="q", object=written).execute(context())
    assert info.value.parameter == "object"
    assert str(info.value).endswith(f"got {written!r} — did you mean {meant!r}?")
    assert intacct_sandbox.requests == []


def test_operator_arguments_at_parse_time():
    with pytest.raises(IntacctInputError) as info:
        IntacctCreateBillOperator(
            task_id="t", vendorid="V", date_created="2026-01-01", date_due="2026-01-02", line_items=[]
        )
    assert str(info.value) == (
        "IntacctCreateBillOperator(task_id='t'): unknown argument 'vendorid' — did you mean 'vendor_id'? "
        "(a required argument)"
    )
    with pytest.raises(IntacctInputError) as info:
        IntacctQueryOperator(task_id="q", object="bill", feilds=["id"], outptu_path="/tmp/x", colour=1)
    assert info.value.problems == [
        "unknown argument 'feilds' — did you mean 'fields'?",
        "unknown argument 'outptu_path' — did you mean 'output_path'?",
        "unknown argument 'colour'",
    ]
    with pytest.raises(IntacctInputError, match=r"missing required argument 'vendor_id'$"):
        IntacctCreateBillOperator(task_id="t", date_created="2026-01-01", date_due="2026-01-02", line_items=[])


def test_unknown_extra_field_names_the_contract_field(intacct_sandbox, intacct_conn):
    op = IntacctCreateBillOperator(
        task_id="t",
        **BILL,
        line_items=[{"glaccountno": "6700", "amount": "1.00", "locationid": "US-NY"}],
        currency="USD",
        extra_fields={"termz": {"id": "N30"}},
    )
    with pytest.raises(IntacctValidationError) as info:
        op.execute(context())
    assert str(info.value) == (
        "extra_fields.termz: expected a field AP bill bodies accept (Intacct: 'termz' is not a valid field)"
        " — did you mean 'term'?"
    )
    assert intacct_sandbox.requests == []


def test_operator_argument_errors_are_type_errors_too():
    from intacct_provider.operators import IntacctListOperator

    with pytest.raises(TypeError, match="unknown argument 'vendor_id'"):
        IntacctListOperator(task_id="l", object="vendor", vendor_id="VEND-200")  # vendors have no such filter

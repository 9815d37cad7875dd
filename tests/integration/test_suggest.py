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
#: How every error of a create names its record (the bill has no number: vendor and date).
NAMED = "AP bill of vendor VEND-100 dated 2026-11-01"


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
    assert str(info.value) == f"{NAMED}: line_items[0]: unknown key 'amout' — did you mean 'amount'?"
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
    assert str(info.value).startswith(f"{NAMED}: line_items[1]: unknown key 'glacount' — did you mean 'glaccountno'?; ")
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
    assert str(info.value) == (
        "GL journal entry 'Accrual' in journal GJ dated 2026-11-01: lines[0]: unknown key 'trtype' — did you mean 'tr_type'?"
    )


def test_a_lone_problem_keeps_the_argument_form(intacct_sandbox, intacct_conn):
    with pytest.raises(IntacctValidationError) as info:
        create_bill({"glaccountno": "6700", "amount": "abc"})
    assert info.value.parameter == "line_items[0].amount"
    assert str(info.value).startswith(f"{NAMED}: line_items[0].amount: expected a decimal amount with a dot separator")


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
        f"{NAMED}: extra_fields.termz: expected a field AP bill bodies accept (Intacct: 'termz' is not a valid field)"
        " — did you mean 'term'?"
    )
    assert intacct_sandbox.requests == []


def test_operator_argument_errors_are_type_errors_too():
    from intacct_provider.operators import IntacctListOperator

    with pytest.raises(TypeError, match="unknown argument 'vendor_id'"):
        IntacctListOperator(task_id="l", object="vendor", vendor_id="VEND-200")  # vendors have no such filter


def test_own_arguments_rank_before_airflows():
    """``due_date`` is closer to BaseOperator's ``end_date`` than to ``date_due``; the bill's own argument wins."""
    with pytest.raises(IntacctInputError) as info:
        IntacctCreateBillOperator(
            task_id="t", vendor_id="V", date_created="2026-01-01", due_date="2026-01-31", line_items=[]
        )
    assert info.value.problems == ["unknown argument 'due_date' — did you mean 'date_due'? (a required argument)"]
    with pytest.raises(IntacctInputError) as info:
        IntacctQueryOperator(task_id="q", object="bill", outlet=[])  # Airflow's own still found when nothing else fits
    assert info.value.problems == ["unknown argument 'outlet' — did you mean 'outlets'?"]


@pytest.mark.parametrize(
    ("operator", "typed", "meant"),
    [
        (IntacctCreateBillOperator, "invoice_date", "date_created"),
        (IntacctCreateBillOperator, "bill_date", "date_created"),
        (IntacctCreateBillOperator, "posting_date", "date_created"),
        (IntacctCreateBillOperator, "vendor", "vendor_id"),
        (IntacctCreateBillOperator, "lines", "line_items"),
        (IntacctCreateJournalEntryOperator, "line_items", "lines"),
        (IntacctCreateJournalEntryOperator, "date", "posting_date"),
        (IntacctCreateJournalEntryOperator, "journal", "journal_id"),
        (IntacctQueryOperator, "conn_id", "intacct_conn_id"),
        (IntacctQueryOperator, "since", "modified_since"),
    ],
)
def test_common_aliases_are_suggested_never_accepted(operator, typed, meant):
    arguments = {
        IntacctCreateBillOperator: {
            "vendor_id": "V",
            "date_created": "2026-01-01",
            "date_due": "2026-01-31",
            "line_items": [],
        },
        IntacctCreateJournalEntryOperator: {"journal_id": "GJ", "posting_date": "2026-01-01", "lines": []},
        IntacctQueryOperator: {"object": "bill"},
    }[operator]
    arguments = {name: value for name, value in arguments.items() if name != meant}
    with pytest.raises(IntacctInputError) as info:
        operator(task_id="t", **arguments, **{typed: "x"})
    assert info.value.problems[0].startswith(f"unknown argument {typed!r} — did you mean {meant!r}?")


def test_airflows_internal_keys_are_never_reported_as_the_users():
    with pytest.raises(IntacctInputError) as info:
        IntacctQueryOperator(task_id="q", object="bill", _airflow_mapped_validation_only=True, feilds=["id"])
    assert info.value.problems == ["unknown argument 'feilds' — did you mean 'fields'?"]


def test_the_sensor_names_the_fix_too():
    from intacct_provider.sensors.record import IntacctRecordSensor

    with pytest.raises(IntacctInputError) as info:
        IntacctRecordSensor(task_id="s", object="bill", filter={"state": "paid"})
    assert info.value.problems == [
        "unknown argument 'filter' — did you mean 'filters'? (a required argument)",
    ]


def test_a_misspelt_key_in_expand_kwargs_names_the_row_and_the_fix(run_dag, capfd):
    """The issue's own DAG: ``due_date`` in the mapped kwargs of a CSV import."""
    dag_run, xcoms = run_dag("mapped_misspelt_key", file="mapped_mistakes")
    assert dag_run.state == "failed" and "create_bill" not in xcoms
    out, err = capfd.readouterr()
    expected = (
        "IntacctCreateBillOperator(task_id='create_bill') for AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02: "
        "unknown argument 'due_date' — did you mean 'date_due'? (a required argument)"
    )
    errors = {
        line.split("IntacctArgumentError: ", 1)[1]
        for line in (out + err).splitlines()
        if "IntacctArgumentError: " in line
    }
    assert expected in errors
    assert len(errors) == 3  # one per row, each naming its own bill
    assert not [e for e in errors if "_airflow_from_mapped" in e or "end_date" in e]

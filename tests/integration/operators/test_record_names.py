"""Every error raised for a record names it: document number or party and date, and the map index."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from intacct_provider.exceptions import IntacctError, IntacctNotFoundError, IntacctRequestError
from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateVendorOperator,
    IntacctGetRecordOperator,
    IntacctUpdateRecordOperator,
    IntacctWorkflowOperator,
)

LINE = [{"glaccountno": "6700", "amount": "10.00", "locationid": "US"}]


def context(map_index: int = -1):
    return {"ti": SimpleNamespace(dag_id="d", task_id="t", run_id="r", map_index=map_index, try_number=1)}


def test_an_intacct_refusal_of_a_mapped_create_names_the_bill_and_its_map_index(intacct_sandbox, intacct_conn):
    op = IntacctCreateBillOperator(
        task_id="t", vendor_id="VEND-999", date_created="2026-11-02", date_due="2026-12-02",
        line_items=LINE, bill_number="CSV-17", currency="USD",
    )  # fmt: skip
    with pytest.raises(IntacctRequestError) as info:
        op.execute(context(map_index=16))
    assert str(info.value).startswith("AP bill 'CSV-17' of vendor VEND-999 dated 2026-11-02 (map index 16): ")
    assert "VEND-999" in str(info.value).split(": ", 1)[1]  # Intacct's own words follow
    assert info.value.record == "AP bill 'CSV-17' of vendor VEND-999 dated 2026-11-02 (map index 16)"


def test_a_duplicate_vendor_is_named_by_its_id(intacct_sandbox, intacct_conn):
    op = IntacctCreateVendorOperator(task_id="t", vendor_id="VEND-100", name="Someone else")
    with pytest.raises(IntacctError, match=r"^AP vendor VEND-100: "):
        op.execute(context())


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        (IntacctGetRecordOperator(task_id="g", object="bill", key="99999"), "bill key 99999: "),
        (IntacctGetRecordOperator(task_id="g", object="vendor", id="VEND-404"), "vendor id VEND-404: "),
        (
            IntacctUpdateRecordOperator(task_id="u", object="bill", key="99999", changes={"description": "x"}),
            "bill key 99999: ",
        ),
        (
            IntacctWorkflowOperator(task_id="w", object="bill", action="submit", key="99999"),
            "bill key 99999 (submit): ",
        ),
    ],
)
def test_reads_updates_and_workflows_name_their_record(intacct_sandbox, intacct_conn, operator, expected):
    with pytest.raises(IntacctNotFoundError) as info:
        operator.execute(context(map_index=3))
    assert str(info.value).startswith(expected.replace(": ", " (map index 3): ", 1))


def test_a_bad_row_among_mapped_creates_fails_naming_its_row(run_dag, capfd):
    dag_run, xcoms = run_dag("mapped_bad_row", file="mapped_mistakes")
    assert dag_run.state == "failed"
    assert sorted(xcoms["create_bill"]) == [0, 2]  # the good rows were created
    out, err = capfd.readouterr()
    assert (
        "AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02 (map index 1): line_items[0].amount: "
        "expected a decimal amount with a dot separator such as '12.50', got '12,50'"
    ) in out + err

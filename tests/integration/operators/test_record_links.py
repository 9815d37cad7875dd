"""Extra links: each task that creates, reads, updates or moves a record links to it in Intacct."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from intacct_provider.operators import (
    IntacctBulkCreateOperator,
    IntacctCreateBillOperator,
    IntacctCreateVendorOperator,
    IntacctGetRecordOperator,
    IntacctUpdateRecordOperator,
    IntacctWorkflowOperator,
)
from intacct_provider.operators.links import IntacctRecordLink, IntacctResultsFileLink

BILL = "accounts-payable/bill"


class FakeTi(SimpleNamespace):
    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def context() -> dict[str, Any]:
    return {"ti": FakeTi(dag_id="d", task_id="t", run_id="r", map_index=-1, try_number=1, pushed={})}


def bill_operator(**extra: Any) -> IntacctCreateBillOperator:
    return IntacctCreateBillOperator(
        task_id="t", vendor_id="VEND-100", date_created="2026-11-02", date_due="2026-12-02", currency="USD",
        line_items=[{"glaccountno": "6700", "amount": "10.00", "locationid": "US"}], **extra,
    )  # fmt: skip


def gets(sandbox, key: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests if r["method"] == "GET" and r["path"] == f"/objects/{BILL}/{key}"]


def test_a_created_bill_links_to_its_web_url(intacct_sandbox, intacct_conn):
    ctx = context()
    key = bill_operator(bill_number="LINK-1").execute(ctx)["ia::result"]["key"]
    assert ctx["ti"].pushed == {IntacctRecordLink.xcom_key: intacct_sandbox.get_record(BILL, key)["webURL"]}
    assert len(gets(intacct_sandbox, key)) == 1  # the one read the link costs


def test_web_link_false_makes_no_request_and_no_link(intacct_sandbox, intacct_conn):
    ctx = context()
    key = bill_operator(bill_number="LINK-2", web_link="false").execute(ctx)["ia::result"]["key"]
    assert ctx["ti"].pushed == {} and gets(intacct_sandbox, key) == []


def test_a_failed_link_read_never_fails_the_create(intacct_sandbox, intacct_conn):
    intacct_sandbox.inject("status", status=400, method="GET", path=f"/objects/{BILL}/[0-9]+$")
    ctx = context()
    result = bill_operator(bill_number="LINK-3").execute(ctx)
    assert result["ia::result"]["key"] and ctx["ti"].pushed == {}


def test_get_update_workflow_and_vendor_links(intacct_sandbox, intacct_conn):
    expected = intacct_sandbox.get_record(BILL, "2001")["webURL"]
    for op in (
        IntacctGetRecordOperator(task_id="g", object="bill", key="2001"),
        IntacctUpdateRecordOperator(task_id="u", object="bill", key="2001", changes={"description": "linked"}),
    ):
        ctx = context()
        op.execute(ctx)
        assert ctx["ti"].pushed == {IntacctRecordLink.xcom_key: expected}, op.task_id
    draft = next(b for b in intacct_sandbox.records("bill") if b["state"] == "draft")
    ctx = context()
    IntacctWorkflowOperator(task_id="w", object="bill", action="submit", key=draft["key"]).execute(ctx)
    assert ctx["ti"].pushed == {IntacctRecordLink.xcom_key: draft["webURL"]}
    ctx = context()
    IntacctCreateVendorOperator(task_id="v", vendor_id="VEND-LINK", name="Linked").execute(ctx)
    assert ctx["ti"].pushed[IntacctRecordLink.xcom_key].endswith("/sandbox/records/accounts-payable/vendor/38")


def test_no_link_where_intacct_gives_none(intacct_sandbox, intacct_conn):
    ctx = context()
    IntacctGetRecordOperator(task_id="g", object="gl_account", key="1").execute(ctx)
    ctx_fields = context()
    IntacctGetRecordOperator(task_id="g", object="bill", key="2001", fields=["key"]).execute(ctx_fields)
    assert ctx["ti"].pushed == ctx_fields["ti"].pushed == {}


def test_a_bulk_task_links_its_results_file(intacct_sandbox, intacct_conn, tmp_path):
    ctx = context()
    out = tmp_path / "results.jsonl"
    IntacctBulkCreateOperator(
        task_id="b", object="vendor", records=[{"vendor_id": "VEND-B1", "name": "Bulk"}], output_path=str(out)
    ).execute(ctx)
    assert ctx["ti"].pushed == {IntacctResultsFileLink.xcom_key: f"file://{out}"}


@pytest.mark.parametrize("dag_id", ["intacct_bill_payment_flow"])
def test_links_are_kept_by_airflow_for_the_ui(run_dag, intacct_sandbox, dag_id):
    """dag.test() runs Airflow's own task runner: the link lands in XCom where the api-server reads it."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    dag_run, xcoms = run_dag(dag_id, conf={"vendor_id": "VEND-200", "amount": "10.00"})
    assert dag_run.state == "success"
    with create_session() as session:
        rows = session.query(XComModel).filter_by(run_id=dag_run.run_id, key=IntacctRecordLink.xcom_key).all()
        links = {row.task_id: XComModel.deserialize_value(row) for row in rows}
    bill = intacct_sandbox.get_record(BILL, xcoms["create_bill"]["ia::result"]["key"])
    payment = intacct_sandbox.get_record("accounts-payable/payment", xcoms["pay_bill"]["ia::result"]["key"])
    # The workflow tasks link the record they moved: the bill's approval, the payment's own steps.
    assert links == {
        "create_bill": bill["webURL"],
        "approve_bill": bill["webURL"],
        "pay_bill": payment["webURL"],
        "approve_payment": payment["webURL"],
        "print_payment": payment["webURL"],
        "confirm_payment": payment["webURL"],
    }

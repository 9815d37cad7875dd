"""IntacctRecordSensor against the sandbox over real HTTP: poke, reschedule and deferrable modes.

A background thread plays the person paying the bill: it waits until the sensor
has queried for the bill at least once (so the sensor is really waiting), then
records the payment in the sandbox.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred

from intacct_provider.exceptions import IntacctAuthError, IntacctError, IntacctValidationError
from intacct_provider.sensors.record import IntacctRecordSensor
from intacct_provider.triggers.query import IntacctQueryTrigger

BILL = "accounts-payable/bill"
SEED_BILL_KEY = "2001"  # BILL-100 of the demo seed: posted, 500.00 due
PAID_FILTERS = [{"$eq": {"key": SEED_BILL_KEY}}, {"$eq": {"state": "paid"}}]
FLOW_DESCRIPTION = "Created by the intacct_bill_payment_flow example DAG"


def queries_for(sandbox: Any, key: str) -> int:
    """How many successful query-service calls filtered on this record key."""
    return sum(
        1
        for r in sandbox.requests
        if r["path"] == "/services/core/query"
        and r["status"] == 200
        and any(f.get("$eq", {}).get("key") == key for f in (r["body"] or {}).get("filters") or [])
    )


class PayWhenPolled(threading.Thread):
    """Pay a bill in full once the sensor has queried for it ``polls`` times."""

    def __init__(self, sandbox: Any, key_of: Callable[[], str | None], polls: int = 1, timeout: float = 150) -> None:
        super().__init__(daemon=True, name="pay-when-polled")
        self.sandbox, self.key_of, self.polls, self.timeout = sandbox, key_of, polls, timeout
        self.paid: dict | None = None
        self.key: str | None = None

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            key = self.key_of()
            if key and queries_for(self.sandbox, key) >= self.polls:
                self.key = key
                self.paid = self.sandbox.record_payment(BILL, key)
                return
            time.sleep(0.05)

    def __enter__(self) -> PayWhenPolled:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.join(self.timeout)


def sensor(**kwargs: Any) -> IntacctRecordSensor:
    args: dict[str, Any] = {
        "task_id": "wait",
        "object": "bill",
        "filters": PAID_FILTERS,
        "fields": ["key", "billNumber", "state"],
        "poke_interval": 0.1,
        "timeout": 30,
        "deferrable": False,
    }
    return IntacctRecordSensor(**{**args, **kwargs})


def api_requests(sandbox: Any) -> list[dict]:
    return [r for r in sandbox.requests if not r["path"].startswith("/sandbox")]


# ---------------------------------------------------------------- poke mode
def test_poke_not_done_then_done_after_payment(intacct_sandbox, intacct_conn):
    op = sensor()
    first = op.poke({})
    assert not first.is_done
    assert first.xcom_value == {"rows": [], "count": 0}
    intacct_sandbox.record_payment(BILL, SEED_BILL_KEY)
    second = op.poke({})
    assert second.is_done
    assert second.xcom_value == {"rows": [{"key": "2001", "billNumber": "BILL-100", "state": "paid"}], "count": 1}


def test_poke_mode_execute_waits_and_returns_the_rows(intacct_sandbox, intacct_conn):
    with PayWhenPolled(intacct_sandbox, lambda: SEED_BILL_KEY, polls=2) as payer:
        result = sensor().execute({})
    assert payer.paid is not None
    assert result == {"rows": [{"key": "2001", "billNumber": "BILL-100", "state": "paid"}], "count": 1}
    assert queries_for(intacct_sandbox, SEED_BILL_KEY) >= 3


def test_min_count_and_page_size(intacct_sandbox, intacct_conn):
    vendor_bills = [r for r in intacct_sandbox.records(BILL) if r["vendor"]["id"] == "VEND-100"]
    total = len(vendor_bills)
    filters = '[{"$eq": {"vendor.id": "VEND-100"}}]'  # JSON text, as a plain Jinja template renders it
    enough = sensor(filters=filters, fields="key,vendor.id", min_count=str(total)).poke({})
    assert enough.is_done and enough.xcom_value["count"] == total
    assert [row["key"] for row in enough.xcom_value["rows"]] == sorted((r["key"] for r in vendor_bills), key=int)
    assert set(enough.xcom_value["rows"][0]) == {"key", "vendor.id"}
    assert not sensor(filters=filters, min_count=total + 1).poke({}).is_done
    body = [r for r in api_requests(intacct_sandbox) if r["path"] == "/services/core/query"][-1]["body"]
    assert body["size"] == 100 and body["orderBy"] == [{"key": "asc"}]


def test_partially_paid_is_not_paid(intacct_sandbox, intacct_conn):
    intacct_sandbox.record_payment(BILL, SEED_BILL_KEY, "100.00")
    assert not sensor().poke({}).is_done
    intacct_sandbox.record_payment(BILL, SEED_BILL_KEY)
    assert sensor().poke({}).is_done


# ---------------------------------------------------- validation before I/O
@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"object": "bills"}, "object"),
        ({"filters": '[{"$eq": '}, "filters"),
        ({"filters": []}, "filters"),
        ({"filters": None}, "filters"),
        ({"filters": [{"$like": {"id": "BILL-%"}}]}, "filters[0]"),
        ({"filter_expression": "1 and 3"}, "filter_expression"),
        ({"fields": "[key"}, "fields"),
        ({"min_count": 0}, "min_count"),
        ({"min_count": "two"}, "min_count"),
        ({"min_count": 4001}, "min_count"),
    ],
)
@pytest.mark.parametrize("deferrable", [False, True])
def test_bad_arguments_fail_before_any_request(intacct_sandbox, intacct_conn, overrides, parameter, deferrable):
    with pytest.raises(IntacctValidationError) as info:
        sensor(deferrable=deferrable, **overrides).execute({})
    assert info.value.parameter == parameter
    assert api_requests(intacct_sandbox) == []


# ---------------------------------------------------------- deferrable mode
def test_deferrable_defers_at_once_with_json_trigger_and_timeout(intacct_sandbox, intacct_conn):
    op = sensor(
        deferrable=True,
        filters='{"key": "2001"}',
        fields="key, id",
        min_count="1",
        poke_interval=timedelta(seconds=3),
        timeout=timedelta(minutes=5),
    )
    with pytest.raises(TaskDeferred) as info:
        op.execute({})
    deferred = info.value
    assert deferred.method_name == "execute_complete"
    assert deferred.timeout == timedelta(minutes=5)
    assert isinstance(deferred.trigger, IntacctQueryTrigger)
    classpath, kwargs = deferred.trigger.serialize()
    assert classpath == "intacct_provider.triggers.query.IntacctQueryTrigger"
    assert kwargs == {
        "query": {
            "object": BILL,
            "fields": ["key", "id"],
            "filters": '[{"$eq": {"key": "2001"}}]',  # exact JSON text: amounts keep their digits
            "filter_expression": None,
            "order_by": [{"key": "asc"}],
            "filter_parameters": {},
        },
        "min_count": 1,
        "poke_interval": 3.0,
        "intacct_conn_id": "sage_intacct_default",
    }
    assert api_requests(intacct_sandbox) == []  # no request from the worker: the trigger does the polling


def test_default_deferrable_comes_from_config(monkeypatch):
    import importlib

    import intacct_provider.sensors.record as module

    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")
    try:
        reloaded = importlib.reload(module)
        assert reloaded.IntacctRecordSensor(task_id="t", object="bill", filters=PAID_FILTERS).deferrable is True
    finally:
        monkeypatch.delenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE")
        importlib.reload(module)


def test_execute_complete_hands_on_rows():
    event = {"status": "success", "rows": [{"key": "2001"}], "count": 1}
    assert sensor().execute_complete({}, event) == {"rows": [{"key": "2001"}], "count": 1}


def test_execute_complete_raises_the_reported_error():
    event = {"status": "error", "message": "Invalid client credentials [HTTP 401]", "error_type": "IntacctAuthError"}
    with pytest.raises(IntacctAuthError, match=r"Invalid client credentials \[HTTP 401\]"):
        sensor().execute_complete({}, event)
    event = {"status": "error", "message": "boom", "error_type": "KeyError"}
    with pytest.raises(IntacctError, match="boom") as info:
        sensor().execute_complete({}, event)
    assert type(info.value) is IntacctError


@pytest.mark.parametrize(
    "event",
    [
        None,
        "success",
        {},
        {"status": "timeout"},
        {"status": "SUCCESS", "rows": [], "count": 0},
        {"status": "success", "rows": "2001", "count": 1},
        {"status": "success", "rows": [], "count": "1"},
        {"status": "success", "rows": []},
    ],
)
def test_execute_complete_rejects_bad_events(event):
    with pytest.raises(IntacctError, match="Intacct query trigger"):
        sensor().execute_complete({}, event)


# ------------------------------------------------------ all modes, dag.test()
@pytest.mark.parametrize("dag_id", ["intacct_sensor_poke", "intacct_sensor_reschedule", "intacct_sensor_deferrable"])
def test_each_mode_waits_for_the_payment_in_dag_test(run_dag, intacct_sandbox, dag_id):
    with PayWhenPolled(intacct_sandbox, lambda: SEED_BILL_KEY) as payer:
        dag_run, xcoms = run_dag(dag_id, file="sensor_modes")
    assert payer.paid is not None, "the sensor never queried the bill"
    assert dag_run.state == "success"
    assert xcoms["wait_paid"] == {
        "rows": [{"key": "2001", "billNumber": "BILL-100", "state": "paid", "totalTxnAmountDue": "0.00"}],
        "count": 1,
    }
    assert queries_for(intacct_sandbox, SEED_BILL_KEY) >= 2  # once unpaid, once paid


#: Readings of the bill and payment workflows the example must get through: every payment_flow,
#: both bill_approve_state values and both bill_approval values between the rows.
FLOW_READINGS = [
    dict(payment_flow="print", bill_approval=True, bill_approve_state="approved"),
    dict(payment_flow="approval", bill_approval=True, bill_approve_state="posted"),
    dict(payment_flow="direct", bill_approval=False, bill_approve_state="approved"),
]


@pytest.mark.parametrize("readings", FLOW_READINGS, ids=[r["payment_flow"] for r in FLOW_READINGS])
def test_bill_payment_flow_example(run_dag, intacct_sandbox, readings):
    """The example submits (and approves) its bill, pays it through the payment workflow; the
    deferrable sensor then sees it paid, whichever steps the company's configuration needs."""
    intacct_sandbox.state.update(**readings)
    dag_run, xcoms = run_dag("intacct_bill_payment_flow", conf={"bill_date": "2026-11-26"})
    assert dag_run.state == "success"
    key = xcoms["create_bill"]["ia::result"]["key"]
    bill = intacct_sandbox.get_record(BILL, key)
    assert bill["vendor"]["id"] == "VEND-200" and bill["description"] == FLOW_DESCRIPTION
    assert bill["createdDate"] == "2026-11-26" and bill["dueDate"] == "2026-12-26"
    assert bill["currency"]["txnCurrency"] == "USD"
    line = bill["lines"][0]
    assert line["glAccount"]["id"] == "6700" and line["txnAmount"] == "1250.00"
    assert line["dimensions"]["location"]["id"] == "US"
    submits = [r for r in intacct_sandbox.requests if r["path"] == "/workflows/accounts-payable/bill/submit"]
    assert [r["body"] for r in submits] == [{"key": key}]  # submitted before it was paid
    assert xcoms["approve_bill"]["performed"] is readings["bill_approval"]
    payment_key = xcoms["pay_bill"]["ia::result"]["key"]
    payment = intacct_sandbox.get_record("accounts-payable/payment", payment_key)
    assert [d["bill"]["key"] for d in payment["details"]] == [key]
    assert payment["paymentMethod"] == "Printed Check" and payment["state"] == "confirmed"
    steps = [xcoms[f"{action}_payment"]["performed"] for action in ("approve", "print", "confirm")]
    assert steps == ([False] * 3 if readings["payment_flow"] == "direct" else [True] * 3)
    assert xcoms["summarize"] == {
        "bill_number": bill["billNumber"],
        "key": key,
        "amount": "1250.00",
        "amount_due": "0.00",
        "state": "paid",
    }


def test_poke_waits_out_an_outage(intacct_sandbox, intacct_conn):
    """Gateway errors outlasting the hook's retries make a poke 'not yet', not a failed task."""
    intacct_conn(max_retries=0)
    intacct_sandbox.record_payment(BILL, "2001")
    intacct_sandbox.inject("status", count=1, status=503, path="/services/core/query", html=True)
    sensor = IntacctRecordSensor(
        task_id="s", object="bill", filters=[{"$eq": {"key": "2001"}}, {"$eq": {"state": "paid"}}]
    )
    assert sensor.poke({}).is_done is False
    assert sensor.poke({}).is_done is True

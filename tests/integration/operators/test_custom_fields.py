"""The company's own fields and objects through the operators, against the sandbox with the example tenant.

Issue 20's three refusals now succeed; a misspelt field, a wrong type and a bad picklist value fail
before any write, naming the argument and the fix; an unreadable model lets custom fields through
unchecked (one warning, never dropped); custom objects are created, read, updated, queried, listed,
waited for and bulk-loaded, and a lost create is settled once under every sandbox reading.
"""

from __future__ import annotations

import itertools
import json
import logging
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from scripted_server import Answer, token

from intacct_provider.catalog.bulk_records import BulkRecordsError
from intacct_provider.exceptions import IntacctInputError, IntacctRequestError, IntacctValidationError
from intacct_provider.operators import (
    IntacctBulkCreateOperator,
    IntacctBulkUpsertOperator,
    IntacctCreateBillOperator,
    IntacctCreateRecordOperator,
    IntacctCreateVendorOperator,
    IntacctGetRecordOperator,
    IntacctListOperator,
    IntacctQueryOperator,
    IntacctUpdateRecordOperator,
)
from intacct_provider.sandbox.tenant import EXAMPLE_TENANT, load_tenant
from intacct_provider.sensors.record import IntacctRecordSensor

BILL = "accounts-payable/bill"
VENDOR = "accounts-payable/vendor"
CIP = "platform-apps/nsp::cip_asset"
CIP_POST = "/objects/platform-apps/nsp::cip_asset$"
TENANT = load_tenant(EXAMPLE_TENANT)
LINE = {"glaccountno": "6700", "amount": "250.00", "memo": "racking", "locationid": "US"}


@pytest.fixture
def intacct_tenant() -> Any:
    return TENANT


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr("intacct_provider.core.backoff.BACKOFF_BASE", 0.01)
    monkeypatch.setattr("intacct_provider.core.backoff.BACKOFF_CAP", 0.05)


def context(task_id: str = "t", try_number: int = 1) -> dict[str, Any]:
    ti = SimpleNamespace(dag_id="custom_fields", task_id=task_id, run_id="run-1", map_index=-1, try_number=try_number)
    return {"ti": ti}


#: Each bill its own number: the sandbox requires one by default (no document sequencing).
_NUMBERS = itertools.count(1)


def bill(task_id: str = "create_bill", **kwargs: Any) -> IntacctCreateBillOperator:
    args: dict[str, Any] = {
        "vendor_id": "VEND-100",
        "bill_number": f"CF-BILL-{next(_NUMBERS)}",
        "date_created": "2026-11-02",
        "date_due": "2026-12-02",
        "currency": "USD",
        "line_items": [LINE],
    }
    return IntacctCreateBillOperator(task_id=task_id, **{**args, **kwargs})


def writes(sandbox: Any) -> list[dict]:
    return [
        r for r in sandbox.requests if r["method"] in ("POST", "PATCH", "DELETE") and r["path"].startswith("/objects")
    ]


def created(sandbox: Any, result: dict) -> dict:
    return sandbox.get_record(BILL, result["ia::result"]["key"])


# ---------------------------------------------------------------- issue 20's three refusals
def test_a_bill_with_a_custom_field_is_created(intacct_sandbox, intacct_conn):
    result = bill(extra_fields={"nsp::APPROVER": "jdoe"}).execute(context())
    assert created(intacct_sandbox, result)["nsp::APPROVER"] == "jdoe"


def test_custom_line_fields_and_a_line_dimension_are_sent_where_intacct_reads_them(intacct_sandbox, intacct_conn):
    line = {**LINE, "nsp::COST_CODE": "CC-7", "nsp::project_type": "10002"}
    result = bill(line_items=[line], extra_fields={"nsp::PRIORITY": "rush", "nsp::CAPEX": "true"}).execute(context())
    record = created(intacct_sandbox, result)
    assert record["nsp::PRIORITY"] == "rush" and record["nsp::CAPEX"] is True  # as the model's type says
    assert record["lines"][0]["nsp::COST_CODE"] == "CC-7"
    assert record["lines"][0]["dimensions"]["nsp::project_type"]["key"] == "10002"
    assert record["lines"][0]["dimensions"]["location"]["id"] == "US"


def test_an_update_of_a_custom_field(intacct_sandbox, intacct_conn):
    result = IntacctUpdateRecordOperator(
        task_id="approve", object="bill", key="2001", changes={"nsp::APPROVER": "x"}
    ).execute(context())
    assert result["ia::result"]["key"] == "2001"
    assert intacct_sandbox.get_record(BILL, "2001")["nsp::APPROVER"] == "x"


def test_a_query_of_a_custom_object(intacct_sandbox, intacct_conn):
    rows = IntacctQueryOperator(
        task_id="cip", object="platform-apps/nsp::cip_asset", fields=["name", "nsp::STATUS"],
        filters={"nsp::STATUS": "in service"},
    ).execute(context())  # fmt: skip
    assert rows == [{"name": "Office HVAC", "nsp::STATUS": "in service", "key": "10003"}]


# ---------------------------------------------------------------- refused before any write
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extra_fields": {"nsp::APPROVR": "jdoe"}}, "extra_fields.nsp::APPROVR: expected a field of AP bill — "
         "did you mean 'nsp::APPROVER'?"),
        ({"extra_fields": {"nsp::FREIGHT": "twelve"}}, "extra_fields.nsp::FREIGHT: expected a number such as 59.10"),
        ({"extra_fields": {"nsp::PRIORITY": "urgent"}}, "extra_fields.nsp::PRIORITY: expected one of 'low', "
         "'normal', 'rush' (the picklist's values), got 'urgent'"),
        ({"extra_fields": {"nsp::RECEIVED_DATE": "2026-02-30"}}, "a real calendar date"),
        ({"extra_fields": {"nsp::AUDIT_SCORE": 90}}, "nsp::AUDIT_SCORE is read-only"),
        ({"line_items": [{**LINE, "nsp::COST_COD": "x"}]}, "line_items[0].nsp::COST_COD: expected a custom field or "
         "user-defined dimension of AP bill lines — did you mean 'nsp::COST_CODE'?"),
        ({"line_items": [{**LINE, "nsp::project_type": True}]}, "line_items[0].nsp::project_type: expected the key"),
    ],
)  # fmt: skip
def test_a_bad_custom_field_fails_before_any_write_naming_the_argument(intacct_sandbox, intacct_conn, kwargs, message):
    with pytest.raises(IntacctValidationError) as refused:
        bill(**kwargs).execute(context())
    assert message in str(refused.value)
    assert writes(intacct_sandbox) == []


def test_every_bad_custom_field_of_a_create_is_named_at_once(intacct_sandbox, intacct_conn):
    with pytest.raises(IntacctInputError) as refused:
        bill(extra_fields={"nsp::APPROVR": "x", "nsp::CAPEX": "maybe"}).execute(context())
    assert [problem.split(": expected")[0] for problem in refused.value.problems] == [
        "extra_fields.nsp::APPROVR", "extra_fields.nsp::CAPEX",
    ]  # fmt: skip
    assert writes(intacct_sandbox) == []


def test_standard_fields_are_still_checked_without_a_request(intacct_sandbox, intacct_conn):
    with pytest.raises(IntacctValidationError, match=r"extra_fields\.termz"):
        bill(extra_fields={"termz": {"id": "N30"}, "nsp::APPROVER": "x"}).build_payload()
    assert intacct_sandbox.requests == []


def test_custom_fields_on_a_vendor_and_in_an_update(intacct_sandbox, intacct_conn):
    result = IntacctCreateVendorOperator(
        task_id="v", vendor_id="VEND-900", name="Nine", extra_fields={"nsp::TAGS": ["local"], "nsp::REFERRED_BY": 7}
    ).execute(context())
    record = intacct_sandbox.get_record(VENDOR, result["ia::result"]["key"])
    assert record["nsp::TAGS"] == ["local"] and record["nsp::REFERRED_BY"] == "7"
    with pytest.raises(IntacctValidationError, match=r"changes.nsp::TAGS: expected one of .* got 'big'"):
        IntacctUpdateRecordOperator(
            task_id="u", object="vendor", key=record["key"], changes={"nsp::TAGS": ["local", "big"]}
        ).execute(context())


# ---------------------------------------------------------------- the model cannot be read
def test_an_unreadable_model_sends_custom_fields_unchecked_with_one_warning(intacct_sandbox, intacct_conn, caplog):
    intacct_sandbox.model_service = "forbidden"
    with caplog.at_level(logging.WARNING):
        result = bill(extra_fields={"nsp::APPROVER": "jdoe", "nsp::FREIGHT": 12.5}).execute(context())
    assert created(intacct_sandbox, result)["nsp::APPROVER"] == "jdoe"  # never dropped
    (warning,) = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert "accounts-payable/bill" in warning and "HTTP 403" in warning and "unchecked" in warning
    # Unchecked, a misspelt field is Intacct's to refuse: a permanent error naming it, nothing created.
    with pytest.raises(IntacctRequestError, match="/nsp::APPROVR is not a valid field"):
        bill(task_id="second", extra_fields={"nsp::APPROVR": "jdoe"}).execute(context("second"))


def test_an_unreadable_model_leaves_a_line_key_on_the_line(intacct_sandbox, intacct_conn):
    intacct_sandbox.model_service = "forbidden"
    with pytest.raises(IntacctRequestError, match="/lines/0/nsp::project_type is not a valid field"):
        bill(line_items=[{**LINE, "nsp::project_type": "10001"}]).execute(context())


def test_a_decimal_custom_field_is_an_exact_json_number_on_the_wire(server, monkeypatch):
    """Through the scripted server, which keeps the raw bytes: 59.10 is sent as 59.10, never via a float."""
    conn = {
        "conn_type": "sage_intacct", "host": server.base_url, "login": "c", "password": "s",
        "extra": {"company_id": "C", "user_id": "U"},
    }  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_SCRIPTED", json.dumps(conn))
    model = {"fields": {"nsp::FREIGHT": {"type": "number"}, "nsp::UNITS": {"type": "integer"}}, "lists": []}
    reference = {"key": "9", "id": "9", "href": "/objects/accounts-payable/bill/9"}
    server.play([token(), Answer(200, {"ia::result": model}), Answer(201, {"ia::result": reference})])
    bill(
        intacct_conn_id="scripted",
        extra_fields={"nsp::FREIGHT": "12345678901234.10", "nsp::UNITS": "3"},
        web_link=False,  # the script answers the create only: no read of the bill's webURL after it
    ).execute(context())
    posted = server.requests[-1]
    assert b'"nsp::FREIGHT": 12345678901234.10' in posted["raw"] and b'"nsp::UNITS": 3' in posted["raw"]
    assert posted["headers"]["Content-Type"] == "application/json"
    assert json.loads(posted["raw"], parse_float=Decimal)["nsp::FREIGHT"] == Decimal("12345678901234.10")


# ---------------------------------------------------------------- custom objects
def test_custom_object_create_get_update_list(intacct_sandbox, intacct_conn, key_reading):
    made = IntacctCreateRecordOperator(
        task_id="make", object="nsp::cip_asset", record={"name": "Dock", "nsp::COST": "99.95", "nsp::STATUS": "planned"}
    ).execute(context("make"))
    key = made["ia::result"]["key"]
    assert made["ia::result"]["id"] == key  # key and id are the same
    got = IntacctGetRecordOperator(task_id="get", object="nsp::cip_asset", key=key).execute(context())
    assert (got["name"], got["nsp::COST"]) == ("Dock", "99.95")  # XCom: the number's exact text
    by_id = IntacctGetRecordOperator(task_id="by_id", object="nsp::cip_asset", id=key, fields=["name"]).execute(
        context()
    )
    assert by_id == {"name": "Dock", "key": key}
    IntacctUpdateRecordOperator(
        task_id="upd", object="nsp::cip_asset", key=key, changes={"nsp::STATUS": "in service"}
    ).execute(context())
    assert intacct_sandbox.get_record(CIP, key)["nsp::STATUS"] == "in service"
    listed = IntacctListOperator(task_id="list", object="nsp::cip_asset", pagesize=2).execute(context())
    assert listed == {"records": [
        {"key": "10001", "id": "10001", "href": f"/objects/{CIP}/10001"},
        {"key": "10002", "id": "10002", "href": f"/objects/{CIP}/10002"},
    ]}  # fmt: skip


def test_a_custom_objects_whole_record_is_checked(intacct_sandbox, intacct_conn):
    with pytest.raises(IntacctInputError) as refused:
        IntacctCreateRecordOperator(
            task_id="bad", object="nsp::cip_asset", record={"nmae": "Dock", "id": "MINE", "nsp::STATUS": "done"}
        ).execute(context())
    assert refused.value.problems == [
        "record.nmae: expected a field of custom object nsp::cip_asset — did you mean 'name'?",
        "record.id: expected no value: id is read-only (Intacct sets it)",
        "record.nsp::STATUS: expected one of 'planned', 'in progress', 'in service' (the picklist's values), "
        "got 'done'",
    ]
    assert writes(intacct_sandbox) == []


def test_a_lost_custom_object_create_is_settled_once(intacct_sandbox, intacct_conn, key_reading):
    """Its key (= id) is Intacct's, so the record is found by content, never created twice."""
    before = {r["key"] for r in intacct_sandbox.records(CIP)}
    intacct_sandbox.inject("commit_then_drop", method="POST", path=CIP_POST)
    record = {"name": "Lost and found", "nsp::PROJECT": "PRJ-200", "nsp::COST": "1250.50"}
    result = IntacctCreateRecordOperator(task_id="lost", object="nsp::cip_asset", record=record).execute(context())
    new = [r for r in intacct_sandbox.records(CIP) if r["key"] not in before]
    assert [r["key"] for r in new] == [result["ia::result"]["key"]]
    assert len([r for r in writes(intacct_sandbox) if r["method"] == "POST"]) == 1


def test_the_sensor_and_its_trigger_wait_for_a_custom_object(intacct_sandbox, intacct_conn):
    import asyncio

    filters = {"nsp::STATUS": "in service", "nsp::PROJECT": "PRJ-200"}
    sensor = IntacctRecordSensor(
        task_id="wait", object="nsp::cip_asset", filters=filters, fields=["name"], poke_interval=0.05, timeout=10
    )
    assert not sensor.poke({}).is_done
    intacct_sandbox.state.store.update(CIP, "10002", {"nsp::STATUS": "in service"}, None)
    done = sensor.poke({})
    assert done.is_done and done.xcom_value == {"rows": [{"name": "Warehouse racking"}], "count": 1}
    from intacct_provider.core.query_spec import QuerySpec
    from intacct_provider.triggers.query import IntacctQueryTrigger

    spec = {"object": "nsp::cip_asset", "fields": ["name"], "filters": filters}
    trigger = IntacctQueryTrigger(query=spec, poke_interval=0.05)
    _classpath, kwargs = trigger.serialize()
    assert QuerySpec.from_dict(kwargs["query"]).object == CIP
    event = asyncio.run(asyncio.wait_for(anext(IntacctQueryTrigger(**json.loads(json.dumps(kwargs))).run()), 20))
    assert event.payload["status"] == "success" and event.payload["rows"] == [{"name": "Warehouse racking"}]


def test_bulk_create_and_upsert_of_a_custom_object(intacct_sandbox, intacct_conn, key_reading, tmp_path):
    records = [{"name": f"bulk-{i}", "nsp::COST": f"{i}.25", "nsp::STATUS": "planned"} for i in range(12)]
    summary = IntacctBulkCreateOperator(
        task_id="bulk", object="nsp::cip_asset", records=records, batch_size=5, output_path=str(tmp_path / "r.jsonl")
    ).execute(context("bulk"))
    assert summary["created"] == 12 and summary["failed"] == 0
    stored = {r["name"]: r for r in intacct_sandbox.records(CIP) if r["name"].startswith("bulk-")}
    assert len(stored) == 12 and stored["bulk-3"]["nsp::COST"] == Decimal("3.25")
    changed = [{"name": "bulk-3", "nsp::STATUS": "in service"}, {"name": "bulk-new", "nsp::STATUS": "planned"}]
    upserted = IntacctBulkUpsertOperator(
        task_id="upsert", object="nsp::cip_asset", records=changed, match_on=["name"]
    ).execute(context("upsert"))
    assert (upserted["created"], upserted["updated"]) == (1, 1)
    assert [r["nsp::STATUS"] for r in intacct_sandbox.records(CIP) if r["name"] == "bulk-3"] == ["in service"]


def test_bulk_records_with_custom_fields_are_checked_before_anything_is_sent(intacct_sandbox, intacct_conn):
    records = [
        {"vendor_id": "VEND-100", "date_created": "2026-11-02", "date_due": "2026-12-02", "currency": "USD",
         "bill_number": f"cf-{i}", "line_items": [{**LINE, "nsp::project_type": "10001"}],
         "extra_fields": {"nsp::APPROVER": "jdoe"}}
        for i in range(4)
    ]  # fmt: skip
    records[1]["extra_fields"] = {"nsp::APPROVR": "jdoe"}
    records[3]["line_items"] = [{**LINE, "nsp::COST_CODE": ["CC-7"], "nsp::projet_type": "1"}]
    with pytest.raises(BulkRecordsError) as refused:
        IntacctBulkCreateOperator(task_id="bulk", object="bill", records=records).execute(context("bulk"))
    assert [(p.index, p.field) for p in refused.value.problems] == [
        (1, "extra_fields.nsp::APPROVR"),
        (3, "custom fields"),
    ]
    assert "did you mean 'nsp::project_type'" in refused.value.problems[1].reason()
    assert writes(intacct_sandbox) == []
    reads = [r["query"]["name"] for r in intacct_sandbox.requests if r["path"] == "/services/core/model"]
    assert reads == [BILL, "accounts-payable/bill-line"]  # read once (the bill, and its lines' owned object)
    del records[3], records[1]
    summary = IntacctBulkCreateOperator(task_id="bulk2", object="bill", records=records).execute(context("bulk2"))
    assert summary["created"] == 2
    made = [r for r in intacct_sandbox.records(BILL) if str(r.get("billNumber")).startswith("cf-")]
    assert all(r["nsp::APPROVER"] == "jdoe" for r in made)
    assert all(r["lines"][0]["dimensions"]["nsp::project_type"]["key"] == "10001" for r in made)


def test_bulk_with_an_unreadable_model_warns_once_and_sends_as_given(intacct_sandbox, intacct_conn, caplog):
    intacct_sandbox.model_service = "forbidden"
    records = [{"name": f"u-{i}", "nsp::STATUS": "planned"} for i in range(6)]
    with caplog.at_level(logging.WARNING):
        summary = IntacctBulkCreateOperator(
            task_id="bulk", object="nsp::cip_asset", records=records, batch_size=2
        ).execute(context("bulk"))
    assert summary["created"] == 6
    assert len([r for r in caplog.records if "cannot be read" in r.getMessage()]) == 1
    assert len([r for r in intacct_sandbox.requests if r["path"] == "/services/core/model"]) == 1

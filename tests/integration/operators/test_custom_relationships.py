"""A custom relationship (``nsp::CONTRACT`` on a bill, a reference to the custom object
``platform-apps/nsp::contract``), end to end against the sandbox with the example tenant.

The model lists it in ``refs`` with the related object. Written ``{"key": ...}``: a plain value or
an ``id`` is sent as the key (a custom object's key and id are always the same); a key naming no
record is refused before the write, naming the argument, when the model can be read, and by
Intacct at the write (422 or 400: the ``relationship_missing_status`` reading) when it cannot.
Read back with ``key`` and ``id``, queried, loaded (``nsp__contract_key``, ``nsp__contract_id``)
and tied out. Each test runs under both readings of whether Intacct accepts a write by ``id``.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from warehouse_helpers import CONN_ID, column_types, context, rows

from intacct_provider.catalog.bulk_records import BulkRecordsError
from intacct_provider.exceptions import IntacctPermanentError, IntacctValidationError
from intacct_provider.operators import (
    IntacctBulkCreateOperator,
    IntacctCreateBillOperator,
    IntacctGetRecordOperator,
    IntacctQueryOperator,
    IntacctTieOutOperator,
    IntacctToSqlOperator,
    IntacctUpdateRecordOperator,
)
from intacct_provider.sandbox.tenant import EXAMPLE_TENANT, load_tenant

BILL = "accounts-payable/bill"
CONTRACT = "platform-apps/nsp::contract"
TENANT = load_tenant(EXAMPLE_TENANT)
LINE = {"glaccountno": "6700", "amount": "250.00", "locationid": "US"}
_NUMBERS = itertools.count(1)


@pytest.fixture
def intacct_tenant() -> Any:
    return TENANT


@pytest.fixture(params=["refused", "accepted"], autouse=True)
def relationship_id(request: pytest.FixtureRequest, intacct_sandbox: Any) -> str:
    """Both readings of whether a custom relationship may be written by ``id``."""
    intacct_sandbox.relationship_id = request.param
    return str(request.param)


def bill(contract: Any, **changes: Any) -> IntacctCreateBillOperator:
    arguments: dict[str, Any] = {
        "task_id": "create_bill",
        "vendor_id": "VEND-100",
        "bill_number": f"REL-{next(_NUMBERS)}",
        "date_created": "2026-11-02",
        "date_due": "2026-12-02",
        "currency": "USD",
        "line_items": [LINE],
        "extra_fields": {"nsp::CONTRACT": contract},
        # a key per bill: the same task's key again would settle a create by look-up, not send it
        "idempotency_key": f"rel-{next(_NUMBERS)}",
    }
    return IntacctCreateBillOperator(**{**arguments, **changes})


def posted(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests if r["method"] == "POST" and r["path"] == f"/objects/{BILL}"]


@pytest.mark.parametrize("given", ["10001", 10001, {"key": "10001"}, {"id": "10001"}, {"key": "10001", "id": "10001"}])
def test_a_relationship_is_sent_by_key_and_read_back_with_key_and_id(intacct_sandbox, intacct_conn, given):
    key = bill(given).execute(context())["ia::result"]["key"]
    (sent,) = posted(intacct_sandbox)
    assert sent["body"]["nsp::CONTRACT"] == {"key": "10001"}  # the form every reading takes
    assert intacct_sandbox.get_record(BILL, key)["nsp::CONTRACT"] == {"key": "10001", "id": "10001"}
    read = IntacctGetRecordOperator(task_id="get", object="bill", key=key).execute(context())
    assert read["nsp::CONTRACT"] == {"key": "10001", "id": "10001"}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("10099", "the key of an existing record of platform-apps/nsp::contract: key '10099' does not exist"),
        ({"key": "10001", "id": "10002"}, "the same key and id: a custom object's key and id are always the same"),
        ({"name": "Facilities 2026"}, "a field of the reference nsp::CONTRACT (known: key, id)"),
        (True, "a reference to a record of platform-apps/nsp::contract such as {'key': '10004'}"),
    ],
)
def test_a_wrong_relationship_fails_before_the_write_naming_the_argument(
    intacct_sandbox, intacct_conn, given, expected
):
    with pytest.raises(IntacctValidationError) as refused:
        bill(given).execute(context())
    assert refused.value.parameter.startswith("extra_fields.nsp::CONTRACT")
    assert expected in str(refused.value)
    assert posted(intacct_sandbox) == []


@pytest.mark.parametrize("status", [422, 400])
def test_without_the_model_intacct_refuses_an_unknown_key_at_the_write(intacct_sandbox, intacct_conn, status, caplog):
    """The model unreadable: sent as given; the refusal names the field, and is permanent (no retries)."""
    intacct_sandbox.model_service = "forbidden"
    intacct_sandbox.relationship_missing_status = status
    with caplog.at_level(logging.WARNING), pytest.raises(IntacctPermanentError) as refused:
        bill({"key": "10099"}).execute(context())
    assert refused.value.status == status
    assert "nsp::CONTRACT: Contract '10099' does not exist" in str(refused.value)
    assert len(posted(intacct_sandbox)) == 1  # once: a permanent error is not sent again
    assert any("cannot be read" in r.getMessage() for r in caplog.records)


def test_without_the_model_a_write_by_id_is_as_the_reading_says(intacct_sandbox, intacct_conn, relationship_id):
    intacct_sandbox.model_service = "forbidden"  # nothing rewrites the id: Intacct judges it
    operator = bill({"id": "10002"})
    if relationship_id == "refused":
        with pytest.raises(IntacctPermanentError, match=r"/nsp::CONTRACT/id is read-only") as refused:
            operator.execute(context())
        assert refused.value.status == 400
    else:
        key = operator.execute(context())["ia::result"]["key"]
        assert intacct_sandbox.get_record(BILL, key)["nsp::CONTRACT"] == {"key": "10002", "id": "10002"}


def test_an_update_changes_and_unsets_a_relationship(intacct_sandbox, intacct_conn):
    key = bill("10001").execute(context())["ia::result"]["key"]
    IntacctUpdateRecordOperator(task_id="u", object="bill", key=key, changes={"nsp::CONTRACT": "10002"}).execute(
        context()
    )
    assert intacct_sandbox.get_record(BILL, key)["nsp::CONTRACT"] == {"key": "10002", "id": "10002"}
    with pytest.raises(IntacctValidationError, match=r"changes.nsp::CONTRACT: expected the key of an existing"):
        IntacctUpdateRecordOperator(task_id="u", object="bill", key=key, changes={"nsp::CONTRACT": "77"}).execute(
            context()
        )
    IntacctUpdateRecordOperator(task_id="u", object="bill", key=key, changes={"nsp::CONTRACT": None}).execute(context())
    assert intacct_sandbox.get_record(BILL, key)["nsp::CONTRACT"] == {"key": None}


def test_a_related_record_in_use_cannot_be_deleted(intacct_sandbox, hook):
    bill("10001").execute(context())
    with pytest.raises(IntacctPermanentError, match="is used by bill"):
        hook.delete_record("nsp::contract", "10001")
    hook.delete_record("nsp::contract", "10002")


def test_the_relationship_is_queried_loaded_and_tied_out(intacct_sandbox, intacct_conn, warehouse, hook):
    key = bill("10001").execute(context())["ia::result"]["key"]
    rows_read = IntacctQueryOperator(
        task_id="q",
        object="bill",
        fields=["key", "nsp::CONTRACT.key", "nsp::CONTRACT.id"],
        filters=[{"$eq": {"nsp::CONTRACT.key": "10001"}}],
    ).execute(context())
    assert rows_read == [{"key": key, "nsp::CONTRACT.key": "10001", "nsp::CONTRACT.id": "10001"}]

    load = {"task_id": "load", "object": "bill", "sql_conn_id": CONN_ID, "table": "intacct_bills"}
    IntacctToSqlOperator(**load).execute(context())  # every field of the model: the reference's too
    types = column_types(warehouse)
    assert (types["nsp__contract_key"], types["nsp__contract_id"]) == ("TEXT", "TEXT")
    stored = {r["key"]: r for r in rows(warehouse)}
    assert (stored[key]["nsp__contract_key"], stored[key]["nsp__contract_id"]) == ("10001", "10001")
    assert stored["2001"]["nsp__contract_key"] is None  # a bill without one

    tie = {"task_id": "tie", "object": "bill", "sql_conn_id": CONN_ID, "table": "intacct_bills"}
    compare = ["totalTxnAmount", "nsp::CONTRACT.key"]
    result = IntacctTieOutOperator(**tie, compare=compare).execute(context())
    assert (result["missing"]["count"], result["different"]["count"], result["extra"]["count"]) == (0, 0, 0)
    hook.update_record("bill", key, {"nsp::CONTRACT": {"key": "10002"}})  # moved to another contract in Intacct
    result = IntacctTieOutOperator(**tie, compare=compare, on_mismatch="warn").execute(context())
    assert result["different"]["rows"] == [
        {"key": key, "field": "nsp::CONTRACT.key", "intacct": "10002", "table": "10001"}
    ]


def test_bulk_bills_look_each_related_record_up_once_before_anything_is_sent(intacct_sandbox, intacct_conn):
    records = [
        {"vendor_id": "VEND-100", "date_created": "2026-11-02", "date_due": "2026-12-02", "currency": "USD",
         "bill_number": f"REL-BULK-{i}", "line_items": [LINE], "extra_fields": {"nsp::CONTRACT": contract}}
        for i, contract in enumerate(["10001", "10002", "10001", "10404", {"id": "10002"}])
    ]  # fmt: skip
    with pytest.raises(BulkRecordsError) as refused:
        IntacctBulkCreateOperator(task_id="bulk", object="bill", records=records).execute(context())
    assert [(p.index, p.field) for p in refused.value.problems] == [(3, "extra_fields.nsp::CONTRACT")]
    assert posted(intacct_sandbox) == []
    lookups = [r for r in intacct_sandbox.requests if r["path"] == "/services/core/query"]
    assert sorted(r["body"]["filters"][0]["$eq"]["key"] for r in lookups) == ["10001", "10002", "10404"]  # once each
    del records[3]
    summary = IntacctBulkCreateOperator(task_id="bulk2", object="bill", records=records).execute(context())
    assert summary["created"] == 4
    made = {r["billNumber"]: r["nsp::CONTRACT"]["key"] for r in intacct_sandbox.records(BILL)
            if str(r.get("billNumber")).startswith("REL-BULK-")}  # fmt: skip
    assert made == {"REL-BULK-0": "10001", "REL-BULK-1": "10002", "REL-BULK-2": "10001", "REL-BULK-4": "10002"}

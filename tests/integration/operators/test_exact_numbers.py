"""Number fields stay exact wherever they land: ``12345678901234567.89``, ``0.1`` and ``0.2`` never pass through a float.

The company of these tests (a tenant file written as JSON text, so its numbers are read the way a
file is) has a custom object ``nsp::ledger_line`` whose ``nsp::AMOUNT`` is a number field, and a
number custom field ``nsp::FREIGHT`` on bills. Each test follows one path: the sandbox's answer
on the wire, a query to JSON Lines, a query to XCom (``dag.test()``, read by a downstream task),
GET, the sensor and its trigger, a bulk upsert's results file, and create -> sandbox -> GET.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from intacct_provider.core.exact_json import loads
from intacct_provider.operators import (
    IntacctBulkUpsertOperator,
    IntacctCreateBillOperator,
    IntacctCreateRecordOperator,
    IntacctGetRecordOperator,
    IntacctQueryOperator,
    IntacctUpdateRecordOperator,
)
from intacct_provider.sensors.record import IntacctRecordSensor
from intacct_provider.triggers.query import IntacctQueryTrigger

LEDGER = "platform-apps/nsp::ledger_line"
BILL = "accounts-payable/bill"
BIG = "12345678901234567.89"  # 19 significant digits: a float keeps 17 (12345678901234568.0)
HUGE_UNITS = 12345678901234567890  # an integer beyond 2**63
FIELDS = ["name", "nsp::AMOUNT", "nsp::UNITS"]
TENANT = f"""{{
  "objects": {{"{BILL}": {{"fields": {{"nsp::FREIGHT": {{"type": "number"}}}}}}}},
  "custom_objects": {{"nsp::ledger_line": {{
    "label": "ledger line",
    "fields": {{"name": {{"type": "string"}}, "nsp::AMOUNT": {{"type": "number"}}, "nsp::UNITS": {{"type": "integer"}}}},
    "records": [
      {{"name": "big", "nsp::AMOUNT": {BIG}, "nsp::UNITS": 3}},
      {{"name": "tenth", "nsp::AMOUNT": 0.1, "nsp::UNITS": 1}},
      {{"name": "fifth", "nsp::AMOUNT": 0.2, "nsp::UNITS": 2}},
      {{"name": "freight", "nsp::AMOUNT": 59.10, "nsp::UNITS": {HUGE_UNITS}}}
    ]
  }}}}
}}"""
#: What each seeded record's amount is, as Decimal (the seed above, keys 10001 to 10004).
SEEDED = {"big": Decimal(BIG), "tenth": Decimal("0.1"), "fifth": Decimal("0.2"), "freight": Decimal("59.10")}
#: The same amounts as XCom carries them: their exact text.
AS_TEXT = {"big": BIG, "tenth": "0.1", "fifth": "0.2", "freight": "59.10"}


@pytest.fixture
def intacct_tenant(tmp_path: Path) -> str:
    path = tmp_path / "ledger_tenant.json"
    path.write_text(TENANT, encoding="utf-8")
    return str(path)


def context(task_id: str = "t") -> dict[str, Any]:
    ti = SimpleNamespace(dag_id="exact_numbers", task_id=task_id, run_id="run-1", map_index=-1, try_number=1)
    return {"ti": ti}


def amount_tokens(text: str) -> list[str]:
    """The ``nsp::AMOUNT`` number tokens of a JSON text, as written (not as a decoder would read them)."""
    import re

    return re.findall(r'"nsp::AMOUNT": ?(-?[0-9][0-9.eE+-]*)', text)


# ---------------------------------------------------------------- the sandbox, on the wire
def test_the_sandbox_answers_the_tokens_it_was_given(intacct_sandbox, hook):
    """The raw bytes of a GET and a query: the tenant file's numbers, digit for digit."""
    got = hook.send("GET", f"/objects/{LEDGER}/10001")
    assert amount_tokens(got.content.decode()) == [BIG]
    page = hook.send("POST", "/services/core/query", json_body={"object": LEDGER, "fields": ["nsp::AMOUNT"]})
    assert amount_tokens(page.content.decode()) == [BIG, "0.1", "0.2", "59.10"]
    stored = {r["name"]: r["nsp::AMOUNT"] for r in intacct_sandbox.records(LEDGER)}
    assert stored == SEEDED and all(type(v) is Decimal for v in stored.values())


# ---------------------------------------------------------------- reads
def test_get_by_key_is_exact(intacct_sandbox, hook):
    record = hook.get_record("nsp::ledger_line", "10004")
    assert record["nsp::AMOUNT"] == Decimal("59.10") and str(record["nsp::AMOUNT"]) == "59.10"
    assert record["nsp::UNITS"] == HUGE_UNITS and type(record["nsp::UNITS"]) is int  # integers stay int
    big = hook.get_record("nsp::ledger_line", "10001", fields=["nsp::AMOUNT"])  # through the query service
    assert big["nsp::AMOUNT"] == Decimal(BIG)
    operator = IntacctGetRecordOperator(task_id="get", object="nsp::ledger_line", key="10001")
    assert operator.execute(context())["nsp::AMOUNT"] == BIG  # XCom: the exact text


def test_a_query_to_json_lines_writes_the_tokens_it_read(intacct_sandbox, intacct_conn, tmp_path):
    target = tmp_path / "ledger.jsonl"
    result = IntacctQueryOperator(
        task_id="q", object="nsp::ledger_line", fields=FIELDS, output_path=str(target)
    ).execute(context())
    assert result["count"] == 4
    text = target.read_text()
    assert amount_tokens(text) == [BIG, "0.1", "0.2", "59.10"]  # 59.10 stays 59.10, no quotes
    assert f'"nsp::UNITS":{HUGE_UNITS}' in text
    rows = {row["name"]: row for row in map(loads, text.splitlines())}
    assert {name: row["nsp::AMOUNT"] for name, row in rows.items()} == SEEDED
    assert rows["tenth"]["nsp::AMOUNT"] + rows["fifth"]["nsp::AMOUNT"] == Decimal("0.3")


def test_a_query_to_xcom_reaches_the_next_task_exactly(run_dag, intacct_sandbox):
    """Through ``dag.test()``: what the downstream task received, not just what was pushed."""
    dag_run, xcoms = run_dag("intacct_exact_numbers", file="exact_numbers")
    assert dag_run.state == "success"
    assert {row["name"]: row["nsp::AMOUNT"] for row in xcoms["query"]} == AS_TEXT
    assert xcoms["received"] == {
        "query": {name: ["str", text] for name, text in AS_TEXT.items()},
        "units": ["int", str(HUGE_UNITS)],
        "get": ["str", BIG],
        "poked": ["str", BIG],
        "deferred": ["str", BIG],
        "tenth_plus_fifth": "0.3",
    }


def test_the_sensor_and_its_trigger_hand_on_exact_rows(intacct_sandbox, intacct_conn):
    expected = {"rows": [{"name": "big", "nsp::AMOUNT": BIG, "nsp::UNITS": 3}], "count": 1}
    sensor = IntacctRecordSensor(
        task_id="wait", object="nsp::ledger_line", filters={"name": "big"}, fields=FIELDS, poke_interval=0.05
    )
    assert sensor.poke({}).xcom_value == expected
    _classpath, kwargs = IntacctQueryTrigger(query=sensor._match().spec, poke_interval=0.05).serialize()
    trigger = IntacctQueryTrigger(**json.loads(json.dumps(kwargs)))  # as the triggerer rebuilds it
    event = asyncio.run(asyncio.wait_for(anext(trigger.run()), 20))
    assert event.payload == {"status": "success", **expected}
    assert sensor.execute_complete({}, event.payload) == expected


# ---------------------------------------------------------------- writes
def test_create_then_get_keeps_every_digit(intacct_sandbox, hook, intacct_conn):
    made = IntacctCreateRecordOperator(
        task_id="make", object="nsp::ledger_line", record={"name": "new", "nsp::AMOUNT": BIG}
    ).execute(context("make"))
    key = made["ia::result"]["key"]
    assert intacct_sandbox.get_record(LEDGER, key)["nsp::AMOUNT"] == Decimal(BIG)  # stored exactly
    assert hook.get_record("nsp::ledger_line", key)["nsp::AMOUNT"] == Decimal(BIG)  # and read back so
    IntacctUpdateRecordOperator(
        task_id="upd", object="nsp::ledger_line", key=key, changes={"nsp::AMOUNT": "0.30"}
    ).execute(context("upd"))
    assert str(hook.get_record("nsp::ledger_line", key)["nsp::AMOUNT"]) == "0.30"
    bill = IntacctCreateBillOperator(
        task_id="bill", vendor_id="VEND-100", bill_number="EXACT-1", date_created="2026-11-02",
        date_due="2026-12-02", currency="USD",
        line_items=[{"glaccountno": "6700", "amount": "10.00", "locationid": "US"}],
        extra_fields={"nsp::FREIGHT": "0.1"},
    ).execute(context("bill"))  # fmt: skip
    row = hook.find_record("bill", {"key": bill["ia::result"]["key"]}, fields=["nsp::FREIGHT"])
    assert row is not None and row["nsp::FREIGHT"] == Decimal("0.1")


def test_a_record_given_as_json_text_keeps_every_digit(intacct_sandbox, hook, intacct_conn):
    """A templated ``record`` renders to JSON text; its numbers are read exactly, as a file's are."""
    made = IntacctCreateRecordOperator(
        task_id="make", object="nsp::ledger_line", record=f'{{"name": "templated", "nsp::AMOUNT": {BIG}}}'
    ).execute(context("make"))
    assert intacct_sandbox.get_record(LEDGER, made["ia::result"]["key"])["nsp::AMOUNT"] == Decimal(BIG)


def test_a_bulk_upsert_from_a_file_compares_and_reports_exactly(intacct_sandbox, intacct_conn, tmp_path):
    """An input file's numbers are read exactly, compared exactly with Intacct's, and written exactly.

    ``big`` is unchanged only if neither side went through a float (both would read as
    12345678901234568); ``big-cent`` differs from it by one cent and must be created as given.
    """
    source = tmp_path / "ledger.jsonl"
    source.write_text(
        f'{{"name": "big", "nsp::AMOUNT": {BIG}}}\n'
        '{"name": "tenth", "nsp::AMOUNT": 0.1}\n'
        '{"name": "big-cent", "nsp::AMOUNT": 12345678901234567.88}\n'
        '{"name": "freight", "nsp::AMOUNT": 59.11}\n'
    )
    results = tmp_path / "results.jsonl"
    summary = IntacctBulkUpsertOperator(
        task_id="upsert", object="nsp::ledger_line", input_path=str(source), match_on=["name"],
        output_path=str(results),
    ).execute(context("upsert"))  # fmt: skip
    rows = [loads(line) for line in results.read_text().splitlines()]
    assert [(row["index"], row["status"]) for row in rows] == [(0, "unchanged"), (1, "unchanged"), (2, "created"),
                                                              (3, "updated")]  # fmt: skip
    assert (summary["unchanged"], summary["created"], summary["updated"]) == (2, 1, 1)
    stored = {r["name"]: r["nsp::AMOUNT"] for r in intacct_sandbox.records(LEDGER)}
    assert stored["big-cent"] == Decimal("12345678901234567.88") and stored["big"] == Decimal(BIG)
    assert stored["freight"] == Decimal("59.11")

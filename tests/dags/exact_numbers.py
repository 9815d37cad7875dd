"""Number custom fields through XCom, for tests/integration/operators/test_exact_numbers.py.

``intacct_exact_numbers`` reads the ``nsp::ledger_line`` custom object of that test's tenant
(``12345678901234567.89``, ``0.1``, ``0.2``, ``59.10``) four ways (query, get by key, a poking and a
deferrable sensor) and hands everything to a downstream task, which reports what it received,
type and text, and adds the amounts up the way a user would: ``Decimal(text)``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from intacct_provider.operators import IntacctGetRecordOperator, IntacctQueryOperator
from intacct_provider.sensors.record import IntacctRecordSensor

LEDGER = "nsp::ledger_line"
FIELDS = ["name", "nsp::AMOUNT", "nsp::UNITS"]

with DAG(
    dag_id="intacct_exact_numbers",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["intacct", "test"],
) as dag:
    query = IntacctQueryOperator(task_id="query", object=LEDGER, fields=FIELDS)
    get = IntacctGetRecordOperator(task_id="get", object=LEDGER, key="10001")
    poked = IntacctRecordSensor(
        task_id="poked", object=LEDGER, filters={"name": "big"}, fields=FIELDS, poke_interval=0.1, timeout=60
    )
    deferred = IntacctRecordSensor(
        task_id="deferred",
        object=LEDGER,
        filters={"name": "big"},
        fields=FIELDS,
        deferrable=True,
        poke_interval=0.1,
        timeout=60,
    )

    @task
    def received(rows: list[dict[str, Any]], record: dict[str, Any], poke: dict, defer: dict) -> dict[str, Any]:
        """What a downstream task gets: each value's type and text, and the amounts added up exactly."""

        def seen(value: Any) -> list[str]:
            return [type(value).__name__, str(value)]

        by_name = {row["name"]: row for row in rows}
        return {
            "query": {name: seen(row["nsp::AMOUNT"]) for name, row in by_name.items()},
            "units": seen(by_name["freight"]["nsp::UNITS"]),
            "get": seen(record["nsp::AMOUNT"]),
            "poked": seen(poke["rows"][0]["nsp::AMOUNT"]),
            "deferred": seen(defer["rows"][0]["nsp::AMOUNT"]),
            "tenth_plus_fifth": str(
                Decimal(by_name["tenth"]["nsp::AMOUNT"]) + Decimal(by_name["fifth"]["nsp::AMOUNT"])
            ),
        }

    received(query.output, get.output, poked.output, deferred.output)

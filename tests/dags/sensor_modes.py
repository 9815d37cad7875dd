"""IntacctRecordSensor in each mode, waiting for a bill (``params.bill_key``) to be paid.

Arguments are given the way templated DAGs give them: filters as JSON text,
fields as a comma-separated string, min_count from a param.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from intacct_provider.sensors.record import IntacctRecordSensor

for dag_id, mode, deferrable in (
    ("intacct_sensor_poke", "poke", False),
    ("intacct_sensor_reschedule", "reschedule", False),
    ("intacct_sensor_deferrable", "poke", True),
):
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        params={"bill_key": "2001", "min_count": 1},
    ) as dag:
        IntacctRecordSensor(
            task_id="wait_paid",
            object="accounts-payable/bill",
            filters='[{"$eq": {"key": "{{ params.bill_key }}"}}, {"$eq": {"state": "paid"}}]',
            fields="key,billNumber,state,totalTxnAmountDue",
            min_count="{{ params.min_count }}",
            mode=mode,
            deferrable=deferrable,
            poke_interval=0.5,
            timeout=60,
        )
    globals()[dag_id] = dag

"""Your company's own fields and objects: a bill with custom fields and a line dimension, then a custom object.

Written for the sandbox's example company (``make demo`` starts it; by hand:
``python -m intacct_provider.sandbox --tenant intacct_provider/sandbox/tenants/example.json``),
whose AP bills carry an approver (``nsp::APPROVER``), a priority picklist (``nsp::PRIORITY``) and
the contract they fall under (``nsp::CONTRACT``, a custom relationship to the custom object
``nsp::contract``), whose bill lines carry a cost code (``nsp::COST_CODE``) and a user-defined dimension
(``nsp::project_type``), and which keeps construction-in-progress assets in a custom object
(``nsp::cip_asset``). Change the names to your company's: its model service lists them.

1. Look up the key of the project type to tag the line with (a dimension's values are records
   of a custom object, read like any other object).
2. Create the bill: custom fields in ``extra_fields``, the line's own in ``line_items``. Before
   the create the task reads the company's model and checks them: a misspelt field, a value
   outside the picklist, a wrong type or a contract that does not exist fails here, naming the
   argument, before anything is sent.
3. Read the custom object's records for the project.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from intacct_provider.operators import IntacctCreateBillOperator, IntacctQueryOperator

PROJECT_TYPE_KEY = "{{ ti.xcom_pull(task_ids='find_project_type')[0]['key'] }}"
#: One bill number per run (microseconds of the run's run_after), unique per vendor.
RUN_NUMBER = "{{ dag_run.run_after.strftime('%y%m%d%H%M%S%f') }}"

with DAG(
    dag_id="intacct_custom_fields",
    description="A bill with custom fields and a user-defined dimension, then a custom object's records",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["intacct", "example", "custom fields"],
    params={
        "vendor_id": Param("VEND-100", type="string"),
        "approver": Param("jdoe", type="string", description="nsp::APPROVER on the bill"),
        "priority": Param("normal", type="string", enum=["low", "normal", "rush"], description="nsp::PRIORITY"),
        "contract": Param("10001", type="string", description="key of the nsp::contract record (nsp::CONTRACT)"),
        "project_type": Param("Capex", type="string", description="name of a nsp::project_type record"),
        "project": Param("PRJ-100", type="string", description="the CIP assets' nsp::PROJECT"),
    },
) as dag:
    find_project_type = IntacctQueryOperator(
        task_id="find_project_type",
        object="nsp::project_type",
        fields=["key", "name"],
        filters={"name": "{{ params.project_type }}"},
    )
    create_bill = IntacctCreateBillOperator(
        task_id="create_bill",
        vendor_id="{{ params.vendor_id }}",
        date_created="{{ dag_run.run_after | ds }}",
        date_due="{{ macros.ds_add(dag_run.run_after | ds, 30) }}",
        bill_number="CUSTOM-" + RUN_NUMBER,
        currency="USD",
        line_items=[
            {
                "glaccountno": "6700",
                "amount": "1250.00",
                "memo": "Racking install, phase 1",
                "locationid": "US",
                "nsp::COST_CODE": "CC-7",  # a custom field of the line, sent on the line
                "nsp::project_type": PROJECT_TYPE_KEY,  # a dimension: sent as dimensions["nsp::project_type"]
            }
        ],
        extra_fields={
            "nsp::APPROVER": "{{ params.approver }}",
            "nsp::PRIORITY": "{{ params.priority }}",
            "nsp::CONTRACT": "{{ params.contract }}",  # a relationship: sent as {"key": ...}
        },
    )
    read_cip_assets = IntacctQueryOperator(
        task_id="read_cip_assets",
        object="nsp::cip_asset",  # platform-apps/nsp::cip_asset
        fields=["key", "name", "nsp::COST", "nsp::STATUS"],
        filters={"nsp::PROJECT": "{{ params.project }}"},
        order_by=[{"nsp::COST": "desc"}],
    )

    find_project_type >> create_bill >> read_cip_assets

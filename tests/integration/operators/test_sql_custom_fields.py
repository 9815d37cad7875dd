"""The company's own fields in warehouse tables: columns from the model service, typed by it, added as they appear."""

from __future__ import annotations

from decimal import Decimal

import pytest
from warehouse_helpers import BILL, CONN_ID, column_types, context, rows

from intacct_provider.exceptions import IntacctWarehouseError
from intacct_provider.operators import IntacctTieOutOperator, IntacctToSqlOperator
from intacct_provider.sandbox.tenant import EXAMPLE_TENANT, load_tenant

TENANT = load_tenant(EXAMPLE_TENANT)
CUSTOM = {
    "nsp__approver": "TEXT",
    "nsp__po_number": "TEXT",
    "nsp__priority": "TEXT",
    "nsp__received_date": "DATE",
    "nsp__capex": "BOOLEAN",
    "nsp__freight": "TEXT",  # a number custom field: exact decimal text in SQLite
    "nsp__audit_score": "BIGINT",
}


@pytest.fixture
def intacct_tenant():
    return TENANT


def load(**kwargs):
    arguments = {"task_id": "load", "object": "bill", "sql_conn_id": CONN_ID, "table": "intacct_bills", **kwargs}
    return IntacctToSqlOperator(**arguments).execute(context())


def custom_bill(hook):
    payload = {
        "vendor": {"id": "VEND-100"},
        "createdDate": "2026-11-02",
        "dueDate": "2026-12-02",
        "billNumber": "CF-1",
        "currency": {"txnCurrency": "USD"},
        "lines": [{"glAccount": {"id": "6700"}, "txnAmount": "250.00", "dimensions": {"location": {"id": "US"}}}],
        "nsp::APPROVER": "jdoe",
        "nsp::PRIORITY": "rush",
        "nsp::RECEIVED_DATE": "2026-11-01",
        "nsp::CAPEX": True,
        "nsp::FREIGHT": Decimal("12.50"),
    }
    return hook.create_record("bill", payload)["key"]


def test_the_default_columns_are_the_companys_fields_typed_by_its_model(warehouse, intacct_sandbox, hook):
    key = custom_bill(hook)
    load()
    types = column_types(warehouse)
    assert {name: types[name] for name in CUSTOM} == CUSTOM
    stored = next(r for r in rows(warehouse) if r["key"] == key)
    assert (stored["nsp__approver"], stored["nsp__priority"], stored["nsp__received_date"]) == (
        "jdoe",
        "rush",
        "2026-11-01",
    )
    assert stored["nsp__capex"] == 1 and Decimal(stored["nsp__freight"]) == Decimal("12.50")


def test_custom_fields_the_company_adds_become_columns(warehouse, intacct_sandbox, hook, intacct_conn):
    intacct_conn(model_cache_seconds=0)  # each task reads the model afresh (default: once per 15 minutes)
    intacct_sandbox.reset(tenant=None)  # the company before it customised bills
    first = load()
    assert not [name for name in column_types(warehouse) if name.startswith("nsp__")]
    intacct_sandbox.reset(tenant=TENANT)  # ... and after: the same bills, new fields
    with pytest.raises(IntacctWarehouseError, match=r"nsp::APPROVER \(nsp__approver\).*on_new_fields='fail'"):
        load(on_new_fields="fail")
    key = custom_bill(hook)
    result = load()
    assert set(CUSTOM) <= set(column_types(warehouse))
    assert (result["inserted"], result["updated"]) == (1, 0)  # the old rows' new columns are empty: unchanged
    assert result["rows"] == first["rows"] + 1
    assert next(r for r in rows(warehouse) if r["key"] == key)["nsp__approver"] == "jdoe"
    tie = IntacctTieOutOperator(
        task_id="t",
        object="bill",
        sql_conn_id=CONN_ID,
        table="intacct_bills",
        compare=["totalTxnAmount", "nsp::APPROVER"],
    ).execute(context())
    assert (tie["missing"]["count"], tie["different"]["count"], tie["extra"]["count"]) == (0, 0, 0)


def test_without_the_model_the_published_schema_stands_in(warehouse, intacct_sandbox, hook, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="intacct_provider.operators.execute.warehouse.source")
    intacct_sandbox.model_service = "forbidden"
    result = load()
    assert result["inserted"] == len(intacct_sandbox.records(BILL))
    assert not [name for name in column_types(warehouse) if name.startswith("nsp__")]
    assert any("custom fields are loaded only when named" in r.getMessage() for r in caplog.records)
    load(fields=["id", "nsp::APPROVER"], table="named")  # named, a custom field still loads
    assert "nsp__approver" in column_types(warehouse, "named")


def test_a_custom_object_loads_with_its_own_fields(warehouse, intacct_sandbox):
    result = load(object="nsp::cip_asset", table="cip_assets")
    types = column_types(warehouse, "cip_assets")
    assert {"key", "name", "nsp__project", "nsp__cost", "nsp__in_service_date", "nsp__status"} <= set(types)
    assert types["nsp__cost"] == "TEXT" and types["nsp__in_service_date"] == "DATE"
    stored = rows(warehouse, "cip_assets")
    assert result["inserted"] == len(stored) == len(TENANT.objects["platform-apps/nsp::cip_asset"].records)
    costs = {r["name"]: Decimal(r["nsp__cost"]) for r in stored}
    assert costs["Server room fit-out"] == Decimal("48250.75")  # a JSON number, kept exact

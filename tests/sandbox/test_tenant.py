"""The sandbox with a company's own customisations (``--tenant``): model service, writes, reads, custom objects."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import requests
from sandbox_helpers import BILL, INVOICE, VENDOR, Client, bill_body, error_of, model, targets

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.tenant import EXAMPLE_TENANT, TenantError, load_tenant

CIP = "platform-apps/nsp::cip_asset"
PROJECT_TYPE = "platform-apps/nsp::project_type"
TENANT = load_tenant(EXAMPLE_TENANT)  # loaded once: its validators are compiled once for the module


@pytest.fixture
def intacct_tenant() -> Any:
    return TENANT


def custom_bill(**changes: Any) -> dict[str, Any]:
    body = bill_body(**{"nsp::APPROVER": "jdoe", "nsp::PRIORITY": "rush", "nsp::FREIGHT": 12.5})
    body["lines"][0]["nsp::COST_CODE"] = "CC-7"
    body["lines"][0]["dimensions"]["nsp::project_type"] = {"key": "10001"}
    body.update(changes)
    return body


# ---------------------------------------------------------------- the model service, in Sage's shape
def test_the_model_of_a_standard_object_has_sages_shape(api: Client) -> None:
    bill = model(api, BILL)
    assert set(bill) >= {"fields", "groups", "refs", "lists", "idempotenceSupported", "httpMethods"}
    assert bill["apiObject"] == f"objects/{BILL}" and bill["type"] == "rootObject"
    every = [
        bill["fields"],
        *(g["fields"] for g in bill["groups"].values()),
        *(r["fields"] for r in bill["refs"].values()),
    ]
    assert all(entry["required"] is False for fields in every for entry in fields.values())  # always, as Sage says
    assert bill["fields"]["totalTxnAmount"]["format"] == "decimal-precision-2"
    assert bill["fields"]["totalTxnAmount"]["readOnly"] is True and bill["fields"]["totalTxnAmount"]["mutable"] is False
    assert {"draft", "approved"} <= set(bill["fields"]["state"]["enum"])  # approved: the approve answer's enum
    assert bill["groups"]["audit"]["fields"]["createdDateTime"]["format"] == "date-time"
    assert bill["refs"]["vendor"]["apiObject"] == VENDOR and "id" in bill["refs"]["vendor"]["fields"]
    assert bill["lists"]["lines"]["apiObject"] == "accounts-payable/bill-line"  # the owned_lists reading
    lines = model(api, "accounts-payable/bill-line")
    assert lines["refs"]["glAccount"]["apiObject"] == "general-ledger/account"
    assert lines["groups"]["dimensions"]["refs"]["location"]["apiObject"] == "company-config/location"
    assert model(api, VENDOR)["lists"] == []  # no lists: an empty array, as Sage's department example


@pytest.mark.parametrize("owned_lists", ["reference", "inline"])
def test_custom_fields_and_dimensions_appear_where_the_sandbox_reads_them(
    api: Client, intacct_sandbox: IntacctSandbox, owned_lists: str
) -> None:
    intacct_sandbox.owned_lists = owned_lists
    bill = model(api, BILL)
    assert bill["fields"]["nsp::PRIORITY"] == {
        "type": "string", "enum": ["low", "normal", "rush"], "readOnly": False, "writeOnly": False,
        "required": False, "nullable": True, "mutable": True,
    }  # fmt: skip
    assert bill["fields"]["nsp::AUDIT_SCORE"]["readOnly"] is True
    lines = bill["lists"]["lines"] if owned_lists == "inline" else model(api, "accounts-payable/bill-line")
    assert lines["fields"]["nsp::COST_CODE"]["type"] == "string"
    assert lines["groups"]["dimensions"]["fields"]["nsp::project_type"]["apiObject"] == PROJECT_TYPE
    invoice = model(api, INVOICE)["lists"]["lines"] if owned_lists == "inline" else model(api, f"{INVOICE}-line")
    assert invoice["groups"]["dimensions"]["fields"]["nsp::project_type"]
    assert model(api, VENDOR)["fields"]["nsp::TAGS"]["items"]["enum"] == ["preferred", "local", "minority-owned"]


def test_a_custom_object_has_a_model_too(api: Client) -> None:
    cip = model(api, CIP)
    assert cip["fields"]["key"]["readOnly"] is True and cip["fields"]["id"]["readOnly"] is True
    assert cip["fields"]["nsp::COST"]["type"] == "number"
    assert cip["fields"]["nsp::STATUS"]["enum"] == ["planned", "in progress", "in service"]
    assert cip["groups"]["audit"]["fields"]["createdDateTime"]["format"] == "date-time"
    assert cip["lists"] == [] and cip["refs"] == {}
    assert model(api, f"objects/{CIP}") == cip  # the form the model service's own hrefs use


def test_unknown_names_forbidden_calls_and_the_list(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    unknown = api.get("/services/core/model", params={"name": "platform-apps/nsp::nope"})
    assert unknown.status_code == 200 and unknown.json()["ia::result"] == []  # the spec's answer
    intacct_sandbox.model_unknown = "error"
    assert api.get("/services/core/model", params={"name": "platform-apps/nsp::nope"}).status_code == 404
    listed = api.get("/services/core/model").json()["ia::result"]
    assert {"apiObject": f"objects/{CIP}", "type": "rootObject"}.items() <= {
        key: value for entry in listed if entry["apiObject"] == f"objects/{CIP}" for key, value in entry.items()
    }.items()
    assert {entry["apiObject"] for entry in listed} >= {f"objects/{BILL}", f"objects/{PROJECT_TYPE}"}
    intacct_sandbox.model_service = "forbidden"
    refused = api.get("/services/core/model", params={"name": BILL})
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    intacct_sandbox.reset(tenant=TENANT)
    assert api.get("/services/core/model", params={"name": BILL}).status_code == 200


# ---------------------------------------------------------------- writes
def test_custom_fields_are_written_and_read_back(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    created = api.create(BILL, custom_bill())
    assert created.status_code == 201, created.text
    record = api.get(f"/objects/{BILL}/{created.json()['ia::result']['key']}").json()["ia::result"]
    assert (record["nsp::APPROVER"], record["nsp::PRIORITY"], record["nsp::FREIGHT"]) == ("jdoe", "rush", 12.5)
    line = record["lines"][0]
    assert line["nsp::COST_CODE"] == "CC-7"
    assert line["dimensions"]["nsp::project_type"] == {"key": "10001", "href": f"/objects/{PROJECT_TYPE}/10001"}
    updated = api.patch(f"/objects/{BILL}/{record['key']}", json={"nsp::PRIORITY": "low"})
    assert updated.status_code == 200, updated.text
    assert intacct_sandbox.get_record(BILL, record["key"])["nsp::PRIORITY"] == "low"


@pytest.mark.parametrize(
    ("change", "code", "target"),
    [
        ({"nsp::APPROVR": "x"}, "invalidField", "/nsp::APPROVR"),
        ({"nsp::PRIORITY": "urgent"}, "invalidValue", "/nsp::PRIORITY"),
        ({"nsp::FREIGHT": "12.50"}, "invalidType", "/nsp::FREIGHT"),
        ({"nsp::CAPEX": "yes"}, "invalidType", "/nsp::CAPEX"),
        ({"nsp::RECEIVED_DATE": "2026-02-30"}, "invalidValue", "/nsp::RECEIVED_DATE"),
        ({"nsp::AUDIT_SCORE": 3}, "readOnlyField", "/nsp::AUDIT_SCORE"),
    ],
)
def test_custom_fields_are_validated_like_standard_ones(api: Client, change: dict, code: str, target: str) -> None:
    response = api.create(BILL, custom_bill(**change))
    assert response.status_code == 400, response.text
    assert [(d["code"], d["target"]) for d in error_of(response)["details"]] == [(code, target)]


def test_line_fields_and_dimensions_are_validated(api: Client) -> None:
    body = custom_bill()
    body["lines"][0]["nsp::COST_CODEX"] = "x"
    body["lines"][0]["dimensions"]["nsp::project_type"] = {"id": "Capex"}  # by id: the stricter reading refuses it
    response = api.create(BILL, body)
    assert response.status_code == 400
    assert set(targets(response)) == {
        "/lines/0/nsp::COST_CODEX",
        "/lines/0/dimensions/nsp::project_type/id",
        "/lines/0/dimensions/nsp::project_type/key",
    }
    body = custom_bill()
    body["lines"][0]["dimensions"]["nsp::project_type"] = {"key": "99999"}
    missing = api.create(BILL, body)
    assert missing.status_code == 422 and targets(missing) == ["/lines/0/dimensions/nsp::project_type/key"]
    assert "Project type '99999' does not exist" in error_of(missing)["message"]


def test_without_a_tenant_a_custom_field_is_not_a_valid_field(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    intacct_sandbox.reset(tenant=None)
    response = api.create(BILL, bill_body(**{"nsp::APPROVER": "jdoe"}))
    assert response.status_code == 400 and error_of(response)["details"][0]["message"] == (
        "/nsp::APPROVER is not a valid field"
    )
    assert api.post(f"/objects/{CIP}", json={"name": "x"}).status_code == 404


# ---------------------------------------------------------------- the query service
def test_queries_select_filter_and_order_by_custom_fields(api: Client) -> None:
    for approver, freight in (("amy", 5), ("bob", 30.25), ("amy", 17)):
        assert api.create(BILL, custom_bill(**{"nsp::APPROVER": approver, "nsp::FREIGHT": freight})).status_code == 201
    rows = api.rows(
        object=BILL,
        fields=["key", "nsp::APPROVER", "nsp::FREIGHT"],
        filters=[{"$eq": {"nsp::APPROVER": "amy"}}],
        orderBy=[{"nsp::FREIGHT": "desc"}],
    )
    assert [(row["nsp::APPROVER"], row["nsp::FREIGHT"]) for row in rows] == [("amy", 17), ("amy", 5)]
    assert api.rows(object=BILL, fields=["key"], filters=[{"$gt": {"nsp::FREIGHT": 20}}])[0]["key"]
    bad = api.query(object=BILL, fields=["nsp::APPROVR"])
    assert bad.status_code == 400 and "Field 'nsp::APPROVR' is not valid" in error_of(bad)["message"]


# ---------------------------------------------------------------- custom objects
def test_custom_objects_create_read_update_delete_and_query(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    seeded = api.rows(object=CIP, fields=["key", "id", "name", "nsp::COST"], orderBy=[{"nsp::COST": "asc"}])
    assert [row["name"] for row in seeded] == ["Warehouse racking", "Office HVAC", "Server room fit-out"]
    assert all(row["key"] == row["id"] for row in seeded)  # "always the same"
    created = api.post(f"/objects/{CIP}", json={"name": "Dock", "nsp::COST": 99.95, "nsp::STATUS": "planned"})
    assert created.status_code == 201, created.text
    reference = created.json()["ia::result"]
    assert reference == {"key": "10004", "id": "10004", "href": f"/objects/{CIP}/10004"}
    record = api.get(f"/objects/{CIP}/10004").json()["ia::result"]
    assert record["name"] == "Dock" and record["audit"]["createdBy"] == intacct_sandbox.user_id
    assert api.patch(f"/objects/{CIP}/10004", json={"nsp::STATUS": "in service"}).status_code == 200
    assert intacct_sandbox.get_record(CIP, "10004")["nsp::STATUS"] == "in service"
    refused = api.post(f"/objects/{CIP}", json={"name": "x", "id": "MINE", "nsp::STATUS": "done"})
    assert refused.status_code == 400 and set(targets(refused)) == {"/id", "/nsp::STATUS"}
    listed = api.get(f"/objects/{CIP}").json()
    assert listed["ia::meta"]["totalCount"] == 4
    assert api.delete(f"/objects/{CIP}/10004").status_code == 204
    assert api.get(f"/objects/{CIP}/10004").status_code == 404


def test_a_dimension_value_in_use_cannot_be_deleted(api: Client) -> None:
    assert api.create(BILL, custom_bill()).status_code == 201
    response = api.delete(f"/objects/{PROJECT_TYPE}/10001")
    assert response.status_code == 422 and error_of(response)["details"][0]["code"] == "inUse"
    assert api.delete(f"/objects/{PROJECT_TYPE}/10003").status_code == 204


def test_bulk_writes_of_custom_objects(api: Client) -> None:
    response = api.post(f"/objects/{CIP}", json=[{"name": "A"}, {"name": "B", "nsp::COST": "x"}])
    assert response.status_code == 207
    results = response.json()["ia::result"]
    assert results[0]["ia::status"] == 201 and results[1]["ia::status"] == 400


# ---------------------------------------------------------------- the tenant file and the CLI
@pytest.mark.parametrize(
    ("tenant", "message"),
    [
        ({"object": {}}, "unknown key 'object'"),
        ({"objects": {"accounts-payable/nope": {}}}, "not an object the sandbox knows"),
        ({"objects": {BILL: {"fields": {"APPROVER": {"type": "string"}}}}}, "a custom field's name is 'nsp::'"),
        ({"objects": {BILL: {"fields": {"nsp::A": {"type": "text"}}}}}, "type: one of string, number"),
        ({"objects": {BILL: {"fields": {"nsp::A": {"type": "string", "enum": []}}}}}, "enum: a non-empty list"),
        ({"objects": {VENDOR: {"lines": {"nsp::A": {"type": "string"}}}}}, "has no lines"),
        ({"custom_objects": {"cip": {}}}, "a custom object's name is 'nsp::'"),
        ({"custom_objects": {"nsp::x": {"fields": {"key": {"type": "string"}}}}}, "not a name a custom object's"),
        ({"custom_objects": {"nsp::x": {"records": {"name": "a"}}}}, "records: a list of records"),
    ],
)
def test_a_tenant_file_that_cannot_describe_a_company_is_refused(tenant: dict, message: str) -> None:
    with pytest.raises(TenantError, match=message):
        load_tenant(tenant)


def test_seed_records_a_custom_object_refuses_are_named() -> None:
    tenant = {"custom_objects": {"nsp::x": {"fields": {"name": {"type": "string"}}, "records": [{"nmae": "a"}]}}}
    with pytest.raises(TenantError, match=r"custom_objects.nsp::x.records\[0\]: /nmae is not a valid field"):
        IntacctSandbox(tenant=tenant).start()


def test_the_cli_serves_a_tenant_and_refuses_a_bad_file(tmp_path: Any) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct_provider.sandbox", "--tenant", str(EXAMPLE_TENANT), "--model-service",
         "forbidden", "--owned-lists", "inline", "--relationship-id", "accepted", "--relationship-missing-status",
         "400"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        settings = requests.get(f"{base_url}/sandbox/settings", timeout=10).json()
        assert settings["tenant"]["custom_objects"] == [CIP, "platform-apps/nsp::contract", PROJECT_TYPE]
        assert settings["model_service"] == "forbidden"
        assert (settings["owned_lists"], settings["relationship_id"], settings["relationship_missing_status"]) == (
            "inline",
            "accepted",
            400,
        )
    finally:
        process.terminate()
        process.wait(timeout=15)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"objects": {"nope/nope": {}}}))
    result = subprocess.run(
        [sys.executable, "-m", "intacct_provider.sandbox", "--tenant", str(broken)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "objects.nope/nope: not an object the sandbox knows" in result.stderr


def test_the_admin_reset_takes_a_tenant(intacct_sandbox: IntacctSandbox) -> None:
    url = f"{intacct_sandbox.base_url}/sandbox/reset"
    assert requests.post(url, json={"tenant": None}, timeout=10).status_code == 204
    assert intacct_sandbox.tenant is None
    assert requests.post(url, json={"tenant": str(EXAMPLE_TENANT)}, timeout=10).status_code == 204
    assert intacct_sandbox.tenant is not None and CIP in intacct_sandbox.tenant.objects
    assert requests.post(url, json={"tenant": {"objects": 3}}, timeout=10).status_code == 400

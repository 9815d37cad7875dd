"""The sandbox's custom relationships and payment-detail custom fields, with the example tenant.

A custom relationship (``objects.<path>.refs``) is a reference to a record of a custom object: the
model lists it in ``refs``; writes take ``{"key"}`` (``{"id"}`` as the ``relationship_id`` reading
says), refuse a key naming no record (422 or 400: ``relationship_missing_status``), and records,
GET and the query service carry ``key`` and ``id``. An AP payment's ``details`` take the company's
own fields (``objects.accounts-payable/payment.details``), and the details are the owned object
``accounts-payable/payment-detail``: listed, read by key and queried, written only with their payment.
"""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import BILL, Client, bill_body, error_of, model, payment_body, submit, targets

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.tenant import EXAMPLE_TENANT, TenantError, load_tenant

CONTRACT = "platform-apps/nsp::contract"
PAYMENT = "accounts-payable/payment"
DETAIL = "accounts-payable/payment-detail"
TENANT = load_tenant(EXAMPLE_TENANT)


@pytest.fixture
def intacct_tenant() -> Any:
    return TENANT


def created(response: Any) -> str:
    assert response.status_code == 201, response.text
    return str(response.json()["ia::result"]["key"])


# ---------------------------------------------------------------- custom relationships
def test_the_model_lists_a_relationship_in_refs_with_the_related_object(api: Client) -> None:
    ref = model(api, BILL)["refs"]["nsp::CONTRACT"]
    assert ref["apiObject"] == CONTRACT
    assert set(ref["fields"]) == {"key", "id"} and ref["fields"]["key"]["mutable"] is True
    assert "nsp::CONTRACT" not in model(api, BILL)["fields"]  # a reference, not a field


def test_a_relationship_is_written_by_key_and_read_back_with_key_and_id(api: Client) -> None:
    key = created(api.create(BILL, bill_body(**{"nsp::CONTRACT": {"key": "10002"}})))
    record = api.get(f"/objects/{BILL}/{key}").json()["ia::result"]
    assert record["nsp::CONTRACT"] == {"key": "10002", "id": "10002"}  # as Sage's GET example shows one
    rows = api.rows(
        object=BILL,
        fields=["key", "nsp::CONTRACT.key", "nsp::CONTRACT.id"],
        filters=[{"$eq": {"nsp::CONTRACT.key": "10002"}}],
    )
    assert rows == [{"key": key, "nsp::CONTRACT.key": "10002", "nsp::CONTRACT.id": "10002"}]
    assert api.patch(f"/objects/{BILL}/{key}", json={"nsp::CONTRACT": {"key": "10001"}}).status_code == 200
    assert api.get(f"/objects/{BILL}/{key}").json()["ia::result"]["nsp::CONTRACT"] == {"key": "10001", "id": "10001"}
    assert api.patch(f"/objects/{BILL}/{key}", json={"nsp::CONTRACT": {"key": None}}).status_code == 200
    assert api.get(f"/objects/{BILL}/{key}").json()["ia::result"]["nsp::CONTRACT"] == {"key": None}


@pytest.mark.parametrize("reading", ["refused", "accepted"])
def test_a_write_by_id_is_as_the_reading_says(api: Client, intacct_sandbox: IntacctSandbox, reading: str) -> None:
    intacct_sandbox.relationship_id = reading
    response = api.create(BILL, bill_body(**{"nsp::CONTRACT": {"id": "10002"}}))
    if reading == "refused":
        assert response.status_code == 400
        assert [(d["code"], d["target"]) for d in error_of(response)["details"]] == [
            ("readOnlyField", "/nsp::CONTRACT/id")
        ]
    else:
        key = created(response)
        assert intacct_sandbox.get_record(BILL, key)["nsp::CONTRACT"] == {"key": "10002", "id": "10002"}


@pytest.mark.parametrize("status", [422, 400])
def test_a_key_naming_no_record_is_refused_naming_the_field(
    api: Client, intacct_sandbox: IntacctSandbox, status: int
) -> None:
    intacct_sandbox.relationship_missing_status = status
    response = api.create(BILL, bill_body(**{"nsp::CONTRACT": {"key": "10099"}}))
    assert response.status_code == status and targets(response) == ["/nsp::CONTRACT/key"]
    assert error_of(response)["details"][0]["message"] == "nsp::CONTRACT: Contract '10099' does not exist"
    assert error_of(response)["details"][0]["code"] == "referenceNotFound"


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("10001", "/nsp::CONTRACT"),
        ({"key": "10001", "name": "x"}, "/nsp::CONTRACT/name"),
        ({"key": 10001}, "/nsp::CONTRACT/key"),
    ],
)
def test_a_relationship_is_validated_like_a_reference(api: Client, value: Any, target: str) -> None:
    response = api.create(BILL, bill_body(**{"nsp::CONTRACT": value}))
    assert response.status_code == 400 and targets(response) == [target]


def test_a_related_record_in_use_cannot_be_deleted(api: Client) -> None:
    created(api.create(BILL, bill_body(**{"nsp::CONTRACT": {"key": "10001"}})))
    response = api.delete(f"/objects/{CONTRACT}/10001")
    assert response.status_code == 422 and error_of(response)["details"][0]["code"] == "inUse"
    assert api.delete(f"/objects/{CONTRACT}/10002").status_code == 204


# ---------------------------------------------------------------- payment details
@pytest.mark.parametrize("owned_lists", ["reference", "inline"])
def test_the_payment_model_lists_its_details_as_the_reading_says(
    api: Client, intacct_sandbox: IntacctSandbox, owned_lists: str
) -> None:
    intacct_sandbox.owned_lists = owned_lists
    details = model(api, PAYMENT)["lists"]["details"]
    owned = model(api, DETAIL)
    assert (owned["type"], owned["httpMethods"]) == ("ownedObject", "OPTIONS,GET")
    assert (
        owned["fields"]["nsp::REMIT_REF"]["type"] == "string" and owned["fields"]["nsp::WITHHELD"]["type"] == "number"
    )
    assert owned["refs"]["apPayment"]["apiObject"] == PAYMENT and owned["refs"]["bill"]["apiObject"] == BILL
    if owned_lists == "reference":
        assert details == {
            "apiObject": DETAIL, "type": "ownedObject", "href": f"/services/core/model?version=v1&name=objects/{DETAIL}"
        }  # fmt: skip
    else:
        assert details["fields"]["nsp::REMIT_REF"] == owned["fields"]["nsp::REMIT_REF"]
    listed = {entry["apiObject"]: entry["type"] for entry in api.get("/services/core/model").json()["ia::result"]}
    assert (listed[f"objects/{DETAIL}"], listed[f"objects/{PAYMENT}"]) == ("ownedObject", "rootObject")


def test_detail_fields_are_written_read_back_and_the_details_are_records_of_their_own(
    api: Client, intacct_sandbox: IntacctSandbox
) -> None:
    body = payment_body("2001", "120.00")
    body["details"][0].update({"nsp::REMIT_REF": "R-7", "nsp::WITHHELD": 59.10})
    key = created(api.create(PAYMENT, body))
    (detail,) = api.get(f"/objects/{PAYMENT}/{key}").json()["ia::result"]["details"]
    assert (detail["nsp::REMIT_REF"], detail["state"], detail["moduleKey"]) == ("R-7", "draft", "3.AP")
    assert detail["apPayment"] == {"key": key, "id": key, "href": f"/objects/{PAYMENT}/{key}"}
    assert detail["href"] == f"/objects/{DETAIL}/{detail['key']}" and detail["id"] == detail["key"]
    alone = api.get(f"/objects/{DETAIL}/{detail['key']}").json()["ia::result"]
    assert alone == detail
    for action in ("submit", "approve", "print", "confirm"):  # paid out: the detail is confirmed, dated
        assert submit(api, PAYMENT, key, action).status_code == 200
    rows = api.rows(
        object=DETAIL,
        fields=["key", "state", "paymentDate", "nsp::REMIT_REF", "nsp::WITHHELD"],
        filters=[{"$eq": {"apPayment.key": key}}],
    )
    assert rows == [
        {"key": detail["key"], "state": "confirmed", "paymentDate": "2026-04-15", "nsp::REMIT_REF": "R-7",
         "nsp::WITHHELD": 59.10}
    ]  # fmt: skip
    listed = api.get(f"/objects/{DETAIL}").json()
    assert (
        listed["ia::meta"]["totalCount"]
        == len(intacct_sandbox.records(DETAIL))
        == len(intacct_sandbox.records(PAYMENT))
    )


def test_a_wrong_detail_field_is_refused_like_any_other(api: Client) -> None:
    body = payment_body("2001", "10.00")
    body["details"][0].update({"nsp::REMIT_RF": "x", "nsp::WITHHELD": "1.00"})
    response = api.create(PAYMENT, body)
    assert response.status_code == 400
    assert set(targets(response)) == {"/details/0/nsp::REMIT_RF", "/details/0/nsp::WITHHELD"}


def test_details_are_written_only_with_their_payment_and_go_with_it(api: Client) -> None:
    key = created(api.create(PAYMENT, payment_body("2001", "10.00")))
    (detail,) = api.get(f"/objects/{PAYMENT}/{key}").json()["ia::result"]["details"]
    for method, path in (("POST", f"/objects/{DETAIL}"), ("PATCH", f"/objects/{DETAIL}/{detail['key']}"),
                         ("DELETE", f"/objects/{DETAIL}/{detail['key']}")):  # fmt: skip
        response = api.request(method, path, json={})
        assert response.status_code == 405 and error_of(response)["code"] == "methodNotAllowed", method
    assert api.delete(f"/objects/{PAYMENT}/{key}").status_code == 204  # a draft: deleted with its details
    assert api.get(f"/objects/{DETAIL}/{detail['key']}").status_code == 404


def test_details_are_seen_as_their_payments_are(intacct_sandbox: IntacctSandbox) -> None:
    """An entity's caller sees the details of its entity's payments only."""
    for entity in ("US", "UK"):
        scoped = Client(intacct_sandbox, entity=entity)
        payments = scoped.rows(object=PAYMENT, fields=["key"], size=1000)
        details = scoped.rows(object=DETAIL, fields=["key", "apPayment.key"], size=1000)
        assert sorted(row["apPayment.key"] for row in details) == sorted(row["key"] for row in payments)
        other = next(p for p in intacct_sandbox.records(PAYMENT) if p["entity"]["id"] not in (entity, None))
        assert scoped.get(f"/objects/{DETAIL}/{other['details'][0]['key']}").status_code == 404


# ---------------------------------------------------------------- the tenant file
@pytest.mark.parametrize(
    ("tenant", "message"),
    [
        ({"objects": {BILL: {"refs": {"nsp::C": {"apiObject": "nsp::nope"}}}}}, "one of the file's custom objects"),
        ({"objects": {BILL: {"refs": {"C": {"apiObject": "nsp::x"}}}}}, "a custom relationship's name is 'nsp::'"),
        ({"objects": {BILL: {"refs": {"nsp::C": {"object": "nsp::x"}}}}}, "unknown key 'object'"),
        ({"objects": {BILL: {"fields": {"nsp::C": {"type": "string"}}, "refs": {"nsp::C": {"apiObject": "nsp::x"}}}},
          "custom_objects": {"nsp::x": {}}}, "already a custom field"),
        ({"objects": {PAYMENT: {"lines": {"nsp::A": {"type": "string"}}}}}, "expected 'fields', 'details', 'refs'"),
        ({"objects": {"accounts-payable/vendor": {"details": {"nsp::A": {"type": "string"}}}}}, "has no lines"),
    ],
)  # fmt: skip
def test_a_tenant_file_that_cannot_describe_a_relationship_or_a_detail_is_refused(tenant: dict, message: str) -> None:
    with pytest.raises(TenantError, match=message):
        load_tenant(tenant)


def test_the_readings_are_settings(intacct_sandbox: IntacctSandbox) -> None:
    import requests

    url = f"{intacct_sandbox.base_url}/sandbox/settings"
    changes = {"owned_lists": "inline", "relationship_id": "accepted", "relationship_missing_status": 400}
    assert requests.post(url, json=changes, timeout=10).status_code == 200
    settings = requests.get(url, timeout=10).json()
    assert {name: settings[name] for name in changes} == changes
    assert intacct_sandbox.relationship_missing_status == 400
    refused = requests.post(url, json={"owned_lists": "nested"}, timeout=10)
    assert refused.status_code == 400 and "owned_lists must be one of reference, inline" in refused.text
    assert {BILL, PAYMENT} <= set(settings["tenant"]["objects"])  # relationships and detail fields count
    intacct_sandbox.reset(tenant=TENANT)
    assert intacct_sandbox.owned_lists == "reference" and intacct_sandbox.relationship_id == "refused"

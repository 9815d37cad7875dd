"""Entity scoping through X-IA-API-Param-Entity: writes land in the entity, reads see only it."""

from __future__ import annotations

from sandbox_helpers import BILL, ENTRY, INVOICE, VENDOR, Client, bill_body, entry_body, error_of, invoice_body

from intacct_provider.sandbox import IntacctSandbox


def test_create_with_entity_header_belongs_to_that_entity(intacct_sandbox: IntacctSandbox) -> None:
    us = Client(intacct_sandbox, entity="US")
    for obj, body in ((BILL, bill_body()), (INVOICE, invoice_body()), (ENTRY, entry_body())):
        key = us.create(obj, body).json()["ia::result"]["key"]
        assert intacct_sandbox.get_record(obj, key)["entity"] == {"id": "US"}
        assert us.get(f"/objects/{obj}/{key}").json()["ia::result"]["entity"]["id"] == "US"


def test_create_without_header_lives_at_top_level(api: Client, intacct_sandbox: IntacctSandbox) -> None:
    key = api.create(BILL, bill_body()).json()["ia::result"]["key"]
    assert intacct_sandbox.get_record(BILL, key)["entity"] == {"id": None}


def test_entity_reads_see_only_their_transactions(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    us, uk = Client(intacct_sandbox, entity="US"), Client(intacct_sandbox, entity="UK")
    everything = api.query(object=BILL, fields=["key", "entity.id"], size=4000).json()["ia::result"]
    us_rows = us.query(object=BILL, fields=["key", "entity.id"], size=4000).json()["ia::result"]
    uk_rows = uk.query(object=BILL, fields=["key", "entity.id"], size=4000).json()["ia::result"]
    assert {r["entity.id"] for r in us_rows} == {"US"} and {r["entity.id"] for r in uk_rows} == {"UK"}
    assert {r["entity.id"] for r in everything} == {None, "US", "UK"}
    assert len(us_rows) + len(uk_rows) < len(everything)
    listed = us.get(f"/objects/{BILL}").json()
    assert listed["ia::meta"]["totalCount"] == len(us_rows)
    assert len(intacct_sandbox.records(BILL, entity="US")) == len(us_rows)


def test_other_entities_records_are_not_found(intacct_sandbox: IntacctSandbox) -> None:
    us, uk = Client(intacct_sandbox, entity="US"), Client(intacct_sandbox, entity="UK")
    key = us.create(BILL, bill_body()).json()["ia::result"]["key"]
    assert uk.get(f"/objects/{BILL}/{key}").status_code == 404
    assert uk.patch(f"/objects/{BILL}/{key}", json={"description": "x"}).status_code == 404
    assert uk.delete(f"/objects/{BILL}/{key}").status_code == 404
    assert us.get(f"/objects/{BILL}/2001").status_code == 404  # the top-level example
    assert Client(intacct_sandbox).get(f"/objects/{BILL}/{key}").status_code == 200


def test_master_data_is_shared(intacct_sandbox: IntacctSandbox) -> None:
    uk = Client(intacct_sandbox, entity="UK")
    assert uk.get(f"/objects/{VENDOR}/33").status_code == 200
    assert uk.get(f"/objects/{VENDOR}").json()["ia::meta"]["totalCount"] == 5
    key = uk.create(VENDOR, {"id": "VEND-UK", "name": "British vendor"}).json()["ia::result"]["key"]
    assert Client(intacct_sandbox, entity="US").get(f"/objects/{VENDOR}/{key}").status_code == 200


def test_unknown_or_non_entity_location_is_400(intacct_sandbox: IntacctSandbox) -> None:
    for entity in ("FR", "US-NY", ""):  # US-NY is a location, not an entity
        response = Client(intacct_sandbox, entity=entity).get(f"/objects/{VENDOR}")
        assert response.status_code == 400, entity
        assert error_of(response)["details"][0]["code"] == "invalidEntity"


def test_private_entity_records_need_include_private_at_the_top_level(
    api: Client, intacct_sandbox: IntacctSandbox
) -> None:
    """Entity CA is private: top-level queries miss its records unless ``includePrivate`` is true
    (Sage's default is false); inside the entity they are ordinary records."""
    default = api.rows(object=BILL, fields=["key", "entity.id"], size=4000)
    private = api.rows(object=BILL, fields=["key", "entity.id"], size=4000, filterParameters={"includePrivate": True})
    assert "CA" not in {r["entity.id"] for r in default}
    assert [r["entity.id"] for r in private].count("CA") == 3 and len(private) == len(default) + 3
    inside = Client(intacct_sandbox, entity="CA").rows(object=BILL, fields=["entity.id"])
    assert [r["entity.id"] for r in inside] == ["CA"] * 3
    assert Client(intacct_sandbox, entity="CA").create(BILL, bill_body()).status_code == 201

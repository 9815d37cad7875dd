"""The audit trail: every create, PATCH, workflow action and DELETE leaves entries in Sage's shape."""

from __future__ import annotations

import base64

import pytest
from sandbox_helpers import BILL, VENDOR, Client, bill_body, error_of, submit

from intacct_provider.sandbox import IntacctSandbox

AUDIT = "company-config/audit-history"
T0 = "2030-01-01T00:00:00Z"
DELETES = [
    {"$eq": {"changeDetails.objectName": BILL}},
    {"$eq": {"changeSource.actionPerformed": "delete"}},
]


@pytest.fixture
def history(intacct_sandbox: IntacctSandbox, api: Client) -> dict[str, str]:
    """A bill created at T0, edited at T0+60, submitted at T0+120 and deleted at T0+180 (after recall)."""
    intacct_sandbox.freeze_time(T0)
    key = api.create(BILL, bill_body(billNumber="AUD-1")).json()["ia::result"]["key"]
    intacct_sandbox.advance_time(60)
    assert api.patch(f"/objects/{BILL}/{key}", json={"description": "edited", "referenceNumber": "R-9"}).ok
    intacct_sandbox.advance_time(60)
    assert submit(api, BILL, key).ok
    intacct_sandbox.advance_time(60)
    other = api.create(BILL, bill_body(billNumber="AUD-2")).json()["ia::result"]["key"]
    assert api.delete(f"/objects/{BILL}/{other}").status_code == 204
    return {"key": key, "deleted": other}


def test_each_write_leaves_its_entries(intacct_sandbox: IntacctSandbox, history: dict[str, str]) -> None:
    entries = intacct_sandbox.audit_entries()
    mine = [e for e in entries if e["changeDetails"]["objectId"] == history["key"]]
    actions = [(e["changeSource"]["actionPerformed"], e["changeDetails"]["fieldName"]) for e in mine]
    assert actions[0] == ("create", None)
    modified = {name for action, name in actions if action == "modify"}
    assert {"description", "referenceNumber"} <= modified  # one entry per changed field
    assert ("workflow", "state") in actions
    workflow = next(e for e in mine if e["changeSource"]["actionPerformed"] == "workflow")
    assert workflow["changeSource"]["workflowAction"] == "submit"
    submitted = "submitted" if intacct_sandbox.bill_approval else "posted"  # bills need approval by default
    assert (workflow["changeDetails"]["previousValue"], workflow["changeDetails"]["newValue"]) == ("draft", submitted)
    edit = next(e for e in mine if e["changeDetails"]["fieldName"] == "description")
    assert edit["changeDetails"]["newValue"] == "edited" and edit["changeSource"]["accessDateTime"] == (
        "2030-01-01T00:01:00Z"
    )
    gone = [e for e in entries if e["changeDetails"]["objectId"] == history["deleted"]]
    assert [e["changeSource"]["actionPerformed"] for e in gone] == ["create", "delete"]
    assert gone[1]["changeSource"]["accessDateTime"] == "2030-01-01T00:03:00Z"


def test_entries_have_sages_shape(intacct_sandbox: IntacctSandbox, history: dict[str, str]) -> None:
    entry = intacct_sandbox.audit_entries()[-1]
    assert set(entry) == {"key", "id", "changeDetails", "changeSource", "notes", "href"}
    assert set(entry["changeDetails"]) == {"objectName", "objectId", "fieldName", "previousValue", "newValue"}
    assert {"source", "completedBy", "accessDateTime", "actionPerformed", "workflowAction"} <= set(
        entry["changeSource"]
    )
    assert entry["changeSource"]["source"] == "api" and entry["changeSource"]["completedBy"] == "sandbox-api-user"
    assert base64.urlsafe_b64decode(entry["key"] + "==").decode() == entry["id"]  # base64url, as the spec shows
    assert entry["href"] == f"/objects/{AUDIT}/{entry['key']}"


def test_query_service_filters_deletes_by_object_and_time(api: Client, history: dict[str, str]) -> None:
    fields = ["key", "changeDetails.objectId", "changeSource.accessDateTime"]
    rows = api.rows(object=AUDIT, fields=fields, filters=DELETES, orderBy=[{"key": "asc"}])
    assert [row["changeDetails.objectId"] for row in rows] == [history["deleted"]]
    later = [*DELETES, {"$gte": {"changeSource.accessDateTime": "2030-01-01T00:03:01Z"}}]
    assert api.rows(object=AUDIT, fields=fields, filters=later) == []
    earlier = [*DELETES, {"$lt": {"changeSource.accessDateTime": "2030-01-01T00:03:00Z"}}]
    assert api.rows(object=AUDIT, fields=fields, filters=earlier) == []
    vendors = [{"$eq": {"changeDetails.objectName": VENDOR}}]
    assert api.rows(object=AUDIT, filters=vendors) == []


def test_query_pages_stay_in_key_order(api: Client, history: dict[str, str]) -> None:
    everything = api.rows(object=AUDIT, fields=["key"], orderBy=[{"key": "asc"}], size=4000)
    keys = [row["key"] for row in everything]
    assert keys == sorted(keys) and len(keys) >= 6
    pages = [api.rows(object=AUDIT, fields=["key"], orderBy=[{"key": "asc"}], start=s, size=2) for s in (1, 3, 5)]
    assert [row["key"] for page in pages for row in page] == keys[:6]


def test_list_and_get_by_key(api: Client, history: dict[str, str]) -> None:
    listed = api.get(f"/objects/{AUDIT}")
    assert listed.status_code == 200
    refs = listed.json()["ia::result"]
    assert set(refs[0]) == {"key", "id", "href"}
    one = api.get(f"/objects/{AUDIT}/{refs[-1]['key']}")
    assert one.status_code == 200 and one.json()["ia::result"]["changeSource"]["actionPerformed"] == "delete"
    assert api.get(f"/objects/{AUDIT}/nope").status_code == 404


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_the_trail_is_read_only(api: Client, history: dict[str, str], method: str) -> None:
    key = api.get(f"/objects/{AUDIT}").json()["ia::result"][0]["key"]
    path = f"/objects/{AUDIT}" if method == "POST" else f"/objects/{AUDIT}/{key}"
    assert api.request(method, path, json={}).status_code == 405


def test_object_id_switch(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.audit_object_id = "id"
    key = api.create(VENDOR, {"id": "VEND-900", "name": "New"}).json()["ia::result"]["key"]
    assert api.delete(f"/objects/{VENDOR}/{key}").status_code == 204
    assert [e["changeDetails"]["objectId"] for e in intacct_sandbox.audit_entries()] == ["VEND-900", "VEND-900"]
    intacct_sandbox.audit_object_id = "key"
    key = api.create(VENDOR, {"id": "VEND-901", "name": "Newer"}).json()["ia::result"]["key"]
    assert intacct_sandbox.audit_entries()[-1]["changeDetails"]["objectId"] == key


def test_refused_permission_is_a_403_on_every_read(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.audit_trail = "refused"
    answers = [
        api.query(object=AUDIT, filters=DELETES),
        api.get(f"/objects/{AUDIT}"),
        api.get(f"/objects/{AUDIT}/OTA6MQ"),
    ]
    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert "audit trail" in error_of(answers[0])["message"]
    assert api.create(BILL, bill_body()).status_code == 201  # writes still work, and are still audited
    intacct_sandbox.reset()
    assert intacct_sandbox.audit_trail == "allowed"


def test_handle_deletes_and_reset_forgets_the_trail(intacct_sandbox: IntacctSandbox) -> None:
    draft = next(b for b in intacct_sandbox.records(BILL) if b["state"] == "draft")
    intacct_sandbox.delete_record(BILL, draft["key"])
    assert [e["changeSource"]["actionPerformed"] for e in intacct_sandbox.audit_entries()] == ["delete"]
    with pytest.raises(KeyError):
        intacct_sandbox.get_record(BILL, draft["key"])
    paid = next(b["key"] for b in intacct_sandbox.records(BILL) if b["state"] == "paid")
    with pytest.raises(ValueError, match="payments applied"):
        intacct_sandbox.delete_record(BILL, paid)
    intacct_sandbox.reset()
    assert intacct_sandbox.audit_entries() == []


def test_an_atomic_bulk_refusal_takes_its_entries_back(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.bulk_result_shape = "atomic"
    bad = bill_body(billNumber="ATOM-2", vendor={"id": "VEND-404"})
    answer = api.create(BILL, [bill_body(billNumber="ATOM-1"), bad])
    assert answer.status_code >= 400
    assert intacct_sandbox.audit_entries() == []


def test_null_modified_stamps_switch(intacct_sandbox: IntacctSandbox, api: Client) -> None:
    intacct_sandbox.null_modified_stamps = True
    key = api.create(BILL, bill_body(billNumber="NULL-1")).json()["ia::result"]["key"]
    stored = intacct_sandbox.get_record(BILL, key)
    assert stored["audit"]["modifiedDateTime"] is None and stored["audit"]["createdDateTime"]
    rows = api.rows(object=BILL, fields=["key"], filters=[{"$eq": {"audit.modifiedDateTime": None}}])
    assert [row["key"] for row in rows] == [key]
    assert api.patch(f"/objects/{BILL}/{key}", json={"description": "now modified"}).ok
    assert intacct_sandbox.get_record(BILL, key)["audit"]["modifiedDateTime"] is not None

"""Array POST/PATCH, batch GET, the 207 shapes and the faults that hit one item or strike mid-run."""

from __future__ import annotations

import pytest
from sandbox_helpers import BILL, VENDOR


def bill(number, vendor="VEND-100", amount="10.00"):
    return {
        "vendor": {"id": vendor},
        "createdDate": "2026-11-01",
        "dueDate": "2026-12-01",
        "billNumber": number,
        "currency": {"txnCurrency": "USD"},
        "lines": [{"glAccount": {"id": "6700"}, "txnAmount": amount, "dimensions": {"location": {"id": "US"}}}],
    }


def numbers(sandbox, prefix):
    return sorted(r["billNumber"] for r in sandbox.records(BILL) if str(r["billNumber"]).startswith(prefix))


def test_all_success_is_the_documented_array_of_references(api, intacct_sandbox):
    response = api.post(f"/objects/{BILL}", json=[bill("A-1"), bill("A-2")])
    assert response.status_code == 201
    body = response.json()
    assert body["ia::meta"] == {"totalCount": 2, "totalSuccess": 2, "totalError": 0}
    assert [intacct_sandbox.get_record(BILL, ref["key"])["billNumber"] for ref in body["ia::result"]] == ["A-1", "A-2"]
    assert intacct_sandbox.get_record(BILL, body["ia::result"][1]["key"])["billNumber"] == "A-2"


def test_composite_shape_by_default_each_item_validated(api, intacct_sandbox):
    response = api.post(f"/objects/{BILL}", json=[bill("C-1"), bill("C-2", vendor="NOPE"), bill("C-3", amount=5)])
    assert response.status_code == 207
    items = response.json()["ia::result"]
    assert [item["ia::status"] for item in items] == [201, 422, 400]
    assert intacct_sandbox.get_record(BILL, items[0]["ia::result"]["key"])["billNumber"] == "C-1"
    assert items[1]["ia::error"]["details"][0]["target"] == "/vendor/id"
    assert response.json()["ia::meta"] == {"totalCount": 3, "totalSuccess": 1, "totalError": 2}
    assert numbers(intacct_sandbox, "C-") == ["C-1"]


def test_bare_shape(api, intacct_sandbox):
    intacct_sandbox.bulk_result_shape = "bare"
    items = api.post(f"/objects/{BILL}", json=[bill("D-1"), bill("D-2", vendor="NOPE")]).json()["ia::result"]
    assert set(items[0]) == {"key", "id", "href"}
    assert set(items[1]) == {"ia::error"}


def test_atomic_shape_refuses_the_whole_batch(api, intacct_sandbox):
    before = len(intacct_sandbox.records(BILL))
    api.patch("/sandbox/settings", json={"bulk_result_shape": "atomic"})
    response = api.post(f"/objects/{BILL}", json=[bill("E-1"), bill("E-2", vendor="NOPE")])
    assert response.status_code == 422
    targets = [d["target"] for d in response.json()["ia::result"]["ia::error"]["details"]]
    assert targets == ["/1/vendor/id"]
    assert len(intacct_sandbox.records(BILL)) == before


def test_more_than_500_or_none_is_400(api):
    assert api.post(f"/objects/{BILL}", json=[bill(f"F-{i}") for i in range(501)]).status_code == 400
    assert api.post(f"/objects/{BILL}", json=[]).status_code == 400
    assert api.patch(f"/objects/{VENDOR}", json=[{"key": "33", "name": "x"}] * 501).status_code == 400


def test_batch_get_by_comma_separated_keys(api, intacct_sandbox):
    keys = [r["key"] for r in intacct_sandbox.records(VENDOR)[:3]]
    response = api.get(f"/objects/{VENDOR}/{','.join(keys)}")
    assert response.status_code == 200
    assert [r["key"] for r in response.json()["ia::result"]] == keys
    missing = api.get(f"/objects/{VENDOR}/{keys[0]},999999")
    assert missing.status_code == 207
    assert [item["ia::status"] for item in missing.json()["ia::result"]] == [200, 404]


def test_array_patch_by_key_in_body(api, intacct_sandbox):
    first, second = intacct_sandbox.records(VENDOR)[:2]
    response = api.patch(f"/objects/{VENDOR}", json=[{"key": first["key"], "name": "Renamed"}, {"name": "no key"}])
    assert response.status_code == 207
    assert [item["ia::status"] for item in response.json()["ia::result"]] == [200, 400]
    assert intacct_sandbox.get_record(VENDOR, first["key"])["name"] == "Renamed"
    assert intacct_sandbox.get_record(VENDOR, second["key"])["name"] == second["name"]


def test_item_fault_hits_one_record(api, intacct_sandbox):
    intacct_sandbox.inject("item_status", method="POST", path=f"/objects/{BILL}$", status=503, item=1)
    items = api.post(f"/objects/{BILL}", json=[bill("G-1"), bill("G-2"), bill("G-3")]).json()["ia::result"]
    assert [item["ia::status"] for item in items] == [201, 503, 201]
    assert numbers(intacct_sandbox, "G-") == ["G-1", "G-3"]


def test_fault_after_lets_requests_through_first(api, intacct_sandbox):
    intacct_sandbox.inject("status", status=429, count=2, method="POST", path=f"/objects/{BILL}$", after=1)
    statuses = [api.post(f"/objects/{BILL}", json=[bill(f"H-{i}")]).status_code for i in range(4)]
    assert statuses == [201, 429, 429, 201]


@pytest.mark.parametrize("replay", [True, False])
def test_idempotency_key_covers_the_whole_array(api, intacct_sandbox, replay):
    intacct_sandbox.idempotency = "replay" if replay else "conflict"
    body = [bill("I-1"), bill("I-2", vendor="NOPE")]
    first = api.post(f"/objects/{BILL}", json=body, headers={"Idempotency-Key": "bulk-1"})
    again = api.post(f"/objects/{BILL}", json=body, headers={"Idempotency-Key": "bulk-1"})
    assert first.status_code == 207
    if replay:
        assert again.status_code == 207 and again.json() == first.json()
    else:
        assert again.status_code == 409
    assert numbers(intacct_sandbox, "I-") == ["I-1"]

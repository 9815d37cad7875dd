"""Query pages read the company as it is after every kind of write, in every entity scope.

The query service takes its records from the tables' indexes (key order, per entity; see
``sandbox/tables.py``) instead of a pass over every record: these tests page through each scope
after each write the sandbox has and compare with a plain pass over the stored records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import BILL, Client, bill_body, submit

from intacct_provider.sandbox import IntacctSandbox

PAYMENT = "accounts-payable/payment"
#: (entity header, filterParameters.includePrivate): top level without and with private entities,
#: an ordinary entity and the private one from inside.
SCOPES = ((None, False), (None, True), ("US", False), ("CA", False))
#: What each object's rows carry: fields a write changes in place (description, state, amount due).
FIELDS = {BILL: ["key", "description", "state", "totalTxnAmountDue"], PAYMENT: ["key", "state", "paymentMethod"]}


def _stored(sb: IntacctSandbox, path: str, entity: str | None, include_private: bool) -> list[dict[str, Any]]:
    """The rows a scope should see, by a plain pass over the table's records (what the index replaced)."""
    store = sb.state.store
    private = {name for name, hidden in store.entities.items() if hidden}
    records = [
        rec
        for rec in store.tables[path].records.values()
        if (
            rec["entity"]["id"] == entity
            if entity is not None
            else include_private or rec["entity"]["id"] not in private
        )
    ]
    return [{name: rec.get(name) for name in FIELDS[path]} for rec in records]


def _paged(sb: IntacctSandbox, path: str, entity: str | None, include_private: bool) -> list[dict[str, Any]]:
    """Every row of the scope, read in pages of 9, each page's count checked against the first."""
    client = Client(sb, entity=entity)
    rows: list[dict[str, Any]] = []
    total = None
    while total is None or len(rows) < total:
        answer = client.query(
            object=path,
            fields=FIELDS[path],
            orderBy=[{"key": "asc"}],
            start=len(rows) + 1,
            size=9,
            filterParameters={"includePrivate": include_private},
        ).json()
        assert total in (None, answer["ia::meta"]["totalCount"])
        total = answer["ia::meta"]["totalCount"]
        rows += answer["ia::result"]
        assert answer["ia::result"] or total == 0
    return rows


def _check_every_scope(sb: IntacctSandbox, path: str = BILL) -> None:
    for entity, include_private in SCOPES:
        expected = _stored(sb, path, entity, include_private)
        assert _paged(sb, path, entity, include_private) == expected, (entity, include_private)
        client = Client(sb, entity=entity)
        newest = client.rows(
            object=path,
            fields=FIELDS[path],
            orderBy=[{"key": "desc"}],
            size=4000,
            filterParameters={"includePrivate": include_private},
        )
        assert newest == expected[::-1]
        drafts = client.rows(
            object=path,
            fields=FIELDS[path],
            filters=[{"$eq": {"state": "draft"}}],
            size=4000,
            filterParameters={"includePrivate": include_private},
        )
        assert drafts == [row for row in expected if row["state"] == "draft"]


def _create_each_scope(sb: IntacctSandbox) -> None:
    for entity in (None, "US", "CA"):
        assert Client(sb, entity=entity).create(BILL, bill_body(description=f"new in {entity}")).status_code == 201


def _create_array_in_private_entity(sb: IntacctSandbox) -> None:
    answer = Client(sb, entity="CA").post(f"/objects/{BILL}", json=[bill_body(), bill_body(), bill_body()])
    assert answer.status_code == 201


def _patch_private_bill(sb: IntacctSandbox) -> None:
    key = Client(sb, entity="CA").rows(object=BILL, fields=["key"])[0]["key"]
    assert Client(sb, entity="CA").patch(f"/objects/{BILL}/{key}", json={"description": "changed"}).status_code == 200


def _patch_array(sb: IntacctSandbox) -> None:
    keys = [row["key"] for row in Client(sb).rows(object=BILL, fields=["key"], size=3)]
    answer = Client(sb).patch(f"/objects/{BILL}", json=[{"key": key, "description": f"bulk {key}"} for key in keys])
    assert answer.status_code == 200


def _delete_in_two_scopes(sb: IntacctSandbox) -> None:
    for entity in ("CA", "US"):
        client = Client(sb, entity=entity)
        drafts = client.rows(object=BILL, fields=["key"], filters=[{"$eq": {"state": "draft"}}])
        key = drafts[0]["key"] if drafts else client.create(BILL, bill_body()).json()["ia::result"]["key"]
        assert client.delete(f"/objects/{BILL}/{key}").status_code == 204


def _delete_through_the_handle(sb: IntacctSandbox) -> None:
    key = Client(sb, entity="CA").create(BILL, bill_body()).json()["ia::result"]["key"]
    sb.delete_record(BILL, key)


def _submit_a_draft(sb: IntacctSandbox) -> None:
    client = Client(sb, entity="US")
    key = client.create(BILL, bill_body()).json()["ia::result"]["key"]
    assert submit(client, BILL, key).json()["ia::result"]["state"] == "submitted"


def _pay_a_bill(sb: IntacctSandbox) -> None:
    sb.record_payment(BILL, "2001", "10.00")  # a payment record created and paid out, the bill settled


def _atomic_array_create_refused(sb: IntacctSandbox) -> None:
    sb.bulk_result_shape = "atomic"
    items = [bill_body(), bill_body(vendor={"id": "NOPE"})]
    assert Client(sb, entity="CA").post(f"/objects/{BILL}", json=items).status_code == 422


def _atomic_array_patch_refused(sb: IntacctSandbox) -> None:
    sb.bulk_result_shape = "atomic"
    key = Client(sb, entity="CA").rows(object=BILL, fields=["key"])[0]["key"]
    items = [{"key": key, "description": "rolled back"}, {"key": key, "vendor": {"id": "NOPE"}}]
    assert Client(sb).patch(f"/objects/{BILL}", json=items).status_code == 422


WRITES: dict[str, Callable[[IntacctSandbox], None]] = {
    "create in each scope": _create_each_scope,
    "array create in a private entity": _create_array_in_private_entity,
    "patch a private bill": _patch_private_bill,
    "array patch": _patch_array,
    "delete in two scopes": _delete_in_two_scopes,
    "delete through the handle": _delete_through_the_handle,
    "workflow action": _submit_a_draft,
    "payment": _pay_a_bill,
    "atomic array create refused": _atomic_array_create_refused,
    "atomic array patch refused": _atomic_array_patch_refused,
}


@pytest.mark.parametrize("write", list(WRITES))
def test_pages_follow_each_write(intacct_sandbox: IntacctSandbox, write: str) -> None:
    _check_every_scope(intacct_sandbox)
    WRITES[write](intacct_sandbox)
    _check_every_scope(intacct_sandbox)
    _check_every_scope(intacct_sandbox, PAYMENT)


def test_pages_follow_a_run_of_writes(intacct_sandbox: IntacctSandbox) -> None:
    """The same writes one after another, each read back at once (a read between writes sees each)."""
    for write in WRITES.values():
        write(intacct_sandbox)
        _check_every_scope(intacct_sandbox)
    intacct_sandbox.reset()
    _check_every_scope(intacct_sandbox)

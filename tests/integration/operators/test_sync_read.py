"""SyncRead against answers no honest Intacct gives (the scripted loopback server): loud, never silent."""

from __future__ import annotations

import pytest
from scripted_server import Answer, token

from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import (
    IntacctAuditTrailError,
    IntacctProtocolError,
    IntacctServerError,
)
from intacct_provider.operators.execute.sync import SyncRead

BILL = "accounts-payable/bill"
WINDOW = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-02T00:00:00Z"}


def page(rows, total=None):
    meta = {"totalCount": len(rows) if total is None else total, "start": 1, "pageSize": 4000, "next": None}
    return Answer(200, {"ia::result": rows, "ia::meta": meta})


def deletion(object_id, at="2026-11-01T10:00:00Z", **changes):
    row = {
        "key": f"K{object_id}",
        "changeDetails.objectName": BILL,
        "changeDetails.objectId": object_id,
        "changeSource.actionPerformed": "delete",
        "changeSource.accessDateTime": at,
    }
    row.update(changes)
    return row


def queried(server):
    return [r["body"]["object"] for r in server.requests if r["path"].endswith("/services/core/query")]


def read(scripted_hook, **kwargs):
    return SyncRead(scripted_hook, QuerySpec.build("bill", ["key"]), **WINDOW, track_deletes=True, **kwargs)


def test_the_interface_other_operators_use(server, scripted_hook):
    server.play([token(), page([deletion("7")]), page([{"key": "5"}, {"key": "7"}, {"key": "8"}])])
    sync = read(scripted_hook, lookback=3600)
    assert sync.window == ["2026-10-31T23:00:00Z", "2026-11-02T00:00:00Z"]
    rows = list(sync.rows())
    assert rows == [{"key": "5"}, {"key": "8"}, {"key": "7", "id": None, "_deleted": True,
                                                 "_deleted_at": "2026-11-01T10:00:00Z"}]  # fmt: skip
    assert sync.deleted == 1
    sync.commit()  # nothing to store for the audit trail
    trail, live = (r["body"] for r in server.requests if r["path"].endswith("/query"))
    assert trail["object"] == "company-config/audit-history" and trail["size"] == 4000
    assert {"$gte": {"changeSource.accessDateTime": "2026-10-31T23:00:00Z"}} in trail["filters"]
    assert live["orderBy"] == [{"audit.modifiedDateTime": "asc"}, {"key": "asc"}]
    assert live["filterExpression"] == "(1 and 2) or (3 and ((4 and 5) or 6))"


@pytest.mark.parametrize(
    "bad",
    [
        deletion("7", **{"changeDetails.objectName": "accounts-payable/vendor"}),
        deletion("7", **{"changeSource.actionPerformed": "create"}),
        deletion("7", at="2026-11-05T00:00:00Z"),
        deletion(None),
    ],
)
def test_a_trail_answer_that_contradicts_the_query_fails_before_the_rows(server, scripted_hook, bad):
    server.play([token(), page([deletion("6"), bad])])
    with pytest.raises(IntacctProtocolError, match="audit trail answer contradicts"):
        read(scripted_hook).rows()
    assert queried(server) == ["company-config/audit-history"]


def test_a_trail_page_that_contradicts_its_count_fails(server, scripted_hook):
    server.play([token(), page([deletion("6")], total=3)])
    with pytest.raises(IntacctProtocolError, match="totalCount 3"):
        read(scripted_hook).rows()


def test_a_403_names_the_fix_and_is_permanent(server, scripted_hook):
    refused = {"ia::result": {"ia::error": {"code": "forbidden", "message": "Permission denied"}}}
    server.play([token(), Answer(403, refused)])
    with pytest.raises(IntacctAuditTrailError, match=r"Permission denied.*'Audit trail' permission") as caught:
        read(scripted_hook).rows()
    assert caught.value.status == 403


def test_a_server_error_stays_retryable(server, scripted_hook):
    server.play([token(), Answer(503, {"error": "down"}), Answer(503, {"error": "down"})])
    with pytest.raises(IntacctServerError) as caught:
        read(scripted_hook).rows()
    assert not isinstance(caught.value, IntacctAuditTrailError)  # Airflow's retries may still help


def test_ids_name_the_key_only_when_the_tenant_shows_it(server, scripted_hook):
    by_id = {"audit_object_id": "id"}
    sample_same = page([{"key": "9", "id": "9"}, {"key": "8", "id": "8"}])
    server.play([token(), page([deletion("2001")]), sample_same, page([])])
    [same] = list(read(scripted_hook, **by_id).rows())
    assert same["key"] == "2001"
    sample_numbers = page([{"key": "9", "id": "9"}, {"key": "8", "id": "BILL-108"}])
    server.play([page([deletion("BILL-1")]), sample_numbers, page([])])
    [tombstone] = list(read(scripted_hook, **by_id).rows())
    assert (tombstone["key"], tombstone["id"]) == (None, "BILL-1")
    check = next(r["body"] for r in server.requests if r["body"] and r["body"].get("object") == BILL)
    assert check["fields"] == ["key", "id"] and check["size"] == 100

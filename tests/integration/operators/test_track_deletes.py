"""IntacctQueryOperator(track_deletes=...): deleted records reach the output, against the sandbox.

Every reading of the contract's open questions is exercised: the audit trail's ``objectId`` holding
the key or the id (with a bill's id being its key or its number), the trail refused, a record
whose modified stamp is null.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from bills import new_bill

from intacct_provider.core.deletions import key_order
from intacct_provider.exceptions import IntacctAuditTrailError, IntacctConfigError, IntacctValidationError
from intacct_provider.operators import IntacctQueryOperator

BILL = "accounts-payable/bill"
VENDOR = "accounts-payable/vendor"
T0 = "2030-01-01T00:00:00Z"
WINDOW = {"modified_since": "2030-01-01T00:00:00Z", "modified_until": "2030-01-02T00:00:00Z"}


def context():
    return {"ti": SimpleNamespace(dag_id="d", task_id="t", run_id="r", map_index=-1)}


def run_query(**kwargs):
    return IntacctQueryOperator(task_id="q", **kwargs).execute(context())


def lines_of(path):
    return [json.loads(line) for line in open(path, encoding="utf-8").read().splitlines()]


@pytest.fixture(
    params=[("key", "key"), ("id", "key"), ("id", "number")], ids=["objectId=key", "objectId=id", "id=number"]
)
def setting(request, intacct_sandbox):
    """(what the trail's objectId holds, what a bill's id is): each reading the contract allows."""
    intacct_sandbox.audit_object_id, intacct_sandbox.id_semantics = request.param
    return request.param


@pytest.fixture
def history(intacct_sandbox, intacct_conn, hook):
    """During 2030-01-01: A created, B created, C created then deleted, A modified, an old bill deleted.

    Returns each bill's key and id; the window ``WINDOW`` holds all of it.
    """
    intacct_sandbox.freeze_time(T0)
    old = next(b for b in intacct_sandbox.records(BILL) if b["state"] == "draft")
    intacct_sandbox.advance_time(3600)
    keys = {name: new_bill(hook, f"DEL-{name}") for name in "ABC"}
    intacct_sandbox.advance_time(3600)
    hook.delete_record("bill", keys["C"])
    intacct_sandbox.advance_time(3600)
    hook.update_record("bill", keys["A"], {"description": "edited"})
    intacct_sandbox.advance_time(3600)
    intacct_sandbox.delete_record(BILL, old["key"])
    intacct_sandbox.advance_time(86400)  # the window is in the past when the sync runs
    return {**keys, "old": old["key"], "old_id": old["id"]}


def expected_tombstone(setting, key, number, at):
    object_id, id_semantics = setting
    record_id = key if id_semantics == "key" else number
    if object_id == "key":
        return {"key": key, "id": None, "_deleted": True, "_deleted_at": at}
    # The trail gives the id; a bill's id is also its key only where the tenant's bills show it.
    return {"key": key if id_semantics == "key" else None, "id": record_id, "_deleted": True, "_deleted_at": at}


def test_a_window_writes_live_rows_once_then_one_tombstone_per_deletion(setting, history, tmp_path):
    target = tmp_path / "bills.jsonl"
    result = run_query(object="bill", fields=["key", "id"], **WINDOW, track_deletes=True,
                       audit_object_id=setting[0], output_path=str(target))  # fmt: skip
    lines = lines_of(target)
    live = [line for line in lines if not line.get("_deleted")]
    assert [row["key"] for row in live] == [history["B"], history["A"]]  # by modified stamp: B, then A (edited)
    assert lines[len(live) :] == [
        expected_tombstone(setting, history["C"], "DEL-C", "2030-01-01T02:00:00Z"),
        expected_tombstone(setting, history["old"], history["old_id"], "2030-01-01T04:00:00Z"),
    ]
    assert result == {"path": str(target), "count": 4, "object": BILL, "window": [WINDOW["modified_since"],
                      WINDOW["modified_until"]], "deleted": 2}  # fmt: skip
    again = tmp_path / "again.jsonl"
    run_query(object="bill", fields=["key", "id"], **WINDOW, track_deletes=True, audit_object_id=setting[0],
              output_path=str(again))  # fmt: skip
    assert again.read_bytes() == target.read_bytes()  # a rerun of the window writes the same file


def test_tombstones_follow_the_rows_in_xcom(history):
    rows = run_query(object="bill", **WINDOW, track_deletes="true")
    assert [row.get("_deleted", False) for row in rows] == [False, False, True, True]
    assert rows[-1]["key"] == history["old"] and rows[0]["key"] == history["B"]


def test_only_the_deletions_of_the_window(history):
    late = {"modified_since": "2030-01-01T03:00:00Z", "modified_until": "2030-01-02T00:00:00Z"}
    rows = run_query(object="bill", fields=["key"], **late, track_deletes=True)
    assert [(row["key"], row.get("_deleted", False)) for row in rows] == [(history["A"], False), (history["old"], True)]
    looked_back = run_query(object="bill", fields=["key"], **late, lookback=3600, track_deletes=True)
    assert {row["key"] for row in looked_back if row.get("_deleted")} == {history["C"], history["old"]}


def test_a_row_the_query_still_returns_is_left_out_for_its_tombstone(intacct_sandbox, history, monkeypatch):
    from intacct_provider.hooks.intacct import IntacctHook

    original = IntacctHook.iter_query

    def stale(self, spec, *args, **kwargs):  # Intacct is eventually consistent: a deleted row may linger
        yield from original(self, spec, *args, **kwargs)
        if spec.object == BILL and "audit.modifiedDateTime" in str(spec.filters):
            yield {"key": history["C"], "id": history["C"]}

    monkeypatch.setattr(IntacctHook, "iter_query", stale)
    rows = run_query(object="bill", fields=["key", "id"], **WINDOW, track_deletes=True)
    assert [row["key"] for row in rows if row["key"] == history["C"]] == [history["C"]]
    assert next(row for row in rows if row["key"] == history["C"])["_deleted"] is True


def test_vendors_read_by_id_keep_a_null_key(intacct_sandbox, intacct_conn, hook, tmp_path):
    intacct_sandbox.audit_object_id = "id"
    intacct_sandbox.freeze_time(T0)
    key = hook.create_record("vendor", {"id": "VEND-900", "name": "Short-lived"})["key"]
    intacct_sandbox.advance_time(60)
    hook.delete_record("vendor", key)
    rows = run_query(object="vendor", **WINDOW, track_deletes=True, audit_object_id="id")
    assert rows == [{"key": None, "id": "VEND-900", "_deleted": True, "_deleted_at": "2030-01-01T00:01:00Z"}]
    with pytest.raises(IntacctConfigError, match="audit_object_id='id'"):  # read as keys, ids are refused loudly
        run_query(object="vendor", **WINDOW, track_deletes=True)


def test_a_live_record_reusing_a_deleted_id_wins(intacct_sandbox, intacct_conn, hook):
    intacct_sandbox.audit_object_id = "id"
    intacct_sandbox.freeze_time(T0)
    first = hook.create_record("vendor", {"id": "VEND-900", "name": "First"})["key"]
    hook.delete_record("vendor", first)
    intacct_sandbox.advance_time(60)
    second = hook.create_record("vendor", {"id": "VEND-900", "name": "Second"})["key"]
    rows = run_query(object="vendor", fields=["key", "name"], **WINDOW, track_deletes=True, audit_object_id="id")
    assert rows == [{"key": second, "name": "Second"}]  # the id column was read to compare, then left out


def test_refused_audit_trail_fails_before_writing_anything(intacct_sandbox, history, tmp_path):
    intacct_sandbox.audit_trail = "refused"
    target = tmp_path / "bills.jsonl"
    with pytest.raises(IntacctAuditTrailError) as caught:
        run_query(object="bill", **WINDOW, track_deletes=True, output_path=str(target))
    message = str(caught.value)
    assert "track_deletes" in message and "Audit trail" in message and "track_deletes='keys'" in message
    assert "HTTP 403" in message
    assert list(tmp_path.iterdir()) == []  # no file, no partial file
    queried = [r for r in intacct_sandbox.requests if r["path"].endswith("/services/core/query")]
    assert [r["body"]["object"] for r in queried] == ["company-config/audit-history"]  # the rows were never read
    from airflow.providers.common.compat.sdk import AirflowFailException

    assert isinstance(caught.value, AirflowFailException)  # no retries burnt on a permission


def test_keys_mode_finds_deletions_without_the_trail(intacct_sandbox, intacct_conn, hook, tmp_path):
    intacct_sandbox.audit_trail = "refused"
    state = tmp_path / "state" / "bills.keys"
    day1 = {"modified_since": "2030-01-01T00:00:00Z", "modified_until": "2030-01-02T00:00:00Z"}
    day2 = {"modified_since": "2030-01-02T00:00:00Z", "modified_until": "2030-01-03T00:00:00Z"}
    intacct_sandbox.freeze_time("2030-01-01T12:00:00Z")
    short = new_bill(hook, "K-1")
    first = run_query(object="bill", fields=["key"], **day1, track_deletes="keys", keys_state_path=str(state))
    assert [row["key"] for row in first] == [short]  # a first run stores the set and reports nothing gone
    header, *stored = state.read_text().splitlines()
    assert header.startswith("# intacct-provider key set v1 object=accounts-payable/bill count=")
    assert stored == sorted(stored, key=key_order) and short in stored
    assert len(stored) == len(intacct_sandbox.records(BILL))
    intacct_sandbox.freeze_time("2030-01-02T12:00:00Z")
    hook.delete_record("bill", short)
    draft = next(b for b in intacct_sandbox.records(BILL) if b["state"] == "draft")["key"]
    hook.delete_record("bill", draft)
    second = run_query(object="bill", fields=["key"], **day2, track_deletes="keys", keys_state_path=str(state))
    gone = {"_deleted": True, "_deleted_at": "2030-01-03T00:00:00Z", "id": None}
    assert second == [{"key": k, **gone} for k in sorted([draft, short], key=key_order)]
    rerun = run_query(object="bill", fields=["key"], **day2, track_deletes="keys", keys_state_path=str(state))
    assert rerun == second  # a retry of the window compares with the set its first run compared with
    assert (tmp_path / "state" / "bills.keys.previous").exists()
    assert short not in state.read_text().splitlines()


def test_keys_mode_keeps_records_created_while_it_read(intacct_sandbox, intacct_conn, hook, tmp_path, monkeypatch):
    from intacct_provider.hooks.intacct import IntacctHook

    state = tmp_path / "bills.keys"
    intacct_sandbox.freeze_time("2030-01-01T12:00:00Z")
    original = IntacctHook.iter_query
    created = []

    def create_after_key_read(self, spec, *args, **kwargs):
        yield from original(self, spec, *args, **kwargs)
        if spec.fields == ["key"] and not spec.filters and not created:
            created.append(new_bill(hook, "RACE-1"))  # after the key list, before the rows

    monkeypatch.setattr(IntacctHook, "iter_query", create_after_key_read)
    rows = run_query(object="bill", fields=["key"], **WINDOW, track_deletes="keys", keys_state_path=str(state))
    assert [row["key"] for row in rows] == created
    assert created[0] in state.read_text().splitlines()  # written out, so compared next run


def test_a_key_set_of_another_object_is_refused(intacct_sandbox, intacct_conn, tmp_path):
    state = tmp_path / "shared.keys"
    run_query(object="vendor", fields=["key"], max_records=1, track_deletes="keys", keys_state_path=str(state))
    with pytest.raises(IntacctValidationError, match=r"keys_state_path.*accounts-payable/vendor"):
        run_query(object="bill", fields=["key"], max_records=1, track_deletes="keys", keys_state_path=str(state))
    header, *keys = state.read_text().splitlines()
    state.write_text("\n".join([header, *keys[:-1]]) + "\n")  # a cut file would invent a deletion
    with pytest.raises(IntacctValidationError, match="promises"):
        run_query(object="vendor", fields=["key"], max_records=1, track_deletes="keys", keys_state_path=str(state))


def test_a_record_never_modified_is_read_by_its_created_stamp(intacct_sandbox, intacct_conn, hook):
    intacct_sandbox.null_modified_stamps = True
    intacct_sandbox.freeze_time("2030-01-01T06:00:00Z")
    key = new_bill(hook, "NULL-1")
    assert intacct_sandbox.get_record(BILL, key)["audit"]["modifiedDateTime"] is None
    rows = run_query(object="bill", fields=["key", "audit.createdDateTime"], **WINDOW)
    assert [row["key"] for row in rows] == [key]
    assert run_query(object="bill", fields=["key"], modified_since="2030-01-02T00:00:00Z") == []


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"track_deletes": "yes"}, "track_deletes"),
        ({"track_deletes": "keys"}, "keys_state_path"),
        ({"track_deletes": True, "keys_state_path": "/tmp/x.keys"}, "keys_state_path"),
        ({"track_deletes": True, "audit_object_id": "name"}, "audit_object_id"),
    ],
)
def test_bad_arguments_fail_before_any_request(intacct_sandbox, intacct_conn, kwargs, parameter):
    with pytest.raises(IntacctValidationError, match=parameter):
        run_query(object="bill", **kwargs)
    assert intacct_sandbox.requests == []


@pytest.fixture
def memory_scheme(monkeypatch):
    """fsspec's in-memory filesystem under ``memory://``, registered the way a provider registers s3://."""
    from airflow.sdk.io import fs
    from fsspec.implementations.memory import MemoryFileSystem

    monkeypatch.setitem(fs._BUILTIN_SCHEME_TO_FS, "memory", lambda _conn_id, _options: MemoryFileSystem())
    fs._register_filesystems.cache_clear()
    yield
    fs._register_filesystems.cache_clear()
    MemoryFileSystem.store.clear()


def test_keys_mode_keeps_its_set_in_object_storage(intacct_sandbox, intacct_conn, hook, memory_scheme):
    from airflow.sdk import ObjectStoragePath

    state = "memory://intacct-state/vendors.keys"
    day1 = {"modified_since": "2030-01-01T00:00:00Z", "modified_until": "2030-01-02T00:00:00Z"}
    day2 = {"modified_since": "2030-01-02T00:00:00Z", "modified_until": "2030-01-03T00:00:00Z"}
    intacct_sandbox.freeze_time("2030-01-01T12:00:00Z")
    key = hook.create_record("vendor", {"id": "VEND-900", "name": "Short-lived"})["key"]
    run_query(object="vendor", fields=["key"], **day1, track_deletes="keys", keys_state_path=state)
    assert key in ObjectStoragePath(state).read_text().splitlines()
    hook.delete_record("vendor", key)
    rows = run_query(object="vendor", fields=["key"], **day2, track_deletes="keys", keys_state_path=state)
    assert rows == [{"key": key, "id": None, "_deleted": True, "_deleted_at": "2030-01-03T00:00:00Z"}]
    assert key in ObjectStoragePath(state + ".previous").read_text().splitlines()
    assert key not in ObjectStoragePath(state).read_text().splitlines()

"""core.deletions: the audit-trail query and its answers, tombstones and key sets, without a server."""

from __future__ import annotations

import random

import pytest

from intacct_provider.core.deletions import (
    AUDIT_PATH,
    Deletion,
    KeyCollector,
    KeySetError,
    counted_keys,
    gone,
    key_order,
    key_set_header,
    merged,
    read_deletion,
    read_key_set_header,
    tombstones,
    track_deletes_mode,
    trail_spec,
)
from intacct_provider.core.deletions import audit_object_id as check_object_id
from intacct_provider.exceptions import (
    IntacctConfigError,
    IntacctProtocolError,
    IntacctValidationError,
)

BILL = "accounts-payable/bill"
START, UNTIL = "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"


def entry(**changes):
    row = {
        "key": "OTA6MQ",
        "changeDetails.objectName": BILL,
        "changeDetails.objectId": "2001",
        "changeSource.actionPerformed": "delete",
        "changeSource.accessDateTime": "2026-11-01T10:00:00Z",
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("value", "mode"),
    [(None, False), (False, False), ("", False), ("False", False), (True, True), ("true", True), (" keys ", "keys")],
)
def test_track_deletes_accepts_what_templates_render(value, mode):
    assert track_deletes_mode(value) == mode


@pytest.mark.parametrize("value", ["yes", 1, "audit", ["keys"]])
def test_track_deletes_refuses_anything_else(value):
    with pytest.raises(IntacctValidationError, match="track_deletes"):
        track_deletes_mode(value)


def test_audit_object_id():
    assert check_object_id("key") == "key" and check_object_id(" ID ") == "id"
    with pytest.raises(IntacctValidationError, match="audit_object_id"):
        check_object_id("number")


def test_trail_spec_asks_for_the_objects_deletes_in_the_window():
    body = trail_spec(BILL, START, UNTIL).body(1, 4000)
    assert body["object"] == AUDIT_PATH
    assert body["filters"] == [
        {"$eq": {"changeDetails.objectName": BILL}},
        {"$eq": {"changeSource.actionPerformed": "delete"}},
        {"$gte": {"changeSource.accessDateTime": START}},
        {"$lt": {"changeSource.accessDateTime": UNTIL}},
    ]
    assert "changeDetails.objectId" in body["fields"] and body["orderBy"] == [{"key": "asc"}]
    assert len(trail_spec(BILL, None, None).filters) == 2  # no window: every deletion of the object


def test_a_deletion_is_read_and_normalised():
    read = read_deletion(entry(**{"changeSource.accessDateTime": "2026-11-01T11:00:00+01:00"}), path=BILL,
                         start=START, until=UNTIL, identity="key")  # fmt: skip
    assert read == Deletion("2001", "2026-11-01T10:00:00Z")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"changeDetails.objectName": "accounts-payable/vendor"}, "is about"),
        ({"changeSource.actionPerformed": "modify"}, "not a delete"),
        ({"changeDetails.objectId": None}, "names no record"),
        ({"changeDetails.objectId": " "}, "names no record"),
        ({"changeSource.accessDateTime": None}, "no readable"),
        ({"changeSource.accessDateTime": "yesterday"}, "no readable"),
        ({"changeSource.accessDateTime": "2026-11-02T00:00:00Z"}, "outside the window"),
        ({"changeSource.accessDateTime": "2026-10-31T23:59:59Z"}, "outside the window"),
    ],
)
def test_an_entry_that_contradicts_the_question_is_an_error(changes, problem):
    with pytest.raises(IntacctProtocolError, match=problem):
        read_deletion(entry(**changes), path=BILL, start=START, until=UNTIL, identity="key")


def test_an_id_read_as_a_key_is_a_configuration_error():
    with pytest.raises(IntacctConfigError, match="audit_object_id='id'"):
        read_deletion(entry(**{"changeDetails.objectId": "VEND-100"}), path=BILL, start=None, until=None,
                      identity="key")  # fmt: skip
    read = read_deletion(entry(**{"changeDetails.objectId": "VEND-100"}), path=BILL, start=None, until=None,
                         identity="id")  # fmt: skip
    assert read.object_id == "VEND-100"


def test_tombstones_one_per_record_latest_first_seen_order():
    found = [Deletion("9", "2026-11-01T03:00:00Z"), Deletion("10", "2026-11-01T01:00:00Z"),
             Deletion("9", "2026-11-01T05:00:00Z"), Deletion("2", "2026-11-01T05:00:00Z")]  # fmt: skip
    assert tombstones(found, identity="key") == [
        {"key": "10", "id": None, "_deleted": True, "_deleted_at": "2026-11-01T01:00:00Z"},
        {"key": "2", "id": None, "_deleted": True, "_deleted_at": "2026-11-01T05:00:00Z"},
        {"key": "9", "id": None, "_deleted": True, "_deleted_at": "2026-11-01T05:00:00Z"},
    ]


def test_tombstones_by_id_name_the_key_only_when_the_id_is_the_key():
    found = [Deletion("2001", "2026-11-01T01:00:00Z")]
    assert tombstones(found, identity="id")[0] == {
        "key": None, "id": "2001", "_deleted": True, "_deleted_at": "2026-11-01T01:00:00Z"
    }  # fmt: skip
    assert tombstones(found, identity="id", id_is_key=True)[0]["key"] == "2001"
    assert tombstones(found, identity="key", id_is_key=True)[0]["id"] is None  # the trail gave no id


def test_key_order_is_numeric_then_text():
    keys = ["10", "9", "0010", "B", "100", "A", "0", str(2**63)]
    assert sorted(keys, key=key_order) == ["0", "9", "10", "100", "0010", str(2**63), "A", "B"]


def test_key_collector_keeps_numbers_compactly_in_order():
    collector = KeyCollector()
    shuffled = [str(n) for n in range(1, 2001)] + ["X-1"]
    random.Random(7).shuffle(shuffled)
    for key in shuffled:
        collector.add(key)
    assert len(collector) == 2001
    assert list(collector) == sorted(shuffled, key=key_order)
    assert "1500" in collector and "X-1" in collector and "2002" not in collector and "01" not in collector
    assert collector._numbers.itemsize == 8  # 8 bytes a key, not a Python object


@pytest.mark.parametrize("key", ["", " 7", "7 8", "#7", "a\nb"])
def test_a_key_a_file_cannot_hold_is_refused(key):
    with pytest.raises(IntacctProtocolError, match="key set"):
        KeyCollector().add(key)


def test_merged_and_gone_walk_sorted_sets():
    previous = ["1", "2", "5", "9", "12", "Z"]
    current = ["2", "3", "9", "12"]
    assert list(gone(previous, current)) == ["1", "5", "Z"]
    assert list(merged(["1", "5", "12"], ["2", "5", "30", "A"])) == ["1", "2", "5", "12", "30", "A"]
    with pytest.raises(KeySetError, match="not in key order"):
        list(gone(["5", "2"], current))


def test_key_set_headers_and_counts():
    line = key_set_header(BILL, 3, UNTIL)
    header = read_key_set_header(line + "\n", BILL)
    assert (header.object, header.count, header.until) == (BILL, 3, UNTIL)
    assert read_key_set_header(key_set_header(BILL, 0, None), BILL).until is None
    with pytest.raises(KeySetError, match="keys of accounts-payable/bill, not"):
        read_key_set_header(line, "accounts-payable/vendor")
    with pytest.raises(KeySetError, match="not a key-set header"):
        read_key_set_header('[{"key": "1"}]', BILL)
    assert list(counted_keys(["1\n", "2\n", "3\n"], header)) == ["1", "2", "3"]
    with pytest.raises(KeySetError, match="promises 3 keys but it holds 2"):
        list(counted_keys(["1\n", "2\n"], header))

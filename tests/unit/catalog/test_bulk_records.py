"""Pre-flight mapping: the single-create payload functions, natural keys, duplicates and batch keys."""

from __future__ import annotations

import pytest

from intacct_provider.catalog.bulk_records import (
    BulkRecordsError,
    DuplicateKeys,
    Preparer,
    Problem,
    problem_of,
)
from intacct_provider.catalog.identity import NaturalKey
from intacct_provider.catalog.payloads import bill_payload
from intacct_provider.catalog.registry import BILL, VENDOR
from intacct_provider.core.batching import batch_idempotency_key, batches
from intacct_provider.exceptions import IntacctValidationError

BILL_RECORD = {
    "vendor_id": "VEND-100",
    "date_created": "2026-11-01",
    "date_due": "2026-12-01",
    "bill_number": "B-1",
    "line_items": [{"glaccountno": "6700", "amount": 12.5}],
}


def test_bill_record_maps_like_the_single_create_operator():
    item = Preparer(BILL, BILL.natural_key).prepare(3, BILL_RECORD)
    assert item.index == 3
    assert item.body == bill_payload(**BILL_RECORD)
    assert item.natural == (("vendor.id", "VEND-100"), ("billNumber", "B-1"))
    assert item.natural_key() == {"vendor.id": "VEND-100", "billNumber": "B-1"}


def test_bill_without_number_has_no_natural_key():
    record = {k: v for k, v in BILL_RECORD.items() if k != "bill_number"}
    assert Preparer(BILL, BILL.natural_key).prepare(0, record).natural is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vendor_idd": "x"}, "vendor_idd"),
        ({"date_due": "2026-10-01"}, "date_due"),
        ({"line_items": [{"glaccountno": "6700", "amount": "abc"}]}, "line_items[0].amount"),
        ({"date_created": None}, "date_created"),
    ],
)
def test_bad_fields_are_named(change, field):
    record = {**BILL_RECORD, **change}
    with pytest.raises(IntacctValidationError) as info:
        Preparer(BILL, BILL.natural_key).prepare(0, record)
    assert info.value.parameter == field


def test_missing_required_argument_is_named():
    record = {k: v for k, v in BILL_RECORD.items() if k != "line_items"}
    with pytest.raises(IntacctValidationError) as info:
        Preparer(BILL, BILL.natural_key).prepare(0, record)
    assert info.value.parameter == "line_items"


def test_vendor_record_uses_its_argument_names():
    item = Preparer(VENDOR, ("id",)).prepare(0, {"vendor_id": "V-9", "name": "Nine"})
    assert item.body == {"id": "V-9", "name": "Nine"} and item.natural == (("id", "V-9"),)


def test_raw_path_records_are_bodies():
    item = Preparer(None, ()).prepare(0, {"id": "X", "anything": 1})
    assert item.body == {"id": "X", "anything": 1} and item.natural is None
    with pytest.raises(IntacctValidationError):
        Preparer(None, ()).prepare(0, ["not", "an", "object"])


def test_natural_key_needs_every_field():
    assert NaturalKey(("vendor.id", "billNumber")).of({"vendor": {"id": "V"}, "billNumber": ""}) is None
    assert NaturalKey(("id",)).of({"id": 5}) == (("id", "5"),)
    assert NaturalKey(()).of({"id": 5}) is None


def test_a_skipped_record_is_named_by_the_natural_key_its_arguments_hold():
    preparer = Preparer(BILL, BILL.natural_key)
    record = {**BILL_RECORD, "date_due": "2026-13-01"}
    with pytest.raises(IntacctValidationError) as info:
        preparer.prepare(4, record)
    problem = problem_of(4, info.value, record, preparer)
    assert (problem.field, problem.value) == ("date_due", "2026-13-01")
    assert problem.natural == (("vendor.id", "VEND-100"), ("billNumber", "B-1"))
    assert preparer.natural_of({"vendor_id": "VEND-100"}) is None  # no bill number: no key to name it by
    assert Preparer(None, ("id",)).natural_of({"id": "X-1", "oops": object()}) == (("id", "X-1"),)


def test_duplicate_natural_keys_name_the_first_record():
    preparer = Preparer(BILL, BILL.natural_key)
    duplicates = DuplicateKeys()
    assert duplicates.check(preparer.prepare(0, BILL_RECORD)) is None
    assert duplicates.check(preparer.prepare(1, {**BILL_RECORD, "bill_number": "B-2"})) is None
    problem = duplicates.check(preparer.prepare(2, BILL_RECORD))
    assert problem is not None and problem.index == 2 and "record 0" in problem.expected


def test_error_lists_every_problem_up_to_a_cap():
    problems = [Problem(i, "date_due", "a date") for i in range(25)]
    error = BulkRecordsError("records", problems, 100)
    assert error.parameter == "records" and len(error.problems) == 25
    assert "25 of 100" in str(error) and "record 19: date_due" in str(error) and "and 5 more" in str(error)
    assert "record 20:" not in str(error)


def test_batches_are_lazy_and_bounded():
    def numbers():
        yield from range(7)

    assert list(batches(numbers(), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_batch_keys_follow_the_bodies_and_round():
    bodies = [{"a": 1, "b": 2}]
    key = batch_idempotency_key("airflow-x", 4, 0, bodies)
    assert key.startswith("airflow-x-b4-")
    assert key == batch_idempotency_key("airflow-x", 4, 0, [{"b": 2, "a": 1}])  # key order does not matter
    assert key != batch_idempotency_key("airflow-x", 4, 1, bodies)
    assert key != batch_idempotency_key("airflow-x", 4, 0, [{"a": 1, "b": 3}])
    assert key != batch_idempotency_key("airflow-x", 5, 0, bodies)


def test_a_misspelt_record_argument_names_the_closest_one():
    record = {**{k: v for k, v in BILL_RECORD.items() if k != "vendor_id"}, "vendorid": "VEND-100"}
    with pytest.raises(IntacctValidationError) as info:
        Preparer(BILL, BILL.natural_key).prepare(0, record)
    assert info.value.parameter == "vendorid"
    assert "did you mean 'vendor_id'?" in info.value.expectation
    assert "None" not in str(info.value)


def test_every_problem_of_a_line_is_reported_without_a_stray_expected():
    record = {**BILL_RECORD, "line_items": [{"glaccountno": "6700", "amout": "12.50", "memmo": "x"}]}
    preparer = Preparer(BILL, BILL.natural_key)
    with pytest.raises(IntacctValidationError) as info:
        preparer.prepare(4, record)
    text = problem_of(4, info.value, record, preparer).describe()
    assert text.startswith("record 4: line_items[0]: ")
    assert "unknown key 'amout' — did you mean 'amount'?" in text and "'memmo'" in text
    assert "expected unknown key" not in text


def test_batch_digest_and_spool_lines_are_the_canonical_json_of_each_body():
    """Both identify what was sent across tries of a task: their bytes must not drift between versions."""
    import hashlib
    import json

    from intacct_provider.core.batching import body_digest
    from intacct_provider.operators.execute.bulk.spool import Spool

    canonical = {"sort_keys": True, "separators": (",", ":")}
    items = [Preparer(BILL, BILL.natural_key).prepare(i, {**BILL_RECORD, "bill_number": f"B-{i}"}) for i in range(3)]
    items.append(
        Preparer(BILL, BILL.natural_key).prepare(3, {**BILL_RECORD, "bill_number": None, "description": "Café ☕"})
    )
    bodies = [item.body for item in items]
    expected = hashlib.sha256(b"".join(json.dumps(body, **canonical).encode() + b"\n" for body in bodies))
    assert body_digest(bodies) == expected.hexdigest()
    with Spool() as spool:
        for item in items:
            spool.add(item)
        lines = [
            json.dumps([i.index, i.body, [list(p) for p in i.natural] if i.natural else None], **canonical) + "\n"
            for i in items
        ]
        assert spool.digest() == hashlib.sha256("".join(lines).encode()).hexdigest()
        assert list(spool.items()) == items

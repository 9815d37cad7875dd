"""The results file is in input order, whatever order batches finish in, with skipped records merged in."""

from __future__ import annotations

import json

from intacct_provider.core.results import Result
from intacct_provider.operators.execute.bulk.results import InputOrder, ResultsWriter


def storage(tmp_path):
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(f"file://{tmp_path}/results.jsonl")


def rows_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def created(*indexes):
    return [Result(i, "created", key=str(100 + i)) for i in indexes]


def test_batches_finishing_out_of_order_are_written_by_input_index(tmp_path):
    path = storage(tmp_path)
    skipped = [Result(2, "skipped", error="bad"), Result(7, "skipped", error="bad"), Result(9, "skipped", error="x")]
    with ResultsWriter(path) as writer:
        ordered = InputOrder(writer, skipped)
        ordered.add(1, created(3, 4))  # batch 1 finishes first: it waits for batch 0
        assert not writer.counts  # nothing written yet
        ordered.add(2, created(5, 6, 8))
        ordered.add(0, created(0, 1))
        ordered.close()
    rows = rows_of(path)
    assert [row["index"] for row in rows] == list(range(10))
    assert [row["status"] for row in rows if row["index"] in (2, 7, 9)] == ["skipped"] * 3
    assert writer.counts == {"created": 7, "skipped": 3}


def test_a_batch_that_never_finished_leaves_a_gap_but_the_order_holds(tmp_path):
    """A task failing mid-run still writes what it has, ascending."""
    path = storage(tmp_path)
    with ResultsWriter(path) as writer:
        ordered = InputOrder(writer, [Result(0, "skipped", error="bad")])
        ordered.add(2, created(5, 6))
        ordered.add(1, created(3, 4))
        ordered.close()
    assert [row["index"] for row in rows_of(path)] == [0, 3, 4, 5, 6]


def test_a_row_is_every_field_in_order_with_its_own_natural_key():
    from dataclasses import asdict

    for result in [Result(3, "created", {"vendor.id": "V", "billNumber": "B-3"}, "7"), Result(4, "failed", error="x")]:
        row = result.as_row()
        assert row == asdict(result) and list(row) == list(asdict(result))
        if result.natural_key is not None:
            assert row["natural_key"] is not result.natural_key  # a copy, as asdict made

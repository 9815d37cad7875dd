"""Checkpoints in task_state_store and the results file."""

from __future__ import annotations

import json

from intacct_provider.bulk.checkpoint import STATE_KEY, Checkpoint
from intacct_provider.bulk.results import Result, ResultsWriter


class MemoryStore(dict):
    def set(self, key, value, **_kw):
        self[key] = json.loads(json.dumps(value))  # what the real store keeps: JSON


def test_finished_batches_survive_into_the_next_try():
    store = MemoryStore()
    first = Checkpoint(store, "fp")
    rows = [Result(0, "created", {"id": "V-1"}, "33"), Result(1, "failed", None, None, "refused")]
    first.save(2, rows)
    second = Checkpoint(store, "fp")
    assert second.done == [2]
    assert second.finished() == {2: rows}
    assert store[STATE_KEY] == {"fingerprint": "fp", "done": [2]}


def test_another_input_starts_over():
    store = MemoryStore()
    Checkpoint(store, "fp").save(0, [Result(0, "created", None, "1")])
    assert Checkpoint(store, "other").finished() == {}


def test_without_a_store_nothing_is_kept():
    checkpoint = Checkpoint(None, "fp")
    checkpoint.save(0, [Result(0, "created", None, "1")])
    assert checkpoint.finished() == {}


def test_results_file_and_summary(tmp_path):
    from airflow.sdk import ObjectStoragePath

    path = ObjectStoragePath(f"file://{tmp_path}/out/results.jsonl")
    with ResultsWriter(path) as writer:
        writer.write([Result(1, "created", {"id": "V-1"}, "33"), Result(0, "failed", {"id": "V-0"}, error="no")])
        writer.write([Result(2, "skipped", error="date_due: expected a date")])
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert rows[0] == {"index": 1, "status": "created", "natural_key": {"id": "V-1"}, "key": "33", "error": None}
    assert [r["status"] for r in rows] == ["created", "failed", "skipped"]
    assert writer.summary(("created", "failed", "skipped")) == {
        "created": 1,
        "failed": 1,
        "skipped": 1,
        "results_path": str(path),
    }
    assert writer.describe_failures() == "record 0 (id=V-0): no"

"""Checkpoints in task_state_store and the results file."""

from __future__ import annotations

import json
from decimal import Decimal

from intacct_provider.core.results import Result
from intacct_provider.operators.execute.bulk.checkpoint import STATE_KEY, Checkpoint
from intacct_provider.operators.execute.bulk.results import ResultsWriter


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
    assert store[STATE_KEY] == {"fingerprint": "fp", "done": [2], "started": {}}


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
        writer.write([Result(2, "skipped", error="date_due: expected a date", field="date_due", value=Decimal("1.5"))])
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert rows[0] == {
        "index": 1,
        "status": "created",
        "natural_key": {"id": "V-1"},
        "key": "33",
        "error": None,
        "field": None,
        "value": None,
    }
    assert (rows[2]["field"], rows[2]["value"]) == ("date_due", "1.5")  # a value as its exact text, never a float
    assert [r["status"] for r in rows] == ["created", "failed", "skipped"]
    assert writer.summary(("created", "failed", "skipped")) == {
        "created": 1,
        "failed": 1,
        "skipped": 1,
        "results_path": str(path),
    }
    assert writer.describe_failures() == "record 0 (id=V-0): no"


def test_a_batch_start_is_stored_before_the_batch_is_handed_out():
    store = MemoryStore()
    checkpoint = Checkpoint(store, "fp")
    handed = checkpoint.begin(iter([(0, "a"), (1, "b")]))
    assert next(handed) == (0, "a")
    assert list(store[STATE_KEY]["started"]) == ["0"]  # stored before the caller got batch 0
    assert next(handed) == (1, "b")
    assert sorted(store[STATE_KEY]["started"]) == ["0", "1"]
    checkpoint.save(0, [Result(0, "created", None, "1")])
    assert list(store[STATE_KEY]["started"]) == ["1"]  # a finished batch is not settled again


def test_a_retry_knows_which_batches_an_earlier_try_began_and_when():
    store = MemoryStore()
    first = Checkpoint(store, "fp")
    list(first.begin(iter([(0, "a"), (1, "b")])))
    first.save(0, [Result(0, "created", None, "1")])
    began = store[STATE_KEY]["started"]["1"]
    second = Checkpoint(store, "fp")
    assert second.earlier_try(1) == (True, began)
    assert second.earlier_try(2) == (False, None)  # never handed out: never sent
    list(second.begin(iter([(1, "b"), (2, "c")])))
    assert store[STATE_KEY]["started"]["1"] == began  # the earliest try's start stands
    assert second.earlier_try(2) == (False, None)  # this try's own start is not an earlier try's


def test_without_stored_starts_any_batch_may_have_been_sent_at_an_unknown_time():
    assert Checkpoint(None, "fp").earlier_try(3) == (True, None)
    store = MemoryStore({STATE_KEY: {"fingerprint": "fp", "done": [0]}})  # written before starts were kept
    assert Checkpoint(store, "fp").earlier_try(3) == (True, None)
    assert Checkpoint(MemoryStore(), "fp").earlier_try(0) == (True, None)

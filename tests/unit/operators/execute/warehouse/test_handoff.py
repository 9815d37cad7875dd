"""The hand-over between the reading and the writing thread of a load: errors cross, nothing hangs."""

from __future__ import annotations

import threading

import pytest

from intacct_provider.operators.execute.warehouse.load import Handoff


def start(work, depth=1):
    handoff = Handoff(depth)
    writer = threading.Thread(target=handoff.serve, args=(work,), daemon=True)
    writer.start()
    return handoff, writer


def test_batches_arrive_in_order_and_the_writer_finishes():
    seen = []

    def work(handoff):
        handoff.ready.set()
        seen.extend(handoff.batches())

    handoff, writer = start(work)
    handoff.wait_ready()
    for batch in range(20):
        handoff.put(batch)
    handoff.finish()
    writer.join(timeout=30)
    handoff.raise_error()
    assert seen == list(range(20)) and not writer.is_alive()


def test_a_writer_failure_reaches_the_reader_without_a_hang():
    def work(handoff):
        handoff.ready.set()
        for batch in handoff.batches():
            if batch == 3:
                raise RuntimeError("the database went away")

    def feed(handoff):
        for batch in range(1000):  # far more than the queue holds: the writer keeps draining
            handoff.put(batch)

    handoff, writer = start(work)
    handoff.wait_ready()
    with pytest.raises(RuntimeError, match="went away"):
        feed(handoff)
    handoff.abort()
    writer.join(timeout=30)
    assert not writer.is_alive()


def test_a_failure_before_the_first_batch_is_raised_before_any_row_is_read():
    def work(handoff):
        raise LookupError("table refused")

    handoff, writer = start(work)
    with pytest.raises(LookupError, match="table refused"):
        handoff.wait_ready()
    handoff.abort()
    writer.join(timeout=30)
    assert not writer.is_alive()


def test_a_reader_failure_aborts_the_writer_inside_its_transaction():
    left = []

    class Transaction:
        def __enter__(self):
            return self

        def __exit__(self, kind, error, trace):
            left.append(kind.__name__ if kind else "commit")

    def work(handoff):
        with Transaction():
            handoff.ready.set()
            list(handoff.batches())

    handoff, writer = start(work)
    handoff.wait_ready()
    handoff.put("first page")
    handoff.abort()  # the read failed after one batch
    writer.join(timeout=30)
    assert left == ["_Aborted"]  # the transaction saw an exception: it rolls back
    handoff.raise_error()  # an abort is not an error of the writer's

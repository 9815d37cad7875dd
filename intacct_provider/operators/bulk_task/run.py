"""One bulk task from start to end: pre-flight, batches in flight, checkpoints, results.

1. **Pre-flight.** Every record is prepared (checked and mapped) before the first request, into a
   local spool file; the problems of all records are collected by index and field. With
   ``on_error="fail"`` any problem stops the task before anything is sent; with ``"continue"``
   those records are skipped.
2. **Send.** The spool is read back in batches; up to ``max_concurrency`` batches are in flight
   and one more is queued, none beyond that, so memory stays flat with input size.
3. **Checkpoint.** The main thread alone records each finished batch in ``task_state_store``
   and appends its results to the results file, in input order. A retried task skips finished
   batches and settles every other one by natural key before posting (the earlier try may have
   sent it).
4. **Progress.** After every batch a line (at most one per 10 s: records so far of the total, rate,
   ETA), and one summary at the end: records, API requests, retries, elapsed time.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.bulk_records import BulkRecordsError, DuplicateKeys, Item, Preparer, Problem, problem_of
from intacct_provider.core.batching import batches
from intacct_provider.core.results import Result
from intacct_provider.exceptions import IntacctPermanentError, IntacctValidationError
from intacct_provider.hooks.progress import Progress, duration
from intacct_provider.operators.bulk_task.checkpoint import Checkpoint, StateStore
from intacct_provider.operators.bulk_task.results import InputOrder, ResultsWriter
from intacct_provider.operators.bulk_task.source import Source
from intacct_provider.operators.bulk_task.spool import Spool

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

    from intacct_provider.hooks.batch_writer import BatchWriter

log = logging.getLogger(__name__)


class IntacctBulkWriteError(IntacctPermanentError):
    """Some records failed, the others were written; not retried (a retry would skip them again)."""


@dataclass
class BulkPlan:
    """Everything one run needs, checked by the operator."""

    operation: str  # "create" | "upsert"
    source: Source
    source_parameter: str  # "records" or "input_path", for error messages
    preparer: Preparer
    batch_size: int
    max_concurrency: int
    on_error: str
    output_path: ObjectStoragePath | None
    store: StateStore | None
    resumed: bool  # an earlier try of this task may have sent some batches


@dataclass
class PreflightReport:
    """What the pre-flight pass learned; the prepared records themselves are in the spool."""

    total: int
    problems: list[Problem]


def preflight(plan: BulkPlan, spool: Spool) -> PreflightReport:
    """Prepare every record once into ``spool``, collecting all problems; raise them unless "continue"."""
    problems: list[Problem] = []
    duplicates = DuplicateKeys()
    total = 0
    for index, record in plan.source():
        total = index + 1
        try:
            if isinstance(record, ValueError):
                raise IntacctValidationError("record", str(record), show_value=False)
            item = plan.preparer.prepare(index, record)
        except IntacctValidationError as exc:
            problems.append(problem_of(index, exc))
            continue
        problem = duplicates.check(item)
        if problem is None and plan.operation == "upsert" and item.natural is None:
            problem = Problem(item.index, ", ".join(plan.preparer.key_fields), "a value for every match_on field")
        if problem is not None:
            problems.append(problem)
            continue
        spool.add(item)
    if problems and plan.on_error == "fail":
        raise BulkRecordsError(plan.source_parameter, problems, total)
    return PreflightReport(total, problems)


def run_bulk(plan: BulkPlan, writer: BatchWriter, statuses: tuple[str, ...]) -> tuple[dict[str, Any], ResultsWriter]:
    """Run the whole task; return its XCom summary and the results (failures included)."""
    with Spool() as spool:
        report = preflight(plan, spool)
        fingerprint = hashlib.sha256(
            f"{plan.operation}|{writer.path}|{plan.batch_size}|{writer.key_fields}|{spool.digest()}".encode()
        ).hexdigest()
        checkpoint = Checkpoint(plan.store, fingerprint)
        finished = checkpoint.finished()
        if finished:
            log.info("Resuming: %d batches were finished by an earlier try", len(finished))
        with ResultsWriter(plan.output_path) as results:
            skipped = [Result(p.index, "skipped", error=f"{p.field}: {p.reason()}") for p in report.problems]
            ordered = InputOrder(results, skipped)
            done_before = 0
            for index, batch_results in finished.items():
                writer.claim([row.key for row in batch_results])  # an earlier try's records are this task's
                ordered.add(index, batch_results)
                done_before += len(batch_results)
            todo = checkpoint.begin(  # each batch's start is stored before it is handed to a worker
                (index, batch)
                for index, batch in enumerate(batches(spool.items(), plan.batch_size))
                if index not in finished
            )
            progress = BulkProgress(f"{writer.path} {plan.operation}", spool.count - done_before, writer)
            try:
                _drive(
                    todo,
                    _action(plan, writer, checkpoint),
                    plan.max_concurrency,
                    functools.partial(_finish, checkpoint, ordered, progress),
                )
            finally:
                ordered.close()
                progress.finish()
    log.info("Bulk %s of %d records: %s", plan.operation, report.total, dict(results.counts))
    return results.summary(statuses), results


class BulkProgress(Progress):
    """Progress of the records sent, checked after every batch: API requests and re-sends as the writer counts them."""

    def __init__(self, what: str, total: int, writer: BatchWriter, **kwargs: Any) -> None:
        """``kwargs``: :class:`Progress`'s ``logger``, ``clock`` and ``every``."""
        kwargs.setdefault("logger", log)
        super().__init__(what, total=total, unit="records", **kwargs)
        self.writer = writer
        self._transport_retries = self._retried()

    def batch(self, records: int) -> None:
        """One batch finished with ``records`` results: a progress line if the last is 10 s old."""
        self._count_requests()
        self.advance(records)

    def finish(self) -> str:
        """``<what>: <n> records in <elapsed>, <n> API requests, <n> retries`` (requests, not only queries)."""
        self._count_requests()
        elapsed = duration(self.clock() - self.started)
        summary = (
            f"{self.what}: {self.done:,} {self.unit} in {elapsed}, {self.queries:,} API "
            f"{'request' if self.queries == 1 else 'requests'} (billed transactions), "
            f"{self.retries:,} {'retry' if self.retries == 1 else 'retries'}"
        )
        if not self._finished:
            self._finished = True
            self.log.info("%s", summary)
        return summary

    def _count_requests(self) -> None:
        self.queries = self.writer.requests
        self.retries = self.writer.resends + self._retried() - self._transport_retries

    def _retried(self) -> int:
        transport = getattr(self.writer.hook, "transport", None)
        return int(getattr(transport, "retries", 0) or 0)


def _action(plan: BulkPlan, writer: BatchWriter, checkpoint: Checkpoint) -> Callable[[int, list[Item]], list[Result]]:
    if plan.operation == "upsert":
        return writer.upsert
    if plan.resumed:  # an earlier try may have sent a batch: the checkpoint says whether, and when
        return lambda index, items: writer.create(index, items, *checkpoint.earlier_try(index))
    return lambda index, items: writer.create(index, items, False)


def _finish(
    checkpoint: Checkpoint, ordered: InputOrder, progress: BulkProgress, index: int, rows: list[Result]
) -> None:
    checkpoint.save(index, rows)
    ordered.add(index, rows)
    progress.batch(len(rows))


def _drive(
    todo: Iterator[tuple[int, list[Item]]],
    action: Callable[[int, list[Item]], list[Result]],
    concurrency: int,
    finish: Callable[[int, list[Result]], None],
) -> None:
    """Run ``action`` on batches, ``concurrency`` at a time; ``finish`` each on this thread.

    If a batch raises (a failure no batch can survive: auth, configuration), no new batch starts,
    the ones in flight are still finished and checkpointed, then the error propagates.
    """
    in_flight: dict[Future[list[Result]], int] = {}
    error: BaseException | None = None
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="intacct-bulk") as pool:
        for index, batch in todo:
            in_flight[pool.submit(action, index, batch)] = index
            if len(in_flight) > concurrency:  # one queued batch keeps every worker busy
                error = _collect(in_flight, finish, FIRST_COMPLETED) or error
                if error is not None:
                    break
        while in_flight:
            error = _collect(in_flight, finish, FIRST_COMPLETED) or error
    if error is not None:
        raise error


def _collect(
    in_flight: dict[Future[list[Result]], int], finish: Callable[[int, list[Result]], None], how: str
) -> BaseException | None:
    done, _ = wait(list(in_flight), return_when=how)
    error = None
    for future in done:
        index = in_flight.pop(future)
        exc = future.exception()
        if exc is not None:
            error = error or exc
            continue
        finish(index, future.result())
    return error

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
from intacct_provider.core.batching import batch_idempotency_key, batches
from intacct_provider.core.results import Result
from intacct_provider.exceptions import IntacctPermanentError, IntacctValidationError
from intacct_provider.hooks.progress import Progress, duration
from intacct_provider.operators.execute.bulk.checkpoint import Checkpoint, StateStore
from intacct_provider.operators.execute.bulk.results import InputOrder, ResultsWriter, describe
from intacct_provider.operators.execute.bulk.source import Source
from intacct_provider.operators.execute.bulk.spool import Spool

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

    from intacct_provider.hooks.writes import Keys, WriteEngine

#: Skipped or failed records named in the task's log (every one is in the results file).
MAX_LOGGED = 5

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
            problems.append(problem_of(index, exc, record, plan.preparer))
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


def run_bulk(
    plan: BulkPlan, engine: WriteEngine, idempotency_base: str, statuses: tuple[str, ...]
) -> tuple[dict[str, Any], ResultsWriter]:
    """Run the whole task; return its XCom summary and the results (failures included)."""
    with Spool() as spool:
        report = preflight(plan, spool)
        fingerprint = hashlib.sha256(
            f"{plan.operation}|{engine.path}|{plan.batch_size}|{engine.key.fields}|{spool.digest()}".encode()
        ).hexdigest()
        checkpoint = Checkpoint(plan.store, fingerprint)
        finished = checkpoint.finished()
        if finished:
            log.info("Resuming: %d batches were finished by an earlier try", len(finished))
        with ResultsWriter(plan.output_path) as results:
            skipped = [_skipped(problem) for problem in report.problems]
            ordered = InputOrder(results, skipped)
            done_before = 0
            for index, batch_results in finished.items():
                engine.claim([row.key for row in batch_results])  # an earlier try's records are this task's
                ordered.add(index, batch_results)
                done_before += len(batch_results)
            todo = checkpoint.begin(  # each batch's start is stored before it is handed to a worker
                (index, batch)
                for index, batch in enumerate(batches(spool.items(), plan.batch_size))
                if index not in finished
            )
            progress = BulkProgress(f"{engine.path} {plan.operation}", spool.count - done_before, engine)
            try:
                _drive(
                    todo,
                    _action(plan, engine, idempotency_base, checkpoint),
                    plan.max_concurrency,
                    functools.partial(_finish, checkpoint, ordered, progress),
                )
            finally:
                ordered.close()
                progress.finish()
    log.info("Bulk %s of %d records: %s", plan.operation, report.total, dict(results.counts))
    _log_named("Skipped", skipped, report.total, results, "not valid, so not sent")
    _log_named("Failed", results.failures, report.total, results, "refused by Intacct or not settled")
    return results.summary(statuses), results


def _skipped(problem: Problem) -> Result:
    """The results row of a record the pre-flight refused: its natural key if its arguments name one, the bad value."""
    got = f", got {problem.value!r}" if problem.value is not None else ""
    natural = dict(problem.natural) if problem.natural is not None else None
    error = f"{problem.field}: {problem.reason()}{got}"
    return Result(problem.index, "skipped", natural, error=error, field=problem.field, value=problem.value)


def _log_named(what: str, rows: list[Result], total: int, results: ResultsWriter, why: str) -> None:
    """``Skipped 3 of 45 records (...): record 4 (vendor.id=..., billNumber=...): <reason>; ...; and 1 more``."""
    if not rows:
        return
    where = f"; every record's result is in {results.path}" if results.path is not None else ""
    log.warning("%s %d of %d records (%s): %s%s", what, len(rows), total, why, describe(rows, MAX_LOGGED), where)


class BulkProgress(Progress):
    """Progress of the records sent, checked after every batch: API requests and re-sends as the engine counts them."""

    def __init__(self, what: str, total: int, engine: WriteEngine, **kwargs: Any) -> None:
        """``kwargs``: :class:`Progress`'s ``logger``, ``clock`` and ``every``."""
        kwargs.setdefault("logger", log)
        super().__init__(what, total=total, unit="records", **kwargs)
        self.engine = engine
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
        self.queries = self.engine.requests
        self.retries = self.engine.resends + self._retried() - self._transport_retries

    def _retried(self) -> int:
        transport = getattr(self.engine.channel, "transport", None)
        return int(getattr(transport, "retries", 0) or 0)


def _action(
    plan: BulkPlan, engine: WriteEngine, idempotency_base: str, checkpoint: Checkpoint
) -> Callable[[int, list[Item]], list[Result]]:
    def keys(batch_index: int) -> Keys:
        """The key of each send of one batch: its index, the round and the exact bodies (``core.batching``)."""
        return lambda round_index, sent: batch_idempotency_key(
            idempotency_base, batch_index, round_index, [item.body for item in sent]
        )

    def write(index: int, items: list[Item]) -> list[Result]:
        if plan.operation == "upsert":
            return [written.result() for written in engine.upsert(items, keys(index))]
        # A retried task: an earlier try may have sent a batch; the checkpoint says whether, and when.
        resumed, posted_at = checkpoint.earlier_try(index) if plan.resumed else (False, None)
        return [written.result() for written in engine.create(items, keys(index), resumed=resumed, posted_at=posted_at)]

    return write


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

"""One bulk task from start to end: pre-flight, batches in flight, checkpoints, results.

1. **Pre-flight.** Every record is prepared (checked and mapped) before the first request; the
   problems of all records are collected by index and field. With ``on_error="fail"`` any problem
   stops the task before anything is sent; with ``"continue"`` those records are skipped.
2. **Send.** The input is read again and cut into batches; up to ``max_concurrency`` batches are
   in flight, a few more prepared, none beyond that, so memory stays flat with input size.
3. **Checkpoint.** The main thread alone records each finished batch in ``task_state_store``
   and appends its results to the results file. A retried task skips finished batches and
   settles every other one by natural key before posting (the earlier try may have sent it).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException

from intacct_provider.bulk.batching import batches, body_digest
from intacct_provider.bulk.checkpoint import Checkpoint, StateStore
from intacct_provider.bulk.records import BulkRecordsError, DuplicateKeys, Item, Preparer, Problem, problem_of
from intacct_provider.bulk.results import Result, ResultsWriter
from intacct_provider.bulk.source import Source
from intacct_provider.exceptions import IntacctError, IntacctValidationError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

    from intacct_provider.bulk.writer import BatchWriter

log = logging.getLogger(__name__)


class IntacctBulkWriteError(IntacctError, AirflowFailException):
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
    """What the pre-flight pass learned without keeping the records."""

    total: int
    problems: list[Problem]
    digest: str


def preflight(plan: BulkPlan) -> PreflightReport:
    """Prepare every record once, collecting all problems; raise them unless ``on_error="continue"``."""
    problems: list[Problem] = []
    duplicates = DuplicateKeys()
    digest = hashlib.sha256()
    total = 0
    for item in _prepared(plan, problems):
        total = item.index + 1
        problem = duplicates.check(item)
        if problem is None and plan.operation == "upsert" and item.natural is None:
            problem = Problem(item.index, ", ".join(plan.preparer.key_fields), "a value for every match_on field")
        if problem is not None:
            problems.append(problem)
            continue
        digest.update(body_digest([item.body]).encode())
    total = max([total, *(p.index + 1 for p in problems)])
    if problems and plan.on_error == "fail":
        raise BulkRecordsError(plan.source_parameter, problems, total)
    return PreflightReport(total, problems, digest.hexdigest())


def _prepared(plan: BulkPlan, problems: list[Problem] | None, skip: set[int] | None = None) -> Iterator[Item]:
    """Items of the input in order; bad records go to ``problems`` (or are skipped by index)."""
    for index, record in plan.source():
        if skip is not None and index in skip:
            continue
        try:
            if isinstance(record, ValueError):
                raise IntacctValidationError("record", str(record), show_value=False)
            yield plan.preparer.prepare(index, record)
        except IntacctValidationError as exc:
            if problems is None:
                raise
            problems.append(problem_of(index, exc))


def run_bulk(plan: BulkPlan, writer: BatchWriter, statuses: tuple[str, ...]) -> tuple[dict[str, Any], ResultsWriter]:
    """Run the whole task; return its XCom summary and the results (failures included)."""
    report = preflight(plan)
    fingerprint = hashlib.sha256(
        f"{plan.operation}|{writer.path}|{plan.batch_size}|{writer.key_fields}|{report.digest}".encode()
    ).hexdigest()
    checkpoint = Checkpoint(plan.store, fingerprint)
    finished = checkpoint.finished()
    if finished:
        log.info("Resuming: %d batches were finished by an earlier try", len(finished))
    skip = {problem.index for problem in report.problems}
    with ResultsWriter(plan.output_path) as results:
        results.write([Result(p.index, "skipped", error=f"{p.field}: expected {p.expected}") for p in report.problems])
        for batch_results in finished.values():
            results.write(batch_results)
        action = _action(plan, writer)
        todo = (
            (index, batch)
            for index, batch in enumerate(batches(_prepared(plan, None, skip), plan.batch_size))
            if index not in finished
        )
        _drive(todo, action, plan.max_concurrency, lambda index, rows: _finish(checkpoint, results, index, rows))
    log.info("Bulk %s of %d records: %s", plan.operation, report.total, dict(results.counts))
    return results.summary(statuses), results


def _action(plan: BulkPlan, writer: BatchWriter) -> Callable[[int, list[Item]], list[Result]]:
    if plan.operation == "upsert":
        return writer.upsert
    return lambda index, items: writer.create(index, items, plan.resumed)


def _finish(checkpoint: Checkpoint, results: ResultsWriter, index: int, rows: list[Result]) -> None:
    checkpoint.save(index, rows)
    results.write(rows)


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

"""What the bulk operators run: their arguments checked, one run of :mod:`.run`, the outcome reported.

Every argument is checked before the first request; the records themselves are checked by the
pre-flight of :func:`~intacct_provider.operators.execute.bulk.run.run_bulk`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.bulk_fields import FieldRecordingPreparer
from intacct_provider.catalog.registry import lookup, resolve_path
from intacct_provider.catalog.validation import check_int, parse_json_list
from intacct_provider.core.batching import MAX_BATCH_SIZE
from intacct_provider.core.results import WRITTEN, Result
from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.hooks.writes import WriteEngine
from intacct_provider.operators.execute.bulk.run import BulkPlan, IntacctBulkWriteError, run_bulk
from intacct_provider.operators.execute.bulk.source import record_source
from intacct_provider.operators.execute.create import default_idempotency_key
from intacct_provider.operators.execute.links import push_link, results_url
from intacct_provider.operators.execute.outlets import emit_assets, intacct_outlets, writes_extra
from intacct_provider.operators.links import IntacctResultsFileLink

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from intacct_provider.catalog.bulk_records import Preparer
    from intacct_provider.catalog.registry import IntacctObject

ON_ERROR = ("fail", "continue")
#: Most requests one task keeps in flight.
MAX_CONCURRENCY = 64


def run_bulk_task(operator: Any, context: Context) -> dict[str, Any]:
    """The bulk operators' ``execute``: XCom ``{"created", ..., "results_path"}`` (the statuses of the operation)."""
    path = resolve_path(operator.object)
    obj = lookup(path)  # a registered object, a custom object's entry, or None for another raw path
    preparer = FieldRecordingPreparer(
        obj, key_fields(operator, obj), tenant=lambda: operator.hook.model_for_check(path)
    )
    plan = _plan(operator, context, preparer)
    assets = intacct_outlets(operator, path)  # checked before any request
    base = str(operator.idempotency_key) if operator.idempotency_key else default_idempotency_key(context)
    # One engine for the task's worker threads, over the hook's one pacer.
    engine = WriteEngine(operator.hook, path, plan.preparer.key_fields, rounds=operator.hook.settings.max_retries + 1)
    push_link(context, IntacctResultsFileLink, results_url(plan.output_path))  # known before any record is sent
    summary, results = run_bulk(plan, engine, base, operator.statuses)
    # Records were written even if some failed: lineage says so either way (events only on success).
    operator.record_lineage(
        path,
        "output",
        fields=preparer.fields,
        output_path=summary["results_path"],
        output_fields=[column.name for column in dataclasses.fields(Result)],
    )
    if results.failures and plan.on_error == "fail":
        where = f"; every record's result is in {summary['results_path']}" if summary["results_path"] else ""
        raise IntacctBulkWriteError(
            f"{len(results.failures)} of the records could not be written ({summary}){where}: "
            f"{results.describe_failures()}"
        )
    written = sum(results.counts[status] for status in WRITTEN)
    outcome: dict[str, Any] = {
        name: summary[name] for name in ("exists", "failed", "skipped", "results_path") if name in summary
    }
    emit_assets(context, assets, {**writes_extra(results.written_keys, written), **outcome})
    return summary


def key_fields(operator: Any, obj: IntacctObject | None) -> tuple[str, ...]:
    """Fields that find a record this task may have created: an upsert's ``match_on``, else the natural key."""
    match_on = operator.match_on if operator.operation == "upsert" else None
    if match_on in (None, "", []):
        fields = obj.natural_key if obj is not None else ()
    else:
        names = parse_json_list("match_on", match_on)
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise IntacctValidationError("match_on", "a field name or a list of them, e.g. ['id']", match_on)
        fields = tuple(n.strip() for n in names)
    if not fields and operator.operation == "upsert":
        raise IntacctValidationError(
            "match_on", f"the fields that identify a record of {operator.object} (it has no natural key)", None
        )
    return fields


def _plan(operator: Any, context: Context, preparer: Preparer) -> BulkPlan:
    """Check the arguments (before any request) and gather what the run needs."""
    batch_size = check_int("batch_size", operator.batch_size, minimum=1, maximum=MAX_BATCH_SIZE)
    on_error = operator.on_error.strip() if isinstance(operator.on_error, str) else operator.on_error
    if on_error not in ON_ERROR:  # a template may render " continue\n": spaces are not the mistake
        raise IntacctValidationError("on_error", "'fail' or 'continue'", operator.on_error)
    concurrency = (
        operator.hook.settings.max_concurrency
        if operator.max_concurrency in (None, "")
        else check_int("max_concurrency", operator.max_concurrency, minimum=1, maximum=MAX_CONCURRENCY)
    )
    ti = context["ti"]
    return BulkPlan(
        operation=operator.operation,
        source=record_source(operator.records, operator.input_path),
        source_parameter="records" if operator.records is not None else "input_path",
        preparer=preparer,
        batch_size=batch_size,
        max_concurrency=concurrency,
        on_error=on_error,
        output_path=_storage_path(operator.output_path),
        store=context.get("task_state_store"),
        resumed=int(getattr(ti, "try_number", 1) or 1) > 1,
    )


def _storage_path(value: Any) -> ObjectStoragePath | None:
    from airflow.sdk import ObjectStoragePath

    if value in (None, ""):
        return None
    return value if isinstance(value, ObjectStoragePath) else ObjectStoragePath(str(value))

"""Bulk writes: create or upsert thousands of records in one task, exactly once, resumable.

(The bulk machinery in ``intacct_provider.operators.bulk_task`` is imported when a task runs, not when a DAG
is parsed.)

Records have the shape of the single-create operator's arguments and are checked by the same
functions, all of them before the first request. They are sent as array requests of up to 500
records, several in flight, and every record's outcome is written to a JSON Lines file. See
``intacct_provider.hooks.batch_writer`` for how a lost answer is settled without creating twice.

Data awareness: the object's Intacct asset gets an event listing the written keys when the task
succeeds, and OpenLineage names the object (and the results file) as outputs. A task that fails
after writing some records (``on_error="fail"``) gets no asset event: Airflow records outlet
events only for successful tasks, and a downstream DAG should not start on a partial load (the
results file says what was written; ``on_error="continue"`` succeeds, its event counts the
failures). Its lineage still names the object, since records were written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from intacct_provider.operators.asset_events import IntacctAssetMixin
from intacct_provider.operators.base import IntacctBaseOperator
from intacct_provider.operators.lineage import IntacctLineageMixin
from intacct_provider.operators.links import IntacctResultsFileLink

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct_provider.catalog.bulk_records import Preparer
    from intacct_provider.catalog.registry import IntacctObject
    from intacct_provider.operators.bulk_task.run import BulkPlan

ON_ERROR = ("fail", "continue")


class IntacctBulkCreateOperator(IntacctAssetMixin, IntacctLineageMixin, IntacctBaseOperator):
    """Create many records of one object; XCom ``{"created", "failed", "skipped", "results_path"}``.

    :param object: a registry name (``bill``, ``invoice``, ``journal_entry``, ``vendor``,
        ``customer``), a custom object (``nsp::cip_asset``) or an Intacct path; for a custom object
        or a raw path records are sent as Intacct bodies.
    :param records: a list of records (or its JSON text), each shaped like the single-create
        operator's arguments, e.g. ``{"vendor_id", "date_created", "date_due", "line_items", ...}``;
        custom fields go in ``extra_fields`` and ``line_items`` as for the single create, and are
        checked against the company's model (read once) before anything is sent.
    :param input_path: instead of ``records``, a JSON Lines file (any ``ObjectStoragePath``).
    :param batch_size: records per array request, 1 to 500.
    :param max_concurrency: requests in flight (default: the connection's ``max_concurrency``).
    :param on_error: ``"fail"``: any invalid record stops the task before anything is sent, and
        records Intacct refuses fail the task after every other record was written;
        ``"continue"``: invalid records are skipped, refused ones reported, the task succeeds.
    :param output_path: where to write one JSON line per input record (``index``,
        ``natural_key``, ``key``, ``status``, ``error``); any ``ObjectStoragePath``.
    :param idempotency_key: base of the batches' idempotency keys (default: derived from the DAG,
        task, run and map index, so every try of one task instance derives the same keys).
    :param emit_asset: add the object's asset to ``outlets``
        (see :class:`~intacct_provider.operators.asset_events.IntacctAssetMixin`);
        its event's ``extra`` is ``{"keys", "count", "failed", "skipped", "results_path"}``: the
        created (and updated) records' keys, at most 100, and their count.
    """

    operation: ClassVar[str] = "create"
    operator_extra_links = (IntacctResultsFileLink(),)
    statuses: ClassVar[tuple[str, ...]] = ("created", "failed", "skipped")
    template_fields: tuple[str, ...] = (
        *IntacctBaseOperator.template_fields,
        "object",
        "records",
        "input_path",
        "output_path",
        "idempotency_key",
        "batch_size",
        "max_concurrency",
        "on_error",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"records": "json"}

    def __init__(
        self,
        *,
        object: str,
        records: Any = None,
        input_path: Any = None,
        batch_size: int = 100,
        max_concurrency: int | None = None,
        on_error: str = "fail",
        output_path: Any = None,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.object = object
        self.records = records
        self.input_path = input_path
        self.batch_size = batch_size
        self.max_concurrency = max_concurrency
        self.on_error = on_error
        self.output_path = output_path
        self.idempotency_key = idempotency_key
        self.declare_asset(object)

    def key_fields(self, obj: IntacctObject | None) -> tuple[str, ...]:
        """Fields that find a record this task may have created (the registry's natural key)."""
        return obj.natural_key if obj is not None else ()

    def execute(self, context: Context) -> dict[str, Any]:
        import dataclasses

        from intacct_provider.catalog.bulk_fields import FieldRecordingPreparer
        from intacct_provider.catalog.registry import lookup, resolve_path
        from intacct_provider.core.results import WRITTEN, Result
        from intacct_provider.hooks.batch_writer import BatchWriter
        from intacct_provider.hooks.pacing import Pacer
        from intacct_provider.operators.asset_events import writes_extra
        from intacct_provider.operators.bulk_task.run import IntacctBulkWriteError, run_bulk
        from intacct_provider.operators.create import default_idempotency_key

        path = resolve_path(self.object)
        obj = lookup(path)  # a registered object, a custom object's entry, or None for another raw path
        preparer = FieldRecordingPreparer(obj, self.key_fields(obj), tenant=lambda: self.hook.model_for_check(path))
        plan = self._plan(context, preparer)
        assets = self.intacct_outlets(path)  # checked before any request
        base = str(self.idempotency_key) if self.idempotency_key else default_idempotency_key(context)
        writer = BatchWriter(
            self.hook,
            path,
            plan.preparer.key_fields,
            idempotency_base=base,
            max_rounds=self.hook.settings.max_retries + 1,
            pacer=Pacer(),
        )
        from intacct_provider.operators.links import IntacctResultsFileLink, push_link, results_url

        push_link(context, IntacctResultsFileLink, results_url(plan.output_path))  # known before any record is sent
        summary, results = run_bulk(plan, writer, self.statuses)
        # Records were written even if some failed: lineage says so either way (events only on success).
        self.record_lineage(
            path,
            "output",
            fields=preparer.fields,
            output_path=summary["results_path"],
            output_fields=[column.name for column in dataclasses.fields(Result)],
        )
        if results.failures and self.on_error == "fail":
            where = f"; every record's result is in {summary['results_path']}" if summary["results_path"] else ""
            raise IntacctBulkWriteError(
                f"{len(results.failures)} of the records could not be written ({summary}){where}: "
                f"{results.describe_failures()}"
            )
        written = sum(results.counts[status] for status in WRITTEN)
        outcome = {name: summary[name] for name in ("failed", "skipped", "results_path")}
        self.emit_assets(context, assets, {**writes_extra(results.written_keys, written), **outcome})
        return summary

    def _plan(self, context: Context, preparer: Preparer) -> BulkPlan:
        """Check the arguments (before any request) and gather what the run needs."""
        from intacct_provider.core.batching import MAX_BATCH_SIZE
        from intacct_provider.exceptions import IntacctValidationError
        from intacct_provider.operators.bulk_task.run import BulkPlan
        from intacct_provider.operators.bulk_task.source import record_source

        batch_size = _positive_int("batch_size", self.batch_size, MAX_BATCH_SIZE)
        if isinstance(self.on_error, str) and self.on_error.strip() in ON_ERROR:
            self.on_error = self.on_error.strip()  # a template may render " continue\n"
        if self.on_error not in ON_ERROR:
            raise IntacctValidationError("on_error", "'fail' or 'continue'", self.on_error)
        concurrency = (
            self.hook.settings.max_concurrency
            if self.max_concurrency in (None, "")
            else _positive_int("max_concurrency", self.max_concurrency, 64)
        )
        ti = context["ti"]
        return BulkPlan(
            operation=self.operation,
            source=record_source(self.records, self.input_path),
            source_parameter="records" if self.records is not None else "input_path",
            preparer=preparer,
            batch_size=batch_size,
            max_concurrency=concurrency,
            on_error=self.on_error,
            output_path=_storage_path(self.output_path),
            store=context.get("task_state_store"),
            resumed=int(getattr(ti, "try_number", 1) or 1) > 1,
        )


class IntacctBulkUpsertOperator(IntacctBulkCreateOperator):
    """Create the missing records, update the changed ones, leave identical ones alone.

    Each batch's existing records are read in one ``$in`` query on ``match_on``; missing records
    are created in array POSTs, records that differ get an array PATCH of only the changed
    fields. XCom ``{"created", "updated", "unchanged", "failed", "skipped", "results_path"}``.
    For vendors and customers from a CRM, and for re-running a day's import safely.

    :param match_on: Intacct fields that identify a record (default: the object's natural key,
        e.g. ``["id"]`` for vendors, ``["vendor.id", "billNumber"]`` for bills).
    """

    operation = "upsert"
    statuses = ("created", "updated", "unchanged", "failed", "skipped")
    template_fields = (*IntacctBulkCreateOperator.template_fields, "match_on")

    def __init__(self, *, match_on: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.match_on = match_on

    def key_fields(self, obj: IntacctObject | None) -> tuple[str, ...]:
        from intacct_provider.catalog.validation import parse_json_list
        from intacct_provider.exceptions import IntacctValidationError

        if self.match_on in (None, "", []):
            fields = super().key_fields(obj)
        else:
            names = parse_json_list("match_on", self.match_on)
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
                raise IntacctValidationError("match_on", "a field name or a list of them, e.g. ['id']", self.match_on)
            fields = tuple(n.strip() for n in names)
        if not fields:
            raise IntacctValidationError(
                "match_on", f"the fields that identify a record of {self.object} (it has no natural key)", None
            )
        return fields


def _positive_int(parameter: str, value: Any, maximum: int) -> int:
    from intacct_provider.exceptions import IntacctValidationError

    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or not 1 <= number <= maximum or str(number) != str(value).strip():
        raise IntacctValidationError(parameter, f"an integer from 1 to {maximum}", value)
    return number


def _storage_path(value: Any) -> Any:
    from airflow.sdk import ObjectStoragePath

    if value in (None, ""):
        return None
    return value if isinstance(value, ObjectStoragePath) else ObjectStoragePath(str(value))

"""Bulk writes: create or upsert thousands of records in one task, exactly once, resumable.

(What they run, :mod:`intacct_provider.operators.execute.bulk`, is imported when a task runs, not when a
DAG is parsed.)

Records have the shape of the single-create operator's arguments and are checked by the same
functions, all of them before the first request. They are sent as array requests of up to 500
records, several in flight, and every record's outcome is written to a JSON Lines file. See
``intacct_provider.hooks.writes`` (the write engine the single create shares) for how a lost
answer is settled without creating twice.

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


class IntacctBulkCreateOperator(IntacctAssetMixin, IntacctLineageMixin, IntacctBaseOperator):
    """Create many records of one object; XCom ``{"created", "exists", "failed", "skipped", "results_path"}``.

    A record already in Intacct, identical (an earlier run of the same file made it), is
    reported ``exists`` with its key, not created again and not a failure.

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
    :param output_path: where to write one JSON line per input record (``index``, ``status``,
        ``natural_key``, ``key``, ``error``, and for a skipped record the argument at fault and its
        value, ``field`` and ``value``); any ``ObjectStoragePath``.
    :param idempotency_key: base of the batches' idempotency keys (default: derived from the DAG,
        task, run and map index, so every try of one task instance derives the same keys).
    :param emit_asset: add the object's asset to ``outlets``
        (see :class:`~intacct_provider.operators.asset_events.IntacctAssetMixin`);
        its event's ``extra`` is ``{"keys", "count", "exists", "failed", "skipped", "results_path"}``:
        the created (and updated) records' keys, at most 100, their count, and how many records
        were already there.
    """

    operation: ClassVar[str] = "create"
    operator_extra_links = (IntacctResultsFileLink(),)
    statuses: ClassVar[tuple[str, ...]] = ("created", "exists", "failed", "skipped")
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

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct_provider.operators.execute.bulk.task import run_bulk_task

        return run_bulk_task(self, context)


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

"""Generic record operators: query (incremental, to XCom or a file), get by key or id, update.

What they run (:mod:`intacct_provider.operators.execute.records`) is imported when a task runs, not at DAG parse.

These work for any registry object or raw Intacct path, so a sync of a new
object needs no new operator. Large reads stream to JSON Lines (memory bounded
by a page) and the XCom holds only the path and the count: the metadata DB is
not a data lake.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intacct_provider.operators.asset_events import IntacctAssetMixin
from intacct_provider.operators.base import IntacctBaseOperator
from intacct_provider.operators.lineage import IntacctLineageMixin
from intacct_provider.operators.links import IntacctRecordLink

if TYPE_CHECKING:
    from airflow.sdk import Context


class IntacctQueryOperator(IntacctAssetMixin, IntacctLineageMixin, IntacctBaseOperator):
    """Read every matching record of any object, optionally only those modified in a window.

    :param object: registry name (``bill``), Intacct path (``accounts-payable/bill``) or custom object
        (``nsp::cip_asset`` or ``platform-apps/nsp::cip_asset``).
    :param fields: fields to return (dotted names, flat rows); ``key`` is always included.
    :param filters: Intacct filters (``[{"$eq": {"vendor.id": "VEND-100"}}]``) or ``{"field": value}``.
    :param filter_expression: how the filters combine (``"1 or 2"``); default ``and``.
    :param order_by: default ``key`` ascending (stable paging).
    :param max_records: stop after this many rows.
    :param modified_since: lower bound of ``audit.modifiedDateTime`` (inclusive), e.g. ``{{ data_interval_start }}``.
    :param modified_until: upper bound (exclusive), e.g. ``{{ data_interval_end }}``.
    :param lookback: widen the window backwards by a timedelta or seconds.
    :param filter_parameters: Intacct's ``filterParameters``: ``include_private``, ``case_sensitive``,
        ``as_of_date``, ``include_hierarchy_fields``.
    :param output_path: write JSON Lines here (local path or ``ObjectStoragePath`` URI such as
        ``s3://bucket/intacct/bills.jsonl``) and return ``{"path", "count", "object", "window"}``.
    :param emit_asset: add the object's asset to ``outlets``
        (see :class:`~intacct_provider.operators.asset_events.IntacctAssetMixin`);
        its event's ``extra`` is ``{"count", "window", "path"}`` (plus ``"deleted"`` when deletions are tracked).
    :param track_deletes: also write one tombstone ``{"key", "id", "_deleted": true, "_deleted_at"}`` per
        record deleted in the window, after the rows: ``True`` reads Intacct's audit trail (the task fails
        before writing anything if it cannot), ``"keys"`` compares every key of the object with the set
        the previous run stored at ``keys_state_path``; default ``False``. ``count`` then includes the
        tombstones and ``deleted`` says how many there are. See ``docs/deletions.md``.
    :param keys_state_path: file path or ``ObjectStoragePath`` URI of the key set (``track_deletes="keys"``).
    :param audit_object_id: what the audit trail's ``objectId`` holds for this object, ``"key"`` (default)
        or ``"id"``; Sage does not say ("differs based on the object type").

    A windowed read is ordered by ``audit.modifiedDateTime`` then ``key`` unless ``order_by`` says otherwise;
    a record whose modified stamp is null is read by its created stamp.
    """

    template_fields = (
        *IntacctBaseOperator.template_fields,
        "object",
        "fields",
        "filters",
        "filter_expression",
        "order_by",
        "max_records",
        "modified_since",
        "modified_until",
        "lookback",
        "output_path",
        "filter_parameters",
        "track_deletes",
        "keys_state_path",
        "audit_object_id",
    )
    template_fields_renderers = {"filters": "json", "fields": "json", "filter_parameters": "json"}

    def __init__(
        self,
        *,
        object: str,
        fields: Any = None,
        filters: Any = None,
        filter_expression: str | None = None,
        order_by: Any = None,
        max_records: int | str | None = None,
        modified_since: Any = None,
        modified_until: Any = None,
        lookback: Any = None,
        output_path: Any = None,
        filter_parameters: Any = None,
        track_deletes: Any = False,
        keys_state_path: Any = None,
        audit_object_id: Any = "key",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.track_deletes = track_deletes
        self.keys_state_path = keys_state_path
        self.audit_object_id = audit_object_id
        self.filter_parameters = filter_parameters
        self.object = object
        self.fields = fields
        self.filters = filters
        self.filter_expression = filter_expression
        self.order_by = order_by
        self.max_records = max_records
        self.modified_since = modified_since
        self.modified_until = modified_until
        self.lookback = lookback
        self.output_path = output_path
        self.declare_asset(object)

    def execute(self, context: Context) -> Any:
        from intacct_provider.operators.execute.records import run_query

        return run_query(self, context)


class IntacctGetRecordOperator(IntacctBaseOperator):
    """Return one full record, by system ``key`` or by ``id`` (looked up via the query service).

    What ``id`` means depends on the object, as Sage documents it: for vendors, customers and
    GL accounts it is the user-facing ID (``VEND-100``); for bills, invoices and journal entries
    the spec says ``id`` *is* the ``key``, so a bill's own number is its ``billNumber`` (find a
    bill by number with ``IntacctQueryOperator`` and ``{"billNumber": "..."}``), never its ``id``.

    :param object: registry name, Intacct path or custom object (``nsp::cip_asset``, whose key and id are the same).
    :param key: system key (``"2001"``).
    :param id: the record's ``id`` field; give exactly one of ``key`` and ``id``.
    :param fields: return only these fields (read through the query service: flat rows, dotted
        names as keys), since Intacct's GET by key takes no field list.

    A number field with a fraction (a number custom field) is returned as its exact text
    (``"59.10"``), as Intacct returns its amounts: XCom would round a ``Decimal`` through a float.
    """

    template_fields = (*IntacctBaseOperator.template_fields, "object", "key", "id", "fields")
    operator_extra_links = (IntacctRecordLink(),)

    def __init__(self, *, object: str, key: Any = None, id: Any = None, fields: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.object = object
        self.key = key
        self.id = id
        self.fields = fields

    def record_name(self) -> str:
        """``bill key 2001`` / ``vendor id VEND-100``: the record the get was for."""
        by = f"key {self.key}" if self.key not in (None, "") else f"id {self.id}"
        return f"{self.object} {by}"

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct_provider.operators.execute.records import run_get

        return run_get(self, context)


class IntacctUpdateRecordOperator(IntacctAssetMixin, IntacctLineageMixin, IntacctBaseOperator):
    """PATCH some fields of a record; returns ``{"ia::result": {"href", "id", "key"}}``.

    :param object: registry name, Intacct path or custom object (``nsp::cip_asset``).
    :param key: system key of the record.
    :param changes: the fields to change (a mapping or JSON text), e.g. ``{"description": "approved"}``;
        not ``state``, which only workflow actions change (``IntacctWorkflowOperator``). Custom fields
        (``{"nsp::APPROVER": "jdoe"}``) and a custom object's fields are checked against the company's
        model first (a read, before the PATCH).
    :param emit_asset: add the object's asset to ``outlets``; its event's ``extra`` is ``{"keys", "count"}``.
    :param web_link: read the record's ``webURL`` after the update for the task's "Intacct record"
        link (one more request); ``False``: no link, no request.
    """

    template_fields = (*IntacctBaseOperator.template_fields, "object", "key", "changes", "web_link")
    template_fields_renderers = {"changes": "json"}
    operator_extra_links = (IntacctRecordLink(),)

    def __init__(self, *, object: str, key: Any, changes: Any, web_link: Any = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.object = object
        self.key = key
        self.changes = changes
        self.web_link = web_link
        self.declare_asset(object)

    def record_name(self) -> str:
        """``bill key 2001``: the record the update was for."""
        return f"{self.object} key {self.key}"

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct_provider.operators.execute.records import run_update

        return run_update(self, context)

"""Generic record operators: query (incremental, to XCom or a file), get by key or id, update.

Their helpers (windows, validation, the registry) are imported when a task runs, not at DAG parse.

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
        from intacct_provider.core.query_spec import QuerySpec
        from intacct_provider.operators.sync import SyncRead
        from intacct_provider.operators.windows import write_json_lines

        spec = QuerySpec.build(
            self.object, self.fields, self.filters, self.filter_expression, self.order_by, self.filter_parameters
        )
        sync = SyncRead(
            self.hook,
            spec,
            since=self.modified_since,
            until=self.modified_until,
            lookback=self.lookback,
            track_deletes=self.track_deletes,
            keys_state_path=self.keys_state_path,
            audit_object_id=self.audit_object_id,
            max_records=self.max_records,
            log=self.log,
        )
        path, window = spec.object, sync.window
        assets = self.intacct_outlets(path)  # checked before any request
        rows = sync.rows()  # deletions are read here: a refused audit trail fails before any output
        if self.output_path:
            target, count = write_json_lines(str(self.output_path), rows)
            deleted = {"deleted": sync.deleted} if sync.mode else {}
            self.log.info("Wrote %d %s rows to %s (window %s)", count, path, target, window)
            self.emit_assets(context, assets, {"count": count, "window": window, "path": target, **deleted})
            self.record_lineage(path, "input", fields=spec.fields, output_path=target)
            sync.commit()
            return {"path": target, "count": count, "object": path, "window": window, **deleted}
        from intacct_provider.operators.xcom import collect_for_xcom

        collected = collect_for_xcom(rows, what=f"the {path} rows matching this query")
        deleted = {"deleted": sync.deleted} if sync.mode else {}
        self.log.info("Read %d %s rows (window %s)", len(collected), path, window)
        self.emit_assets(context, assets, {"count": len(collected), "window": window, "path": None, **deleted})
        self.record_lineage(path, "input", fields=spec.fields)
        sync.commit()
        return collected


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
        from intacct_provider.catalog.registry import resolve_path
        from intacct_provider.catalog.validation import check_id, check_key, parse_json_list
        from intacct_provider.exceptions import IntacctValidationError

        path = resolve_path(self.object)
        key = None if self.key is None or str(self.key).strip() == "" else check_key("key", self.key)
        record_id = check_id("id", self.id, required=False)
        if (key is None) == (record_id is None):
            raise IntacctValidationError("key", "exactly one of key and id", {"key": self.key, "id": self.id})
        fields = parse_json_list("fields", self.fields)
        if record_id is not None:
            row = self.hook.find_record(path, [{"$eq": {"id": record_id}}], fields=["key"])
            if row is None:
                from intacct_provider.exceptions import IntacctNotFoundError

                raise IntacctNotFoundError(f"no {path} record with id {record_id!r}", status=404)
            key = str(row["key"])
        assert key is not None
        record = self.hook.get_record(path, key, fields=fields)
        from intacct_provider.core.exact_json import decimals_as_text
        from intacct_provider.operators.links import link_record

        link_record(self, context, path, key, record=record)  # a full record carries its webURL
        # XCom: a number field as its exact text, since Airflow would carry a Decimal through a float.
        return decimals_as_text(record)


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
        from intacct_provider.catalog.registry import resolve_path
        from intacct_provider.catalog.validation import check_key, parse_json
        from intacct_provider.exceptions import IntacctValidationError
        from intacct_provider.operators.asset_events import writes_extra

        path = resolve_path(self.object)
        key = check_key("key", self.key)
        changes = parse_json("changes", self.changes)
        if not isinstance(changes, dict) or not changes:
            raise IntacctValidationError("changes", "a non-empty mapping of fields to new values", self.changes)
        if "state" in changes:
            raise IntacctValidationError(
                "changes.state",
                "no state: Intacct does not change a record's state by PATCH; run the documented workflow "
                "action with IntacctWorkflowOperator(object=..., action='submit'|'approve'|'reverse'..., key=...)",
                changes["state"],
            )
        assert key is not None
        from intacct_provider.operators.links import link_record
        from intacct_provider.operators.workflow import check_flag

        fetch_link = check_flag("web_link", self.web_link)
        from intacct_provider.catalog.body_check import join_path
        from intacct_provider.catalog.custom_fields import with_model

        changes = with_model(
            lambda: self.hook.model_for_check(path),
            path,
            changes,
            name=lambda parts: join_path(["changes", *parts]),
            operation="update",
        )
        assets = self.intacct_outlets(path)
        reference = self.hook.update_record(path, key, changes)
        link_record(self, context, path, key, fetch=fetch_link)
        self.emit_assets(context, assets, writes_extra([reference["key"]]))
        self.record_lineage(path, "output", fields=list(changes))
        return {"ia::result": reference}

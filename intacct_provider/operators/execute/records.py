"""What the record operators run: a list (one page), a query (incremental, to a file or XCom), a get, an update."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.body_check import join_path
from intacct_provider.catalog.custom_fields import with_model
from intacct_provider.catalog.registry import entry, resolve_path
from intacct_provider.catalog.validation import (
    check_flag,
    check_id,
    check_key,
    check_pagesize,
    parse_json,
    parse_json_list,
)
from intacct_provider.core.exact_json import decimals_as_text
from intacct_provider.core.query import QUERY_PATH
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import IntacctNotFoundError, IntacctValidationError
from intacct_provider.operators.execute.links import link_record
from intacct_provider.operators.execute.outlets import emit_assets, intacct_outlets, writes_extra
from intacct_provider.operators.execute.sync import SyncRead
from intacct_provider.operators.execute.windows import write_json_lines
from intacct_provider.operators.execute.xcom import collect_for_xcom, page_rows

if TYPE_CHECKING:
    from airflow.sdk import Context


def run_list(operator: Any, context: Context) -> dict[str, list[dict[str, Any]]]:
    """``IntacctListOperator.execute``: one page of references, ordered by key, by the entry's filters."""
    obj = entry(operator.object)
    size = check_pagesize(operator.pagesize)
    fields = parse_json_list("fields", operator.fields)
    filters = []
    for parameter, field in obj.filters.items():
        value = check_id(parameter, operator.filter_values.get(parameter), required=False)
        if value is not None:
            filters.append({"$eq": {field: value}})
    page = operator.hook.query(obj.path, fields=fields, filters=filters or None, order_by=[{"key": "asc"}], size=size)
    rows = page_rows(page, asked=size, call=f"POST {QUERY_PATH} ({obj.path})")
    total = (page.get("ia::meta") or {}).get("totalCount")
    operator.log.info("Listed %d of %s %s", len(rows), total, obj.list_key)
    return {obj.list_key: collect_for_xcom(rows, what=f"this {obj.label} list")}


def run_query(operator: Any, context: Context) -> Any:
    """``IntacctQueryOperator.execute``: read the window (deletions too) to a JSON Lines file or to XCom."""
    spec = QuerySpec.build(
        operator.object,
        operator.fields,
        operator.filters,
        operator.filter_expression,
        operator.order_by,
        operator.filter_parameters,
    )
    sync = SyncRead(
        operator.hook,
        spec,
        since=operator.modified_since,
        until=operator.modified_until,
        lookback=operator.lookback,
        track_deletes=operator.track_deletes,
        keys_state_path=operator.keys_state_path,
        audit_object_id=operator.audit_object_id,
        max_records=operator.max_records,
        log=operator.log,
    )
    path, window = spec.object, sync.window
    assets = intacct_outlets(operator, path)  # checked before any request
    rows = sync.rows()  # deletions are read here: a refused audit trail fails before any output
    if operator.output_path:
        target, count = write_json_lines(str(operator.output_path), rows)
        deleted = {"deleted": sync.deleted} if sync.mode else {}
        operator.log.info("Wrote %d %s rows to %s (window %s)", count, path, target, window)
        emit_assets(context, assets, {"count": count, "window": window, "path": target, **deleted})
        operator.record_lineage(path, "input", fields=spec.fields, output_path=target)
        sync.commit()
        return {"path": target, "count": count, "object": path, "window": window, **deleted}

    collected = collect_for_xcom(rows, what=f"the {path} rows matching this query")
    deleted = {"deleted": sync.deleted} if sync.mode else {}
    operator.log.info("Read %d %s rows (window %s)", len(collected), path, window)
    emit_assets(context, assets, {"count": len(collected), "window": window, "path": None, **deleted})
    operator.record_lineage(path, "input", fields=spec.fields)
    sync.commit()
    return collected


def run_get(operator: Any, context: Context) -> dict[str, Any]:
    """``IntacctGetRecordOperator.execute``: one record by key, or by id through the query service."""
    path = resolve_path(operator.object)
    key = None if operator.key is None or str(operator.key).strip() == "" else check_key("key", operator.key)
    record_id = check_id("id", operator.id, required=False)
    if (key is None) == (record_id is None):
        raise IntacctValidationError("key", "exactly one of key and id", {"key": operator.key, "id": operator.id})
    fields = parse_json_list("fields", operator.fields)
    if record_id is not None:
        row = operator.hook.find_record(path, [{"$eq": {"id": record_id}}], fields=["key"])
        if row is None:
            raise IntacctNotFoundError(f"no {path} record with id {record_id!r}", status=404)
        key = str(row["key"])
    assert key is not None
    record = operator.hook.get_record(path, key, fields=fields)

    link_record(operator, context, path, key, record=record)  # a full record carries its webURL
    # XCom: a number field as its exact text, since Airflow would carry a Decimal through a float.
    return decimals_as_text(record)


def run_update(operator: Any, context: Context) -> dict[str, Any]:
    """``IntacctUpdateRecordOperator.execute``: the changes checked (custom fields against the model), one PATCH."""
    path = resolve_path(operator.object)
    key = check_key("key", operator.key)
    changes = parse_json("changes", operator.changes)
    if not isinstance(changes, dict) or not changes:
        raise IntacctValidationError("changes", "a non-empty mapping of fields to new values", operator.changes)
    if "state" in changes:
        raise IntacctValidationError(
            "changes.state",
            "no state: Intacct does not change a record's state by PATCH; run the documented workflow "
            "action with IntacctWorkflowOperator(object=..., action='submit'|'approve'|'reverse'..., key=...)",
            changes["state"],
        )
    assert key is not None

    fetch_link = check_flag("web_link", operator.web_link)

    changes = with_model(
        lambda: operator.hook.model_for_check(path),
        path,
        changes,
        name=lambda parts: join_path(["changes", *parts]),
        operation="update",
    )
    assets = intacct_outlets(operator, path)
    reference = operator.hook.update_record(path, key, changes)
    link_record(operator, context, path, key, fetch=fetch_link)
    emit_assets(context, assets, writes_extra([reference["key"]]))
    operator.record_lineage(path, "output", fields=list(changes))
    return {"ia::result": reference}

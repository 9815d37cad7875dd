"""The Intacct side of a warehouse load or tie-out: which fields, typed how, read through which path.

The fields and their kinds come from the company's record as a JSON Schema (the model service,
custom fields included; dotted leaf names as the query service returns them in flat rows), so the
load and the tie-out name and type a column the same way. The read itself is the query
operator's :class:`~intacct_provider.operators.execute.sync.SyncRead`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intacct_provider.core.columns import Column, ColumnError, plan_columns
from intacct_provider.exceptions import IntacctValidationError, IntacctWarehouseError

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook

log = logging.getLogger(__name__)


def record_schema(hook: IntacctHook, path: str) -> dict[str, Any] | None:
    """The company's record of ``path`` as a JSON Schema, custom fields included (the model service).

    When the model cannot be read (no permission for the model service, the service down after
    every retry, an answer that is not a model), Sage's published record schema stands in, with a
    warning that the company's custom fields are then not columns unless named in ``fields``;
    ``None`` for an object Sage does not describe either (a custom object then needs ``fields``).
    """
    from intacct_provider.contract import load_schema

    model, reason = hook.model_or_reason(path)
    if model is not None:
        return model.json_schema()
    log.warning(
        "The company's model of %s cannot be read, so its columns come from Sage's published schema and "
        "custom fields are loaded only when named in `fields`: %s",
        path,
        reason,
    )
    try:
        return load_schema(path, "record")
    except KeyError:
        return None


def leaf_schemas(schema: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Dotted field name → leaf schema, as flat query rows name the fields (lists of lines left out)."""
    from intacct_provider.catalog.model import flat_fields

    return flat_fields(schema) if schema else {}


def plan(path: str, fields: list[str] | None, leaves: Mapping[str, Mapping[str, Any]]) -> list[Column]:
    """The columns of a load: ``fields`` (default every field of the record, custom ones included), ``key`` first.

    A document's lists of lines are not columns of a header table; a list of values (a
    multi-select picklist) is one column of canonical JSON text.
    """
    if fields is None:
        if not leaves:
            raise IntacctValidationError(
                "fields", f"the fields to load: no record schema of {path} could be read", None, show_value=False
            )
        fields = list(leaves)
    try:
        return plan_columns(fields, leaves)
    except ColumnError as exc:
        raise IntacctWarehouseError(f"{path}: {exc}") from None

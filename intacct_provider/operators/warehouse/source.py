"""The Intacct side of a warehouse load or tie-out: which fields, typed how, read through which path.

The fields and their kinds come from the record's JSON Schema (dotted leaf names as the query
service returns them in flat rows), so the load and the tie-out name and type a column the same
way. The read itself is the query operator's :class:`~intacct_provider.operators.sync.SyncRead`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intacct_provider.core.columns import Column, ColumnError, kind_of, plan_columns
from intacct_provider.exceptions import IntacctValidationError, IntacctWarehouseError


def record_schema(path: str) -> dict[str, Any] | None:
    """The record's JSON Schema (Sage's published one), ``None`` for an object Sage does not describe."""
    from intacct_provider.contract import load_schema

    try:
        return load_schema(path, "record")
    except KeyError:
        return None


def leaf_schemas(schema: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Dotted field name → leaf schema, as flat query rows name the fields."""
    from intacct_provider.contract import leaf_properties

    return leaf_properties(dict(schema)) if schema else {}


def plan(path: str, fields: list[str] | None, leaves: Mapping[str, Mapping[str, Any]]) -> list[Column]:
    """The columns of a load: ``fields`` (default every scalar field of the record), ``key`` first.

    Arrays and property-less objects (a bill's ``lines``) are not columns of a header table by
    default; named in ``fields`` they are stored as canonical JSON text.
    """
    if fields is None:
        if not leaves:
            raise IntacctValidationError(
                "fields", f"the fields to load: Sage publishes no record schema for {path}", None, show_value=False
            )
        fields = [name for name, leaf in leaves.items() if kind_of(leaf) != "json"]
    try:
        return plan_columns(fields, leaves)
    except ColumnError as exc:
        raise IntacctWarehouseError(f"{path}: {exc}") from None

"""A running task's Intacct outlets: checked against its connection before any request, then their events.

The operators declare their asset when a DAG is parsed
(:class:`~intacct_provider.operators.asset_events.IntacctAssetMixin`); what a task does with its
outlets once it runs is here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context

#: Most record keys a write's event carries; ``count`` always has the full number.
MAX_EVENT_KEYS = 100


def writes_extra(keys: Sequence[Any], count: int | None = None) -> dict[str, Any]:
    """The ``extra`` of a write's event: its record keys, at most :data:`MAX_EVENT_KEYS` of them.

    Asset events live in the metadata DB, which is not a data lake: a bulk load of
    50,000 bills records its count and the first keys, not every key. ``count`` is
    the number of records written when ``keys`` holds only the first of them (a bulk
    task keeps no more in memory); default: ``len(keys)``.
    """
    total = len(keys) if count is None else count
    listed = [str(key) for key in keys[:MAX_EVENT_KEYS]]
    extra: dict[str, Any] = {"keys": listed, "count": total}
    if total > len(listed):
        extra["keys_truncated"] = True
    return extra


def intacct_outlets(operator: Any, path: str) -> list[Asset]:
    """The task's Intacct outlets, checked against the object and the connection; call before any request.

    An Intacct asset of another object, company or entity in ``outlets`` would
    record an event for data this task never touched, so it fails the task.
    The connection is read only when there is an Intacct outlet.
    """
    from intacct_provider.assets import parse_asset_uri
    from intacct_provider.exceptions import IntacctConfigError, IntacctValidationError

    found = []
    for outlet in operator.outlets:
        parsed = parse_asset_uri(getattr(outlet, "uri", "") or "")
        if parsed is None:
            continue
        company, object_path, entity = parsed
        if object_path != path:
            raise IntacctValidationError(
                "outlets", f"Intacct assets of {path} only, the object this task reads or writes", outlet.uri
            )
        settings = operator.hook.settings
        if company != settings.company_id or entity != settings.entity_id:
            theirs = f"company {settings.company_id!r}" + (
                f", entity {settings.entity_id!r}" if settings.entity_id else " (top level)"
            )
            raise IntacctConfigError(
                f"outlet {outlet.uri} is not the connection's data ({theirs}): its event would tell "
                "downstream DAGs that data changed which this task never touched; fix asset_company_id / "
                "asset_entity (or the outlets), or use the connection of that company"
            )
        found.append(outlet)
    return found


def emit_assets(context: Context, assets: Iterable[Asset], extra: dict[str, Any]) -> None:
    """Attach ``extra`` to the event Airflow records for each asset of :func:`intacct_outlets` if the task succeeds."""
    for asset in assets:
        context["outlet_events"][asset].extra = dict(extra)

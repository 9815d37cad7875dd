"""The asset arguments of the operators that read or write one object, and the events they record.

The public ``intacct://`` URI functions live in :mod:`intacct_provider.assets` (Airflow calls
them when a DAG is parsed); this module is what only operators use: the mixin that checks a
task's Intacct outlets against its connection before any request, and the ``extra`` each
event carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from intacct_provider.assets import intacct_asset, parse_asset_uri

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context

    from intacct_provider.hooks.intacct import IntacctHook

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


def emit_asset_event(context: Context, asset: Asset, extra: dict[str, Any]) -> None:
    """Attach ``extra`` to the event Airflow records for ``asset`` when the task succeeds."""
    context["outlet_events"][asset].extra = dict(extra)


class IntacctAssetMixin:
    """Asset arguments of the operators that read or write one object.

    :param emit_asset: add this object's asset (of ``asset_company_id`` and
        ``asset_entity``) to the task's ``outlets``. Without it, an Intacct asset the
        DAG lists in ``outlets`` still gets its event and ``extra``.
    :param asset_company_id: the company id of the asset, e.g. ``"ACME"``: it must be
        the connection's company (checked when the task runs). Set it once for all
        tasks with ``default_args={"asset_company_id": "ACME"}``.
    :param asset_entity: the entity of the asset; default: none (the top level), which
        must match the connection's ``entity_id``.

    Subclasses call :meth:`declare_asset` at the end of ``__init__``,
    :meth:`intacct_outlets` at the start of ``execute`` (before any request) and
    :meth:`emit_assets` once the work is done.
    """

    outlets: list[Any]
    hook: IntacctHook
    not_templated: ClassVar[dict[str, str]] = {
        "emit_asset": "Airflow fixes a task's outlets when it parses the DAG",
        "asset_company_id": "Airflow fixes a task's outlets when it parses the DAG",
        "asset_entity": "Airflow fixes a task's outlets when it parses the DAG",
    }

    def __init__(
        self,
        *,
        emit_asset: bool | None = None,
        asset_company_id: str | None = None,
        asset_entity: str | None = None,
        **kwargs: Any,
    ) -> None:
        # A plain mixin's __init__ is not wrapped by Airflow's apply_defaults, so read
        # default_args (which Airflow passes down the chain) for the DAG-wide settings here.
        defaults = kwargs.get("default_args") or {}
        super().__init__(**kwargs)
        self.emit_asset = defaults.get("emit_asset", False) if emit_asset is None else emit_asset
        self.asset_company_id = defaults.get("asset_company_id") if asset_company_id is None else asset_company_id
        self.asset_entity = defaults.get("asset_entity") if asset_entity is None else asset_entity

    def declare_asset(self, object: Any) -> None:
        """With ``emit_asset=True``, add the asset of ``object`` to ``outlets`` (at DAG parse time)."""
        if not self.emit_asset:
            return
        from intacct_provider.exceptions import IntacctValidationError

        if not self.asset_company_id or not isinstance(self.asset_company_id, str) or "{{" in self.asset_company_id:
            raise IntacctValidationError(
                "asset_company_id",
                "the connection's Intacct company id (plain text, known when the DAG is parsed) with emit_asset=True, "
                "e.g. asset_company_id='ACME' or default_args={'asset_company_id': 'ACME'}",
                self.asset_company_id,
            )
        if not isinstance(object, str) or "{{" in object:
            raise IntacctValidationError(
                "object",
                "an object known when the DAG is parsed with emit_asset=True (outlets are fixed at parse time); "
                "for a templated object pass outlets=[intacct_asset(...)] instead",
                object,
            )
        asset = intacct_asset(self.asset_company_id, object, self.asset_entity)
        if all(getattr(outlet, "uri", None) != asset.uri for outlet in self.outlets):
            self.outlets.append(asset)

    def intacct_outlets(self, path: str) -> list[Asset]:
        """This task's Intacct outlets, checked against the object and the connection; call before any request.

        An Intacct asset of another object, company or entity in ``outlets`` would
        record an event for data this task never touched, so it fails the task.
        The connection is read only when there is an Intacct outlet.
        """
        from intacct_provider.exceptions import IntacctConfigError, IntacctValidationError

        found = []
        for outlet in self.outlets:
            parsed = parse_asset_uri(getattr(outlet, "uri", "") or "")
            if parsed is None:
                continue
            company, object_path, entity = parsed
            if object_path != path:
                raise IntacctValidationError(
                    "outlets", f"Intacct assets of {path} only, the object this task reads or writes", outlet.uri
                )
            settings = self.hook.settings
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

    def emit_assets(self, context: Context, assets: Iterable[Asset], extra: dict[str, Any]) -> None:
        """Attach ``extra`` to the event of each asset returned by :meth:`intacct_outlets`."""
        for asset in assets:
            emit_asset_event(context, asset, extra)

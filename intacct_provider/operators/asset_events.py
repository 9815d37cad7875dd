"""The asset arguments of the operators that read or write one object, declared when a DAG is parsed.

The public ``intacct://`` URI functions live in :mod:`intacct_provider.assets` (Airflow calls
them when a DAG is parsed); this module is what only operators use: the mixin that adds an
operator's asset to its ``outlets``. What a running task does with its outlets (check them
against its connection before any request, attach each event's ``extra``) is
:mod:`intacct_provider.operators.execute.outlets`.
"""

from __future__ import annotations

from typing import Any, ClassVar


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

    Subclasses call :meth:`declare_asset` at the end of ``__init__``; their ``execute`` checks the
    outlets before any request and records the events once the work is done
    (:mod:`intacct_provider.operators.execute.outlets`).
    """

    outlets: list[Any]
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
        from intacct_provider.assets import intacct_asset  # only with emit_asset: importing operators stays cheap

        asset = intacct_asset(self.asset_company_id, object, self.asset_entity)
        if all(getattr(outlet, "uri", None) != asset.uri for outlet in self.outlets):
            self.outlets.append(asset)

"""Airflow Assets for Intacct objects: ``intacct://<company_id>/<application>/<object>[?entity=<id>]``.

Why a URI per company, object and entity: "the bills of ACME's US entity" is
the data a downstream DAG waits for, whoever wrote it (a sync, a create, a bulk
load). The scheme is registered in ``get_provider_info()`` (``asset-uris``) with
:func:`sanitize_uri`, so Airflow normalises and checks every ``intacct://`` URI
when a DAG is parsed, and with :func:`convert_asset_to_openlineage`, so an
Asset and the lineage dataset of the same object are one node in a lineage graph.

Operators that read or write an object (query, create, update, bulk, workflow) take
:class:`IntacctAssetMixin`'s arguments. An Intacct asset in ``outlets`` gets an
event with ``extra`` describing what happened; ``emit_asset=True`` adds the
asset to ``outlets`` itself. Either way the task checks, before any request,
that the asset names the connection's company and entity: a sync of the
sandbox company must not trigger the production AP report.

The company id must be known when the DAG is parsed (Airflow stores outlets at
parse time, and reading the connection then would cost a secrets-backend call
on every parse), so ``emit_asset=True`` needs ``asset_company_id`` (set it once
in ``default_args``) — or pass ``outlets=[intacct_asset("ACME", "bill")]``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from intacct_provider.objects import resolve_path

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context

    from intacct_provider.hooks.intacct import IntacctHook
    from intacct_provider.objects import IntacctObject

SCHEME = "intacct"
ENTITY_PARAMETER = "entity"
#: Most record keys a write's event carries; ``count`` always has the full number.
MAX_EVENT_KEYS = 100


def asset_uri(company_id: str, object: str | IntacctObject, entity: str | None = None) -> str:
    """``intacct://ACME/accounts-payable/bill`` (``?entity=US`` when ``entity`` is set)."""
    company = _company(company_id)
    query = f"?{urllib.parse.urlencode({ENTITY_PARAMETER: entity})}" if entity else ""
    return f"{SCHEME}://{company}/{resolve_path(object)}{query}"


def intacct_asset(company_id: str, object: str | IntacctObject, entity: str | None = None) -> Asset:
    """The Airflow Asset of one Intacct object (registry name or path) of one company and entity."""
    from airflow.sdk import Asset

    return Asset(uri=asset_uri(company_id, object, entity))


def parse_asset_uri(uri: str) -> tuple[str, str, str | None] | None:
    """``(company_id, path, entity)`` of an ``intacct://`` URI, ``None`` for any other scheme."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme.lower() != SCHEME:
        return None
    parts = sanitize_uri(parts)
    entity = dict(urllib.parse.parse_qsl(parts.query)).get(ENTITY_PARAMETER)
    return parts.netloc, parts.path.strip("/"), entity


def sanitize_uri(uri: urllib.parse.SplitResult) -> urllib.parse.SplitResult:
    """Airflow's normaliser for ``intacct://`` (``asset-uris`` handler); raises ``ValueError`` when malformed.

    Accepts a registry name as the object (``intacct://ACME/bill`` becomes
    ``intacct://ACME/accounts-payable/bill``), drops an empty ``entity`` and
    refuses anything else in the query, a user name or a port.
    """
    if not uri.netloc or "@" in uri.netloc or ":" in uri.netloc:
        raise ValueError(
            f"An intacct:// asset URI needs the company id as its host, e.g. {_EXAMPLE}; got {uri.geturl()!r}"
        )
    from intacct_provider.exceptions import IntacctValidationError
    from intacct_provider.suggest import suggestion

    try:
        path = resolve_path(uri.path.strip("/"))
    except IntacctValidationError as exc:
        raise ValueError(f"intacct:// asset URI {uri.geturl()!r}: {exc.expectation}; e.g. {_EXAMPLE}") from None
    query = urllib.parse.parse_qsl(uri.query, keep_blank_values=True)
    unknown = sorted({key for key, _ in query} - {ENTITY_PARAMETER})
    if unknown:
        raise ValueError(
            f"intacct:// asset URI {uri.geturl()!r}: only '?{ENTITY_PARAMETER}=<entity id>' may follow the object, "
            f"got {unknown[0]!r}{suggestion(unknown[0], [ENTITY_PARAMETER])}"
        )
    entities = [value for _, value in query if value]
    normalized_query = urllib.parse.urlencode({ENTITY_PARAMETER: entities[-1]}) if entities else ""
    return uri._replace(path=f"/{path}", query=normalized_query, fragment="")


def convert_asset_to_openlineage(asset: Any, lineage_context: Any = None) -> Any:
    """The OpenLineage dataset of an Intacct asset (``asset-uris`` ``to_openlineage_converter``)."""
    from intacct_provider.lineage import object_dataset

    parsed = parse_asset_uri(asset.uri)
    if parsed is None:
        raise ValueError(f"not an intacct:// asset: {asset.uri!r}")
    company, path, entity = parsed
    return object_dataset(company, path, entity)


def create_asset(*, company_id: str, object: str, entity: str | None = None, extra: Any = None) -> Asset:
    """``asset-uris`` factory: the same as :func:`intacct_asset`, with an optional ``extra``."""
    from airflow.sdk import Asset

    return Asset(uri=asset_uri(company_id, object, entity), extra=extra or {})


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


_EXAMPLE = "intacct://ACME/accounts-payable/bill?entity=US"


def _company(company_id: str) -> str:
    text = str(company_id or "").strip()
    if not text or any(ch in text for ch in "/?#@:") or any(ch.isspace() for ch in text):
        from intacct_provider.exceptions import IntacctValidationError

        raise IntacctValidationError("company_id", "an Intacct company id such as 'ACME'", company_id)
    return text

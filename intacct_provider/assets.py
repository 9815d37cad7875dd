"""Airflow Assets for Intacct objects: ``intacct://<company_id>/<application>/<object>[?entity=<id>]``.

Why a URI per company, object and entity: "the bills of ACME's US entity" is
the data a downstream DAG waits for, whoever wrote it (a sync, a create, a bulk
load). The scheme is registered in ``get_provider_info()`` (``asset-uris``) with
:func:`sanitize_uri`, so Airflow normalises and checks every ``intacct://`` URI
when a DAG is parsed, and with :func:`convert_asset_to_openlineage`, so an
Asset and the lineage dataset of the same object are one node in a lineage graph.

Operators that read or write an object (query, create, update, bulk, workflow) take the
asset arguments of :class:`intacct_provider.operators.asset_events.IntacctAssetMixin`. An
Intacct asset in ``outlets`` gets an event with ``extra`` describing what happened;
``emit_asset=True`` adds the asset to ``outlets`` itself. Either way the task checks, before
any request, that the asset names the connection's company and entity: a sync of the
sandbox company must not trigger the production AP report.

The company id must be known when the DAG is parsed (Airflow stores outlets at
parse time, and reading the connection then would cost a secrets-backend call
on every parse), so ``emit_asset=True`` needs ``asset_company_id`` (set it once
in ``default_args``) — or pass ``outlets=[intacct_asset("ACME", "bill")]``.
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.registry import resolve_path

if TYPE_CHECKING:
    from airflow.sdk import Asset

    from intacct_provider.catalog.registry import IntacctObject

SCHEME = "intacct"
ENTITY_PARAMETER = "entity"


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
    from intacct_provider.catalog.suggest import suggestion
    from intacct_provider.exceptions import IntacctValidationError

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
    from intacct_provider.core.datasets import object_dataset

    parsed = parse_asset_uri(asset.uri)
    if parsed is None:
        raise ValueError(f"not an intacct:// asset: {asset.uri!r}")
    company, path, entity = parsed
    return object_dataset(company, path, entity)


def create_asset(*, company_id: str, object: str, entity: str | None = None, extra: Any = None) -> Asset:
    """``asset-uris`` factory: the same as :func:`intacct_asset`, with an optional ``extra``."""
    from airflow.sdk import Asset

    return Asset(uri=asset_uri(company_id, object, entity), extra=extra or {})


_EXAMPLE = "intacct://ACME/accounts-payable/bill?entity=US"


def _company(company_id: str) -> str:
    text = str(company_id or "").strip()
    if not text or any(ch in text for ch in "/?#@:") or any(ch.isspace() for ch in text):
        from intacct_provider.exceptions import IntacctValidationError

        raise IntacctValidationError("company_id", "an Intacct company id such as 'ACME'", company_id)
    return text

"""OpenLineage datasets of Intacct objects and written files: their namespaces and names.

Shared by the operators' lineage (:mod:`intacct_provider.operators.lineage`) and the asset
URI converter Airflow calls (:func:`intacct_provider.assets.convert_asset_to_openlineage`), so
an Asset and the lineage node of the same object are one thing. Naming only: OpenLineage's
classes are imported when a dataset is built, never when a DAG is parsed.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Sequence
from typing import Any

#: ``output_path`` schemes OpenLineage names by bucket (``s3://bucket`` namespace, key as name).
_LOCAL_SCHEMES = ("", "file")


def object_dataset(company_id: str, path: str, entity: str | None = None, fields: Sequence[str] = ()) -> Any:
    """The OpenLineage dataset of an Intacct object, with a schema facet when ``fields`` are known."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    name = path + (f"?{urllib.parse.urlencode({'entity': entity})}" if entity else "")
    return Dataset(namespace=f"intacct://{company_id}", name=name, facets=_schema_facets(fields))


def file_dataset(location: str, fields: Sequence[str] = ()) -> Any:
    """The OpenLineage dataset of a written file: ``file`` + absolute path, or ``<scheme>://<bucket>`` + key."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parts = urllib.parse.urlsplit(location)
    if parts.scheme in _LOCAL_SCHEMES:
        namespace, name = "file", os.path.abspath(parts.path)
    else:
        namespace, name = f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/")
    return Dataset(namespace=namespace, name=name, facets=_schema_facets(fields))


def _schema_facets(fields: Sequence[str]) -> dict[str, Any]:
    """``{"schema": SchemaDatasetFacet}`` naming the requested fields (their types are Intacct's to say)."""
    if not fields:
        return {}
    from airflow.providers.common.compat.openlineage.facet import SchemaDatasetFacet, SchemaDatasetFacetFields

    return {"schema": SchemaDatasetFacet(fields=[SchemaDatasetFacetFields(name=name) for name in fields])}

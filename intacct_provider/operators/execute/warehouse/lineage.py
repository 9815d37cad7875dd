"""OpenLineage of the warehouse operators: the Intacct object in, the table out (or checked).

The table's dataset is named as the database's own provider names it (``postgres://host:port``
and ``database.schema.table``, from ``get_openlineage_database_info``), so the lineage graph joins
it with every other task that reads the table; SQLite, whose hook names nothing, is
``sqlite://<file>`` and the table name. A load reports the table's columns with their SQL types;
a tie-out reports its result as a data-quality assertions facet on the table.
Nothing here is imported when a DAG is parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook
    from intacct_provider.operators.execute.warehouse.target import SqlTarget


@dataclass
class TableLineage:
    """What one run read and wrote (or checked), recorded by ``execute`` for the lineage method."""

    object_path: str
    fields: Sequence[str]
    #: The table; its dataset name is worked out only when OpenLineage asks (its imports are not cheap).
    target: SqlTarget
    #: (column, SQL type) of the table, for its schema facet.
    columns: Sequence[tuple[str, str]] = ()
    #: (assertion, success, column) of a tie-out.
    assertions: Sequence[tuple[str, bool, str | None]] = field(default_factory=list)


def table_name(target: SqlTarget) -> tuple[str, str]:
    """``(namespace, name)`` of the target table's OpenLineage dataset."""
    hook = target.hook
    connection = hook.connection
    info = None
    try:
        info = hook.get_openlineage_database_info(connection)
    except Exception:  # a provider whose lineage helpers need what this connection lacks
        info = None
    if info is not None:
        schema = target.schema or _default_schema(hook)
        parts = [part for part in (getattr(info, "database", None), schema, target.table) if part]
        return f"{info.scheme}://{info.authority}", ".".join(parts)
    host = connection.host or ""
    schema_prefix = f"{target.schema}." if target.schema else ""
    return f"{target.dialect_name}://{host}", f"{schema_prefix}{target.table}"


def _default_schema(hook: Any) -> str | None:
    try:
        return hook.get_openlineage_default_schema()
    except Exception:
        return None


def facets_on_complete(hook: IntacctHook, recorded: TableLineage | None, role: str) -> Any:
    """The OpenLineage provider's answer for a load (``role="output"``) or a tie-out (``"input"``).

    A task that failed before it knew its table reports no datasets rather than guessed ones.
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset, SchemaDatasetFacet, SchemaDatasetFacetFields
    from airflow.providers.openlineage.extractors import OperatorLineage

    from intacct_provider.core.datasets import object_dataset

    if recorded is None:
        return OperatorLineage()
    settings = hook.settings
    source = object_dataset(settings.company_id, recorded.object_path, settings.entity_id, recorded.fields)
    facets: dict[str, Any] = {}
    namespace, name = table_name(recorded.target)
    if recorded.columns:
        facets["schema"] = SchemaDatasetFacet(
            fields=[SchemaDatasetFacetFields(name=name, type=sql_type) for name, sql_type in recorded.columns]
        )
    if role == "output":
        return OperatorLineage(inputs=[source], outputs=[Dataset(namespace=namespace, name=name, facets=facets)])
    from openlineage.client.generated.base import InputDataset
    from openlineage.client.generated.data_quality_assertions_dataset import (
        Assertion,
        DataQualityAssertionsDatasetFacet,
    )

    quality = DataQualityAssertionsDatasetFacet(
        assertions=[
            Assertion(assertion=name, success=success, column=column) for name, success, column in recorded.assertions
        ]
    )
    table = InputDataset(namespace=namespace, name=name, facets=facets, inputFacets={"dataQualityAssertions": quality})
    return OperatorLineage(inputs=[source, table])

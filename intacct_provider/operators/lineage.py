"""OpenLineage for Intacct operators: which Intacct object a task read or wrote, and which file it filled.

Datasets follow the asset URI (``intacct_provider.assets``): namespace
``intacct://<company_id>``, name ``<application>/<object>`` (``?entity=<id>``
appended for an entity), so the lineage node of a sync and the Asset a
downstream DAG is scheduled on are the same thing. The query operator reports
the object as input, with a schema facet listing the requested fields, and its
``output_path`` file as output; create, update, bulk and workflow operators
report the object as output (bulk ones their ``output_path`` results file too).

OpenLineage is optional (``pip install airflow-provider-sage-intacct[openlineage]``):
nothing here is imported when a DAG is parsed, and the OpenLineage provider
calls ``get_openlineage_facets_on_complete`` only when it is installed and
configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook


@dataclass
class ObjectLineage:
    """What one task run did to one Intacct object, recorded by ``execute`` for the lineage methods."""

    path: str
    role: Literal["input", "output"]
    fields: Sequence[str] = ()
    output_path: str | None = None
    #: Columns of the ``output_path`` file (a read's file has the read fields).
    output_fields: Sequence[str] = ()


class IntacctLineageMixin:
    """``get_openlineage_facets_on_complete`` for operators that record an :class:`ObjectLineage`.

    ``execute`` calls :meth:`record_lineage` once it knows what it read or wrote; a
    task that failed before that reports no datasets rather than guessed ones.
    """

    hook: IntacctHook
    _intacct_lineage: ObjectLineage | None = None

    def record_lineage(
        self,
        path: str,
        role: Literal["input", "output"],
        *,
        fields: Sequence[str] = (),
        output_path: str | None = None,
        output_fields: Sequence[str] | None = None,
    ) -> None:
        """Remember what this run touched (cheap: no OpenLineage import, no I/O).

        A read's rows always carry ``key`` (the hook adds it for stable paging), so it is in the schema.
        ``output_fields`` are the columns of the ``output_path`` file (default: ``fields``), e.g. a
        bulk task's results file, whose columns are its own, not the object's.
        """
        columns = list(fields)
        if role == "input" and "key" not in columns:
            columns.append("key")
        file_columns = columns if output_fields is None else list(output_fields)
        self._intacct_lineage = ObjectLineage(path, role, columns, output_path, file_columns)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The OpenLineage provider's hook: the object as input or output, and the written file."""
        from airflow.providers.openlineage.extractors import OperatorLineage

        from intacct_provider.core.datasets import file_dataset, object_dataset

        recorded = self._intacct_lineage
        if recorded is None:
            return OperatorLineage()
        settings = self.hook.settings
        obj = object_dataset(settings.company_id, recorded.path, settings.entity_id, recorded.fields)
        files = [file_dataset(recorded.output_path, recorded.output_fields)] if recorded.output_path else []
        if recorded.role == "output":
            return OperatorLineage(outputs=[obj, *files])
        return OperatorLineage(inputs=[obj], outputs=files)

"""The Intacct fields a bulk task writes, for the schema facet of its OpenLineage output.

Imported when a bulk task runs (it extends the bulk machinery's :class:`Preparer`), never when
a DAG is parsed. Records differ (optional arguments, ``extra_fields``), so the fields are the
union of the top-level fields of every prepared body, in the order first seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.bulk_records import Item, Preparer

if TYPE_CHECKING:
    from intacct_provider.catalog.model import TenantModel
    from intacct_provider.catalog.registry import IntacctObject


class FieldRecordingPreparer(Preparer):
    """A :class:`Preparer` that also notes the top-level fields of each body it prepares."""

    def __init__(
        self,
        obj: IntacctObject | None,
        key_fields: Sequence[str],
        tenant: Callable[[], TenantModel | None] | None = None,
    ) -> None:
        super().__init__(obj, key_fields, tenant)
        self._fields: dict[str, None] = {}

    def prepare(self, index: int, record: Any) -> Item:
        item = super().prepare(index, record)
        self._fields.update(dict.fromkeys(item.body))
        return item

    @property
    def fields(self) -> list[str]:
        """Every top-level field of the bodies prepared so far (invalid records' are not sent, so not here)."""
        return list(self._fields)

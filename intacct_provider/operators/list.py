"""List operators: one page of references of any registered object, through the query service.

The REST ``GET`` collection stops at 100 rows and cannot filter, so every list
goes through ``/services/core/query``, ordered by ``key`` for stable results.
``IntacctListOperator(object=...)`` lists any registry object and takes the
filter arguments its entry names (``vendor_id`` for bills); the catalog's list
operators are that operator with the object filled in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from intacct_provider.catalog.registry import (
    BILL,
    CUSTOMER,
    GL_ACCOUNT,
    INVOICE,
    JOURNAL_ENTRY,
    VENDOR,
    IntacctObject,
    entry,
)
from intacct_provider.operators.base import IntacctBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

#: The catalog's default page size (its maximum, 1000, is checked in ``validation``).
DEFAULT_PAGESIZE = 100


class IntacctListOperator(IntacctBaseOperator):
    """Return ``{<list key>: [rows]}``: up to ``pagesize`` (1..1000) references, ordered by key.

    :param object: registry name (``"bill"``) or a custom object (``"nsp::cip_asset"``, listed as
        ``{"records": [...]}``); the catalog operators below fill it in.
    :param pagesize: rows to return, 1..1000 (default 100); a template string such as ``"250"`` works.
    :param fields: extra columns (``["vendor.id", "totalTxnAmountDue"]``); default ``key, id, href``.
    :param filter arguments: those the object's registry entry names, e.g. ``vendor_id="VEND-100"``
        for bills (templated; kept in ``filter_values``).
    """

    intacct_object: ClassVar[IntacctObject | None] = None
    template_fields: tuple[str, ...] = (*IntacctBaseOperator.template_fields, "pagesize", "fields", "filter_values")
    not_templated: ClassVar[dict[str, str]] = {
        "object": "it decides which filter arguments the operator takes, when the DAG is parsed",
    }

    def __init__(
        self, *, object: str | None = None, pagesize: int | str = DEFAULT_PAGESIZE, fields: Any = None, **kwargs: Any
    ) -> None:
        if self.intacct_object is not None and object is not None:
            from intacct_provider.exceptions import IntacctArgumentError

            raise IntacctArgumentError(
                f"{type(self).__name__}(task_id={kwargs.get('task_id')!r})",
                [f"unknown argument 'object': this operator lists {self.intacct_object.list_key}"],
            )
        obj = self.intacct_object or entry(object or "")
        filter_values = {name: kwargs.pop(name, None) for name in obj.filters}
        super().__init__(**kwargs)
        self.object = obj.name
        self.pagesize = pagesize
        self.fields = fields
        self.filter_values = filter_values

    def execute(self, context: Context) -> dict[str, list[dict[str, Any]]]:
        from intacct_provider.catalog.validation import check_id, check_pagesize, parse_json_list
        from intacct_provider.core.query import QUERY_PATH
        from intacct_provider.operators.xcom import collect_for_xcom, page_rows

        obj = entry(self.object)
        size = check_pagesize(self.pagesize)
        fields = parse_json_list("fields", self.fields)
        filters = []
        for parameter, field in obj.filters.items():
            value = check_id(parameter, self.filter_values.get(parameter), required=False)
            if value is not None:
                filters.append({"$eq": {field: value}})
        page = self.hook.query(obj.path, fields=fields, filters=filters or None, order_by=[{"key": "asc"}], size=size)
        rows = page_rows(page, asked=size, call=f"POST {QUERY_PATH} ({obj.path})")
        self.log.info("Listed %d of %s %s", len(rows), (page.get("ia::meta") or {}).get("totalCount"), obj.list_key)
        return {obj.list_key: collect_for_xcom(rows, what=f"this {obj.label} list")}


class IntacctListBillsOperator(IntacctListOperator):
    """List AP bills, optionally of one vendor: ``{"bills": [{"href", "id", "key"}, ...]}`` (``vendor_id``)."""

    intacct_object = BILL


class IntacctListInvoicesOperator(IntacctListOperator):
    """List AR invoices, optionally of one customer: ``{"invoices": [...]}`` (``customer_id``)."""

    intacct_object = INVOICE


class IntacctListCustomersOperator(IntacctListOperator):
    """List AR customers: ``{"customers": [...]}``."""

    intacct_object = CUSTOMER


class IntacctListVendorsOperator(IntacctListOperator):
    """List AP vendors: ``{"vendors": [...]}``."""

    intacct_object = VENDOR


class IntacctListGLAccountsOperator(IntacctListOperator):
    """List GL accounts: ``{"accounts": [...]}`` (``id`` is the account number)."""

    intacct_object = GL_ACCOUNT


class IntacctListJournalEntriesOperator(IntacctListOperator):
    """List GL journal entries: ``{"entries": [...]}``."""

    intacct_object = JOURNAL_ENTRY

"""List operators: one page of references of any registered object, through the query service.

The REST ``GET`` collection stops at 100 rows and cannot filter, so every list
goes through ``/services/core/query``, ordered by ``key`` for stable results.
``IntacctListOperator(object=...)`` lists any registry object and takes the
filter arguments its entry names (``vendor_id`` for bills); the catalog's list
operators are that operator with the object filled in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from intacct_provider.operators.base import IntacctBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct_provider.catalog.registry import IntacctObject

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

    #: The object a named operator lists: its registry name (the registry is read when one is built) or entry.
    intacct_object: ClassVar[str | IntacctObject | None] = None
    template_fields: tuple[str, ...] = (*IntacctBaseOperator.template_fields, "pagesize", "fields", "filter_values")
    not_templated: ClassVar[dict[str, str]] = {
        "object": "it decides which filter arguments the operator takes, when the DAG is parsed",
    }

    def __init__(
        self, *, object: str | None = None, pagesize: int | str = DEFAULT_PAGESIZE, fields: Any = None, **kwargs: Any
    ) -> None:
        from intacct_provider.catalog.registry import entry  # read when an operator is built, not at import

        if self.intacct_object is not None and object is not None:
            from intacct_provider.exceptions import IntacctArgumentError

            raise IntacctArgumentError(
                f"{type(self).__name__}(task_id={kwargs.get('task_id')!r})",
                [f"unknown argument 'object': this operator lists {entry(self.intacct_object).list_key}"],
            )
        obj = entry(self.intacct_object or object or "")
        filter_values = {name: kwargs.pop(name, None) for name in obj.filters}
        super().__init__(**kwargs)
        self.object = obj.name
        self.pagesize = pagesize
        self.fields = fields
        self.filter_values = filter_values

    def execute(self, context: Context) -> dict[str, list[dict[str, Any]]]:
        from intacct_provider.operators.execute.records import run_list

        return run_list(self, context)


class IntacctListBillsOperator(IntacctListOperator):
    """List AP bills, optionally of one vendor: ``{"bills": [{"href", "id", "key"}, ...]}`` (``vendor_id``)."""

    intacct_object = "bill"


class IntacctListInvoicesOperator(IntacctListOperator):
    """List AR invoices, optionally of one customer: ``{"invoices": [...]}`` (``customer_id``)."""

    intacct_object = "invoice"


class IntacctListCustomersOperator(IntacctListOperator):
    """List AR customers: ``{"customers": [...]}``."""

    intacct_object = "customer"


class IntacctListVendorsOperator(IntacctListOperator):
    """List AP vendors: ``{"vendors": [...]}``."""

    intacct_object = "vendor"


class IntacctListGLAccountsOperator(IntacctListOperator):
    """List GL accounts: ``{"accounts": [...]}`` (``id`` is the account number)."""

    intacct_object = "gl_account"


class IntacctListJournalEntriesOperator(IntacctListOperator):
    """List GL journal entries: ``{"entries": [...]}``."""

    intacct_object = "journal_entry"

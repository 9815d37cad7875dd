"""Shared base of every Intacct operator: the connection argument and a lazy hook.

Operators are built on every DAG parse, so nothing here does I/O or imports
the HTTP stack until ``execute`` asks for the hook.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.bases.operator import BaseOperatorMeta

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook

DEFAULT_CONN_ID = "sage_intacct_default"
#: Seconds between checks of a sensor or trigger; each check is one (billed) Intacct query.
DEFAULT_POKE_INTERVAL = 60.0


class IntacctOperatorMeta(BaseOperatorMeta):
    """Turns Airflow's ``TypeError`` about a missing or unknown argument into one that names the fix.

    ``IntacctCreateBillOperator(vendorid=...)`` fails at DAG parse with
    ``unknown argument 'vendorid' — did you mean 'vendor_id'?`` instead of
    ``missing keyword argument 'vendor_id'``. Costs nothing unless construction fails.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except TypeError as exc:
            from intacct_provider.catalog.suggest import argument_error

            better = argument_error(cls, kwargs, exc)
            if better is None:
                raise
            raise better from None


class IntacctBaseOperator(BaseOperator, metaclass=IntacctOperatorMeta):
    """Holds ``intacct_conn_id`` and builds the :class:`~intacct_provider.hooks.intacct.IntacctHook` on first use."""

    template_fields: tuple[str, ...] = ("intacct_conn_id",)
    ui_color = "#00dc06"  # Sage green
    ui_fgcolor = "#000000"

    def __init__(self, *, intacct_conn_id: str = DEFAULT_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.intacct_conn_id = intacct_conn_id

    @cached_property
    def hook(self) -> IntacctHook:
        from intacct_provider.hooks.intacct import IntacctHook

        return IntacctHook(intacct_conn_id=self.intacct_conn_id)

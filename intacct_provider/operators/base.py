"""Shared base of every Intacct operator: the connection argument and a lazy hook.

Operators are built on every DAG parse, so nothing here does I/O or imports
the HTTP stack until ``execute`` asks for the hook.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook

DEFAULT_CONN_ID = "sage_intacct_default"
#: Seconds between checks of a sensor or trigger; each check is one (billed) Intacct query.
DEFAULT_POKE_INTERVAL = 60.0


class IntacctBaseOperator(BaseOperator):
    """Holds ``intacct_conn_id`` and builds the :class:`IntacctHook` on first use."""

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

"""Shared base of every Intacct operator: the connection argument, a lazy hook, errors that name things.

Operators are built on every DAG parse, so nothing here does I/O or imports
the HTTP stack until ``execute`` asks for the hook.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.bases.operator import BaseOperatorMeta

from intacct_provider.exceptions import IntacctError

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook

DEFAULT_CONN_ID = "sage_intacct_default"
#: Seconds between checks of a sensor or trigger; each check is one (billed) Intacct query.
DEFAULT_POKE_INTERVAL = 60.0


class IntacctOperatorMeta(BaseOperatorMeta):
    """Errors that name the fix (arguments) and the record (execute), for every Intacct operator.

    ``IntacctCreateBillOperator(vendorid=...)`` fails at DAG parse with
    ``unknown argument 'vendorid' — did you mean 'vendor_id'?`` instead of
    ``missing keyword argument 'vendor_id'``; costs nothing unless construction fails.
    Every ``execute`` an operator class defines is wrapped so that an :class:`IntacctError`
    it raises leads with the record it was about (:meth:`IntacctBaseOperator.record_name`)
    and, in a mapped task, its map index: a failure among a thousand mapped creates names
    the bill, not only ``map_index=417``.
    """

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        execute = namespace.get("execute")
        if callable(execute):
            namespace["execute"] = _naming_the_record(execute)
        return super().__new__(mcs, name, bases, namespace, **kwargs)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        refused = _templates_where_none_render(cls, kwargs)
        if refused is not None:
            raise refused
        try:
            return super().__call__(*args, **kwargs)
        except TypeError as exc:
            from intacct_provider.catalog.suggest import argument_error

            better = argument_error(cls, kwargs, exc)
            if better is None:
                raise
            raise better from None


def not_templated(cls: type) -> dict[str, str]:
    """Every argument of ``cls`` that is not templated, with why (``not_templated`` of each class, merged)."""
    merged: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        merged.update(vars(klass).get("not_templated", {}))
    return merged


def _templates_where_none_render(cls: type, kwargs: dict[str, Any]) -> Exception | None:
    """An error for a Jinja template given to an argument that is not templated, or ``None``.

    Left alone, ``on_error="{{ params.on_error }}"`` would fail later as ``expected 'fail' or
    'continue', got '{{ params.on_error }}'``, which does not say why the template never rendered.
    """
    problems = [
        f"{name}: not templated ({why}), got {kwargs[name]!r}"
        for name, why in not_templated(cls).items()
        if isinstance(kwargs.get(name), str) and "{{" in kwargs[name]
    ]
    if not problems:
        return None
    from intacct_provider.exceptions import IntacctArgumentError

    return IntacctArgumentError(f"{cls.__name__}(task_id={kwargs.get('task_id')!r})", problems)


def _naming_the_record(execute: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(execute)
    def named(self: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return execute(self, context, *args, **kwargs)
        except IntacctError as error:
            name = self.record_name() if hasattr(self, "record_name") else None
            if name:
                from intacct_provider.catalog.naming import with_position

                error.name_record(with_position(name, _map_index(context)))
            raise

    return named


def _map_index(context: Any) -> int | None:
    """The task instance's map index (``-1``/``None`` when the task is not mapped)."""
    try:
        index = getattr(context["ti"], "map_index", None)
    except (KeyError, TypeError):
        return None
    return index if isinstance(index, int) else None


class IntacctBaseOperator(BaseOperator, metaclass=IntacctOperatorMeta):
    """Holds ``intacct_conn_id`` and builds the :class:`~intacct_provider.hooks.intacct.IntacctHook` on first use."""

    template_fields: tuple[str, ...] = ("intacct_conn_id",)
    #: Arguments that are not templated, with why: they shape the task when the DAG is parsed.
    #: Every other argument is templated (``tests/unit/operators/test_templated_arguments.py``).
    not_templated: ClassVar[dict[str, str]] = {}
    ui_color = "#00dc06"  # Sage green
    ui_fgcolor = "#000000"

    def __init__(self, *, intacct_conn_id: str = DEFAULT_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.intacct_conn_id = intacct_conn_id

    @cached_property
    def hook(self) -> IntacctHook:
        from intacct_provider.hooks.intacct import IntacctHook

        return IntacctHook(intacct_conn_id=self.intacct_conn_id)

    def record_name(self) -> str | None:
        """What identifies the record this task is about, for its error messages; ``None``: not one record."""
        return None

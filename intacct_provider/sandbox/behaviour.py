"""Per-object behaviour: what one object does beyond the shared rules, declared on its definition.

The store runs the hooks of the object it writes at fixed points (``ObjectDef.behaviour`` in
:mod:`.schema`), so it never tests an object's path, and a behaviour never calls back into the
store that called it: it is handed :class:`Records`, the little it may do to other records.

* ``check(records, record)``: every record about to be stored (a create, an update once merged),
  after the shared rules of :mod:`.rules`; raise :class:`~.errors.ApiError` to refuse it.
* ``on_create(records, record)``: a new record, complete (key, number, totals), just before it is
  stored; may change it and the records it names.
* ``before_update(records, current, changes)``: a PATCH of ``current``, before it is merged.
* ``before_delete(records, record)``: a record about to be deleted, once it may be.
* ``on_state(records, record, previous)``: a record whose state a workflow action has just changed
  (:func:`.workflows.change_state`, the one place states change); raise to refuse the change.
* ``transition(readings, action, current, documented)``: which of the states Sage documents for
  ``action`` from ``current`` this sandbox takes (a switch, :mod:`.readings`); default: the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .readings import Readings


class Records(Protocol):
    """What a behaviour may do to the company's other records (the store is one)."""

    def resolve(self, path: str, ref: dict[str, Any]) -> dict[str, Any] | None:
        """The record a reference ``{key}`` or ``{id}`` names."""
        ...

    def touch(self, record: dict[str, Any]) -> None:
        """Stamp a change by the API user."""
        ...

    def each(self, path: str) -> Iterable[dict[str, Any]]:
        """Every record of ``path``, in key order (read them, do not change them)."""
        ...

    @property
    def readings(self) -> Readings:
        """The sandbox's readings of what the contract leaves open."""
        ...


RecordHook = Callable[[Records, dict[str, Any]], None]
UpdateHook = Callable[[Records, dict[str, Any], dict[str, Any]], None]
StateHook = Callable[[Records, dict[str, Any], str], None]
TransitionRule = Callable[["Readings", str, str, "list[str]"], str]


@dataclass(frozen=True)
class Behaviour:
    """The hooks of one object, each a list run in order (see the module's docstring)."""

    check: tuple[RecordHook, ...] = ()
    on_create: tuple[RecordHook, ...] = ()
    before_update: tuple[UpdateHook, ...] = ()
    before_delete: tuple[RecordHook, ...] = ()
    on_state: tuple[StateHook, ...] = ()
    transition: TransitionRule | None = None


#: An object with no behaviour of its own: the shared rules only.
PLAIN = Behaviour()

"""The documented workflow actions of an object (submit, approve, reverse, ...), read from Sage's contract.

Used when a workflow operator runs (``IntacctObject.workflows`` builds them on first use), never
when a DAG is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Workflow body field -> the operator argument that fills it (``IntacctWorkflowOperator``): a
#: reversal's date is ``reverseDate`` on bills, ``reversedDate`` on invoices, ``paymentDate`` on AP
#: payments; its memo ``notes``, ``memo`` or (payments) ``description``.
WORKFLOW_ARGUMENTS = {
    "notes": "notes",
    "memo": "notes",
    "description": "notes",
    "reverseDate": "reverse_date",
    "reversedDate": "reverse_date",
    "paymentDate": "reverse_date",
}


@dataclass(frozen=True)
class Workflow:
    """One documented workflow action, ``POST <path>`` with ``{"key", ...}``, as the contract describes it.

    ``arguments`` maps an operator argument (``reverse_date``) to the body field Intacct names
    (``reverseDate``); ``required`` lists the arguments the action cannot do without.
    ``transitions`` maps each state the action applies to (``from_states``) to every state Sage
    documents it may lead to (which one depends on the tenant's configuration); ``done_states``
    are the states of a record the action has already been applied to, so a retried task can tell
    that its earlier try succeeded, whichever of those readings the tenant follows.
    """

    action: str
    path: str
    arguments: Mapping[str, str]
    required: tuple[str, ...]
    from_states: tuple[str, ...]
    done_states: tuple[str, ...]
    transitions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_contract(cls, action: str, facts: Mapping[str, Any]) -> Workflow:
        """Build one from the contract's ``workflows`` entry (path, body, transitions, done)."""
        body = {name: rule for name, rule in facts.get("body", {}).items() if name != "key"}
        arguments = {WORKFLOW_ARGUMENTS[name]: name for name in body if name in WORKFLOW_ARGUMENTS}
        required = tuple(WORKFLOW_ARGUMENTS[name] for name, rule in body.items() if rule == "required")
        transitions = {state: tuple(targets) for state, targets in facts.get("transitions", {}).items()}
        from_states = tuple(facts.get("from", transitions))
        done = tuple(facts.get("done", ()))
        return cls(action, facts["path"], arguments, required, from_states, done, transitions)

    def happened(self, before: str | None, after: str | None) -> bool:
        """Whether a record now in ``after`` has had this action applied: ``after`` is a done state,
        or one the action leads to from ``before`` (a reversed payment that was delivered is
        ``approved`` again, a state that is not "done" in general)."""
        if after is None:
            return False
        return after in self.done_states or (before is not None and after in self.transitions.get(before, ()))

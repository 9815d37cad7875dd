"""The documented workflow actions of an object (submit, approve, reverse, ...), read from Sage's contract.

Used when a workflow operator runs (``IntacctObject.workflows`` builds them on first use), never
when a DAG is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Workflow body field -> the operator argument that fills it (``IntacctWorkflowOperator``).
WORKFLOW_ARGUMENTS = {"notes": "notes", "memo": "notes", "reverseDate": "reverse_date", "reversedDate": "reverse_date"}
#: States that come after a posted document (paying it does not undo a submit or an approval).
_AFTER_POSTED = ("partiallyPaid", "paid", "selected")


@dataclass(frozen=True)
class Workflow:
    """One documented workflow action, ``POST <path>`` with ``{"key", ...}``, as the contract describes it.

    ``arguments`` maps an operator argument (``reverse_date``) to the body field Intacct names
    (``reverseDate``); ``required`` lists the arguments the action cannot do without.
    ``from_states`` are where the action applies; ``done_states`` are where it has already
    happened, so a retried task can tell that its earlier try succeeded.
    """

    action: str
    path: str
    arguments: Mapping[str, str]
    required: tuple[str, ...]
    from_states: tuple[str, ...]
    done_states: tuple[str, ...]

    @classmethod
    def from_contract(cls, action: str, facts: Mapping[str, Any]) -> Workflow:
        """Build one from the contract's ``workflows`` entry (path, body, from, to)."""
        body = {name: rule for name, rule in facts.get("body", {}).items() if name != "key"}
        arguments = {WORKFLOW_ARGUMENTS[name]: name for name in body if name in WORKFLOW_ARGUMENTS}
        required = tuple(WORKFLOW_ARGUMENTS[name] for name, rule in body.items() if rule == "required")
        reached = [facts.get("to"), facts.get("to_with_approval")]
        if "submitted" in reached:
            reached.append("partiallyApproved")
        if "posted" in reached:
            reached.extend(_AFTER_POSTED)
        from_states = tuple(facts.get("from", ()))
        done = tuple(state for state in reached if state and state not in from_states)
        return cls(action, facts["path"], arguments, required, from_states, done)

"""AP bills' own behaviour: where their workflow actions lead, by the sandbox's readings.

Sage's spec says ``submit`` takes a draft to ``submitted`` "or posted when no approval" (a
company setting: the ``bill_approval`` reading), and ``approve`` answers ``approved`` in its
response enum while its description says the bill becomes ``posted`` (``bill_approve_state``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .behaviour import Behaviour

if TYPE_CHECKING:
    from .readings import Readings


def bill_transition(readings: Readings, action: str, current: str, documented: list[str]) -> str:
    """The state a bill's ``action`` leads to from ``current`` under ``readings``."""
    if action == "submit":
        return "submitted" if readings.bill_approval else "posted"
    if action == "approve":
        return readings.bill_approve_state
    return documented[0]


BILL_BEHAVIOUR = Behaviour(transition=bill_transition)

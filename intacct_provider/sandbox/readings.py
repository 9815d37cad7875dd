"""The sandbox's readings of what Sage's contract leaves open, as the store's behaviours see them.

The settings (:mod:`.state`) hold every switch; the few that change how records behave (which
state a workflow action leads to, when a payment counts) are handed to the store as one
:class:`Readings`, so a behaviour declared on an object reads them without knowing the settings.
Each default is the stricter reading: the one a client must do the most to get right.
"""

from __future__ import annotations

from dataclasses import dataclass

#: What a bill's ``approve`` leads to: ``approved`` (the answer's enum in Sage's spec) or
#: ``posted`` (the action's description).
BILL_APPROVE_STATES = ("approved", "posted")
#: How an AP payment goes from submitted to paid out (see :mod:`.payments`): ``print`` (approve,
#: print, confirm: applied when ``confirmed``), ``approval`` (applied once ``approved``) or
#: ``direct`` (``submit`` leads straight to ``confirmed``: no approval configured).
PAYMENT_FLOWS = ("print", "approval", "direct")


@dataclass(frozen=True)
class Readings:
    """``bill_approval``: submit leads a bill to ``submitted`` (then ``approve``), else to ``posted``."""

    bill_approval: bool = True
    bill_approve_state: str = "approved"
    payment_flow: str = "print"

    def check(self) -> None:
        if self.bill_approve_state not in BILL_APPROVE_STATES:
            raise ValueError(f"bill_approve_state must be one of {', '.join(BILL_APPROVE_STATES)}")
        if self.payment_flow not in PAYMENT_FLOWS:
            raise ValueError(f"payment_flow must be one of {', '.join(PAYMENT_FLOWS)}")

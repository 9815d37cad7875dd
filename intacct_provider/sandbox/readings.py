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
#: What reversing a confirmed AP payment leaves (see :func:`.payments.payment_transition`):
#: ``voided`` (the payment's state enum, which has no ``reversed``) or ``reversed`` (the reverse
#: workflow's documented answer).
PAYMENT_REVERSE_STATES = ("voided", "reversed")


@dataclass(frozen=True)
class Readings:
    """``bill_approval``: submit leads a bill to ``submitted`` (then ``approve``), else to ``posted``.

    ``payment_reverse_state`` defaults to ``voided``, the stricter: the action is called
    ``reverse``, its answer is documented as ``reversed``, and every other reverse in the contract
    (bill, invoice, AR payment) ends ``reversed`` or ``reversal``, so code written by analogy
    (a filter ``state = reversed``, a "done" set copied from the bill's) expects ``reversed`` and
    only code that read the payment's own state enum expects ``voided``.
    """

    bill_approval: bool = True
    bill_approve_state: str = "approved"
    payment_flow: str = "print"
    payment_reverse_state: str = "voided"

    def check(self) -> None:
        if self.bill_approve_state not in BILL_APPROVE_STATES:
            raise ValueError(f"bill_approve_state must be one of {', '.join(BILL_APPROVE_STATES)}")
        if self.payment_flow not in PAYMENT_FLOWS:
            raise ValueError(f"payment_flow must be one of {', '.join(PAYMENT_FLOWS)}")
        if self.payment_reverse_state not in PAYMENT_REVERSE_STATES:
            raise ValueError(f"payment_reverse_state must be one of {', '.join(PAYMENT_REVERSE_STATES)}")

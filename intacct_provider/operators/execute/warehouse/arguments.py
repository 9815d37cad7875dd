"""Checks of the warehouse operators' arguments, as templates render them (text or native values).

Run when a task starts, before any request or database connection: a typo in ``mode`` must not
cost a read of 200,000 bills.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intacct_provider.exceptions import IntacctValidationError


def choice(parameter: str, value: Any, options: Sequence[str]) -> str:
    """One of ``options`` (case and surrounding spaces ignored)."""
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in options:
        raise IntacctValidationError(parameter, " or ".join(repr(option) for option in options), value)
    return str(text)


def positive(parameter: str, value: Any) -> int:
    from intacct_provider.catalog.validation import check_int

    return check_int(parameter, value, minimum=1)

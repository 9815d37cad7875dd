"""Checks of the warehouse operators' arguments, as templates render them (text or native values).

Run when a task starts, before any request or database connection: a typo in ``mode`` must not
cost a read of 200,000 bills.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intacct_provider.exceptions import IntacctValidationError

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no", "")


def choice(parameter: str, value: Any, options: Sequence[str]) -> str:
    """One of ``options`` (case and surrounding spaces ignored)."""
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in options:
        raise IntacctValidationError(parameter, " or ".join(repr(option) for option in options), value)
    return str(text)


def flag(parameter: str, value: Any) -> bool:
    """A boolean, or its text as a template renders it (``"True"``, ``"false"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (*_TRUE, *_FALSE):
        return value.strip().lower() in _TRUE
    raise IntacctValidationError(parameter, "true or false", value)


def positive(parameter: str, value: Any) -> int:
    from intacct_provider.catalog.validation import check_int

    return check_int(parameter, value, minimum=1)

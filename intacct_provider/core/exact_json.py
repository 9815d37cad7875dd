"""JSON with exact decimals: a ``Decimal`` is written as the JSON number it is, digit for digit.

Intacct's standard amounts are decimal *strings* ("500.00"), but a tenant's number custom field
is a JSON *number* (Sage's custom-fields guide shows ``"nsp::CUSTOM_CURRENCY": 59``). Python's
``json`` cannot write a ``Decimal``, and a float would round money, so a number custom field is
carried as a ``Decimal`` and written here: the plain encoder first (bodies without decimals cost
nothing more), and only when it meets a ``Decimal``, each one is swapped for a marker string no
input can contain (a random token per call) and the markers are replaced by the number's text.
Read back with :func:`loads`, a fractional number becomes a ``Decimal`` again, never a float.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

#: What ``requests``' ``json=`` wrote (default separators, no NaN): the bytes of a request body.
_PLAIN = json.JSONEncoder(allow_nan=False).encode
#: Sorted keys, no spaces: batch digests and the bulk spool's lines (the same bodies, the same text).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
_decode = json.JSONDecoder(parse_float=Decimal).decode


def dumps(value: Any) -> str:
    """The JSON text of a request body; a ``Decimal`` is written as an exact JSON number."""
    return _encode(value, _PLAIN)


def canonical(value: Any) -> str:
    """Canonical JSON (sorted keys, compact), decimals exact: the same bodies always give the same text."""
    return _encode(value, _CANONICAL)


def loads(text: str) -> Any:
    """Decode JSON text, fractional numbers as ``Decimal`` (what :func:`dumps` wrote reads back exactly)."""
    return _decode(text)


def _encode(value: Any, encode: Callable[[Any], str]) -> str:
    try:
        return encode(value)
    except TypeError:  # a Decimal (or something no JSON encoder can write: raised again below)
        pass
    marker = secrets.token_hex(8)
    numbers: list[str] = []

    def swap(item: Any) -> Any:
        if isinstance(item, dict):
            return {name: swap(each) for name, each in item.items()}
        if isinstance(item, (list, tuple)):
            return [swap(each) for each in item]
        if isinstance(item, Decimal):
            numbers.append(number_text(item))
            return f"\x00{marker}{len(numbers) - 1}\x00"
        return item

    text = encode(swap(value))
    pattern = re.compile(r'"\\u0000' + marker + r'(\d+)\\u0000"')
    return pattern.sub(lambda match: numbers[int(match.group(1))], text)


def number_text(value: Decimal) -> str:
    """A finite ``Decimal`` as JSON number text without an exponent (``Decimal("1E+2")`` is ``100``)."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a number JSON can carry")
    return format(value, "f")

"""JSON with exact decimals, both ways: the one decoder of Intacct's answers and the one encoder of what we write.

Intacct's standard amounts are decimal *strings* ("500.00"), but a tenant's number custom field
(``"nsp::CUSTOM_CURRENCY": 59``, as Sage's custom-fields guide shows it) and any field the model
types ``number`` is a JSON *number*. Python's ``json`` reads ``59.10`` as the float ``59.1`` and
``12345678901234567.89`` as ``12345678901234568.0``: money rounded before anyone sees it. So:

* :func:`loads` reads every JSON number with a fraction or an exponent as a ``Decimal`` (integers
  stay ``int``) and refuses ``NaN`` and ``Infinity``, which are not JSON; every Intacct answer
  body, the sandbox's requests and JSON Lines input files are decoded here;
* :func:`dumps` (request bodies), :func:`canonical` (digests, the bulk spool) and :func:`compact`
  (JSON Lines files, results files, the sandbox's answers) write a ``Decimal`` as the JSON number
  it is, digit for digit: ``Decimal("59.10")`` is ``59.10``, never ``59.1`` or ``"59.10"``;
* :func:`decimals_as_text` is for XCom: Airflow's serde writes a ``Decimal`` through a float
  (``12345678901234567.89`` reaches the next task as ``Decimal('12345678901234568')``, on 3.1,
  3.2 and 3.3 alike), so XCom carries each one as its exact text, like Intacct's own amounts.

Python's encoder cannot write a number it does not know, so a ``Decimal`` is handed to it as a
marker string (a random token per call, which no input can contain) and each marker is then
replaced by the number's text; values without a ``Decimal`` are written by the plain C encoder.
"""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any, NoReturn

#: A marker as the encoder writes it: ``"\u0000<token>:<index>\u0000"`` (control characters are always escaped).
_MARKER = re.compile(r'"\\u0000([0-9a-f]{16}):(\d+)\\u0000"')


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)


def loads(text: str | bytes) -> Any:
    """Decode JSON: fractional and exponent numbers as ``Decimal``, integers as ``int``; ``ValueError`` if not JSON."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode(json.detect_encoding(text), "surrogatepass")
    return _DECODER.decode(text)


def dumps(value: Any) -> str:
    """The JSON text of a request body (``requests``' own spacing); a ``Decimal`` is an exact JSON number."""
    return _encode(value, {})


def canonical(value: Any, *, ensure_ascii: bool = True) -> str:
    """Canonical JSON (sorted keys, compact), decimals exact: the same bodies always give the same text.

    ``ensure_ascii=False`` keeps non-ASCII text as it is (a warehouse column people read).
    """
    return _encode(value, {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": ensure_ascii})


def compact(value: Any) -> str:
    """Compact JSON in the value's own key order, decimals exact: one JSON Lines row, one sandbox answer."""
    return _encode(value, {"separators": (",", ":")})


def decimals_as_text(value: Any) -> Any:
    """``value`` with every ``Decimal`` replaced by its exact number text (``Decimal("59.10")`` -> ``"59.10"``).

    What goes to XCom: Airflow would carry a ``Decimal`` through a float. Dicts and lists are
    copied (tuples become lists, as JSON has them); every other value is returned as it is.
    """
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, dict):
        return {name: decimals_as_text(item) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [decimals_as_text(item) for item in value]
    return value


def number_text(value: Decimal) -> str:
    """A finite ``Decimal`` as JSON number text without an exponent (``Decimal("1E+2")`` is ``100``)."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a number JSON can carry")
    return format(value, "f")


def _encode(value: Any, options: dict[str, Any]) -> str:
    numbers: list[str] = []
    token = ""

    def marker(item: Any) -> str:
        nonlocal token
        if not isinstance(item, Decimal):
            raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")
        token = token or secrets.token_hex(8)
        numbers.append(number_text(item))
        return f"\x00{token}:{len(numbers) - 1}\x00"

    text = json.JSONEncoder(allow_nan=False, default=marker, **options).encode(value)
    if not numbers:
        return text

    def exact(match: re.Match[str]) -> str:  # a marker of another call (a string in the value) stays as it is
        return numbers[int(match.group(2))] if match.group(1) == token else match.group(0)

    return _MARKER.sub(exact, text)

"""Check operator arguments before any request is sent.

Templated arguments arrive as Jinja strings (``"250"``, a JSON text) or, with
``render_template_as_native_obj``, as native objects; both are accepted. Every
error names the argument (and the line index) and what was expected, so a typo
fails in seconds with a readable message instead of reaching the books.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from decimal import Decimal
from typing import Any

from intacct_provider.exceptions import IntacctInputError, IntacctValidationError

MAX_PAGESIZE = 1000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,30}$")

#: Optional per-line dimension ids and the Intacct dimension each one maps to.
LINE_DIMENSIONS = {
    "locationid": "location",
    "departmentid": "department",
    "classid": "class",
    "projectid": "project",
    "customerid": "customer",
    "vendorid": "vendor",
    "employeeid": "employee",
    "itemid": "item",
}

_ID_SCHEMA = {"type": ["string", "integer"], "minLength": 1}
#: A line key naming one of the company's own fields or dimensions (``nsp::COST_CODE``): sent as given,
#: checked against the company's model when the task runs (``catalog.custom_fields``).
CUSTOM_KEY_PATTERN = "^nsp::"
LINE_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["glaccountno", "amount"],
    "additionalProperties": False,
    "patternProperties": {CUSTOM_KEY_PATTERN: {}},
    "properties": {
        "glaccountno": _ID_SCHEMA,
        "amount": {"type": ["string", "number"]},
        "memo": {"type": ["string", "null"]},
        **{name: _ID_SCHEMA for name in LINE_DIMENSIONS},
    },
}
JOURNAL_LINE_SCHEMA: dict[str, Any] = {
    **LINE_ITEM_SCHEMA,
    "required": ["glaccountno", "amount", "tr_type"],
    "properties": {**LINE_ITEM_SCHEMA["properties"], "tr_type": {"enum": ["debit", "credit"]}},
}


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


#: JSON text of an argument: fractions as ``Decimal``, integers as ``int``, no ``NaN``/``Infinity``.
_ARGUMENT_JSON = json.JSONDecoder(parse_float=Decimal, parse_constant=_not_a_number)


def parse_json(parameter: str, value: Any) -> Any:
    """Decode a JSON string (a templated argument); pass native values through.

    Numbers are read exactly, as :func:`~intacct_provider.core.exact_json.loads` reads Intacct's
    answers (``core/`` is a layer above ``catalog/``): ``"amount": 10.50`` in a rendered template is
    ``Decimal("10.50")``, as it would be sent, never a float; ``NaN`` and ``Infinity`` are refused.
    """
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    if isinstance(value, str):
        try:
            return _ARGUMENT_JSON.decode(value)
        except json.JSONDecodeError as exc:
            raise IntacctValidationError(parameter, f"valid JSON ({exc.msg} at char {exc.pos})", value) from None
        except ValueError as exc:  # NaN or Infinity: not JSON, and no amount
            raise IntacctValidationError(parameter, f"valid JSON ({exc})", value) from None
    return value


def parse_json_list(parameter: str, value: Any) -> Any:
    """Decode JSON text of a list (``'["key", "id"]'``); pass anything else through.

    Field and order lists arrive as native lists, comma-separated text or JSON text
    depending on how the template rendered; only the last needs decoding here.
    """
    if isinstance(value, str) and value.lstrip().startswith("["):
        return parse_json(parameter, value)
    return value


def check_date(parameter: str, value: Any) -> str:
    """A real calendar date as ``YYYY-MM-DD`` (date/datetime objects are accepted)."""
    if type(value) is str:  # the common case first (a bulk pre-flight checks two dates a record)
        stripped = value.strip()
        if stripped and _DATE.match(stripped):
            try:
                dt.date.fromisoformat(stripped)
            except ValueError:
                raise IntacctValidationError(parameter, "a real calendar date as YYYY-MM-DD", value) from None
            return stripped
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip() if isinstance(value, str) else None
    if not text or not _DATE.match(text):
        raise IntacctValidationError(parameter, "a date as YYYY-MM-DD", value)
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise IntacctValidationError(parameter, "a real calendar date as YYYY-MM-DD", value) from None
    return text


def check_date_order(earlier: tuple[str, str], later: tuple[str, str]) -> None:
    """``later`` must not be before ``earlier`` (both already checked dates)."""
    if later[1] < earlier[1]:
        raise IntacctValidationError(later[0], f"a date on or after {earlier[0]} ({earlier[1]})", later[1])


def check_amount(parameter: str, value: Any) -> str:
    """An exact amount in cents, returned as the decimal string Intacct expects.

    Rule (no rounding, ever): ASCII digits, an optional leading ``-``, a dot and at
    most two decimals, magnitude at most :data:`MAX_AMOUNT`, and not ``-0``.
    Numbers are accepted when they are exact: ``250`` → ``"250"``, the float
    ``12.5`` → ``"12.5"``; a float that is not a cent amount (``0.1 + 0.2``) is
    refused, because rounding it would book a figure nobody typed. Strings are
    never guessed at: ``"12,50"``, ``"1e3"``, ``"10.005"`` and Arabic-Indic digits
    are refused, not reinterpreted.
    """
    plain = _plain_amount(value)
    if plain is not None:
        return plain
    if isinstance(value, bool) or value is None:
        raise IntacctValidationError(parameter, "a decimal amount such as '500.00'", value)
    if isinstance(value, (float, Decimal)):
        text = _exact_number_text(parameter, value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise IntacctValidationError(parameter, "a decimal amount such as '500.00'", value)
    if not _STRICT_AMOUNT.fullmatch(text):
        raise IntacctValidationError(parameter, _amount_expectation(text), value)
    number = Decimal(text)
    if number.is_zero() and text.startswith("-"):
        raise IntacctValidationError(parameter, "a decimal amount without a sign on zero ('0.00', not '-0')", value)
    if abs(number) > MAX_AMOUNT:
        raise IntacctValidationError(parameter, f"an amount between -{MAX_AMOUNT} and {MAX_AMOUNT}", value)
    return text


def _plain_amount(value: Any) -> str | None:
    """The common amount, text such as ``"12.25"`` well inside the limit, as :func:`check_amount` returns it.

    None for anything else (then :func:`check_amount` decides, and words its error): no sign,
    fewer integer digits than :data:`MAX_AMOUNT` has (so no ``Decimal`` is needed to compare).
    """
    if type(value) is not str:
        return None
    text = value.strip()
    match = _STRICT_AMOUNT.fullmatch(text)
    if match is None or text[0] == "-":
        return None
    dot = match.start(1)
    return text if (dot if dot >= 0 else len(text)) < _MAX_AMOUNT_DIGITS else None


def check_flag(parameter: str, value: Any) -> bool:
    """A boolean, or ``"true"``/``"false"`` as a template renders one (``"True"``, ``" false\n"``).

    Nothing else: ``"yes"``, ``1`` or ``""`` would guess what the author meant, so they are refused.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise IntacctValidationError(parameter, "true or false", value)


def check_int(parameter: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """The one integer checker: an ``int`` or its ASCII decimal text (``"250"`` from a template).

    Booleans, floats, other digits (``"²"``, Arabic-Indic numerals) and out-of-range values
    are refused with the argument named, never a raw ``ValueError``.
    """
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.match(value.strip()):
        number = int(value.strip())
    if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        if minimum is not None and maximum is not None:
            expected = f"an integer between {minimum} and {maximum}"
        elif minimum == 1:
            expected = "a positive integer"
        elif minimum is not None:
            expected = f"an integer >= {minimum}"
        else:
            expected = "an integer"
        raise IntacctValidationError(parameter, expected, value)
    return number


def check_pagesize(value: Any, parameter: str = "pagesize") -> int:
    """An integer 1..1000 (``"250"`` from a template is fine)."""
    return check_int(parameter, value, minimum=1, maximum=MAX_PAGESIZE)


def check_id(parameter: str, value: Any, *, required: bool = True) -> str | None:
    """A non-empty identifier such as ``VEND-100`` (numbers are turned into text)."""
    if type(value) is str:  # the common case first: printable text within the limit
        text = value.strip()
        if text and len(text) <= MAX_ID_LENGTH and text.isprintable():
            return text
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise IntacctValidationError(parameter, "a non-empty ID", value)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise IntacctValidationError(parameter, "an ID string such as 'VEND-100'", value)
    text = str(value).strip()
    if _has_control_characters(text) or len(text) > MAX_ID_LENGTH:
        raise IntacctValidationError(
            parameter, f"an ID of at most {MAX_ID_LENGTH} characters without control characters", value
        )
    return text


def check_text(parameter: str, value: Any) -> str | None:
    """Optional free text (``None`` or empty means absent)."""
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise IntacctValidationError(parameter, "text", value)
    return str(value)


def check_lines(parameter: str, value: Any, schema: dict[str, Any] = LINE_ITEM_SCHEMA) -> list[dict[str, Any]]:
    """A non-empty list of line objects; amounts normalised to decimal strings."""
    lines = parse_json(parameter, value)
    if not isinstance(lines, list):
        raise IntacctValidationError(parameter, "a JSON array of line objects", value)
    if not lines:
        raise IntacctValidationError(parameter, "at least one line", value)
    validator, quick = _line_checks(schema)
    checked = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise IntacctValidationError(
                f"{parameter}[{index}]", "an object like {'glaccountno': '6700', 'amount': '500.00'}", line
            )
        if not quick(line):  # most lines are valid: only the others pay for jsonschema's errors
            _raise_line_problems(f"{parameter}[{index}]", line, validator, schema)
        normalized = dict(line)
        normalized["glaccountno"] = str(line["glaccountno"])
        amount = line["amount"]
        normalized["amount"] = _plain_amount(amount) or check_amount(f"{parameter}[{index}].amount", amount)
        checked.append(normalized)
    return checked


#: id(schema) -> (the schema, its validator, its compiled yes/no check): built once per line schema.
_LINE_CHECKS: dict[int, tuple[dict[str, Any], Any, Any]] = {}


def _line_checks(schema: dict[str, Any]) -> tuple[Any, Any]:
    """A line schema's validator and compiled check, built once (both cost more than checking a line).

    A line the check passes has no schema error and (the schema refusing other keys) no unknown
    key, so ``_raise_line_problems`` would find nothing but a bad amount, which ``check_amount``
    reports the same way; any other line still goes through ``_raise_line_problems``.
    """
    cached = _LINE_CHECKS.get(id(schema))
    if cached is None or cached[0] is not schema:
        import jsonschema

        from intacct_provider.contract.validity import compile_validity

        validator = jsonschema.Draft202012Validator(schema)
        compiled = compile_validity(schema, validator) if schema.get("additionalProperties") is False else None
        quick = compiled or (lambda line: False)
        cached = _LINE_CHECKS[id(schema)] = (schema, validator, quick)
    return cached[1], cached[2]


def _raise_line_problems(where: str, line: dict[str, Any], validator: Any, schema: dict[str, Any]) -> None:
    """Raise one error naming every problem of a line, so one fix-and-rerun fixes them all.

    A lone problem keeps the ``<line>.<key>: expected ...`` form. An unknown key
    names its closest known key, and then stands for that key's "required"
    error (``amout`` is why ``amount`` is missing).
    """
    from intacct_provider.catalog.suggest import did_you_mean

    known = list(schema["properties"])
    errors = sorted(validator.iter_errors(line), key=lambda e: [str(p) for p in e.path])
    custom = re.compile(CUSTOM_KEY_PATTERN)
    unknown = [key for key in line if key not in schema["properties"] and not custom.match(str(key))]
    guesses = {key: did_you_mean(key, known) for key in unknown}
    problems: list[IntacctValidationError] = []
    for error in errors:
        if error.validator == "additionalProperties":
            continue
        if error.validator == "required" and error.message.split("'")[1] in guesses.values():
            continue
        problems.append(_line_error(where, error))
    amount = line.get("amount")
    if amount is not None and not any(p.parameter == f"{where}.amount" for p in problems):
        try:
            check_amount(f"{where}.amount", amount)
        except IntacctValidationError as exc:
            problems.append(exc)
    if not unknown and len(problems) == 1:
        raise problems[0]
    if not unknown and not problems:
        return
    messages = [
        f"unknown key {key!r} — did you mean {guess!r}?"
        if guess
        else f"unknown key {key!r} (known line keys: {', '.join(known)})"
        for key, guess in guesses.items()
    ]
    messages += [str(problem).removeprefix(where + ".") for problem in problems]
    raise IntacctInputError(where, messages)


def _line_error(where: str, error: Any) -> IntacctValidationError:
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return IntacctValidationError(
            f"{where}.{missing}", "a value (this line key is required)", None, show_value=False
        )
    field = ".".join(str(p) for p in error.path) or "line"
    expected = {
        "type": f"a value of type {error.validator_value}",
        "enum": f"one of {error.validator_value}",
        "minLength": "a non-empty value",
    }.get(error.validator, error.message)
    return IntacctValidationError(f"{where}.{field}", expected, error.instance)


def check_balanced(parameter: str, lines: list[dict[str, Any]]) -> None:
    """Journal entry lines: debits must equal credits (checked before Intacct refuses it)."""
    debit = sum((Decimal(line["amount"]) for line in lines if line["tr_type"] == "debit"), Decimal(0))
    credit = sum((Decimal(line["amount"]) for line in lines if line["tr_type"] == "credit"), Decimal(0))
    if debit != credit:
        raise IntacctValidationError(
            parameter, f"balanced lines (debits {debit} must equal credits {credit})", None, show_value=False
        )


# ----------------------------------------------------------------- hostile inputs (issue 12)
# Everything below guards the edges where an argument becomes part of a URL path, an HTTP
# header, or an integer: places where a stray character does not fail cleanly but changes
# which request is sent (a key of ".." addresses the collection, CR/LF splits a header).

#: Largest magnitude accepted for an amount. The contract gives no range; 13 integer digits
#: and 2 decimals (15 significant digits) is what every double downstream still holds to the cent.
MAX_AMOUNT = Decimal("9999999999999.99")
#: Longest ID or record key accepted (Intacct's IDs are far shorter; this only stops runaway text).
MAX_ID_LENGTH = 200
#: Longest value sent in an HTTP header of ours (idempotency key, entity id).
MAX_HEADER_LENGTH = 200
_STRICT_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
#: Integer digits of :data:`MAX_AMOUNT`: an amount with fewer is below it.
_MAX_AMOUNT_DIGITS = len(str(int(MAX_AMOUNT)))
#: Characters a record key may not contain: each one would change which URL is requested.
_KEY_FORBIDDEN = frozenset("/\\?#")


def _exact_number_text(parameter: str, value: float | Decimal) -> str:
    """Plain decimal text of a native number, refusing values that are not exact cent amounts."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise IntacctValidationError(parameter, "a finite decimal amount such as '500.00'", value)
        # repr() is the shortest text that reads back as the same float: what the user wrote
        # (12.5 -> "12.5"), while 0.1 + 0.2 shows its true tail "0.30000000000000004".
        number = Decimal(repr(value))
    else:
        number = value
        if not number.is_finite():
            raise IntacctValidationError(parameter, "a finite decimal amount such as '500.00'", value)
    if abs(number) > MAX_AMOUNT:
        raise IntacctValidationError(parameter, f"an amount between -{MAX_AMOUNT} and {MAX_AMOUNT}", value)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        cents = number.quantize(Decimal("0.01"))
        if cents != number:
            raise IntacctValidationError(
                parameter, "an amount with at most 2 decimal places (pass it as a string such as '0.30')", value
            )
        number = cents  # Decimal("12.500") -> "12.50": the same amount, trailing zeros dropped
    return format(number, "f")


def _amount_expectation(text: str) -> str:
    """Say what is wrong with an amount string that does not match the strict grammar."""
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in text):
        return "a decimal amount written with ASCII digits 0-9"
    lowered = text.lower().lstrip("+-")
    if lowered in ("nan", "snan", "inf", "infinity"):
        return "a finite decimal amount such as '500.00'"
    if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", text):
        return "an amount with at most 2 decimal places (no rounding is done)"
    return "a decimal amount with a dot separator such as '12.50'"


def check_key(parameter: str, value: Any) -> str:
    """A record key that is one URL path segment: not ``.``/``..``, no ``/ \\ ? #`` or control characters."""
    text = check_id(parameter, value)
    assert text is not None
    if text in (".", "..") or any(ch in _KEY_FORBIDDEN for ch in text):
        raise IntacctValidationError(
            parameter, "a record key such as '2001' (not '.' or '..', without '/', '\\', '?' or '#')", value
        )
    return text


def key_path_segment(parameter: str, value: Any) -> str:
    """``value`` checked by :func:`check_key` and percent-encoded for use as one path segment."""
    from urllib.parse import quote

    return quote(check_key(parameter, value), safe="")


def is_header_safe(text: str, max_length: int = MAX_HEADER_LENGTH) -> bool:
    """Printable ASCII, no leading/trailing space, not empty, at most ``max_length`` characters."""
    return 0 < len(text) <= max_length and text == text.strip() and all(" " <= ch <= "~" for ch in text)


def check_header_value(parameter: str, value: Any, max_length: int = MAX_HEADER_LENGTH) -> str:
    """A value we send as an HTTP header: printable ASCII within ``max_length`` (no CR/LF, no Unicode)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not is_header_safe(value, max_length):
        raise IntacctValidationError(
            parameter, f"printable ASCII text of 1 to {max_length} characters (it is sent as an HTTP header)", value
        )
    return value


def _has_control_characters(text: str) -> bool:
    if text.isprintable():  # no character of any "Other" or "Separator" category but the space
        return False
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)

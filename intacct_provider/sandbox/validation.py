"""Shape checks on create/update bodies against the contract's JSON Schemas: the 400 answers.

Intacct answers a malformed body with one 400 listing every problem, each with a JSON-pointer
``target``; collecting all of them (rather than stopping at the first) is what lets a client fix
a payload in one round.  The schemas (shared with the client) decide what is wrong; this module
only words it the way Intacct does ("/lines/0/memo is not a valid field").  Rules that look at
other records (references, uniqueness, balances) live in :mod:`.rules`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from intacct_provider import contract

from .errors import ApiError, detail

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


def is_decimal(value: Any) -> bool:
    """Intacct amounts are strings like ``"500.00"`` or ``"-12.5"``; numbers are refused."""
    return isinstance(value, str) and _DECIMAL.fullmatch(value) is not None


def _type_name(expected: Any) -> str:
    names = [expected] if isinstance(expected, str) else [t for t in expected if t != "null"]
    article = {"object": "an object", "array": "an array", "boolean": "true or false", "integer": "an integer"}
    return " or ".join(article.get(n, f"a {n}") for n in names)


def _details(error: ValidationError, prefix: str) -> list[dict[str, str]]:
    """The ``details[]`` entries one jsonschema error becomes (``prefix``: pointer of the
    validated instance inside the body)."""
    pointer = prefix + contract.error_pointer(error)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    expected: Any = error.validator_value
    instance: Any = error.instance
    if kind == "additionalProperties":
        return [
            detail("invalidField", f"{pointer}/{name} is not a valid field", f"{pointer}/{name}")
            for name in contract.unknown_properties(error)
        ]
    if kind == "required":
        missing = [name for name in expected if name not in instance]
        return [detail("requiredFieldMissing", f"{pointer}/{n} is required", f"{pointer}/{n}") for n in missing]
    if contract.is_read_only_error(error):
        return [detail("readOnlyField", f"{pointer} is read-only", pointer)]
    if kind == "anyOf":
        needed = " or ".join(sorted(name for option in expected for name in option.get("required", ())))
        return [detail("requiredFieldMissing", f"{pointer} needs {needed}", pointer)]
    if kind in ("pattern", "format") and schema.get("format") == "decimal-precision-2":
        absolute = not schema.get("pattern", "").startswith("^-")
        why = "a positive amount (the direction is txnType)" if absolute else 'a decimal string such as "500.00"'
        return [detail("invalidValue", f"{pointer} must be {why} with at most 2 decimals", pointer)]
    if kind in ("pattern", "format") and schema.get("format") == "date":
        return [detail("invalidValue", f"{pointer} must be a valid date in YYYY-MM-DD format", pointer)]
    if kind == "enum":
        values = ", ".join(str(v) for v in expected if v is not None)
        return [detail("invalidValue", f"{pointer} must be one of {values}", pointer)]
    if kind == "type":
        return [detail("invalidType", f"{pointer or '/'} must be {_type_name(expected)}", pointer)]
    if kind == "minItems":
        count = expected
        return [detail("invalidValue", f"{pointer} must have at least {count} item{'s' if count > 1 else ''}", pointer)]
    return [detail("invalidValue", f"{pointer}: {error.message}", pointer)]


@cache
def _lines_validator(path: str, lines: str) -> Validator:
    """Validator of a complete ``lines`` list, as a create requires it."""
    from jsonschema import Draft202012Validator

    schema = contract.load_schema(path, "create")["properties"][lines]
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _quick(path: str, operation: str, lines: str | None = None) -> Callable[[Any], bool] | None:
    """The schema compiled to a yes/no check: only a body it refuses pays for ``iter_errors``.

    An array POST of 500 bills would otherwise spend about half a second describing errors
    that are not there (the provider's pre-flight uses the same compiled check).
    """
    from intacct_provider.contract.validity import compile_validity

    if lines is None:
        return compile_validity(contract.load_schema(path, operation), contract.validator(path, operation))
    return compile_validity(contract.load_schema(path, "create")["properties"][lines], _lines_validator(path, lines))


class Schemas(Protocol):
    """Where a write's validators come from: the contract's, or a tenant's (its own fields added)."""

    def validator(self, path: str, operation: str) -> Validator: ...

    def quick(self, path: str, operation: str) -> Callable[[Any], bool] | None: ...

    def lines_validator(self, path: str, lines: str) -> Validator: ...

    def lines_quick(self, path: str, lines: str) -> Callable[[Any], bool] | None: ...


class ContractSchemas:
    """The published contract's validators, compiled once per object and operation."""

    def validator(self, path: str, operation: str) -> Validator:
        return contract.validator(path, operation)

    def quick(self, path: str, operation: str) -> Callable[[Any], bool] | None:
        return _quick(path, operation)

    def lines_validator(self, path: str, lines: str) -> Validator:
        return _lines_validator(path, lines)

    def lines_quick(self, path: str, lines: str) -> Callable[[Any], bool] | None:
        return _quick(path, "update", lines)


#: Every company's schemas: the contract's (a tenant file adds its own; see :mod:`.tenant`).
CONTRACT = ContractSchemas()


def _errors(validator: Validator, quick: Callable[[Any], bool] | None, instance: Any) -> Iterable[ValidationError]:
    return () if quick is not None and quick(instance) else validator.iter_errors(instance)


def _collect(errors: Iterable[ValidationError], prefix: str, problems: list[dict[str, str]]) -> None:
    for error in errors:
        for entry in _details(error, prefix):
            if entry not in problems:
                problems.append(entry)


def check_body(
    path: str,
    body: dict[str, Any],
    *,
    operation: str,
    required: tuple[str, ...] = (),
    lines: str | None = None,
    schemas: Schemas = CONTRACT,
) -> None:
    """Raise a 400 :class:`ApiError` listing every problem of a create/update ``body``.

    ``required``: top-level fields the sandbox's settings make required on top of the schema
    (``billNumber`` when document sequencing is off).  ``lines``: on an update, the name of the
    list that, when sent, replaces the stored lines, so each line must be complete.  ``schemas``:
    the company's (a tenant's custom fields and objects), by default the contract's.
    """
    problems: list[dict[str, str]] = []
    _collect(_errors(schemas.validator(path, operation), schemas.quick(path, operation), body), "", problems)
    if lines and operation == "update" and isinstance(body.get(lines), list):
        whole = _errors(schemas.lines_validator(path, lines), schemas.lines_quick(path, lines), body[lines])
        _collect(whole, f"/{lines}", problems)
    for name in required:
        if body.get(name) in (None, ""):
            problems.append(detail("requiredFieldMissing", f"/{name} is required", f"/{name}"))
    if problems:
        raise ApiError.from_details(400, problems)

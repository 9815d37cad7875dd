"""Shape checks on create/update bodies: the 400-class rules that need no other record.

Intacct answers a malformed body with one 400 listing every problem, each with a JSON-pointer
``target``; collecting all of them (rather than stopping at the first) is what lets a client fix
a payload in one round.  Rules that look at other records (references, uniqueness, balances)
live in :mod:`.rules`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .errors import ApiError, detail
from .schema import Field, ObjectDef

_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_decimal(value: Any) -> bool:
    """Intacct amounts are strings like ``"500.00"`` or ``"-12.5"``; numbers are refused."""
    return isinstance(value, str) and _DECIMAL.fullmatch(value) is not None


def is_date(value: Any) -> bool:
    """A real calendar date written ``YYYY-MM-DD``."""
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _value_problem(spec: Field, value: Any) -> str | None:
    """Why ``value`` does not fit ``spec``, or None; null is left to the required check."""
    if value is None:
        return None
    if spec.type == "decimal" and not is_decimal(value):
        return 'must be a decimal number in a string, such as "500.00"'
    if spec.type == "date" and not is_date(value):
        return "must be a valid date in YYYY-MM-DD format"
    if spec.type == "boolean" and not isinstance(value, bool):
        return "must be true or false"
    if spec.type == "enum" and value not in spec.values:
        return "must be one of " + ", ".join(spec.values)
    if spec.type == "string" and not isinstance(value, str):
        return "must be a string"
    return None


def _is_blank(value: Any) -> bool:
    return value is None or value == ""


class _Walker:
    """Walks one body against a field table, collecting details."""

    def __init__(self, fields: dict[str, Field], creating: bool, problems: list[dict[str, str]]) -> None:
        self.fields = fields
        self.creating = creating
        self.problems = problems
        self.parents = {name.rsplit(".", i)[0] for name in fields for i in range(1, name.count(".") + 1)}
        self.present: dict[str, Any] = {}
        self.flagged: set[str] = set()  # already reported as a bad value: not also "required"

    def walk(self, data: dict[str, Any], prefix: str, pointer: str) -> None:
        for name, value in data.items():
            dotted, ptr = prefix + name, f"{pointer}/{name}"
            spec = self.fields.get(dotted)
            if spec is None:
                if dotted in self.parents and isinstance(value, dict):
                    self.walk(value, dotted + ".", ptr)
                elif dotted in self.parents:
                    self.problems.append(detail("invalidType", f"{ptr} must be an object", ptr))
                else:
                    self.problems.append(detail("invalidField", f"{ptr} is not a valid field", ptr))
                continue
            if spec.read_only or (spec.create_only and not self.creating):
                self.problems.append(detail("readOnlyField", f"{ptr} is read-only", ptr))
                continue
            problem = _value_problem(spec, value)
            if problem:
                self.problems.append(detail("invalidValue", f"{ptr} {problem}", ptr))
                self.flagged.add(dotted)
            self.present[dotted] = value

    def require(self, names: list[str], pointer: str) -> None:
        """On create every required field must be given; on update none may be blanked."""
        for name in names:
            if name in self.flagged:
                continue
            given = name in self.present
            if (self.creating and not given) or (given and _is_blank(self.present[name])):
                ptr = pointer + "/" + name.replace(".", "/")
                self.problems.append(detail("requiredFieldMissing", f"{ptr} is required", ptr))


def check_body(obj: ObjectDef, body: dict[str, Any], *, creating: bool, require_numbers: bool) -> None:
    """Raise a 400 :class:`ApiError` listing every shape problem of a create/update body."""
    problems: list[dict[str, str]] = []
    header = _Walker(obj.fields, creating, problems)
    lines = body.get("lines") if obj.has_lines else None
    header.walk({k: v for k, v in body.items() if not (obj.has_lines and k == "lines")}, "", "")
    required = [name for name, spec in obj.fields.items() if spec.required]
    if require_numbers and obj.number_field:
        required.append(obj.number_field)
    header.require(required, "")
    if obj.has_lines and (creating or "lines" in body):
        _check_lines(obj, lines, problems)
    if problems:
        raise ApiError.from_details(400, problems)


def _check_lines(obj: ObjectDef, lines: Any, problems: list[dict[str, str]]) -> None:
    """Lines are all-or-nothing: required on create, and an update that sends them replaces them."""
    if lines is None:
        problems.append(detail("requiredFieldMissing", "/lines is required", "/lines"))
        return
    if not isinstance(lines, list):
        problems.append(detail("invalidType", "/lines must be an array", "/lines"))
        return
    if len(lines) < obj.min_lines:
        message = f"/lines must have at least {obj.min_lines} line{'s' if obj.min_lines > 1 else ''}"
        problems.append(detail("invalidValue", message, "/lines"))
    required = [name for name, spec in obj.line_fields.items() if spec.required]
    for index, line in enumerate(lines):
        pointer = f"/lines/{index}"
        if not isinstance(line, dict):
            problems.append(detail("invalidType", f"{pointer} must be an object", pointer))
            continue
        walker = _Walker(obj.line_fields, True, problems)
        walker.walk(line, "", pointer)
        walker.require(required, pointer)

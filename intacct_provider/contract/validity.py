"""A yes/no validity check compiled from a JSON Schema, for the common case: the body is valid.

``jsonschema``'s ``iter_errors`` builds an error-reporting validator for every subschema it
enters, which costs about a millisecond for a bill: most of a bulk pre-flight. Most bodies are
valid, and a valid body needs no error to be described. So the schema is compiled once into
nested closures answering only "valid or not"; when the answer is "not", the caller runs
``iter_errors`` as before, so every message stays exactly what it was.

The check is *derived from the same schema and the same validator*: keywords that look at one
value (``type``, ``enum``, ``pattern``, ``format`` with the validator's own format checker, ...)
call that validator's own keyword functions, and only the keywords that step into
subschemas (``properties``, ``items``, ``anyOf``, ...) are walked here, with ``jsonschema``'s
rules. A schema using any keyword not listed here is not compiled at all (``None``): the caller
then always uses ``iter_errors``. It must never answer "valid" where ``iter_errors`` finds an error
the caller reports; a test compares both on thousands of altered bodies.

``lenient_required`` names (dotted, array indices left out) required fields the caller does not
report when missing (a tenant may default them); they are skipped only where ``iter_errors``
would report them as errors of their own, not inside ``anyOf``/``oneOf``/``not`` branches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

Check = Callable[[Any], bool]

#: Keywords that only describe (no effect on validity).
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples"}
)
#: Keywords that look at one value and never enter a subschema: their ``jsonschema`` functions are called as they are.
_LEAVES = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
    }
)
_STRUCTURE = frozenset(
    {"properties", "additionalProperties", "patternProperties", "required", "items", "anyOf", "allOf", "oneOf", "not"}
)
#: ``type`` names whose test in ``jsonschema``'s standard type checker is a plain ``isinstance``
#: (integer and number, with their bool and float rules, go through the validator).
_PLAIN_TYPES: dict[str, type] = {"string": str, "object": dict, "array": list, "boolean": bool, "null": type(None)}


_OBJECT_KEYWORDS = ("properties", "patternProperties", "additionalProperties", "required")


class NotCompilable(Exception):
    """The schema uses a keyword this module does not walk."""


def compile_validity(schema: Any, validator: Validator, *, lenient_required: Collection[str] = ()) -> Check | None:
    """A function telling whether an instance is valid, or ``None`` if the schema cannot be compiled."""
    try:
        return _Compiler(validator, frozenset(lenient_required)).node(schema, "")
    except NotCompilable:
        return None


class _Compiler:
    def __init__(self, validator: Validator, lenient: frozenset[str]) -> None:
        self.validator = validator
        self.lenient = lenient
        self.keywords = type(validator).VALIDATORS
        if type(validator).TYPE_CHECKER is not Draft202012Validator.TYPE_CHECKER:
            raise NotCompilable("a type checker of its own")  # _PLAIN_TYPES are the standard checker's

    def node(self, schema: Any, where: str | None) -> Check:
        """``where``: dotted path of the instance for lenient ``required`` (None: report every miss)."""
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise NotCompilable(repr(schema))
        unknown = set(schema) - _ANNOTATIONS - _LEAVES - _STRUCTURE
        if unknown:
            raise NotCompilable(", ".join(sorted(unknown)))
        checks = [self.leaf(keyword, schema) for keyword in schema if keyword in _LEAVES]
        object_check = self.object_part(schema, where)
        if object_check is not None:
            checks.append(object_check)
        if "items" in schema:
            checks.append(_items(self.node(schema["items"], where)))  # the caller's paths leave indices out
        # Errors inside these branches are not the caller's to filter: compile them strictly.
        if "anyOf" in schema:
            branches = [self.node(sub, None) for sub in schema["anyOf"]]
            checks.append(lambda value: any(branch(value) for branch in branches))
        if "allOf" in schema:
            parts = [self.node(sub, None) for sub in schema["allOf"]]
            checks.append(lambda value: all(part(value) for part in parts))
        if "oneOf" in schema:
            options = [self.node(sub, None) for sub in schema["oneOf"]]
            checks.append(lambda value: sum(1 for option in options if option(value)) == 1)
        if "not" in schema:
            negated = self.node(schema["not"], None)
            checks.append(lambda value: not negated(value))
        return _all(checks)

    def leaf(self, keyword: str, schema: dict[str, Any]) -> Check:
        """One value keyword: the commonest ones written out with ``jsonschema``'s own rule, the rest called."""
        value = schema[keyword]
        if keyword == "type":
            names = value if isinstance(value, list) else [value]
            kinds = tuple(_PLAIN_TYPES[name] for name in names if name in _PLAIN_TYPES)
            others = [name for name in names if name not in _PLAIN_TYPES]
            if not others:
                return lambda instance: isinstance(instance, kinds)
            is_type = self.validator.is_type
            return lambda instance: isinstance(instance, kinds) or any(is_type(instance, name) for name in others)
        if keyword == "pattern":  # jsonschema: a string that re.search does not match
            pattern = re.compile(value)
            return lambda instance: not isinstance(instance, str) or pattern.search(instance) is not None
        if keyword in ("minLength", "maxLength"):  # jsonschema: len() of a string
            limit = value
            if keyword == "minLength":
                return lambda instance: not isinstance(instance, str) or len(instance) >= limit
            return lambda instance: not isinstance(instance, str) or len(instance) <= limit
        if keyword == "format":  # jsonschema: whatever the validator's format checker refuses
            checker = getattr(self.validator, "format_checker", None)
            if checker is None or value not in checker.checkers:  # jsonschema ignores unknown formats
                return _always
            return lambda instance: checker.conforms(instance, value)
        if keyword == "enum" and value and all(isinstance(each, str) for each in value):
            allowed = frozenset(value)  # jsonschema compares a string with == only
            return lambda instance: isinstance(instance, str) and instance in allowed
        function = self.keywords[keyword]
        validator = self.validator
        return lambda instance: next(iter(function(validator, value, instance, schema)), None) is None

    def object_part(self, schema: dict[str, Any], where: str | None) -> Check | None:
        """``properties``, ``patternProperties``, ``additionalProperties`` and ``required`` as one check."""
        if not any(keyword in schema for keyword in _OBJECT_KEYWORDS):
            return None
        named = {
            name: self.node(sub, None if where is None else _join(where, name))
            for name, sub in schema.get("properties", {}).items()
        }
        # Below a property whose name is not fixed, nothing is lenient (strict is the safe side).
        patterns = [(re.compile(p), self.node(sub, None)) for p, sub in schema.get("patternProperties", {}).items()]
        joined = "|".join(schema.get("patternProperties", {}))  # how jsonschema finds additional properties
        matched = re.compile(joined) if joined else None
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True or extra == {} else self.node(extra, None)
        required = [
            name for name in schema.get("required", ()) if where is None or _join(where, name) not in self.lenient
        ]

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            for name in required:
                if name not in instance:
                    return False
            for name, value in instance.items():
                sub = named.get(name)
                if sub is not None:
                    if not sub(value):
                        return False
                elif (
                    extra_check is not None
                    and not (matched is not None and matched.search(name))
                    and not extra_check(value)
                ):
                    return False
                for pattern, pattern_check in patterns:
                    if pattern.search(name) and not pattern_check(value):
                        return False
            return True

        return check


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _items(check: Check) -> Check:
    def items(instance: Any) -> bool:
        if isinstance(instance, list):
            for item in instance:
                if not check(item):
                    return False
        return True

    return items


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def every(instance: Any) -> bool:
        for check in checks:  # noqa: SIM110 - a loop, not all(<generator>): this runs for every node
            if not check(instance):
                return False
        return True

    return every


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False

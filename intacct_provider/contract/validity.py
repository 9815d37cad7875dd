"""A yes/no validity check compiled from a JSON Schema, for the common case: the body is valid.

``jsonschema``'s ``iter_errors`` builds an error-reporting validator for every subschema it
enters, which costs about a millisecond for a bill: most of a bulk pre-flight. Most bodies are
valid, and a valid body needs no error to be described. So the schema is compiled once into
Python source answering only "valid or not" (one function per schema, its subschemas written
inline where they are small: a valid bill costs a few calls instead of a closure per keyword);
when the answer is "not", the caller runs ``iter_errors`` as before, so every message stays
exactly what it was.

The check is *derived from the same schema and the same validator*: ``type``, ``enum`` of
strings, ``pattern``, ``minLength``/``maxLength`` and ``format`` (with the validator's own format
checker functions) are written out with ``jsonschema``'s rules, the other value keywords call
that validator's own keyword functions, and only the keywords that step into subschemas
(``properties``, ``items``, ``anyOf``, ...) are walked here, with ``jsonschema``'s rules. A schema
using any keyword not listed here is not compiled at all (``None``): the caller then always uses
``iter_errors``. It must never answer "valid" where ``iter_errors`` finds an error the caller
reports; a test compares both on thousands of altered bodies.

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
#: Keywords that look at one value and never enter a subschema.
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
_SUBSCHEMA = frozenset({"items", "additionalProperties", "not"})
_SUBSCHEMA_LISTS = frozenset({"anyOf", "allOf", "oneOf"})
_STRUCTURE = _SUBSCHEMA | _SUBSCHEMA_LISTS | {"properties", "patternProperties", "required"}
#: ``type`` names whose test in ``jsonschema``'s standard type checker is a plain ``isinstance``
#: (integer and number, with their bool and float rules, go through the validator).
_PLAIN_TYPES: dict[str, type] = {"string": str, "object": dict, "array": list, "boolean": bool, "null": type(None)}
_OBJECT_KEYWORDS = ("properties", "patternProperties", "additionalProperties", "required")
#: Subschemas nested deeper than this in one function get a function of their own (Python
#: allows 20 nested loops and ``try`` blocks in one function; each level may add two).
_MAX_INLINE_DEPTH = 6
#: An object with at most this many checked properties looks each one up; a larger one (a
#: bill's 46) is walked by the instance's own keys with a table of per-property functions.
_MAX_LOOKUPS = 8


class NotCompilable(Exception):
    """The schema uses a keyword this module does not walk."""


def compile_validity(schema: Any, validator: Validator, *, lenient_required: Collection[str] = ()) -> Check | None:
    """A function telling whether an instance is valid, or ``None`` if the schema cannot be compiled."""
    try:
        _compilable(schema)
        return _Compiler(validator, frozenset(lenient_required)).compile(schema)
    except NotCompilable:
        return None


def _compilable(schema: Any) -> None:
    """Raise :class:`NotCompilable` if any (sub)schema uses a keyword this module does not walk."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise NotCompilable(repr(schema))
    unknown = set(schema) - _ANNOTATIONS - _LEAVES - _STRUCTURE
    if unknown:
        raise NotCompilable(", ".join(sorted(unknown)))
    for keyword in _SUBSCHEMA & schema.keys():
        _compilable(schema[keyword])
    for keyword in _SUBSCHEMA_LISTS & schema.keys():
        for sub in schema[keyword]:
            _compilable(sub)
    for keyword in ("properties", "patternProperties"):
        for sub in schema.get(keyword, {}).values():
            _compilable(sub)


def _is_always(schema: Any) -> bool:
    return schema is True or (isinstance(schema, dict) and not (schema.keys() - _ANNOTATIONS))


def _is_never(schema: Any) -> bool:
    """``false``, or what the contract writes for a read-only field: ``{"not": {}}`` beside anything."""
    return schema is False or (isinstance(schema, dict) and "not" in schema and _is_always(schema["not"]))


class _Compiler:
    """Writes one Python function per (sub)schema that needs one; ``compile`` executes the source."""

    def __init__(self, validator: Validator, lenient: frozenset[str]) -> None:
        self.validator = validator
        self.lenient = lenient
        self.keywords = type(validator).VALIDATORS
        if type(validator).TYPE_CHECKER is not Draft202012Validator.TYPE_CHECKER:
            raise NotCompilable("a type checker of its own")  # _PLAIN_TYPES are the standard checker's
        self.namespace: dict[str, Any] = {"_always": _always, "_never": _never, "_MISSING": _MISSING}
        self.sources: list[str] = []
        self.names = 0

    def compile(self, schema: Any) -> Check:
        name = self.function(schema, "")
        exec(compile("\n\n".join(self.sources), "<compiled schema check>", "exec"), self.namespace)  # noqa: S102
        check: Check = self.namespace[name]
        return check

    def fresh(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def constant(self, value: Any) -> str:
        name = self.fresh("c")
        self.namespace[name] = value
        return name

    def table(self, functions: dict[str, str]) -> str:
        """A module-level dict of property name to function, defined after those functions."""
        name = self.fresh("t")
        self.sources.append(f"{name} = {{{', '.join(f'{key!r}: {value}' for key, value in functions.items())}}}")
        return name

    def function(self, schema: Any, where: str | None) -> str:
        """The name of a function checking ``schema`` (``where``: see :meth:`emit`)."""
        if _is_always(schema):
            return "_always"
        if _is_never(schema):
            return "_never"
        name = self.fresh("f")
        lines = [f"def {name}(v):"]
        self.emit(schema, where, "v", lines, 1, 0)
        lines.append("    return True")
        self.sources.append("\n".join(lines))
        return name

    def emit(self, schema: Any, where: str | None, var: str, out: list[str], indent: int, depth: int) -> None:
        """Append statements that ``return False`` unless ``var`` is valid against ``schema``.

        ``where``: dotted path of the instance for lenient ``required`` (None: report every miss).
        Every keyword must hold, so one failing keyword anywhere in the body fails the whole check.
        """
        pad = "    " * indent
        if _is_always(schema):
            return
        if _is_never(schema):
            out.append(f"{pad}return False")
            return
        known = self.emit_type(schema, var, out, pad)
        for keyword in schema:
            if keyword in _LEAVES and keyword != "type":
                self.emit_leaf(keyword, schema, var, known, out, pad)
        if any(keyword in schema for keyword in _OBJECT_KEYWORDS) and (known is None or dict in known):
            inner = indent
            if known != {dict}:
                out.append(f"{pad}if isinstance({var}, dict):")
                inner += 1
            self.emit_object(schema, where, var, out, inner, depth)
        if "items" in schema and not _is_always(schema["items"]) and (known is None or list in known):
            inner = indent
            if known != {list}:
                out.append(f"{pad}if isinstance({var}, list):")
                inner += 1
            item = self.fresh("v")
            out.append(f"{'    ' * inner}for {item} in {var}:")
            self.emit_sub(schema["items"], where, item, out, inner + 1, depth)  # the caller's paths leave indices out
        # Errors inside these branches are not the caller's to filter: compile them strictly.
        if "allOf" in schema:
            for part in schema["allOf"]:
                self.emit_sub(part, None, var, out, indent, depth)
        if "anyOf" in schema:
            branches = " or ".join(self.branch(sub, var, known) for sub in schema["anyOf"])
            out.append(f"{pad}if not ({branches}):\n{pad}    return False")
        if "oneOf" in schema:
            options = " + ".join(self.branch(sub, var, known) for sub in schema["oneOf"])
            out.append(f"{pad}if ({options}) != 1:\n{pad}    return False")
        if "not" in schema:
            out.append(f"{pad}if {self.branch(schema['not'], var, known)}:\n{pad}    return False")

    def branch(self, schema: Any, var: str, known: frozenset[type] | None) -> str:
        """A boolean expression for an ``anyOf``/``oneOf``/``not`` branch, checked strictly.

        A branch that only lists ``required`` names (how the contract says "a key or an id") is
        written out; any other is a call of its own function.
        """
        if isinstance(schema, dict) and schema.keys() - _ANNOTATIONS == {"required"}:
            present = " and ".join(f"{name!r} in {var}" for name in schema["required"]) or "True"
            if known == {dict}:
                return f"({present})"
            return f"(not isinstance({var}, dict) or ({present}))"
        return f"{self.function(schema, None)}({var})"

    def emit_sub(self, schema: Any, where: str | None, var: str, out: list[str], indent: int, depth: int) -> None:
        """A subschema's check: written in place, or a call where the nesting is already deep."""
        if depth + 1 < _MAX_INLINE_DEPTH:
            before = len(out)
            self.emit(schema, where, var, out, indent, depth + 1)
            if len(out) > before:
                return
            out.append("    " * indent + "pass")  # a loop or an ``if`` needs a body
            return
        out.append(f"{'    ' * indent}if not {self.function(schema, where)}({var}):\n{'    ' * indent}    return False")

    def emit_type(self, schema: dict[str, Any], var: str, out: list[str], pad: str) -> frozenset[type] | None:
        """The ``type`` test; returns the Python types ``var`` then has, when all are plain."""
        if "type" not in schema:
            return None
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        kinds = tuple(_PLAIN_TYPES[name] for name in names if name in _PLAIN_TYPES)
        others = [name for name in names if name not in _PLAIN_TYPES]
        plain = self.constant(kinds[0] if len(kinds) == 1 else kinds)
        tests = [f"isinstance({var}, {plain})"] if kinds else []
        if others:
            is_type = self.constant(self.validator.is_type)
            tests += [f"{is_type}({var}, {name!r})" for name in others]
        out.append(f"{pad}if not ({' or '.join(tests) or 'False'}):\n{pad}    return False")
        return None if others else frozenset(kinds)

    def emit_leaf(
        self, keyword: str, schema: dict[str, Any], var: str, known: frozenset[type] | None, out: list[str], pad: str
    ) -> None:
        """One value keyword: the commonest ones written out with ``jsonschema``'s own rule, the rest called."""
        value = schema[keyword]
        fail = f"\n{pad}    return False"
        if keyword in ("pattern", "minLength", "maxLength", "format"):  # jsonschema: only strings are looked at
            if known is not None and str not in known:
                return
            guard = "" if known == {str} else f"isinstance({var}, str) and "
            if keyword == "pattern":  # jsonschema: a string that re.search does not match
                out.append(f"{pad}if {guard}{self.constant(re.compile(value))}.search({var}) is None:{fail}")
            elif keyword == "minLength":
                out.append(f"{pad}if {guard}len({var}) < {self.constant(value)}:{fail}")
            elif keyword == "maxLength":
                out.append(f"{pad}if {guard}len({var}) > {self.constant(value)}:{fail}")
            else:
                self.emit_format(value, var, out, pad)
            return
        if keyword == "enum" and value and all(isinstance(each, str) or each is None for each in value):
            # jsonschema compares a string with == only, and None only equals None
            allowed = self.constant(frozenset(each for each in value if each is not None))
            test = f"(isinstance({var}, str) and {var} in {allowed})"
            if None in value:
                test = f"({var} is None or {test})"
            out.append(f"{pad}if not {test}:{fail}")
            return
        function = self.constant(self.keywords[keyword])
        arguments = f"{self.constant(self.validator)}, {self.constant(value)}, {var}, {self.constant(schema)}"
        out.append(f"{pad}for _ in {function}({arguments}):{fail}")

    def emit_format(self, value: str, var: str, out: list[str], pad: str) -> None:
        """``format`` as the validator's format checker decides it (``FormatChecker.check``)."""
        checker = getattr(self.validator, "format_checker", None)
        if checker is None or value not in checker.checkers:  # jsonschema ignores unknown formats
            return
        function, raises = checker.checkers[value]
        out.append(
            f"{pad}try:\n{pad}    if not {self.constant(function)}({var}):\n{pad}        return False\n"
            f"{pad}except {self.constant(raises)}:\n{pad}    return False"
        )

    def emit_object(
        self, schema: dict[str, Any], where: str | None, var: str, out: list[str], indent: int, depth: int
    ) -> None:
        """``properties``, ``patternProperties``, ``additionalProperties`` and ``required`` of a dict ``var``."""
        pad = "    " * indent
        fail = f"\n{pad}    return False"
        properties: dict[str, Any] = schema.get("properties", {})
        paths = {name: None if where is None else _join(where, name) for name in properties}
        for name in schema.get("required", ()):
            if where is None or _join(where, name) not in self.lenient:
                out.append(f"{pad}if {name!r} not in {var}:{fail}")
        extra = schema.get("additionalProperties", True)
        patterns = schema.get("patternProperties", {})
        if _is_never(extra) and not patterns:
            # Closed: only the named properties that can be valid may appear, and each is checked by name.
            allowed = frozenset(name for name, sub in properties.items() if not _is_never(sub))
            out.append(f"{pad}if not {var}.keys() <= {self.constant(allowed)}:{fail}")
            checked = {name: sub for name, sub in properties.items() if name in allowed and not _is_always(sub)}
            if len(checked) <= _MAX_LOOKUPS:
                for name, sub in checked.items():
                    value = self.fresh("v")
                    out.append(f"{pad}{value} = {var}.get({name!r}, _MISSING)\n{pad}if {value} is not _MISSING:")
                    self.emit_sub(sub, paths[name], value, out, indent + 1, depth)
                return
            table = self.table({name: self.function(sub, paths[name]) for name, sub in checked.items()})
            key, value, check = self.fresh("k"), self.fresh("v"), self.fresh("check")
            out.append(
                f"{pad}for {key}, {value} in {var}.items():\n"
                f"{pad}    {check} = {table}.get({key})\n"
                f"{pad}    if {check} is not None and not {check}({value}):\n"
                f"{pad}        return False"
            )
            return
        # The general walk, in jsonschema's terms. Below a property whose name is not fixed,
        # nothing is lenient (strict is the safe side).
        table = self.table({name: self.function(sub, paths[name]) for name, sub in properties.items()})
        matched = self.constant(re.compile("|".join(patterns)) if patterns else None)  # how jsonschema finds extras
        key, value, check = self.fresh("k"), self.fresh("v"), self.fresh("check")
        out.append(f"{pad}for {key}, {value} in {var}.items():\n{pad}    {check} = {table}.get({key})")
        out.append(
            f"{pad}    if {check} is not None:\n{pad}        if not {check}({value}):\n{pad}            return False"
        )
        if not _is_always(extra):
            extra_check = "" if _is_never(extra) else f" and not {self.function(extra, None)}({value})"
            out.append(
                f"{pad}    elif not ({matched} is not None and {matched}.search({key})){extra_check}:\n"
                f"{pad}        return False"
            )
        for pattern, sub in patterns.items():
            out.append(
                f"{pad}    if {self.constant(re.compile(pattern))}.search({key}) "
                f"and not {self.function(sub, None)}({value}):\n{pad}        return False"
            )


class _Missing:
    """A property the instance does not have (None is a value)."""


_MISSING = _Missing()


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False

"""Check a body's custom fields (and a custom object's whole body) against the tenant's model.

Standard fields are checked against Sage's published schemas with no request (``body_check``);
a company's own fields only its model knows, so they are checked here, in ``execute()``, once the
hook has read the model (a read, before any write). What is checked:

* a custom field of the record (``nsp::APPROVER``), of a line (``line_items[0].nsp::COST_CODE``,
  or an AP payment's detail: ``bills[0].nsp::REMIT_REF``) or a line's user-defined dimension
  (``line_items[0].nsp::project``, sent as ``dimensions["nsp::project"] = {"key": ...}``) must be
  one the model lists: an unknown one is refused naming the closest known one;
* a custom relationship (``nsp::CONTRACT``, a reference the model lists in ``refs``) is written
  ``{"key": ...}``: to a custom object (key and id always the same) a plain value or an ``id`` is
  sent as its key, to a standard object a plain value is refused (a key or an id?); where the
  model carries a :data:`~intacct_provider.catalog.model.RecordLookup`, a record that does not
  exist is refused before the write;
* its value must have the model's type: ``true``/``false`` for a boolean, a number for a number
  (sent as a JSON number; a decimal stays an exact ``Decimal``, never a float), a real date, one
  of the allowed values of a picklist; read-only fields take no value, immutable ones no change;
* a custom object has no published schema, so every field of its body is checked this way.

Every problem of one body is reported at once, each naming the user's argument and the fix.
Pure: the model, and the look-up of referenced records it may carry, come from a callable the
operator gives (the hook's reads), never from here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.model import DIMENSIONS, FieldSpec, Node, Ref, is_custom, object_path
from intacct_provider.catalog.registry import CUSTOM_PREFIX, is_custom_object, registered
from intacct_provider.exceptions import IntacctInputError, IntacctValidationError

if TYPE_CHECKING:
    from intacct_provider.catalog.model import TenantModel

#: Body path (``["lines", "[0]", "nsp::COST_CODE"]``) -> the user's argument (``line_items[0].nsp::COST_CODE``).
Namer = Callable[[list[str]], str]

_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_INTEGER = re.compile(r"-?[0-9]+")
_TRUE_FALSE = {"true": True, "false": False}


def line_list(path: str) -> str:
    """The name of an object's list of lines: ``details`` for an AP payment, ``lines`` for the others."""
    known = registered(path)
    return known.lines_field if known is not None else "lines"


def custom_paths(body: Mapping[str, Any], lines: str = "lines") -> list[list[str]]:
    """The body paths of its custom names: top-level, on each line, in each line's dimensions."""
    found = [[name] for name in body if is_custom(name)]
    rows = body.get(lines)
    if isinstance(rows, list):
        for index, line in enumerate(rows):
            if not isinstance(line, Mapping):
                continue
            found += [[lines, f"[{index}]", name] for name in line if is_custom(name)]
            dimensions = line.get(DIMENSIONS)
            if isinstance(dimensions, Mapping):
                found += [[lines, f"[{index}]", DIMENSIONS, name] for name in dimensions if is_custom(name)]
    return found


def has_custom(body: Mapping[str, Any], lines: str = "lines") -> bool:
    """Whether ``body`` names any custom field or dimension (top level, lines, line dimensions).

    A bulk pre-flight asks this of every record and most have none, so the names of each level are
    searched at once (one join and one substring search, in C) rather than one by one.
    """
    try:
        if _MARK in "\x00" + "\x00".join(body):
            return True
        rows = body.get(lines)
        if type(rows) is not list:
            return False
        for line in rows:
            if type(line) is dict or isinstance(line, Mapping):
                if _MARK in "\x00" + "\x00".join(line):
                    return True
                dimensions = line.get(DIMENSIONS)
                if (
                    dimensions is not None
                    and (type(dimensions) is dict or isinstance(dimensions, Mapping))
                    and _MARK in "\x00" + "\x00".join(dimensions)
                ):
                    return True
        return False
    except TypeError:  # a name that is not text (no custom one, but the others may be)
        return bool(custom_paths(body, lines))


#: A custom name at the start of a name in ``"\x00".join(names)``.
_MARK = "\x00" + CUSTOM_PREFIX


def needs_model(path: str, body: Mapping[str, Any]) -> bool:
    """Whether checking ``body`` needs the tenant's model: a custom object, or any custom name in it
    (top level, on its lines: an AP payment's ``details``, the others' ``lines``)."""
    return has_custom(body, line_list(path)) or is_custom_object(path)


def with_model(
    read_model: Callable[[], TenantModel | None],
    path: str,
    body: Mapping[str, Any],
    *,
    name: Namer,
    operation: str = "create",
    label: str | None = None,
) -> dict[str, Any]:
    """``body`` checked against the tenant's model when it needs one (:func:`needs_model`).

    ``read_model`` is called only then: the hook's read, None when the model cannot be read (the
    hook has logged why), and then the body goes as given: custom fields are never dropped.
    """
    if not needs_model(path, body):
        return dict(body)
    model = read_model()
    if model is None:
        return dict(body)
    return check_custom(model, body, name=name, operation=operation, label=label)


def check_custom(
    model: TenantModel,
    body: Mapping[str, Any],
    *,
    name: Namer,
    operation: str = "create",
    label: str | None = None,
) -> dict[str, Any]:
    """``body`` as it is sent: custom values in the model's types, line dimensions moved into place.

    ``name`` turns a body path into the user's argument; ``operation`` is ``create`` or ``update``
    (an update may not change an immutable field). Raises :class:`IntacctValidationError` (one
    problem) or :class:`IntacctInputError` (several) naming each argument and its fix.
    """
    checker = _Checker(model, name, operation, label or model.path)
    checked = checker.record(body)
    checker.raise_problems()
    checker.verify_references()
    checker.raise_problems()
    return checked


class _Checker:
    def __init__(self, model: TenantModel, name: Namer, operation: str, label: str) -> None:
        self.model = model
        self.name = name
        self.operation = operation
        self.label = label
        self.whole = is_custom_object(model.path)  # a custom object: every field is the tenant's
        self.problems: list[tuple[str, str]] = []
        #: The relationships given, to look up once the body is otherwise right: (path, object, by, value).
        self.references: list[tuple[list[str], str, str, str]] = []

    def raise_problems(self) -> None:
        if len(self.problems) == 1:
            ((argument, expectation),) = self.problems
            raise IntacctValidationError(argument, expectation, show_value=False)
        if self.problems:
            raise IntacctInputError(
                "custom fields", [f"{argument}: expected {expectation}" for argument, expectation in self.problems]
            )

    def problem(self, path: list[str], expectation: str) -> None:
        self.problems.append((self.name(path), expectation))

    # ---------------------------------------------------------------- the record
    def record(self, body: Mapping[str, Any]) -> dict[str, Any]:
        checked = dict(body)
        root = self.model.root
        for key, value in body.items():
            if isinstance(value, list) and (key in root.lists or _has_custom_lines(value)):
                lines = root.lists.get(key, Node())  # no such list in the model: each custom name is unknown
                checked[key] = [self.line(key, index, line, lines) for index, line in enumerate(value)]
            elif self.whole or is_custom(key):
                checked[key] = self.member(root, [key], key, value, f"a field of {self.label}")
        return checked

    def member(self, node: Node, path: list[str], key: str, value: Any, what: str) -> Any:
        """A field, reference, group or list of ``node``, checked; an unknown one is a problem."""
        if key in node.fields:
            return self.value(node.fields[key], path, value)
        if key in node.refs:
            return self.reference(node.refs[key], path, value)
        if key in node.groups and isinstance(value, Mapping):
            group = node.groups[key]
            return {
                name: self.member(group, [*path, name], name, each, f"a field of {'.'.join(path)}")
                for name, each in value.items()
            }
        if key in node.lists and isinstance(value, list):
            return [self.line(key, index, line, node.lists[key]) for index, line in enumerate(value)]
        self.unknown(path, key, _writable(node, custom_only=not self.whole), what)
        return value

    def unknown(self, path: list[str], key: str, known: list[str], what: str) -> None:
        from intacct_provider.catalog.suggest import did_you_mean

        guess = did_you_mean(key, known)
        if guess is not None:
            hint = f" — did you mean {guess!r}?"
        elif known:
            hint = f" (known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})"
        else:
            hint = " (the company's model lists none here)"
        self.problem(path, f"{what}{hint}")

    # ---------------------------------------------------------------- lines
    def line(self, lines: str, index: int, line: Any, model: Node) -> Any:
        if not isinstance(line, Mapping):
            return line
        checked = dict(line)
        udds = model.dimension_names()
        if udds or DIMENSIONS in model.groups:
            where = f"a custom field or user-defined dimension of {self.label} {lines}"
        else:  # an AP payment's details: no dimensions
            where = f"a custom field of {self.label} {lines}"
        given = line.get(DIMENSIONS)
        if isinstance(given, Mapping):  # first: a dimension given as a line key below is added to these
            checked[DIMENSIONS] = self.dimensions(model, [lines, f"[{index}]", DIMENSIONS], given, udds)
        for key, value in line.items():
            path = [lines, f"[{index}]", key]
            if (key == DIMENSIONS and isinstance(given, Mapping)) or not (self.whole or is_custom(key)):
                continue
            elif key in model.fields or key in model.refs or key in model.groups or key in model.lists:
                checked[key] = self.member(model, path, key, value, where)
            elif key in udds:  # a user-defined dimension, given as a line key: sent in the line's dimensions
                del checked[key]
                reference = self.dimension_value(path, value)
                dimensions = dict(checked.get(DIMENSIONS) or {})
                dimensions[key] = reference
                checked[DIMENSIONS] = dimensions
            else:
                known = [*_writable(model, custom_only=not self.whole), *udds]
                self.unknown(path, key, known, where)
        return checked

    def dimensions(self, model: Node, path: list[str], value: Mapping[str, Any], udds: tuple[str, ...]) -> Any:
        checked = dict(value)
        for name, reference in value.items():
            if not is_custom(name):
                continue
            if name in udds:
                checked[name] = self.dimension_value([*path, name], reference)
            else:
                self.unknown([*path, name], name, list(udds), f"a user-defined dimension of {self.label} lines")
        return checked

    def dimension_value(self, path: list[str], value: Any) -> Any:
        """A dimension value by the key of its record (as Sage's examples write one), or a reference as given."""
        if isinstance(value, Mapping):
            return dict(value)
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            self.problem(path, "the key of a record of this user-defined dimension, such as '10004'")
            return value
        return {"key": str(value).strip()}

    # ---------------------------------------------------------------- values
    def reference(self, ref: Ref, path: list[str], value: Any) -> Any:
        """A reference to another record (a relationship custom field), as it is sent.

        ``{"key": ...}`` or ``{"id": ...}``, as Sage writes references. To a custom object, whose
        key and id "are always the same" (Sage's guide), a plain value or an ``id`` is sent as its
        ``key``: the form Sage's examples write a custom object's record in (a user-defined
        dimension), and so the one every tenant takes. To a standard object a plain value is refused:
        it could be either (a vendor's key ``33`` or its id ``VEND-100``). ``None`` unsets it, sent as
        Sage writes an unset reference: ``{"key": null}``.
        """
        if value is None:
            return {"key": None}
        target = f" of {ref.api_object}" if ref.api_object else ""
        example = "{'key': '10004'}" if ref.to_custom_object else "{'key': '10004'} or {'id': 'X-1'}"
        if not isinstance(value, Mapping):
            if ref.to_custom_object and _plain_key(value) is not None:
                value = {"key": _plain_key(value)}
            else:
                why = "" if ref.to_custom_object else " (a plain value could be its key or its id)"
                self.problem(path, f"a reference to a record{target} such as {example}{why}")
                return value
        problems = len(self.problems)
        for name in value:
            if ref.fields and name not in ref.fields:
                self.unknown([*path, name], name, list(ref.fields), f"a field of the reference {path[-1]}")
            elif name in ref.fields and ref.fields[name].read_only:
                self.problem([*path, name], "no value: Intacct sets this read-only field itself")
        if len(self.problems) > problems:
            return dict(value)
        given = {name: value.get(name) for name in ("key", "id") if name in value}
        if not given or any(item is not None and _plain_key(item) is None for item in given.values()):
            self.problem(path, f"a reference to a record{target} such as {example} ({{'key': None}} unsets it)")
            return dict(value)
        if all(item is None for item in given.values()):
            return {**value, **given}  # unset
        if ref.to_custom_object:
            keys = {_plain_key(item) for item in given.values() if item is not None}
            if len(keys) > 1:
                self.problem(path, "the same key and id: a custom object's key and id are always the same")
                return dict(value)
            (key,) = keys
            checked: dict[str, Any] = {name: item for name, item in value.items() if name != "id"}
            checked["key"] = key
            self._refer(path, ref, "key", str(key))
            return checked
        by = "key" if given.get("key") is not None else "id"
        self._refer(path, ref, by, str(_plain_key(given[by])))
        return {**value, **{name: _plain_key(item) for name, item in given.items() if item is not None}}

    def _refer(self, path: list[str], ref: Ref, by: str, value: str) -> None:
        if ref.api_object:
            self.references.append((path, object_path(ref.api_object), by, value))

    def verify_references(self) -> None:
        """Refuse each relationship naming a record that does not exist, when the model can look records up.

        Each distinct record is looked up once; one Intacct cannot tell about (``None``: the user
        may not read that object) is left to Intacct, which refuses the write if it must.
        """
        lookup = self.model.lookup
        if lookup is None or not self.references:
            return
        found: dict[tuple[str, str, str], bool | None] = {}
        for path, api_object, by, value in self.references:
            wanted = (api_object, by, value)
            if wanted not in found:
                found[wanted] = lookup(api_object, by, value)
            if found[wanted] is False:
                self.problem(path, f"the {by} of an existing record of {api_object}: {by} {value!r} does not exist")

    def value(self, spec: FieldSpec, path: list[str], value: Any) -> Any:
        if spec.read_only:
            self.problem(path, f"no value: {spec.name} is read-only (Intacct sets it)")
            return value
        if self.operation == "update" and not spec.mutable:
            self.problem(path, f"no change: Intacct does not let {spec.name} change once the record exists")
            return value
        if value is None:
            if not spec.nullable:
                self.problem(path, f"a value: {spec.name} cannot be empty")
            return value
        try:
            converted = _convert(spec, value)
        except _Refused as refused:
            self.problem(path, refused.expectation + f", got {value!r}")
            return value
        allowed = spec.allowed
        if allowed:
            chosen = converted if isinstance(converted, list) else [converted]
            outside = [item for item in chosen if item not in allowed]
            if outside:
                values = ", ".join(map(repr, allowed))
                self.problem(path, f"one of {values} (the picklist's values), got {outside[0]!r}")
        return converted


class _Refused(Exception):
    def __init__(self, expectation: str) -> None:
        super().__init__(expectation)
        self.expectation = expectation


def _convert(spec: FieldSpec, value: Any) -> Any:
    """``value`` as the model's type says it is sent, or :class:`_Refused` naming the type."""
    kind = spec.type
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE_FALSE:
            return _TRUE_FALSE[value.strip().lower()]
        raise _Refused("true or false")
    if kind == "integer":
        number = _number(value)
        if number is None or number != number.to_integral_value():
            raise _Refused("a whole number")
        return int(number)
    if kind == "number":
        number = _number(value)
        if number is None:
            raise _Refused("a number such as 59.10 (sent as a JSON number)")
        if spec.format == "decimal-precision-2" and _places(number) > 2:
            raise _Refused("a number with at most 2 decimal places (no rounding is done)")
        return int(number) if isinstance(value, int) else number
    if kind == "array":
        items = value
        if isinstance(value, str) and value.lstrip().startswith("["):
            from intacct_provider.catalog.validation import parse_json

            items = parse_json("value", value)
        if not isinstance(items, list) or not all(isinstance(item, (str, int)) for item in items):
            raise _Refused("a list of values, e.g. ['one', 'two']")
        return list(items)
    if kind == "string":
        return _text(spec, value)
    return value  # a type the model does not name, or an object: sent as given


def _text(spec: FieldSpec, value: Any) -> Any:
    if spec.format == "date":
        from intacct_provider.catalog.validation import check_date

        try:
            return check_date(spec.name, value)
        except IntacctValidationError:
            raise _Refused("a real calendar date as YYYY-MM-DD") from None
    if spec.format == "date-time":
        if isinstance(value, dt.datetime):
            return value.isoformat()
        try:
            dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise _Refused("a date and time such as '2026-11-26T10:00:00Z'") from None
        return str(value).strip()
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Refused("text")
    return str(value)


def _number(value: Any) -> Decimal | None:
    """An exact number from an int, a Decimal, a float (its shortest text) or plain decimal text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        text = repr(value)  # what the user wrote (12.5 -> "12.5"), never the binary expansion
    elif isinstance(value, Decimal):
        return value if value.is_finite() else None
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _plain_key(value: Any) -> str | None:
    """A key or id as text: non-empty text or an int (a template may render either), else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        return None
    return str(value).strip()


def _has_custom_lines(rows: list[Any]) -> bool:
    return any(
        isinstance(line, Mapping)
        and (
            any(is_custom(name) for name in line)
            or (isinstance(line.get(DIMENSIONS), Mapping) and any(is_custom(name) for name in line[DIMENSIONS]))
        )
        for line in rows
    )


def _writable(node: Node, *, custom_only: bool) -> list[str]:
    names = [name for name, spec in node.fields.items() if not spec.read_only]
    names += [*node.refs, *node.groups, *node.lists]
    return [name for name in names if is_custom(name)] if custom_only else names


def strip_custom(body: Mapping[str, Any], lines: str = "lines") -> Mapping[str, Any]:
    """``body`` without its custom names (top level, lines, line dimensions), for the published schema's check.

    The same object when it has none (the common case costs one scan of the keys).
    """
    if not has_custom(body, lines):
        return body
    stripped = {name: value for name, value in body.items() if not is_custom(name)}
    rows = body.get(lines)
    if isinstance(rows, list):
        stripped[lines] = [_strip_line(line) for line in rows]
    return stripped


def _strip_line(line: Any) -> Any:
    if not isinstance(line, Mapping):
        return line
    stripped = {name: value for name, value in line.items() if not is_custom(name)}
    dimensions = line.get(DIMENSIONS)
    if isinstance(dimensions, Mapping) and any(is_custom(name) for name in dimensions):
        stripped[DIMENSIONS] = {name: value for name, value in dimensions.items() if not is_custom(name)}
    return stripped

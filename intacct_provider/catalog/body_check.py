"""Check a whole create body against Sage's published contract before it is sent.

The payload functions check what the operators model; ``extra_fields`` lets a
user add what they do not (terms, custom fields). Both end up in one body, and
that body is validated against the object's create schema (shipped with the
provider, ``intacct_provider.contract``), so a field Intacct would refuse as
"not a valid field" fails at once, naming the argument the user typed it in.
(``jsonschema`` and the schemas are loaded when a task runs, not at DAG parse.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.custom_fields import strip_custom
from intacct_provider.exceptions import IntacctValidationError

if TYPE_CHECKING:
    from intacct_provider.catalog.registry import IntacctObject


def merge_extra_fields(body: dict[str, Any], extra_fields: Any, parameter: str = "extra_fields") -> dict[str, Any]:
    """``body`` with ``extra_fields`` (a mapping or JSON text) merged in, nested objects field by field.

    A field the operator already sets from its own arguments is not overridden: that would
    make two arguments disagree silently, so it is refused, naming the argument to use.
    """
    if extra_fields is None:  # the common case, before the import below
        return body
    from intacct_provider.catalog.validation import parse_json

    extra = parse_json(parameter, extra_fields)
    if extra is None or extra == "":
        return body
    if not isinstance(extra, Mapping):
        raise IntacctValidationError(parameter, "a mapping of Intacct field names to values", extra_fields)
    return _merge(body, extra, parameter)


def _merge(body: Mapping[str, Any], extra: Mapping[str, Any], where: str) -> dict[str, Any]:
    merged = dict(body)
    for name, value in extra.items():
        path = f"{where}.{name}"
        if not isinstance(name, str) or not name:
            raise IntacctValidationError(path, "a field name", name)
        if name not in merged:
            merged[name] = value
        elif isinstance(merged[name], Mapping) and isinstance(value, Mapping):
            merged[name] = _merge(merged[name], value, path)
        else:
            raise IntacctValidationError(path, "a field the operator's own arguments do not already set", value)
    return merged


def check_body(obj: IntacctObject, body: Mapping[str, Any], *, extra: Any = None, operation: str = "create") -> None:
    """Validate ``body`` against ``obj``'s schema; the first error names the argument and the path.

    ``extra`` is the (parsed) ``extra_fields`` mapping: paths it supplied are reported as
    ``extra_fields.<path>``, the others under the operator argument they came from. An object
    the contract does not describe (a raw path someone registered) is left to Intacct to check.
    The company's own names (``nsp::...``) are not Sage's to describe: they are left out here and
    checked against the company's model when the task runs (``catalog.custom_fields``).
    """
    checks = _checks(obj.path, operation, obj.tenant_defaults)
    if checks is None:
        return
    check, quick = checks
    if quick is not None and quick(body):
        return
    body = strip_custom(body, obj.lines_field)  # only a body the schema refuses pays for looking for custom names
    if quick is not None and quick(body):
        return
    from intacct_provider.contract import is_read_only_error, unknown_properties

    errors = sorted(
        (e for e in check.iter_errors(body) if not _tenant_default(obj, e)),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if not errors:
        return
    error = errors[0]
    path = [str(part) if isinstance(part, str) else f"[{part}]" for part in error.absolute_path]
    if error.validator == "additionalProperties":
        from intacct_provider.catalog.suggest import suggestion

        path.append((unknown_properties(error) or ["?"])[0])
        level = error.schema if isinstance(error.schema, dict) else {}
        writable = [name for name, sub in level.get("properties", {}).items() if not sub.get("readOnly")]
        expectation = f"a field {obj.label} bodies accept (Intacct: '{_join(path)}' is not a valid field)" + suggestion(
            path[-1], writable
        )
    elif is_read_only_error(error):
        expectation = "no value: Intacct sets this read-only field itself"
    elif error.validator == "required":
        path.append(error.message.split("'")[1] if "'" in error.message else "?")
        expectation = "a value (Intacct requires this field)"
    else:
        expectation = f"a value the contract allows ({error.message})"
    raise IntacctValidationError(argument_name(obj, path, extra), expectation, None, show_value=False)


@cache
def _checks(
    path: str, operation: str, tenant_defaults: tuple[str, ...]
) -> tuple[Any, Callable[[Any], bool] | None] | None:
    """The validator and compiled check of an object's schema, or None if the contract does not describe it.

    Looked up once per object and operation: a bulk pre-flight checks thousands of bodies.
    """
    from intacct_provider.contract import validator

    try:
        check = validator(path, operation)
    except KeyError:
        return None
    return check, _quick_check(path, operation, tenant_defaults)


@cache
def _quick_check(path: str, operation: str, tenant_defaults: tuple[str, ...]) -> Callable[[Any], bool] | None:
    """The schema compiled to a yes/no check (a valid bill in microseconds, not a millisecond).

    It answers "valid" exactly when ``iter_errors`` finds no error left after ``_tenant_default``,
    so only invalid bodies pay for ``iter_errors``, whose first error makes the message.
    """
    from intacct_provider.contract import load_schema, validator
    from intacct_provider.contract.validity import compile_validity

    return compile_validity(load_schema(path, operation), validator(path, operation), lenient_required=tenant_defaults)


def _tenant_default(obj: IntacctObject, error: Any) -> bool:
    """A missing field Sage requires but a tenant may default (a bill's currency, a line's location)."""
    if error.validator != "required" or "'" not in error.message:
        return False
    parents = [str(part) for part in error.absolute_path if isinstance(part, str)]
    return ".".join([*parents, error.message.split("'")[1]]) in obj.tenant_defaults


def argument_name(obj: IntacctObject, path: list[str], extra: Any) -> str:
    """Name the user's argument for a body path: ``extra_fields.termz`` or ``line_items[0].dimensions``.

    ``path`` is the body's (``["lines", "[0]", "memo"]``); an object whose record is its body
    (no payload mapping: a custom object, a raw path) names it under ``record``.
    """
    from intacct_provider.catalog.identity import dotted

    dotted_path = ".".join(p for p in path if not p.startswith("["))
    if isinstance(extra, Mapping) and path and dotted(extra, dotted_path) is not None:
        return "extra_fields." + _join(path)
    if isinstance(extra, Mapping) and path and path[0] in extra and path[0] not in obj.arguments:
        return "extra_fields." + _join(path)
    if obj.payload is None:
        return _join(["record", *path])
    head = obj.arguments.get(path[0], path[0]) if path else "record"
    return _join([head, *path[1:]])


def join_path(path: list[str]) -> str:
    """``["lines", "[0]", "memo"]`` as ``lines[0].memo``."""
    return _join(path)


def _join(path: list[str]) -> str:
    text = ""
    for part in path:
        text += part if part.startswith("[") or not text else "." + part
    return text

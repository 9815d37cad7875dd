"""A company's own customisations (``--tenant FILE``): custom fields, custom objects, user-defined dimensions.

Sage's published schemas describe every company; a real one adds its own ``nsp::`` names. A tenant
file describes them in the model service's own vocabulary (a field is ``{"type", "format",
"enum", "readOnly", "nullable", "items"}``), so what the sandbox's model service lists is what the
file says::

    {
      "objects": {
        "accounts-payable/bill": {
          "fields": {"nsp::APPROVER": {"type": "string"}},
          "lines": {"nsp::COST_CODE": {"type": "string"}},
          "refs": {"nsp::CONTRACT": {"apiObject": "platform-apps/nsp::contract"}}
        },
        "accounts-payable/payment": {"details": {"nsp::REMIT_REF": {"type": "string"}}}
      },
      "custom_objects": {
        "nsp::cip_asset": {
          "label": "CIP asset",
          "fields": {"name": {"type": "string"}, "nsp::COST": {"type": "number"}},
          "records": [{"name": "Server room", "nsp::COST": 1250.5}]
        },
        "nsp::project_type": {"dimension": true, "fields": {"name": {"type": "string"}},
                              "records": [{"name": "Capex"}]}
      }
    }

``objects`` adds custom fields to standard objects, on the record (``fields``) and on its lines
(under the list's own name: ``lines``, an AP payment's ``details``), and custom relationships
(``refs``: a reference to a record of one of the file's custom objects, written ``{"key": ...}``
and read back with ``key`` and ``id``). ``custom_objects`` are reached at
``/objects/platform-apps/nsp::<name>`` (their key and id are the same, numbered from 10001), with
``records`` seeded in order; one marked
``"dimension": true`` is also a user-defined dimension of every object with lines, written on a
line as ``dimensions["nsp::<name>"] = {"key": "<record key>"}``.

Writes are checked against the contract's schemas extended with these fields (so an unknown one is
the same 400 "not a valid field", a wrong type the same 400 as a standard field's), through the
:class:`Tenant`'s validators; the store asks it for them (:class:`~.validation.Schemas`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intacct_provider import contract
from intacct_provider.core.exact_json import loads

from .schema import OWNED_PATHS, ObjectDef, fields_of
from .validation import CONTRACT

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

#: The example company shipped with the sandbox (``make demo`` and the custom-fields example DAG use it).
EXAMPLE_TENANT = Path(__file__).with_name("tenants") / "example.json"
CUSTOM_APPLICATION = "platform-apps"
PREFIX = "nsp::"
#: Keys of custom objects start here (Sage's example: ``/objects/platform-apps/nsp::refcode_gl/10004``).
FIRST_CUSTOM_KEY = 10001
_TYPES = ("string", "number", "integer", "boolean", "array")
_SPEC_KEYS = frozenset({"type", "format", "enum", "readOnly", "nullable", "items", "description"})
_NAME = re.compile(r"nsp::[A-Za-z][A-Za-z0-9_]*")
#: What every custom object's record carries besides its own fields (all read-only).
_SYSTEM_FIELDS = ("key", "id", "href")
_AUDIT_FIELDS = {"createdDateTime": "date-time", "modifiedDateTime": "date-time", "createdBy": None, "modifiedBy": None}


class TenantError(ValueError):
    """A tenant file that cannot describe a company (the message names the place)."""


@dataclass(frozen=True)
class CustomObject:
    """One custom object: its fields (tenant-file specs), seed records and whether it is a dimension."""

    name: str  # nsp::cip_asset
    label: str
    fields: Mapping[str, Mapping[str, Any]]
    records: tuple[Mapping[str, Any], ...] = ()
    dimension: bool = False

    @property
    def path(self) -> str:
        return f"{CUSTOM_APPLICATION}/{self.name}"


class Tenant:
    """One company's customisations, and the request schemas and validators they imply."""

    def __init__(
        self,
        fields: Mapping[str, Mapping[str, Mapping[str, Any]]],
        line_fields: Mapping[str, Mapping[str, Mapping[str, Any]]],
        objects: Mapping[str, CustomObject],
        refs: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.fields = {path: dict(specs) for path, specs in fields.items()}
        self.line_fields = {path: dict(specs) for path, specs in line_fields.items()}
        self.objects = dict(objects)  # path -> custom object
        #: Custom relationships: object path -> {field name -> the related custom object's path}.
        self.refs = {path: dict(names) for path, names in (refs or {}).items()}
        self._schemas: dict[tuple[str, str], dict[str, Any]] = {}
        self._validators: dict[tuple[str, str], Any] = {}
        self._quick: dict[tuple[str, str], Callable[[Any], bool] | None] = {}

    # ---------------------------------------------------------------- what it adds
    @property
    def dimensions(self) -> tuple[CustomObject, ...]:
        """The custom objects that are user-defined dimensions (on every object with lines)."""
        return tuple(obj for obj in self.objects.values() if obj.dimension)

    def touches(self, path: str) -> bool:
        """Whether this tenant changes what ``path`` accepts (its schemas are then this tenant's)."""
        if path in self.objects or path in self.fields or path in self.line_fields or path in self.refs:
            return True
        if path in OWNED_PATHS:  # the lines of an object as an owned object: as their owner's lines
            return OWNED_PATHS[path].owner in self.line_fields or (
                bool(self.dimensions) and OWNED_PATHS[path].list == "lines"
            )
        return bool(self.dimensions) and _lines_of(path) == "lines"

    def object_def(self, obj: ObjectDef) -> ObjectDef:
        """A standard object's definition with this tenant's fields (queryable), dimensions and relationships
        (references)."""
        if not self.touches(obj.path):
            return obj
        fields = {**obj.fields, **fields_of(self.schema(obj.path, "record"))}
        line_refs = obj.line_refs
        if obj.lines == "lines":
            line_refs = (*line_refs, *((f"dimensions.{dim.name}", dim.path) for dim in self.dimensions))
        related = self.refs.get(obj.path, {})
        return replace(
            obj,
            fields=fields,
            line_refs=line_refs,
            header_refs=(*obj.header_refs, *related.items()),
            relationships=tuple(related),
        )

    def custom_defs(self) -> list[ObjectDef]:
        """The definitions of the custom objects (not in the contract: no state, no workflows)."""
        return [
            ObjectDef(
                path=obj.path,
                label=obj.label,
                fields=fields_of(self.schema(obj.path, "record")),
                first_key=FIRST_CUSTOM_KEY,
                contract=False,
            )
            for obj in self.objects.values()
        ]

    # ---------------------------------------------------------------- schemas
    def schema(self, path: str, operation: str) -> dict[str, Any]:
        """The JSON Schema of ``path``'s ``operation`` body (or ``record``) for this company."""
        key = (path, operation)
        if key not in self._schemas:
            self._schemas[key] = self._build(path, operation)
        return self._schemas[key]

    def _build(self, path: str, operation: str) -> dict[str, Any]:
        request = operation != "record"
        if path in self.objects:
            return _custom_object_schema(self.objects[path], request)
        if path in OWNED_PATHS:  # its owner's lines, this company's fields included
            owned = OWNED_PATHS[path]
            return owned.schema(self.schema(owned.owner, operation))
        schema = copy.deepcopy(contract.load_schema(path, operation))
        properties = schema.setdefault("properties", {})
        for name, spec in self.fields.get(path, {}).items():
            properties[name] = field_schema(spec, request)
        for name in self.refs.get(path, {}):
            properties[name] = relationship_schema(request)
        lines = _lines_of(path)
        line = properties.get(lines, {}).get("items") if lines else None
        if isinstance(line, dict):
            line_properties = line.setdefault("properties", {})
            for name, spec in self.line_fields.get(path, {}).items():
                line_properties[name] = field_schema(spec, request)
            dimensions = line_properties.get("dimensions")
            if lines == "lines" and isinstance(dimensions, dict):
                for dim in self.dimensions:
                    dimensions.setdefault("properties", {})[dim.name] = dimension_schema(request)
        return schema

    # ------------------------------------------- validators (:class:`~.validation.Schemas`)
    def validator(self, path: str, operation: str) -> Validator:
        if not self.touches(path):
            return CONTRACT.validator(path, operation)
        key = (path, operation)
        if key not in self._validators:
            from jsonschema import Draft202012Validator

            checker = Draft202012Validator.FORMAT_CHECKER
            self._validators[key] = Draft202012Validator(self.schema(path, operation), format_checker=checker)
        validator: Validator = self._validators[key]
        return validator

    def quick(self, path: str, operation: str) -> Callable[[Any], bool] | None:
        if not self.touches(path):
            return CONTRACT.quick(path, operation)
        key = (path, operation)
        if key not in self._quick:
            from intacct_provider.contract.validity import compile_validity

            self._quick[key] = compile_validity(self.schema(path, operation), self.validator(path, operation))
        return self._quick[key]

    def lines_validator(self, path: str, lines: str) -> Validator:
        if not self.touches(path):
            return CONTRACT.lines_validator(path, lines)
        key = (path, f"lines:{lines}")
        if key not in self._validators:
            from jsonschema import Draft202012Validator

            checker = Draft202012Validator.FORMAT_CHECKER
            whole = self.schema(path, "create")["properties"][lines]
            self._validators[key] = Draft202012Validator(whole, format_checker=checker)
        validator: Validator = self._validators[key]
        return validator

    def lines_quick(self, path: str, lines: str) -> Callable[[Any], bool] | None:
        if not self.touches(path):
            return CONTRACT.lines_quick(path, lines)
        key = (path, f"lines:{lines}")
        if key not in self._quick:
            from intacct_provider.contract.validity import compile_validity

            whole = self.schema(path, "create")["properties"][lines]
            self._quick[key] = compile_validity(whole, self.lines_validator(path, lines))
        return self._quick[key]


def _lines_of(path: str) -> str | None:
    try:
        lines = contract.object_facts(path).get("lines")
    except KeyError:
        return None
    return lines if isinstance(lines, str) else None


# ------------------------------------------------------------------ JSON Schemas of the specs
def field_schema(spec: Mapping[str, Any], request: bool) -> dict[str, Any]:
    """A tenant field spec as a JSON Schema property (request schemas refuse read-only values)."""
    kind = spec["type"]
    schema: dict[str, Any] = {"type": [kind, "null"] if spec.get("nullable", True) else kind}
    if spec.get("format"):
        schema["format"] = spec["format"]
    if spec.get("enum"):
        schema["enum"] = [*spec["enum"], *([None] if spec.get("nullable", True) else [])]
    if kind == "array":
        schema["items"] = dict(spec.get("items") or {"type": "string"})
    if spec.get("readOnly"):
        schema["readOnly"] = True
        if request:
            schema["not"] = {}
    return schema


def dimension_schema(request: bool) -> dict[str, Any]:
    """A user-defined dimension on a line: ``{"key": <record key>}`` (``{"key": null}`` unsets it).

    Sage's examples show a UDD with ``key`` and ``href`` only, and writing one by ``id`` is
    unknown: the sandbox takes the stricter reading, ``key`` only.
    """
    href: dict[str, Any] = {"type": ["string", "null"], "readOnly": True}
    if request:
        href["not"] = {}
    return {
        "type": "object",
        "properties": {"key": {"type": ["string", "null"]}, "href": href},
        "additionalProperties": False,
        "required": ["key"],
    }


def relationship_schema(request: bool) -> dict[str, Any]:
    """A custom relationship: ``{"key", "id"}`` as Sage's GET example shows one (``{"key": null,
    "id": null}`` unset). Whether a write may name the record by ``id`` is a setting, checked by the
    store (:func:`~.rules.relationship_id_problems`), so one schema serves every reading."""
    del request  # the same in requests and records: both fields may be written, the reading aside
    text: dict[str, Any] = {"type": ["string", "null"]}
    return {"type": "object", "properties": {"key": dict(text), "id": dict(text)}, "additionalProperties": False}


def _custom_object_schema(obj: CustomObject, request: bool) -> dict[str, Any]:
    read_only: dict[str, Any] = {"type": "string", "readOnly": True, **({"not": {}} if request else {})}
    audit = {
        name: {"type": ["string", "null"], **({"format": fmt} if fmt else {}), "readOnly": True}
        for name, fmt in _AUDIT_FIELDS.items()
    }
    properties: dict[str, Any] = {name: dict(read_only) for name in _SYSTEM_FIELDS}
    properties.update({name: field_schema(spec, request) for name, spec in obj.fields.items()})
    if request:
        properties["audit"] = {"type": "object", "readOnly": True, "not": {}}
    else:
        properties["audit"] = {"type": "object", "properties": audit}
    return {"type": "object", "additionalProperties": False, "properties": properties}


# ------------------------------------------------------------------ reading a tenant file
def load_tenant(source: str | Path | Mapping[str, Any]) -> Tenant:
    """A :class:`Tenant` from a file path or its parsed JSON; :class:`TenantError` names what is wrong."""
    if isinstance(source, Mapping):
        data: Any = source
        where = "tenant"
    else:
        where = str(source)
        try:
            data = loads(Path(source).read_text(encoding="utf-8"))  # seed numbers exact, as a client sends them
        except OSError as exc:
            raise TenantError(f"{where}: cannot be read ({exc.strerror})") from None
        except ValueError as exc:
            raise TenantError(f"{where}: not JSON ({exc})") from None
    if not isinstance(data, Mapping):
        raise TenantError(f"{where}: expected a JSON object with 'objects' and/or 'custom_objects'")
    unknown = sorted(set(data) - {"objects", "custom_objects", "description"})
    if unknown:
        raise TenantError(f"{where}: unknown key {unknown[0]!r} (expected 'objects', 'custom_objects')")
    fields: dict[str, dict[str, Mapping[str, Any]]] = {}
    line_fields: dict[str, dict[str, Mapping[str, Any]]] = {}
    refs: dict[str, dict[str, str]] = {}
    objects: dict[str, CustomObject] = {}
    for name, spec in _mapping(data.get("custom_objects"), f"{where}: custom_objects").items():
        obj = _custom_object(name, spec, f"{where}: custom_objects.{name}")
        objects[obj.path] = obj
    for path, spec in _mapping(data.get("objects"), f"{where}: objects").items():
        place = f"{where}: objects.{path}"
        if path not in contract.object_paths():
            raise TenantError(f"{place}: not an object the sandbox knows ({', '.join(contract.object_paths())})")
        entry = _mapping(spec, place)
        lines = _lines_of(path)
        expected = ["fields", *([lines] if lines else []), "refs"]
        extra = sorted(set(entry) - set(expected))
        if extra:
            has = f" ({path} has no lines)" if extra[0] in ("lines", "details") and not lines else ""
            raise TenantError(f"{place}: unknown key {extra[0]!r}{has} (expected {', '.join(map(repr, expected))})")
        if entry.get("fields"):
            fields[path] = _custom_fields(entry["fields"], f"{place}.fields")
        if lines and entry.get(lines):
            line_fields[path] = _custom_fields(entry[lines], f"{place}.{lines}")
        if entry.get("refs"):
            refs[path] = _relationships(entry["refs"], f"{place}.refs", objects, fields.get(path, {}))
    return Tenant(fields, line_fields, objects, refs)


def _relationships(
    value: Any, place: str, objects: Mapping[str, CustomObject], fields: Mapping[str, Any]
) -> dict[str, str]:
    """Custom relationships: ``{"nsp::CONTRACT": {"apiObject": "platform-apps/nsp::contract"}}`` ->
    name -> the related custom object's path (one of the file's ``custom_objects``)."""
    related = {}
    for name, spec in _mapping(value, place).items():
        entry = _mapping(spec, f"{place}.{name}")
        if not _NAME.fullmatch(name):
            raise TenantError(f"{place}.{name}: a custom relationship's name is 'nsp::' and letters, digits or '_'")
        if name in fields:
            raise TenantError(f"{place}.{name}: already a custom field of the object")
        unknown = sorted(set(entry) - {"apiObject", "description"})
        if unknown:
            raise TenantError(f"{place}.{name}: unknown key {unknown[0]!r} (expected 'apiObject')")
        target = entry.get("apiObject")
        path = f"{CUSTOM_APPLICATION}/{target}" if isinstance(target, str) and target.startswith(PREFIX) else target
        if path not in objects:
            known = ", ".join(objects) or "none"
            raise TenantError(f"{place}.{name}.apiObject: one of the file's custom objects ({known}), not {target!r}")
        related[name] = str(path)
    return related


def _mapping(value: Any, place: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TenantError(f"{place}: expected a JSON object")
    return value


def _custom_fields(value: Any, place: str) -> dict[str, Mapping[str, Any]]:
    specs = {}
    for name, spec in _mapping(value, place).items():
        if not _NAME.fullmatch(name):
            raise TenantError(f"{place}.{name}: a custom field's name is 'nsp::' and letters, digits or '_'")
        specs[name] = _spec(spec, f"{place}.{name}")
    return specs


def _spec(spec: Any, place: str) -> Mapping[str, Any]:
    entry = _mapping(spec, place)
    unknown = sorted(set(entry) - _SPEC_KEYS)
    if unknown:
        raise TenantError(f"{place}: unknown key {unknown[0]!r} (expected {', '.join(sorted(_SPEC_KEYS))})")
    if entry.get("type") not in _TYPES:
        raise TenantError(f"{place}.type: one of {', '.join(_TYPES)}, not {entry.get('type')!r}")
    if "enum" in entry and not (isinstance(entry["enum"], list) and entry["enum"]):
        raise TenantError(f"{place}.enum: a non-empty list of the allowed values")
    for flag in ("readOnly", "nullable"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise TenantError(f"{place}.{flag}: true or false")
    return dict(entry)


def _custom_object(name: str, spec: Any, place: str) -> CustomObject:
    if not _NAME.fullmatch(name):
        raise TenantError(f"{place}: a custom object's name is 'nsp::' and letters, digits or '_'")
    entry = _mapping(spec, place)
    unknown = sorted(set(entry) - {"label", "fields", "records", "dimension"})
    if unknown:
        raise TenantError(f"{place}: unknown key {unknown[0]!r} (expected 'label', 'fields', 'records', 'dimension')")
    fields = {}
    for field_name, field_spec in _mapping(entry.get("fields"), f"{place}.fields").items():
        if field_name in (*_SYSTEM_FIELDS, "audit") or not re.fullmatch(r"(nsp::)?[A-Za-z][A-Za-z0-9_]*", field_name):
            raise TenantError(f"{place}.fields.{field_name}: not a name a custom object's field can have")
        fields[field_name] = _spec(field_spec, f"{place}.fields.{field_name}")
    records = entry.get("records") or []
    if not isinstance(records, list) or not all(isinstance(record, Mapping) for record in records):
        raise TenantError(f"{place}.records: a list of records (JSON objects)")
    dimension = entry.get("dimension", False)
    if not isinstance(dimension, bool):
        raise TenantError(f"{place}.dimension: true or false")
    label = entry.get("label") or name
    return CustomObject(name, str(label), fields, tuple(records), dimension)

"""The tenant's own model of an object, as the model service describes it, and its JSON Schema.

Sage's published schemas describe every company; a real company adds custom fields (``nsp::NAME``),
custom objects (``platform-apps/nsp::NAME``) and user-defined dimensions. Only the company's model
service (``GET /services/core/model?name=<path>``) knows them, so this module reads its answer into
an immutable :class:`TenantModel`: ``fields`` (each with ``type``, ``format``, ``enum``,
``readOnly``, ``writeOnly``, ``mutable``, ``nullable``; Sage says ``required`` is always false
there, so it is not kept), ``groups`` (nested field groups such as ``audit``), ``refs``
(references to other objects) and ``lists`` (owned lines, each described like the object).

The answer is read as Sage shapes it and as it may vary: ``groups``, ``refs`` and ``lists`` may be
a mapping by name or an empty array (Sage's department example answers ``"lists": []``), a list
may also arrive as an array of entries that carry their ``name``; an unknown object is answered by
an empty array (the spec) or an error. Anything else is refused naming the call, never read as
"no custom fields". Pure: no I/O (the hook reads the answer, this module reads its content).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from intacct_provider.catalog.registry import CUSTOM_PREFIX, OBJECTS_PREFIX, custom_object_path, is_custom_object
from intacct_provider.exceptions import IntacctNotFoundError, IntacctProtocolError

#: The group of a line list that holds its dimensions (standard and user-defined).
DIMENSIONS = "dimensions"

#: Whether a record of an object exists: ``(object path, "key" or "id", value)`` -> True, False, or
#: None when it cannot be told (the caller then leaves the reference to Intacct).
RecordLookup = Callable[[str, str, str], bool | None]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return _EMPTY


def is_custom(name: object) -> bool:
    """Whether a field or object name is the company's own (``nsp::APPROVER``)."""
    return isinstance(name, str) and name.startswith(CUSTOM_PREFIX)


def object_path(api_object: str) -> str:
    """An ``apiObject`` as a path: ``objects/company-config/department`` and a custom object's short
    ``nsp::contract`` become ``company-config/department`` and ``platform-apps/nsp::contract``."""
    path = api_object.strip().strip("/").removeprefix(OBJECTS_PREFIX.strip("/") + "/")
    return custom_object_path(path) or path


@dataclass(frozen=True)
class FieldSpec:
    """One field as the model service describes it."""

    name: str
    type: str | None
    format: str | None = None
    enum: tuple[Any, ...] = ()
    read_only: bool = False
    write_only: bool = False
    mutable: bool = True
    nullable: bool = True
    #: Of an ``array`` field (a multi-select picklist): the schema of its elements, as given.
    items: Mapping[str, Any] = field(default_factory=_empty)

    @property
    def allowed(self) -> tuple[Any, ...]:
        """The values a picklist allows (an array's element values for a multi-select one)."""
        return self.enum or tuple(self.items.get("enum") or ())

    def schema(self) -> dict[str, Any]:
        """The field as a JSON Schema leaf: ``type`` and, where Intacct gives one, the others."""
        leaf: dict[str, Any] = {}
        if self.type is not None:
            leaf["type"] = self.type
        if self.format is not None:
            leaf["format"] = self.format
        if self.enum:
            leaf["enum"] = list(self.enum)
        if self.items:
            leaf["items"] = dict(self.items)
        leaf["readOnly"] = self.read_only
        leaf["writeOnly"] = self.write_only
        if self.nullable:
            leaf["nullable"] = True
        return leaf


@dataclass(frozen=True)
class Ref:
    """A reference to another object (``vendor``, a relationship custom field): its fields by name."""

    name: str
    api_object: str | None
    fields: Mapping[str, FieldSpec] = field(default_factory=_empty)

    @property
    def to_custom_object(self) -> bool:
        """Whether it points to a custom object, whose ``key`` and ``id`` are the same (Sage's guide)."""
        return self.api_object is not None and is_custom_object(self.api_object)


@dataclass(frozen=True)
class Node:
    """An object, one of its groups, or a line of one of its lists: fields, groups, refs and lists.

    ``api_object`` is the owned object a list's lines are (``accounts-payable/payment-detail``),
    where the model names it.
    """

    fields: Mapping[str, FieldSpec] = field(default_factory=_empty)
    groups: Mapping[str, Node] = field(default_factory=_empty)
    refs: Mapping[str, Ref] = field(default_factory=_empty)
    lists: Mapping[str, Node] = field(default_factory=_empty)
    api_object: str | None = None

    @property
    def described(self) -> bool:
        """Whether the model describes it here (a list may only name its owned object: not described)."""
        return bool(self.fields or self.groups or self.refs or self.lists)

    def schema(self) -> dict[str, Any]:
        """This node as a JSON Schema object, nested as Intacct nests the record."""
        properties: dict[str, Any] = {name: spec.schema() for name, spec in self.fields.items()}
        for name, group in self.groups.items():
            properties[name] = group.schema()
        for name, ref in self.refs.items():
            reference: dict[str, Any] = {
                "type": "object",
                "properties": {field_name: spec.schema() for field_name, spec in ref.fields.items()},
            }
            if ref.api_object:
                reference["x-intacct-object"] = ref.api_object
            properties[name] = reference
        for name, line in self.lists.items():
            properties[name] = {"type": "array", "items": line.schema()}
        return {"type": "object", "properties": properties}

    def dimension_names(self) -> tuple[str, ...]:
        """The user-defined dimensions a line may carry: in its ``dimensions`` group or its ``refs``."""
        group = self.groups.get(DIMENSIONS, Node())
        names = [*group.fields, *group.refs, *self.refs]
        return tuple(dict.fromkeys(name for name in names if is_custom(name)))


@dataclass(frozen=True)
class TenantModel:
    """One object of one company as its model service describes it (immutable)."""

    path: str
    root: Node
    idempotence_supported: bool | None = None
    http_methods: str | None = None
    #: The model service's answer, as read (for users who want what the model does not parse).
    raw: Mapping[str, Any] = field(default_factory=_empty, repr=False, compare=False)
    #: How a check of custom fields tells whether a referenced record exists (a hook's read, bound
    #: by :meth:`~intacct_provider.hooks.intacct.IntacctHook.model_for_check`); None: not checked.
    lookup: RecordLookup | None = field(default=None, repr=False, compare=False)

    @property
    def fields(self) -> Mapping[str, FieldSpec]:
        return self.root.fields

    @property
    def groups(self) -> Mapping[str, Node]:
        return self.root.groups

    @property
    def refs(self) -> Mapping[str, Ref]:
        return self.root.refs

    @property
    def lists(self) -> Mapping[str, Node]:
        return self.root.lists

    @property
    def custom_fields(self) -> tuple[str, ...]:
        """The object's own custom fields and custom references (``nsp::APPROVER``), in model order."""
        return tuple(name for name in [*self.fields, *self.refs] if is_custom(name))

    def custom_names(self) -> tuple[str, ...]:
        """Every custom name of the record, dotted (``nsp::APPROVER``, ``lines.nsp::COST_CODE``,
        ``lines.dimensions.nsp::project``)."""
        return tuple(name for name, _ in _walk(self.root, "") if is_custom(name.rsplit(".", 1)[-1]))

    def json_schema(self) -> dict[str, Any]:
        """The record as a JSON Schema: groups and refs as nested objects, lists as arrays."""
        schema = self.root.schema()
        schema["title"] = self.path
        return schema

    def owned_lists(self) -> dict[str, str]:
        """List name -> owned object, for each list the model only names (its lines described in the
        owned object's own model: ``lists.details = {"apiObject": "accounts-payable/payment-detail"}``)."""
        return {
            name: object_path(node.api_object)
            for name, node in self.lists.items()
            if node.api_object and not node.described
        }

    def with_lists(self, lists: Mapping[str, TenantModel]) -> TenantModel:
        """This model with the named lists described by their owned objects' models."""
        merged = dict(self.root.lists)
        for name, owned in lists.items():
            merged[name] = replace(owned.root, api_object=owned.path)
        return replace(self, root=replace(self.root, lists=MappingProxyType(merged)))

    def with_lookup(self, lookup: RecordLookup) -> TenantModel:
        """This model with how to tell whether a referenced record exists (see :attr:`lookup`)."""
        return replace(self, lookup=lookup)


def _walk(node: Node, prefix: str) -> Iterator[tuple[str, Any]]:
    for name, spec in node.fields.items():
        yield prefix + name, spec
    for name, group in node.groups.items():
        yield from _walk(group, f"{prefix}{name}.")
    for name, ref in node.refs.items():
        yield prefix + name, ref
    for name, line in node.lists.items():
        yield from _walk(line, f"{prefix}{name}.")


def flat_fields(schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each leaf of a record schema by the dotted name the query service gives it in flat rows.

    ``{"vendor.id": {...}, "audit.modifiedDateTime": {...}, "nsp::APPROVER": {...}}``, in the
    schema's own order (fields, then groups, refs, each as the model listed them). Arrays of
    objects (a document's ``lines``) are not columns of a header row and are left out; an array
    of values (a multi-select picklist) is one leaf.
    """
    leaves: dict[str, dict[str, Any]] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for name, sub in (node.get("properties") or {}).items():
            if not isinstance(sub, Mapping):
                continue
            if sub.get("type") == "object" or "properties" in sub:
                walk(sub, f"{prefix}{name}.")
            elif sub.get("type") == "array" and _is_object_schema(sub.get("items")):
                continue
            else:
                leaves[prefix + name] = dict(sub)

    walk(schema, "")
    return leaves


def _is_object_schema(items: Any) -> bool:
    return isinstance(items, Mapping) and (items.get("type") == "object" or "properties" in items)


# ------------------------------------------------------------------ reading the answer
def parse_model(path: str, result: Any, *, call: str = "GET /services/core/model") -> TenantModel:
    """The :class:`TenantModel` of ``path`` from the ``ia::result`` of its model-service answer.

    An empty array is Sage's answer for a name it does not know: :class:`IntacctNotFoundError`.
    A shape that is neither is an :class:`IntacctProtocolError` naming ``call``.
    """
    if isinstance(result, list) and not result:
        raise IntacctNotFoundError(
            f"the model service knows no object {path!r} ({call} answered an empty list); check the name "
            "(a custom object is 'platform-apps/nsp::<integration name>')",
            status=200,
        )
    if not isinstance(result, Mapping):
        raise _odd(call, path, "ia::result", f"a JSON {type(result).__name__}, not the object's model")
    reader = _Reader(call, path)
    return TenantModel(
        path=path,
        root=reader.node(result, ""),
        idempotence_supported=result.get("idempotenceSupported")
        if isinstance(result.get("idempotenceSupported"), bool)
        else None,
        http_methods=result.get("httpMethods") if isinstance(result.get("httpMethods"), str) else None,
        raw=MappingProxyType(dict(result)),
    )


class _Reader:
    """Reads one answer, naming the call and the place of anything it cannot read."""

    def __init__(self, call: str, path: str) -> None:
        self.call = call
        self.path = path

    def node(self, data: Any, where: str) -> Node:
        if not isinstance(data, Mapping):
            raise _odd(self.call, self.path, where or "ia::result", "not an object")
        owned = data.get("apiObject") if where else None  # the root's own apiObject is the object itself
        fields = {
            name: self.field(name, entry, f"{where}fields.{name}")
            for name, entry in self.named(data.get("fields"), f"{where}fields").items()
        }
        groups = {
            name: self.node(entry, f"{where}groups.{name}.")
            for name, entry in self.named(data.get("groups"), f"{where}groups").items()
        }
        refs = {
            name: self.ref(name, entry, f"{where}refs.{name}.")
            for name, entry in self.named(data.get("refs"), f"{where}refs").items()
        }
        lists = {
            name: self.node(entry, f"{where}lists.{name}.")
            for name, entry in self.named(data.get("lists"), f"{where}lists").items()
        }
        return Node(
            fields=MappingProxyType(fields),
            groups=MappingProxyType(groups),
            refs=MappingProxyType(refs),
            lists=MappingProxyType(lists),
            api_object=owned if isinstance(owned, str) and owned.strip() else None,
        )

    def named(self, value: Any, where: str) -> dict[str, Any]:
        """A mapping by name, from a mapping, nothing, or an array of entries that carry their ``name``."""
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return {str(name): entry for name, entry in value.items()}
        if isinstance(value, list):
            named: dict[str, Any] = {}
            for index, entry in enumerate(value):
                name = entry.get("name") if isinstance(entry, Mapping) else None
                if not isinstance(name, str) or not name:
                    raise _odd(self.call, self.path, f"{where}[{index}]", "an entry without a name")
                named[name] = entry
            return named
        raise _odd(self.call, self.path, where, f"a JSON {type(value).__name__}, not a mapping by name")

    def field(self, name: str, entry: Any, where: str) -> FieldSpec:
        if not isinstance(entry, Mapping):
            raise _odd(self.call, self.path, where, "not an object describing the field")
        kind = entry.get("type")
        enum = entry.get("enum")
        items = entry.get("items")
        return FieldSpec(
            name=name,
            type=kind if isinstance(kind, str) else None,
            format=entry.get("format") if isinstance(entry.get("format"), str) else None,
            enum=tuple(value for value in enum if value is not None) if isinstance(enum, list) else (),
            read_only=entry.get("readOnly") is True,
            write_only=entry.get("writeOnly") is True,
            mutable=entry.get("mutable") is not False,
            nullable=entry.get("nullable") is not False,
            items=MappingProxyType(dict(items)) if isinstance(items, Mapping) else _EMPTY,
        )

    def ref(self, name: str, entry: Any, where: str) -> Ref:
        if not isinstance(entry, Mapping):
            raise _odd(self.call, self.path, where.rstrip("."), "not an object describing the reference")
        api_object = entry.get("apiObject")
        fields = {
            field_name: self.field(field_name, spec, f"{where}fields.{field_name}")
            for field_name, spec in self.named(entry.get("fields"), f"{where}fields").items()
        }
        return Ref(name, api_object if isinstance(api_object, str) else None, MappingProxyType(fields))


def _odd(call: str, path: str, where: str, problem: str) -> IntacctProtocolError:
    return IntacctProtocolError(f"the model of {path!r} ({call}) cannot be read: {where} is {problem}")

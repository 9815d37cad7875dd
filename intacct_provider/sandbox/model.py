"""The model service's answers (``GET /services/core/model``), in Sage's shape.

Sage's "Model for department" example is the template: ``fields`` by name, each with ``type``,
``format``, ``enum``, ``readOnly``, ``writeOnly``, ``nullable``, ``mutable`` and ``required`` --
always false, as the spec says (the model does not tell what a create requires); ``groups``
(``audit``) nest fields; ``refs`` are references to other objects, with their ``apiObject``;
``lists`` are owned lines (``[]`` when there are none, as in the example). Everything is read from
the record schema the company has (the contract's, with a tenant's custom fields added), and
``mutable`` from its update schema. A tenant's user-defined dimensions are listed where the
sandbox reads them (Sage does not show it): ``lists.lines.groups.dimensions.fields["nsp::<name>"]``;
its custom relationships in ``refs``, with the related custom object's ``apiObject``.

Sage says ``lists`` are "repeatable groups or owned objects" and shows none, so how a list of
owned lines is described is the ``owned_lists`` reading: ``"reference"`` (the stricter: the list
only names its owned object, ``{"apiObject": "accounts-payable/payment-detail", "type":
"ownedObject", "href"}``, whose own model describes the lines) or ``"inline"`` (the lines'
fields, groups and refs in place). Either way each owned object has its own model
(``name=accounts-payable/bill-line``, ``.../payment-detail``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intacct_provider import contract

from .schema import OWNED, Owned

if TYPE_CHECKING:
    from .schema import ObjectDef
    from .tenant import Tenant

HTTP_METHODS = "OPTIONS,GET,POST,DELETE,PATCH"
#: How the model lists an object's lines (see the module's docstring).
OWNED_LISTS = ("reference", "inline")


def catalog(objects: Mapping[str, ObjectDef]) -> list[dict[str, Any]]:
    """The short definition of every object (``GET /services/core/model`` without a name)."""
    return [
        {"apiObject": f"objects/{path}", "type": _type(obj), "httpMethods": _methods(obj), "href": _href(path)}
        for path, obj in objects.items()
    ]


def _type(obj: ObjectDef) -> str:
    return "ownedObject" if obj.owned is not None else "rootObject"


def _methods(obj: ObjectDef) -> str:
    return "OPTIONS,GET" if obj.owned is not None else HTTP_METHODS


def describe(obj: ObjectDef, tenant: Tenant | None, owned_lists: str = "reference") -> dict[str, Any]:
    """The full model of one object, custom fields, custom objects, dimensions and relationships included."""
    record = _schema(obj.path, "record", tenant)
    update = _schema(obj.path, "update", tenant)
    model = _node(record, update, dict(obj.header_refs), dict(obj.line_refs), lists_as_array=True)
    owned = OWNED.get(obj.path)
    if owned is not None and owned_lists == "reference":
        model["lists"][owned.list] = {"apiObject": owned.path, "type": "ownedObject", "href": _href(owned.path)}
    # writeOnly fields (a payment's paymentDate) are not in the record as read, but the model lists
    # them, flagged writeOnly, as Sage's model entries carry that flag.
    for name, sub in (update.get("properties") or {}).items():
        if sub.get("writeOnly") and name not in model["fields"]:
            model["fields"][name] = _field(sub, sub)
    model.update(
        idempotenceSupported=True,
        apiObject=f"objects/{obj.path}",
        type=_type(obj),
        httpMethods=_methods(obj),
        href=_href(obj.path),
    )
    return model


def describe_owned(owned: Owned, owner: ObjectDef, tenant: Tenant | None) -> dict[str, Any]:
    """The model of the lines of ``owner`` as the owned object they are (``accounts-payable/bill-line``):
    what ``describe(owner, owned_lists="inline")`` lists for them, as a model of its own."""
    refs = dict(owner.line_refs)
    if owned.back is not None:
        refs[owned.back] = owned.owner
    record = owned.schema(_schema(owned.owner, "record", tenant))
    update = owned.schema(_schema(owned.owner, "update", tenant))
    model = _node(record, update, refs, {}, lists_as_array=True)
    model.update(
        idempotenceSupported=True,
        apiObject=f"objects/{owned.path}",
        type="ownedObject",
        httpMethods="OPTIONS,GET",
        href=_href(owned.path),
    )
    return model


def _schema(path: str, operation: str, tenant: Tenant | None) -> dict[str, Any]:
    """The company's schema of ``path``: the tenant's where it changes the object, else the contract's."""
    if tenant is not None and tenant.touches(path):
        return tenant.schema(path, operation)
    return contract.load_schema(path, operation)


def _href(path: str) -> str:
    return f"/services/core/model?version=v1&name=objects/{path}"


def _node(
    schema: Mapping[str, Any],
    update: Mapping[str, Any] | None,
    refs: Mapping[str, str],
    line_refs: Mapping[str, str],
    *,
    prefix: str = "",
    lists_as_array: bool = False,
) -> dict[str, Any]:
    """``fields``, ``groups``, ``refs`` and ``lists`` of one object, group or line."""
    fields: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    references: dict[str, Any] = {}
    lists: dict[str, Any] = {}
    changeable = (update or {}).get("properties") or {}
    for name, sub in (schema.get("properties") or {}).items():
        dotted = prefix + name
        after = changeable.get(name)
        properties = sub.get("properties")
        if name.startswith("nsp::") and prefix == "dimensions." and isinstance(properties, Mapping):  # a UDD
            fields[name] = {**_field(sub, after, kind="object"), "apiObject": f"platform-apps/{name}"}
        elif isinstance(properties, Mapping) and ("key" in properties or "id" in properties):
            reference: dict[str, Any] = {"fields": _fields(properties, (after or {}).get("properties"))}
            if refs.get(dotted):
                reference = {"apiObject": refs[dotted], **reference}
            references[name] = reference
        elif sub.get("type") == "object" or isinstance(properties, Mapping):
            groups[name] = _node(sub, after, refs, line_refs, prefix=f"{dotted}.")
        elif _is_list(sub):
            items_after = (after or {}).get("items") if isinstance(after, Mapping) else None
            lists[name] = _node(sub["items"], items_after, line_refs, {})
        else:
            fields[name] = _field(sub, after)
    return {
        "fields": fields,
        "groups": groups,
        "refs": references,
        "lists": lists if lists or not lists_as_array else [],
    }


def _is_list(schema: Mapping[str, Any]) -> bool:
    items = schema.get("items")
    return isinstance(items, Mapping) and (items.get("type") == "object" or "properties" in items)


def _fields(properties: Mapping[str, Any], changeable: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: _field(sub, (changeable or {}).get(name)) for name, sub in properties.items()}


def _field(schema: Mapping[str, Any], after: Mapping[str, Any] | None, kind: str | None = None) -> dict[str, Any]:
    types = schema.get("type", "string")
    names = types if isinstance(types, list) else [types]
    values = schema.get("enum")
    entry: dict[str, Any] = {"type": kind or next((t for t in names if t != "null"), "string")}
    if schema.get("format"):
        entry["format"] = schema["format"]
    if values:
        entry["enum"] = [value for value in values if value is not None]
    items = schema.get("items")
    if isinstance(items, Mapping):
        entry["items"] = {name: value for name, value in items.items() if name in ("type", "enum", "format")}
    read_only = bool(schema.get("readOnly"))
    entry.update(
        readOnly=read_only,
        writeOnly=bool(schema.get("writeOnly")),
        required=False,  # the spec: "The required field is always set to false"
        nullable="null" in names or (values is not None and None in values),
        mutable=not read_only and isinstance(after, Mapping) and not after.get("readOnly"),
    )
    return entry

"""Build ``intacct_provider/contract/`` from Sage's published contract facts.

Input: ``intacct-objects.json`` (the facts restated from Sage's OpenAPI specification, kept beside
the project in ``../shared/docs/contract/``).  Output, committed to the repository and shipped in
the wheel:

- ``schemas/<app>.<object>.<operation>.json`` for operation ``create``, ``update`` and ``record``
  (JSON Schema draft 2020-12).  ``create``/``update`` are request bodies: every object closed with
  ``additionalProperties: false``, read-only properties present but refused (``readOnly: true`` +
  ``not: {}``, so a validator can say "read-only" instead of "unknown"), amounts as decimal
  strings, dates as ``YYYY-MM-DD``.  ``record`` is the object as read back (every property, read-only
  ones annotated, nothing required): what the query and model services describe.
- ``objects.json``: the per-object facts a registry needs and a schema cannot say (state field,
  default and create-time states, workflows with their paths, bodies and transitions, natural key,
  document-number field).

Facts the contract does not give but the sandbox has to decide are in :data:`SUPPLEMENT` and
:data:`OBJECT_FACTS`, each marked ``x-unconfirmed`` in the output so nobody mistakes them for Sage's
word.  Run ``python scripts/build_contract.py [--source PATH]`` after the facts change; the test
suite checks the committed files match the generator when the source is present.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

from spec_fields import SPEC_FIELDS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "intacct_provider" / "contract"
# The facts live beside the checkout (../shared) or beside the folder of git worktrees (../../shared).
DEFAULT_SOURCE = (
    next(
        (base for base in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if base.exists()),
        ROOT.parent / "shared",
    )
    / "docs/contract/intacct-objects.json"
)
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Objects we write (or the sandbox creates); the AR payment is described but nobody writes it yet.
OBJECTS = (
    "accounts-payable/bill",
    "accounts-receivable/invoice",
    "general-ledger/journal-entry",
    "accounts-payable/vendor",
    "accounts-receivable/customer",
    "accounts-payable/payment",
    "general-ledger/account",
    "general-ledger/journal",
    "company-config/location",
    "company-config/department",
    "company-config/class",
    "projects/project",
)

DIMENSIONS = (
    "location",
    "department",
    "employee",
    "project",
    "customer",
    "vendor",
    "item",
    "warehouse",
    "class",
    "task",
    "costType",
    "asset",
    "contract",
    "affiliateEntity",
    "loanAccount",
    "workOrder",
)
DECIMAL = r"^-?[0-9]+(\.[0-9]{1,2})?$"
ABSOLUTE_DECIMAL = r"^[0-9]+(\.[0-9]{1,2})?$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _field(type_: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "required": False, "readOnly": False, **extra}


_STATUS = _field("string", enum=[None, "active", "activeNonPosting", "inactive"], nullable=True, default="active")
_MASTER_SUPPLEMENT = {
    "id": _field("string", required=True, notes="x-unconfirmed: RequiredProperties not read; sandbox requires it"),
    "name": _field("string", required=True, notes="x-unconfirmed: RequiredProperties not read; sandbox requires it"),
    "status": _STATUS,
}
_SYSTEM = {
    "entity.key": _field("string", readOnly=True, nullable=True),
    "entity.id": _field("string", readOnly=True, nullable=True),
    "entity.name": _field("string", readOnly=True, nullable=True),
    "audit.createdDateTime": _field("string", readOnly=True, format="date-time"),
    "audit.modifiedDateTime": _field("string", readOnly=True, format="date-time"),
    "audit.createdByUser.key": _field("string", readOnly=True, nullable=True),
    "audit.createdByUser.id": _field("string", readOnly=True, nullable=True),
    "audit.modifiedByUser.key": _field("string", readOnly=True, nullable=True),
    "audit.modifiedByUser.id": _field("string", readOnly=True, nullable=True),
    "audit.createdBy": _field("string", readOnly=True, nullable=True, deprecated=True),
    "audit.modifiedBy": _field("string", readOnly=True, nullable=True, deprecated=True),
}

# Facts the contract lacks (dimension objects are only described as references there).  The
# sandbox's choices, marked x-unconfirmed in the notes.
SUPPLEMENT: dict[str, dict[str, dict[str, Any]]] = {
    "company-config/location": dict(_MASTER_SUPPLEMENT),
    "company-config/department": dict(_MASTER_SUPPLEMENT),
    "company-config/class": dict(_MASTER_SUPPLEMENT),
    "projects/project": dict(_MASTER_SUPPLEMENT),
}

# States a create may ask for (the contract lists the whole enum; only the JE says which are
# allowed on create).  Bills: a new bill is a draft and moves by workflow only (strictest reading).
CREATE_STATES = {
    "accounts-payable/bill": ["draft"],
    "accounts-receivable/invoice": ["draft", "posted"],
    "accounts-payable/payment": ["draft"],
}

# States a workflow's answer names that the object's own state enum lacks: a bill's approve answers
# "approved" (its response enum), which the bill's state enum does not list.  Added to the state's
# enum (record schema and facts) so a record in that state reads as valid; marked x-unconfirmed.
EXTRA_STATES = {"accounts-payable/bill": ["approved"]}

# Per-object facts for the registry and the sandbox.  ``workflows``: action -> body fields
# (required/optional), ``transitions`` (each state the action applies to -> every state it may lead
# to, as Sage's answer enums and descriptions say; which one a tenant takes depends on its
# configuration, so the sandbox makes it a switch) and ``done`` (the states of a record the action
# has already been applied to: a retried task skips the action there).
_BILL_PAID = ["partiallyPaid", "paid", "selected"]
_BILL_APPROVED = ["approved", "posted", *_BILL_PAID]
OBJECT_FACTS: dict[str, dict[str, Any]] = {
    "accounts-payable/bill": {
        "label": "bill",
        "natural_key": ["vendor.id", "billNumber"],
        "number_field": "billNumber",
        "party": "vendor",
        "lines": "lines",
        "workflows": {
            "submit": {
                "body": {"key": "required"},
                # "draft -> submitted (or posted when no approval)"
                "transitions": {"draft": ["submitted", "posted"], "declined": ["submitted", "posted"]},
                "done": ["submitted", "partiallyApproved", *_BILL_APPROVED],
            },
            "approve": {
                "body": {"key": "required", "notes": "optional"},
                # The answer's enum says "approved"; the description says posted (or partiallyApproved).
                "transitions": {"submitted": ["approved", "posted"], "partiallyApproved": ["approved", "posted"]},
                "done": _BILL_APPROVED,
            },
            "decline": {
                "body": {"key": "required", "notes": "optional"},
                "transitions": {"submitted": ["declined"], "partiallyApproved": ["declined"]},
                "done": ["declined"],
            },
            "recall": {"body": {"key": "required"}, "transitions": {"submitted": ["draft"]}, "done": ["draft"]},
            "reverse": {
                "body": {"key": "required", "reverseDate": "required", "notes": "optional"},
                "date_field": "reverseDate",
                "transitions": {"posted": ["reversed"], "approved": ["reversed"]},
                "done": ["reversed"],
            },
        },
    },
    "accounts-receivable/invoice": {
        "label": "invoice",
        "natural_key": ["customer.id", "invoiceNumber"],
        "number_field": "invoiceNumber",
        "party": "customer",
        "lines": "lines",
        "workflows": {
            "submit": {
                "body": {"key": "required"},
                "transitions": {"draft": ["posted"]},
                "done": ["posted", "partiallyPaid", "paid"],
            },
            "reverse": {
                "body": {"key": "required", "reversedDate": "required", "memo": "optional"},
                "date_field": "reversedDate",
                "transitions": {"posted": ["reversed"]},
                "done": ["reversed"],
            },
        },
    },
    "general-ledger/journal-entry": {
        "label": "journal entry",
        "natural_key": ["glJournal.id", "postingDate", "description"],
        "number_field": None,
        "lines": "lines",
        "workflows": {},
    },
    "accounts-payable/vendor": {"label": "vendor", "natural_key": ["id"], "workflows": {}},
    "accounts-receivable/customer": {"label": "customer", "natural_key": ["id"], "workflows": {}},
    "accounts-payable/payment": {
        "label": "AP payment",
        "natural_key": None,
        "lines": "details",
        # Sage's descriptions: submit moves a draft (or a declined payment) to submitted, approve to
        # approved, print to delivered (a check printed, a bank file made), confirm to confirmed
        # ("confirmed and posted"); the submit answer's enum also has confirmed (no approval step).
        # Reverse: delivered -> approved, confirmed -> reversed (the state enum names that voided).
        "workflows": {
            "submit": {
                "body": {"key": "required"},
                "transitions": {"draft": ["submitted", "confirmed"], "declined": ["submitted", "confirmed"]},
                "done": ["submitted", "partiallyApproved", "approved", "delivered", "confirmed"],
            },
            "approve": {
                "body": {"key": "required", "notes": "optional"},
                "transitions": {"submitted": ["approved"], "partiallyApproved": ["approved"]},
                "done": ["approved", "delivered", "confirmed"],
            },
            "decline": {
                "body": {"key": "required", "notes": "optional"},
                "transitions": {"submitted": ["declined"], "partiallyApproved": ["declined"]},
                "done": ["declined"],
            },
            "print": {
                "body": {"key": "required"},
                "transitions": {"approved": ["delivered"]},
                "done": ["delivered", "confirmed"],
            },
            "confirm": {
                "body": {"key": "required"},
                "transitions": {"delivered": ["confirmed"]},
                "done": ["confirmed"],
            },
            "reverse": {
                "body": {"key": "required", "paymentDate": "optional", "description": "optional"},
                "date_field": "paymentDate",
                "transitions": {"delivered": ["approved"], "confirmed": ["voided", "reversed"]},
                "done": ["voided", "reversed"],
            },
        },
    },
    "general-ledger/account": {"label": "GL account", "natural_key": ["id"], "workflows": {}},
    "general-ledger/journal": {"label": "GL journal", "natural_key": ["id"], "workflows": {}},
    "company-config/location": {"label": "location", "natural_key": ["id"], "workflows": {}},
    "company-config/department": {"label": "department", "natural_key": ["id"], "workflows": {}},
    "company-config/class": {"label": "class", "natural_key": ["id"], "workflows": {}},
    "projects/project": {"label": "project", "natural_key": ["id"], "workflows": {}},
}


# ------------------------------------------------------------------ field tree
class Node:
    """One property: its contract entry (None for a group only implied by dotted names)."""

    def __init__(self) -> None:
        self.entry: dict[str, Any] | None = None
        self.children: dict[str, Node] = {}
        self.array = False

    def child(self, name: str) -> Node:
        return self.children.setdefault(name, Node())


def _expand(name: str) -> list[str]:
    """``dimensions.<other>``/``dimensions.<dim>.id`` name every standard dimension."""
    if "<" not in name:
        return [name]
    head, _, tail = name.partition("<")
    _, _, rest = tail.partition(">")
    return [f"{head}{dim}{rest}" for dim in DIMENSIONS]


def _dimension_ref(node: Node) -> None:
    """A dimension reference: ``{key, id, name (read-only), href (read-only)}``."""
    for sub, read_only in (("key", False), ("id", False), ("name", True), ("href", True)):
        child = node.child(sub)
        if child.entry is None:
            child.entry = _field("string", nullable=True, readOnly=read_only)


def build_tree(fields: dict[str, dict[str, Any]]) -> Node:
    root = Node()
    for raw_name, entry in fields.items():
        for name in _expand(raw_name):
            node = root
            for part in name.split("."):
                array = part.endswith("[]")
                node = node.child(part.removesuffix("[]"))
                node.array = node.array or array
            # A name listed twice (the object schema and RequiredProperties): the required entry wins.
            if node.entry is None or entry.get("required"):
                node.entry = {**(node.entry or {}), **entry}
    _dimensions(root)
    return root


def _dimensions(node: Node) -> None:
    for name, child in node.children.items():
        if name == "dimensions":
            for dim in DIMENSIONS:
                _dimension_ref(child.child(dim))
        _dimensions(child)


# --------------------------------------------------------------- schema output
def _leaf(entry: dict[str, Any], absolute: bool) -> dict[str, Any]:
    type_ = entry.get("type", "string")
    schema: dict[str, Any] = {}
    fmt = entry.get("format")
    if type_ == "object":
        schema = {"type": "object", "$comment": "content not listed in the contract facts; not checked"}
    elif type_ == "array":
        schema = {"type": "array", "items": {"type": "object"}, "$comment": "items not listed in the contract facts"}
    else:
        schema["type"] = type_
        if fmt == "date":
            schema.update(format="date", pattern=DATE)
        elif fmt == "decimal-precision-2":
            schema.update(format="decimal-precision-2", pattern=ABSOLUTE_DECIMAL if absolute else DECIMAL)
        elif fmt:
            schema["format"] = fmt
    if entry.get("enum"):
        schema["enum"] = list(entry["enum"])
    if entry.get("nullable") and isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"].append(None)
    if entry.get("maxLength"):
        schema["maxLength"] = entry["maxLength"]
    for key in ("default", "deprecated", "writeOnly"):
        if entry.get(key) not in (None, False):
            schema[key] = entry[key]
    notes = entry.get("notes")
    if notes:
        schema["description"] = notes
    return schema


def _all_read_only(node: Node) -> bool:
    if node.entry is not None and node.entry.get("readOnly"):
        return True
    if not node.children:
        return False
    return all(_all_read_only(child) for child in node.children.values())


def _refused(schema: dict[str, Any]) -> dict[str, Any]:
    """A read-only property in a request body: known, typed, and refused whatever its value."""
    return {**schema, "readOnly": True, "not": {}}


class Builder:
    """Turns one object's field tree into its create, update and record schemas."""

    def __init__(self, path: str, obj: dict[str, Any], operation: str) -> None:
        self.path = path
        self.obj = obj
        self.operation = operation
        self.absolute = path == "general-ledger/journal-entry"

    def node(self, node: Node, pointer: str) -> dict[str, Any]:
        """The schema of the property at ``pointer`` (``/lines/txnAmount``: array steps omitted)."""
        entry = node.entry or {}
        read_only = _all_read_only(node) or self._read_only_here(pointer)
        if node.children:
            schema = self._object(node, pointer)
            if node.array:
                schema = {"type": "array", "items": schema}
                if entry.get("notes"):
                    schema["description"] = entry["notes"]
                min_items = entry.get("minItems")
                if min_items and self.operation == "create":
                    schema["minItems"] = min_items
        else:
            schema = _leaf(entry, self.absolute and pointer == "/lines/txnAmount")
        if pointer == "/state" and self.path in EXTRA_STATES and "enum" in schema:
            schema["enum"] = [*schema["enum"], *EXTRA_STATES[self.path]]
            schema["description"] = (
                f"{schema.get('description', '')}; x-unconfirmed: {', '.join(EXTRA_STATES[self.path])} added from "
                "a workflow's answer enum"
            ).lstrip("; ")
        if pointer == "/state" and self.operation == "create" and self.path in CREATE_STATES:
            schema["enum"] = CREATE_STATES[self.path]
            schema["description"] = (
                "x-unconfirmed: states a create may ask for (sandbox choice); others move by workflow only"
            )
        if pointer == "/state" and self.operation == "create" and "create_allowed_values" in self._state():
            schema["enum"] = self._state()["create_allowed_values"]
        if read_only:
            return _refused(schema) if self.operation != "record" else {**schema, "readOnly": True}
        return schema

    def _state(self) -> dict[str, Any]:
        state = self.obj.get("state")
        return state if isinstance(state, dict) else {}

    def _read_only_here(self, pointer: str) -> bool:
        if self.operation != "update":
            return False
        if pointer == "/id":
            return True
        # "cannot be changed using the PATCH operation": true of every object with a state field.
        return pointer == "/state" and bool(self._state()) and not self._state().get("patch_can_change", False)

    def _object(self, node: Node, pointer: str) -> dict[str, Any]:
        # writeOnly (a payment's paymentDate): sent, never returned, so the record as read has no
        # such property (nothing may select, filter on or expect it); request bodies keep it.
        properties = {
            name: self.node(child, f"{pointer}/{name}")
            for name, child in node.children.items()
            if not (self.operation == "record" and (child.entry or {}).get("writeOnly"))
        }
        schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
        if pointer.endswith("/dimensions"):
            schema["patternProperties"] = {
                "^nsp::[A-Za-z0-9_]+$": {
                    "type": "object",
                    "properties": {"key": {"type": ["string", "null"]}, "href": _refused({"type": "string"})},
                    "additionalProperties": False,
                    "description": "custom dimension",
                }
            }
        if self.operation == "create":
            required = [name for name, child in node.children.items() if _required(child)]
            if required:
                schema["required"] = required
            identifiers = [
                n for n in ("key", "id", "entityId") if n in node.children and not _all_read_only(node.children[n])
            ]
            entry = node.entry or {}
            if entry.get("required") and identifiers and not any(_required(node.children[n]) for n in identifiers):
                schema["anyOf"] = [{"required": [name]} for name in identifiers]
        return schema

    def document(self, root: Node) -> dict[str, Any]:
        schema = self._object(root, "")
        app, obj = self.path.split("/")
        title = {"create": "create body", "update": "update (PATCH) body", "record": "record as read"}[self.operation]
        return {
            "$schema": DRAFT,
            "$id": f"urn:airflow-provider-sage-intacct:contract:{app}.{obj}.{self.operation}",
            "title": f"{self.path} {title}",
            "description": f"Generated by scripts/build_contract.py from {Path(DEFAULT_SOURCE).name}; do not edit.",
            **schema,
        }


def _required(node: Node) -> bool:
    """Unconditionally required, or an object holding such a field (``vendor`` for ``vendor.id``).

    Not through arrays: a line's required fields do not make the list itself required (the bill's
    ``lines`` is not in Sage's required list although each line has required fields).
    """
    entry = node.entry or {}
    if entry.get("required"):
        return True
    return not node.array and any(_required(child) for child in node.children.values())


def object_fields(path: str, obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every field of ``path`` as dotted names, lines and details under ``<name>[].``."""
    # The supplement wins: the contract describes these objects only as references (name read-only).
    fields: dict[str, dict[str, Any]] = {**obj.get("fields", {}), **SUPPLEMENT.get(path, {})}
    spec = SPEC_FIELDS.get(path, {})
    for name, entry in spec.get("fields", {}).items():
        fields.setdefault(name, entry)
    for sub in ("lines", "details"):
        block = obj.get(sub)
        if not isinstance(block, dict) or "fields" not in block:
            continue
        block = {**block, "fields": {**spec.get(sub, {}), **block["fields"]}}
        prefix = sub + "[]"
        if sub not in fields:
            fields[sub] = {"type": "array", "required": bool(block.get("required")), "readOnly": False}
        fields[sub] = {
            **fields[sub],
            "required": bool(block.get("required")),
            **({"minItems": block["minItems"]} if block.get("minItems") else {}),
        }
        for name, entry in block["fields"].items():
            dotted = f"{prefix}.{name}"
            if sub == "details" and f"details[].{name}" in fields:
                continue
            fields[dotted] = entry
    if path == "accounts-payable/payment":
        # "minItems 1" is in the description only; a payment without details pays nothing.
        fields["details"] = {**fields["details"], "required": True, "minItems": 1}
        fields["lines"] = {**fields.get("lines", {"type": "array"}), "readOnly": True}
    for name, entry in _SYSTEM.items():
        fields.setdefault(name, entry)
    return fields


def _apply_parent_conditional(schema: dict[str, Any], fields: dict[str, dict[str, Any]]) -> None:
    """Add ``required_if_parent_present`` leaves to their parent's ``required`` list."""
    for name, entry in fields.items():
        if not entry.get("required_if_parent_present"):
            continue
        *parents, leaf = name.split(".")
        node = schema
        for part in parents:
            node = node["properties"][part.removesuffix("[]")]
            if node.get("type") == "array":
                node = node["items"]
        if leaf not in node.get("required", []):
            node.setdefault("required", []).append(leaf)


def build(source: dict[str, Any]) -> dict[str, Any]:
    """``{relative file name: JSON value}`` for everything under ``intacct_provider/contract/``."""
    files: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    for path in OBJECTS:
        obj = source["objects"][path]
        fields = object_fields(path, obj)
        tree = build_tree(fields)
        for operation in ("create", "update", "record"):
            schema = Builder(path, obj, operation).document(copy.deepcopy(tree))
            if operation == "create":
                _apply_parent_conditional(schema, fields)
            files[f"schemas/{path.replace('/', '.')}.{operation}.json"] = schema
        facts[path] = _facts(path, obj)
    files["objects.json"] = {
        "source": source["meta"]["source"],
        "note": "Generated by scripts/build_contract.py; values marked x-unconfirmed are the sandbox's choices.",
        "objects": facts,
    }
    return files


def _facts(path: str, obj: dict[str, Any]) -> dict[str, Any]:
    state = obj.get("state") if isinstance(obj.get("state"), dict) else None
    own = OBJECT_FACTS[path]
    workflows = {action: _workflow(path, action, spec) for action, spec in own.get("workflows", {}).items()}
    result: dict[str, Any] = {
        "path": path,
        "label": own["label"],
        "natural_key": own.get("natural_key"),
        "number_field": own.get("number_field"),
        "party": own.get("party"),
        "lines": own.get("lines"),
        "required_on_create": obj.get("required_on_create", []),
        "conditionally_required_on_create": obj.get("conditionally_required_on_create", {}),
        "id_semantics": obj.get("id_semantics"),
        "state": None,
        "workflows": workflows,
    }
    if state:
        result["state"] = {
            "field": state["field"],
            "default": state.get("default"),
            "enum": [*state.get("enum", []), *EXTRA_STATES.get(path, [])] or None,
            "create_allowed": state.get("create_allowed_values") or CREATE_STATES.get(path) or state.get("enum"),
            "patch_can_change": state.get("patch_can_change", False),
        }
    return result


def _workflow(path: str, action: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One workflow's facts: path, body, ``from`` (where it applies), ``to`` (every state it may lead
    to), ``transitions`` (from -> to), ``done`` (where it has already happened) and a date field."""
    reached: list[str] = []
    for targets in spec["transitions"].values():
        reached += [state for state in targets if state not in reached]
    return {
        "path": f"/workflows/{path}/{action}",
        "body": spec["body"],
        **({"date_field": spec["date_field"]} if "date_field" in spec else {}),
        "from": list(spec["transitions"]),
        "to": reached,
        "transitions": spec["transitions"],
        "done": spec["done"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = parser.parse_args(argv)
    files = build(json.loads(args.source.read_text()))
    stale = []
    for name, value in files.items():
        target = OUT / name
        text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
        if args.check:
            if not target.exists() or target.read_text() != text:
                stale.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    if stale:
        print("stale contract files: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

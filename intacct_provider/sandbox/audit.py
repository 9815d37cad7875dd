"""The audit trail (``company-config/audit-history``): every write the store makes, in Sage's shape.

Sage's spec (company-configuration.json, ``objects.company-config.audit-history``) describes one
entry per change: ``changeDetails{objectName, objectId, fieldName, previousValue, newValue}`` and
``changeSource{source, completedBy, accessDateTime, actionPerformed, workflowAction, ...}``, every
property read-only; its example entry is one field of a ``modify``.  So the sandbox writes:

* ``create`` / ``delete``: one entry per record, no field;
* ``modify`` (a PATCH): one entry per changed field (dotted name, values as text);
* ``workflow`` (a workflow action): one entry for the ``state`` field, ``workflowAction`` naming it.

What the spec leaves open is a setting of the sandbox: whether ``objectId`` holds the record's
``key`` (default) or its ``id`` ("differs based on the object type"), and whether the API user may
read the trail at all (``audit_trail``: ``allowed`` or ``refused``, a 403 on every read).  The
seed's records have no history here, as if they were entered before the trail was kept.

The trail is written by the store's own write path (create, update, delete) and by the one
function workflow actions go through, never by the API handlers, so every way of writing leaves
its entries; an atomic bulk write that is taken back takes its entries back too (:meth:`mark`,
:meth:`rollback`).
"""

from __future__ import annotations

import base64
from typing import Any

from intacct_provider.core.exact_json import canonical

from .clock import Clock
from .errors import ApiError, detail
from .schema import Field, ObjectDef

AUDIT_PATH = "company-config/audit-history"
#: What ``changeDetails.objectId`` holds: the record's ``key`` (default) or its ``id``.
OBJECT_ID_FIELDS = ("key", "id")
#: Whether the API user may read the trail (``refused``: 403 on every read).
PERMISSIONS = ("allowed", "refused")
ACTIONS = ("access", "create", "delete", "modify", "workflow", "userAction", "activity", "systemAudit")
SOURCES = ("userInterface", "api", "csvImport", "system", "smartEvent", "importService", "copilot")
#: Fields of a record no change is logged for: the stamps of the change itself.
_NOT_LOGGED = ("audit", "href")


def _field(name: str, kind: str = "string", values: tuple[str, ...] = ()) -> Field:
    return Field(name=name, type=kind, values=values, read_only=True)


#: The query service's view of an entry (every property read-only, as the spec says).  ``key`` is
#: Sage's base64url text, not a number, so it sorts as text.
AUDIT_OBJECT = ObjectDef(
    path=AUDIT_PATH,
    label="audit history",
    fields={
        spec.name: spec
        for spec in (
            _field("key"),
            _field("id"),
            _field("changeDetails.objectName"),
            _field("changeDetails.objectId"),
            _field("changeDetails.fieldName"),
            _field("changeDetails.previousValue"),
            _field("changeDetails.newValue"),
            _field("changeSource.source", "enum", SOURCES),
            _field("changeSource.completedBy"),
            _field("changeSource.accessDateTime", "timestamp"),
            _field("changeSource.actionPerformed", "enum", ACTIONS),
            _field("changeSource.workflowAction"),
            _field("changeSource.clientIPAddress"),
            _field("changeSource.senderId"),
            _field("changeSource.clientId"),
            _field("notes"),
            _field("href"),
        )
    },
    first_key=1,
)


def refused() -> ApiError:
    """The answer to any read of the trail by a user without the permission."""
    message = "You do not have permission to read the audit trail (company-config/audit-history)"
    return ApiError(403, message, [detail("permissionDenied", message, AUDIT_PATH)])


def _text(value: Any) -> str | None:
    """A field value as the trail shows it: text (``previousValue``/``newValue`` are strings)."""
    if value is None or isinstance(value, str):
        return value
    return canonical(value)


def _leaves(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted name -> value of every leaf of a record (arrays are leaves, as in a query)."""
    leaves: dict[str, Any] = {}
    for name, value in record.items():
        if not prefix and name in _NOT_LOGGED:
            continue
        if isinstance(value, dict):
            leaves.update(_leaves(value, f"{prefix}{name}."))
        else:
            leaves[prefix + name] = value
    return leaves


class AuditTrail:
    """The company's audit-history entries, oldest first, and what writes them."""

    def __init__(self, clock: Clock, user_id: str) -> None:
        self.clock = clock
        self.user_id = user_id
        self.object_id = "key"
        self.entries: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self._sequence = 0

    # ------------------------------------------------------------------ writes
    def created(self, path: str, record: dict[str, Any]) -> None:
        self._write(path, record, "create")

    def deleted(self, path: str, record: dict[str, Any]) -> None:
        self._write(path, record, "delete")

    def modified(self, path: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        """One ``modify`` entry per field whose value changed (added and removed fields included)."""
        old, new = _leaves(before), _leaves(after)
        for name in sorted(old.keys() | new.keys()):
            if old.get(name) != new.get(name):
                self._write(path, after, "modify", name, old.get(name), new.get(name))

    def workflow(self, path: str, record: dict[str, Any], action: str, previous_state: str) -> None:
        """A workflow action: its state change, with the action named in ``workflowAction``."""
        self._write(path, record, "workflow", "state", previous_state, record.get("state"), workflow=action)

    def mark(self) -> int:
        """A point to :meth:`rollback` to (the number of entries so far)."""
        return len(self.entries)

    def rollback(self, mark: int) -> None:
        """Forget the entries written since ``mark``: the writes they describe were taken back."""
        for entry in self.entries[mark:]:
            del self.by_key[entry["key"]]
        del self.entries[mark:]

    def _write(
        self,
        path: str,
        record: dict[str, Any],
        action: str,
        field_name: str | None = None,
        previous: Any = None,
        new: Any = None,
        *,
        workflow: str | None = None,
    ) -> None:
        self._sequence += 1
        entry_id = f"90:{self._sequence}"
        key = base64.urlsafe_b64encode(entry_id.encode()).decode().rstrip("=")
        entry = {
            "key": key,
            "id": entry_id,
            "changeDetails": {
                "objectName": path,
                "objectId": str(record[self.object_id]),
                "fieldName": field_name,
                "previousValue": _text(previous),
                "newValue": _text(new),
            },
            "changeSource": {
                "source": "api",
                "completedBy": self.user_id,
                "accessDateTime": self.clock.stamp(),
                "actionPerformed": action,
                "workflowAction": workflow,
                "clientIPAddress": "127.0.0.1",
                "senderId": None,
                "clientId": None,
            },
            "notes": f"ID:{record.get('id')}",
            "href": f"/objects/{AUDIT_PATH}/{key}",
        }
        self.entries.append(entry)
        self.by_key[key] = entry

    # ------------------------------------------------------------------ reads
    def get(self, key: str) -> dict[str, Any]:
        entry = self.by_key.get(key)
        if entry is None:
            message = f"The audit history with key '{key}' was not found"
            raise ApiError(404, message, [detail("recordNotFound", message, key)])
        return entry

    def references(self) -> list[dict[str, Any]]:
        """``{key, id, href}`` of every entry, oldest first (the list GET)."""
        return [{"key": e["key"], "id": e["id"], "href": e["href"]} for e in self.entries]

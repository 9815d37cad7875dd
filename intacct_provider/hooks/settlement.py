"""Create a record exactly once: post, and settle any answer that did not arrive whole.

A create is never re-sent blindly. When its answer is lost, cut short or unreadable
(a timeout, a dropped connection, a gateway 5xx, a truncated or non-JSON body) or
Intacct answers 409, it may or may not exist, and it is settled in this order:

1. **Look it up** by its natural key (``lookup_filters``: vendor + bill number, ...).
   A record found there but differing from the body (``differences``) is someone
   else's: a conflict, never adopted.
2. **Replay** the POST with the same ``Idempotency-Key``: an Intacct that honours the
   key answers with the original record.
3. A create never counts on the key being honoured: when the replay is refused (409)
   and the body has no natural key, the look-up **compares content**: recent records
   matching the body's own fields are read, and exactly one identical record is ours.
4. Otherwise :class:`~intacct_provider.exceptions.IntacctAmbiguousWriteError` says what
   was tried and to check Intacct before creating it again.

The comparison rule (``lookup_filters``/``differences``) is the registry's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from intacct_provider.core import answers
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctConflictError,
    IntacctError,
    IntacctProtocolError,
    IntacctRequestError,
)
from intacct_provider.objects import OBJECTS_PREFIX, resolve_path
from intacct_provider.retrying import backoff

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook

log = logging.getLogger(__name__)

#: Most recent records compared with the body when it has no natural key.
CONTENT_CANDIDATES = 20


class ComparisonRule(Protocol):
    """How to find the record a create body made, and tell whether a found record is it."""

    def lookup_filters(self, body: Mapping[str, Any]) -> list[dict[str, Any]] | None: ...

    def differences(self, body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]: ...


class RegistryRule:
    """The registry's comparison rule for one object path (interface 1 of ``objects.py``).

    A registered object brings its own ``lookup_filters`` (natural key) and ``differences``;
    an unregistered raw path has no natural key and compares the body's top-level fields.
    """

    def __init__(self, path: str) -> None:
        from intacct_provider.objects import REGISTRY

        self.path = path
        self.entry = next((obj for obj in REGISTRY.values() if obj.path == path), None)

    def lookup_filters(self, body: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        return self.entry.lookup_filters(body) if self.entry is not None else None

    def differences(self, body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
        from intacct_provider.objects import differences

        return differences(self.path, body, record)


def content_filters(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``$eq`` filters on the body's own scalar fields and references (``vendor.id``); lines are compared later."""
    filters: list[dict[str, Any]] = []
    for name, value in body.items():
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            filters.append({"$eq": {name: value}})
        elif isinstance(value, Mapping) and isinstance(value.get("id"), (str, int)):
            filters.append({"$eq": {f"{name}.id": value["id"]}})
    return filters


class CreateSettlement:
    """One create: its path, body, key, look-up and rule, and the hook to talk through."""

    def __init__(
        self,
        hook: IntacctHook,
        object: str,
        body: Mapping[str, Any],
        *,
        idempotency_key: str | None,
        lookup: Any,
        rule: ComparisonRule,
    ) -> None:
        self.hook = hook
        self.object = resolve_path(object)
        self.path = f"{OBJECTS_PREFIX}{self.object}"
        self.body = dict(body)
        self.key = idempotency_key
        self.rule = rule
        self.lookup = lookup if lookup is not None else rule.lookup_filters(self.body)

    def run(self, *, resumed: bool) -> dict[str, Any]:
        """Post (and settle) until the record's reference is known, or say why it cannot be."""
        attempts = self.hook.settings.max_retries + 1
        lost: IntacctError | None = None
        for attempt in range(attempts):
            if attempt or resumed:
                found = self.find_by_key()
                if found is not None:
                    return found
                if attempt and not self.key:
                    break
                if attempt:
                    self.hook.transport.sleep(backoff(attempt - 1))
            try:
                return self.post()
            except IntacctAmbiguousWriteError as exc:
                log.warning("Create on %s is ambiguous (%s); settling it before a new attempt", self.path, exc.message)
                lost = exc
            except IntacctConflictError as exc:
                found = self.find_by_key() or (self.find_by_content() if self.key and not self.lookup else None)
                if found is not None:
                    return found
                if self.key:
                    raise _key_conflict(exc, self.key, self.lookup, lost_earlier=lost is not None) from None
                raise exc from None
        assert lost is not None
        raise self.unsettled(lost, attempts)

    def post(self) -> dict[str, Any]:
        """One POST; an answer that is not a whole, readable reference is ambiguous, like a lost one."""
        headers = {"Idempotency-Key": self.key} if self.key else None
        response = self.hook.send("POST", self.path, json_body=self.body, headers=headers, resend_safe=False)
        try:
            payload = answers.read(
                answers.Shape.REFERENCE, response.status_code, response.text, method="POST", path=self.path
            )
        except IntacctProtocolError as exc:
            raise IntacctAmbiguousWriteError(
                f"Intacct's answer to this POST could not be read ({exc.message}); the record may or may not "
                "have been created",
                status=response.status_code,
                method="POST",
                path=self.path,
            ) from None
        return reference(payload["ia::result"])

    def find_by_key(self) -> dict[str, Any] | None:
        """The record this create made, found by its natural key; only different records there is a conflict."""
        if not self.lookup:
            return None
        return self.compare(self.lookup, conflict=True)

    def find_by_content(self) -> dict[str, Any] | None:
        """With no natural key: the one recent record identical to the body (``None`` if none or several)."""
        try:
            return self.compare(content_filters(self.body), conflict=False)
        except IntacctRequestError as exc:  # a field the query service cannot filter on: no content look-up
            log.warning("Cannot look %s up by content (%s)", self.path, exc.message)
            return None

    def compare(self, filters: list[dict[str, Any]], *, conflict: bool) -> dict[str, Any] | None:
        """Read the (most recent) records matching ``filters`` and adopt the one identical to the body.

        A natural key need not be unique (a journal entry's journal, date and description), so
        every candidate is compared. Several identical records cannot be told apart: ``None``.
        With ``conflict``, candidates that all differ mean the key is taken by another record.
        """
        page = self.hook.query(
            self.object, ["key", "id", "href"], filters, order_by=[{"key": "desc"}], size=CONTENT_CANDIDATES
        )
        compared = [
            (row, self.rule.differences(self.body, self.hook.get_record(self.object, str(row["key"]))))
            for row in page["ia::result"]
        ]
        identical = [row for row, mismatched in compared if not mismatched]
        if len(identical) == 1:
            log.info("Found the %s this create made: key %s", self.path, identical[0]["key"])
            return reference(identical[0])
        if identical:
            log.warning("%d identical %s records: cannot tell which one this create made", len(identical), self.path)
        elif conflict and compared:
            row, mismatched = compared[0]
            raise IntacctConflictError(
                f"{self.object} {row.get('id')!r} (key {row.get('key')}) already exists and differs "
                f"from this create in {', '.join(mismatched)}: it was not created by this task; use another "
                "number/id, or update that record instead",
                status=409,
                method="POST",
                path=self.path,
            )
        return None

    def unsettled(self, lost: IntacctError, attempts: int) -> IntacctAmbiguousWriteError:
        if attempts == 1:
            tried = "the connection's max_retries is 0, so it was neither looked up nor replayed in this task"
        elif self.lookup:
            tried = f"no record matches lookup {self.lookup}"
        elif self.key:
            tried = "replaying its idempotency key got no answer either"
        else:
            tried = "it cannot be looked up (no bill/invoice number) and no idempotency key was sent"
        hint = (
            f"; a retry that sends the same Idempotency-Key {self.key!r} (as an Airflow retry of this task "
            "does) gets the record back if it was created"
            if self.key
            else ""
        )
        return IntacctAmbiguousWriteError(
            f"{lost.message}; {tried}{hint}; check Intacct before creating it again",
            status=lost.status,
            method="POST",
            path=self.path,
        )


def reference(record: Mapping[str, Any]) -> dict[str, Any]:
    """``{"key", "id", "href"}`` of a record or a create's answer (its key already checked)."""
    return {"key": str(record["key"]), "id": record.get("id"), "href": record.get("href")}


def _key_conflict(exc: IntacctConflictError, key: str, lookup: Any, *, lost_earlier: bool) -> IntacctConflictError:
    """A 409 on a create that sent ``key``, said in words: whose key it was, and what to check."""
    by = (
        "an earlier attempt of this create whose answer was lost"
        if lost_earlier
        else "another create with a different body, or an earlier try of this task whose answer was lost"
    )
    not_found = f"; no record matches lookup {lookup}" if lookup else ""
    said = "; ".join(exc.details) or exc.message
    return IntacctConflictError(
        f"Intacct refused Idempotency-Key {key!r}, already used by {by}{not_found} (Intacct: {said}); "
        "check Intacct before creating the record again, and use a new key only for a new record",
        status=exc.status,
        code=exc.code,
        error_id=exc.error_id,
        support_id=exc.support_id,
        method=exc.method,
        path=exc.path,
    )

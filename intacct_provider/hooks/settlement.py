"""Create a record exactly once: post, and settle any answer that did not arrive whole.

A create is never re-sent blindly, and never counts on Intacct honouring its
``Idempotency-Key``. When its answer is lost, cut short or unreadable (a timeout, a
dropped connection, a gateway 5xx, a truncated or non-JSON body) or Intacct answers
409, it may or may not exist, and before any new POST it is settled in this order:

1. **Look it up** by its natural key (``lookup_filters``: vendor + bill number, ...).
   A record found there but differing from the body (``differences``) is someone
   else's: a conflict, never adopted.
2. With no natural key (a bill left to Intacct's numbering), **look it up by content**:
   records whose fields equal the body's (``content_filters``) and that were created
   since this create's first POST began (``audit.createdDateTime``, read against the
   server's own clock: the look-up answer's ``Date`` minus the time elapsed since that
   POST, less ``CLOCK_MARGIN``) are read and compared (``differences``); exactly one
   identical record is ours. Several, or identical records whose age cannot be told
   (no ``Date`` header, no stamp, or an Airflow retry that does not know when its
   earlier try posted), are inconclusive:
   :class:`~intacct_provider.exceptions.IntacctAmbiguousWriteError`, never a new POST.
   Identical records created *before* the window (an earlier run's twin of a bill a later
   run creates on purpose) are not ours and are never adopted.
3. Only when nothing that could be ours exists, **post again** with the same key (an
   Intacct that honours the key answers with the original record; one that refuses it
   with 409 says the key made a record after all, which the natural key or, with none,
   the one identical recent record settles).
4. Otherwise :class:`~intacct_provider.exceptions.IntacctAmbiguousWriteError` says what
   was tried and to check Intacct before creating it again.

The content look-up (:func:`find_recent_identical`, with :class:`FirstPost` and the window) is
the bulk writer's too: a lost batch's records without a natural key are settled by it.

Limits, stated: a record identical to this create and made by someone else inside the
window (seconds wide) is indistinguishable from ours; a POST still being processed when
the look-up runs (a read timeout on a slow server) can commit after it, so a server that
also ignores the key may then hold two. The comparison rule is the registry's.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Protocol

from intacct_provider.catalog.registry import OBJECTS_PREFIX, resolve_path
from intacct_provider.contract import write_only_fields
from intacct_provider.core import answers
from intacct_provider.core.backoff import backoff
from intacct_provider.core.query import MAX_QUERY_PAGE, QUERY_PATH
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctConflictError,
    IntacctError,
    IntacctProtocolError,
    IntacctRequestError,
)

if TYPE_CHECKING:
    from intacct_provider.core.connection import ConnectionSettings

log = logging.getLogger(__name__)

#: Most recent records compared with the body when it has no natural key.
CONTENT_CANDIDATES = 20
#: The audit stamp that tells a record made by this create from an older identical one.
CREATED = "audit.createdDateTime"
#: Seconds the content look-up's window reaches back beyond the first POST: the ``Date`` header and
#: the audit stamps have whole seconds, and the server stamping a record may not be the one dating
#: the answer. An identical record made by someone else this close before the create is taken for ours.
CLOCK_MARGIN = 5.0


class Answer(Protocol):
    """What the write paths read of an HTTP answer (a ``requests.Response`` is one)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class Sender(Protocol):
    """What the content look-up needs of the hook: send a call, read a record.

    Protocols rather than :class:`~intacct_provider.hooks.intacct.IntacctHook` itself: the hook
    uses this module, so this module names only what it needs, and no import runs back.
    """

    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        resend_safe: bool = True,
    ) -> Answer: ...

    def get_record(self, object: str, key: str | int, fields: Any = None) -> dict[str, Any]: ...


class Sleeper(Protocol):
    """The transport's sleep (tests replace it)."""

    sleep: Callable[[float], None]


class Channel(Sender, Protocol):
    """What settling one create needs of the hook: the look-up, a query page, the retry budget and sleep."""

    @property
    def settings(self) -> ConnectionSettings: ...

    @property
    def transport(self) -> Sleeper: ...

    def query(
        self,
        object: str | QuerySpec,
        fields: Any = None,
        filters: Any = None,
        filter_expression: str | None = None,
        order_by: Any = None,
        start: int = 1,
        size: int = 100,
        *,
        filter_parameters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]: ...


class ComparisonRule(Protocol):
    """How to find the record a create body made, and tell whether a found record is it."""

    def lookup_filters(self, body: Mapping[str, Any]) -> list[dict[str, Any]] | None: ...

    def differences(self, body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]: ...


class RegistryRule:
    """The registry's comparison rule for one object path (interface 1 of ``catalog/registry.py``).

    A registered object brings its own ``lookup_filters`` (natural key) and ``differences``; a
    custom object's natural key is ``id`` (the same as its key); another unregistered raw path has
    no natural key. Both compare the body's top-level fields.
    """

    def __init__(self, path: str) -> None:
        from intacct_provider.catalog.registry import lookup

        self.path = path
        self.entry = lookup(path)

    def lookup_filters(self, body: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        return self.entry.lookup_filters(body) if self.entry is not None else None

    def differences(self, body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
        from intacct_provider.catalog.registry import differences

        return differences(self.path, body, record)


def content_filters(body: Mapping[str, Any], object: str | None = None) -> list[dict[str, Any]]:
    """``$eq`` filters on the body's own scalar fields and references (``vendor.id``); lines are compared later.

    Never on a field Sage marks writeOnly for ``object`` (a payment's ``paymentDate``): Intacct does
    not return it, so a filter on it cannot find the record (the query service refuses it).
    """
    hidden = write_only_fields(object) if object else frozenset()
    filters: list[dict[str, Any]] = []
    for name, value in body.items():
        if name in hidden:
            continue
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            filters.append({"$eq": {name: value}})
        elif isinstance(value, Mapping) and isinstance(value.get("id"), (str, int)):
            filters.append({"$eq": {f"{name}.id": value["id"]}})
    return filters


class FirstPost:
    """When a create's first POST began (monotonic seconds), the start of its content look-up's window.

    ``posted_at`` (``time.time()`` stored by an earlier try of the task that began posting) is
    carried over to this process's monotonic clock; without it the window opens at this try's
    first POST (:meth:`mark`). Not shared between threads: one per create, or per batch.
    """

    def __init__(self, posted_at: float | None = None) -> None:
        self.started: float | None = None
        if posted_at is not None:
            self.started = time.monotonic() - max(0.0, time.time() - posted_at)

    def mark(self) -> None:
        """Call just before every POST: the first one opens the window."""
        if self.started is None:
            self.started = time.monotonic()

    def elapsed(self) -> float | None:
        """Seconds since the first POST began (``None``: none known, so no window)."""
        return None if self.started is None else time.monotonic() - self.started


@dataclass(frozen=True)
class Found:
    """What the content look-up proved for one body (and its identical copies).

    ``records``: the identical records created since the first POST began, at most one per copy
    (each a row with ``key``, ``id``, ``href``): those are ours; the copies beyond them are
    confirmed missing. ``doubt``: why records that may be ours cannot be told from others (then
    ``records`` is empty and nothing may be posted again for this body).
    """

    records: list[dict[str, Any]]
    doubt: str | None = None


def find_recent_identical(
    hook: Sender,
    object: str,
    wanted: Sequence[tuple[Mapping[str, Any], int]],
    first_post: FirstPost,
    differences: Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]],
    *,
    claimed: Collection[str] = frozenset(),
    fetch: Callable[[list[str]], list[dict[str, Any]]] | None = None,
    on_query: Callable[[], None] | None = None,
) -> list[Found]:
    """The content look-up of records without a natural key, shared by the single and the bulk create.

    ``wanted`` lists distinct bodies, each with how many identical copies of it were sent (``n``
    copies need ``n`` records to be told apart). Bodies sharing their ``content_filters`` are
    looked up in one query, newest first by ``audit.createdDateTime``, with room for every copy
    and ``CONTENT_CANDIDATES - 1`` more; the rows created since the first POST began (on the
    server's clock, :func:`window_start`) that are not ``claimed`` (already this task's) are read
    in full (``fetch``: keys to records, default one GET each) and compared with ``differences``
    (``on_query`` is told of each query sent, for a caller counting its requests).
    Per body: no identical record of the window means missing; up to one identical record per
    copy are ours; more identical ones than copies, identical ones of unknown age, a record
    identical to two bodies, or a full page still inside the window is a doubt.
    """
    groups: dict[str, list[int]] = {}
    for position, (body, _copies) in enumerate(wanted):
        groups.setdefault(json.dumps(content_filters(body, object), sort_keys=True, default=str), []).append(position)
    found: dict[int, Found] = {}
    for positions in groups.values():
        results = _look_up(
            hook, object, [wanted[p] for p in positions], first_post, differences, claimed, fetch, on_query
        )
        found.update(zip(positions, results, strict=True))
    return [found[position] for position in range(len(wanted))]


def _look_up(
    hook: Sender,
    object: str,
    bodies: Sequence[tuple[Mapping[str, Any], int]],
    first_post: FirstPost,
    differences: Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]],
    claimed: Collection[str],
    fetch: Callable[[list[str]], list[dict[str, Any]]] | None,
    on_query: Callable[[], None] | None,
) -> list[Found]:
    """One query for bodies sharing their content filters; a :class:`Found` for each."""
    size = min(MAX_QUERY_PAGE, CONTENT_CANDIDATES - 1 + sum(copies for _, copies in bodies))
    spec = QuerySpec.build(
        object, ["key", "id", "href", CREATED], content_filters(bodies[0][0], object),
        order_by=[{CREATED: "desc"}, {"key": "desc"}],
    )  # fmt: skip
    open_rows: list[tuple[dict[str, Any], bool | None]] = []  # rows that may be ours, with their age
    since: datetime | None = None
    start, more = 1, False
    while True:  # further pages only past rows this task already holds (a bulk task's other records)
        if on_query is not None:
            on_query()
        try:
            response = hook.send("POST", QUERY_PATH, json_body=spec.body(start, size))
        except IntacctRequestError as exc:  # a field the query service cannot filter on
            return [Found([], f"it cannot be looked up by content ({exc.message})") for _ in bodies]
        if start == 1:  # the window, from the first answer's Date and the time elapsed when it came
            since = window_start(response.headers.get("Date"), first_post.elapsed())
        rows = answers.read(answers.Shape.ROWS, response.status_code, response.text, method="POST", path=QUERY_PATH)[
            "ia::result"
        ]
        ages = [(row, is_recent(row.get(CREATED), since)) for row in rows]
        open_rows += [(row, recent) for row, recent in ages if recent is not False and str(row["key"]) not in claimed]
        more = len(rows) == size and ages[-1][1] is not False
        if not more or len(open_rows) >= size or start + size > MAX_QUERY_PAGE:
            break
        start += size
    keys = [str(row["key"]) for row, _ in open_rows]
    records = (fetch or (lambda wanted: [hook.get_record(object, key) for key in wanted]))(keys) if keys else []
    matches = [[index for index, (body, _) in enumerate(bodies) if not differences(body, record)] for record in records]
    results = []
    for index, (_body, copies) in enumerate(bodies):
        mine = [(row, recent, len(m)) for (row, recent), m in zip(open_rows, matches, strict=True) if index in m]
        recent = [row for row, known, shared in mine if known and shared == 1]
        unknown = [row for row, known, shared in mine if known is None or shared > 1]
        if more:
            when = "were created since it began" if since is not None else "exist"
            results.append(Found([], f"{len(open_rows)} or more records with its fields {when}"))
        elif unknown or len(recent) > copies:
            results.append(Found([], _why_inconclusive(recent, unknown, since, copies)))
        else:
            results.append(Found([answers.reference(row) for row in recent]))
    return results


class CreateSettlement:
    """One create: its path, body, key, look-up and rule, and the hook to talk through."""

    def __init__(
        self,
        hook: Channel,
        object: str,
        body: Mapping[str, Any],
        *,
        idempotency_key: str | None,
        lookup: Any,
        rule: ComparisonRule,
        posted_at: float | None = None,
    ) -> None:
        self.hook = hook
        self.object = resolve_path(object)
        self.path = f"{OBJECTS_PREFIX}{self.object}"
        self.body = dict(body)
        self.key = idempotency_key
        self.rule = rule
        self.lookup = lookup if lookup is not None else rule.lookup_filters(self.body)
        #: When this create's first POST began; an earlier try of the same task may have begun it
        #: (``posted_at``, the wall-clock seconds it stored).
        self.first_post = FirstPost(posted_at)

    def run(self, *, resumed: bool) -> dict[str, Any]:
        """Post (and settle) until the record's reference is known, or say why it cannot be."""
        attempts = self.hook.settings.max_retries + 1
        lost: IntacctError | None = None
        for attempt in range(attempts):
            if attempt or resumed:
                try:
                    found = self.find_own()
                except _Inconclusive as why:
                    raise self.inconclusive(lost, why.reason) from None
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

    def find_own(self) -> dict[str, Any] | None:
        """Before a POST that may repeat an earlier one: the record an earlier attempt made, if one did."""
        return self.find_by_key() if self.lookup else self.find_since_first_post()

    def post(self) -> dict[str, Any]:
        """One POST; an answer that is not a whole, readable reference is ambiguous, like a lost one."""
        headers = {"Idempotency-Key": self.key} if self.key else None
        self.first_post.mark()
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
        return answers.reference(payload["ia::result"])

    def find_by_key(self) -> dict[str, Any] | None:
        """The record this create made, found by its natural key; only different records there is a conflict."""
        if not self.lookup:
            return None
        return self.compare(self.lookup, conflict=True)

    def find_by_content(self) -> dict[str, Any] | None:
        """With no natural key: the one recent record identical to the body (``None`` if none or several)."""
        try:
            return self.compare(content_filters(self.body, self.object), conflict=False)
        except IntacctRequestError as exc:  # a field the query service cannot filter on: no content look-up
            log.warning("Cannot look %s up by content (%s)", self.path, exc.message)
            return None

    def find_since_first_post(self) -> dict[str, Any] | None:
        """With no natural key: the one record identical to the body created since the first POST began.

        ``None`` when no record that could be ours exists (posting again is safe, bar a late
        commit); :class:`_Inconclusive` when one may exist but cannot be told from others.
        """
        (found,) = find_recent_identical(
            self.hook, self.object, [(self.body, 1)], self.first_post, self.rule.differences
        )
        if found.doubt is not None:
            raise _Inconclusive(found.doubt)
        if not found.records:
            return None
        log.info("Found the %s this create made by content: key %s", self.path, found.records[0]["key"])
        return answers.reference(found.records[0])

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
            return answers.reference(identical[0])
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

    def inconclusive(self, lost: IntacctError | None, reason: str) -> IntacctAmbiguousWriteError:
        """The content look-up could not rule our record in or out: say so, and post nothing more."""
        cause = lost.message if lost is not None else "an earlier try of this task may have created this record"
        return IntacctAmbiguousWriteError(
            f"{cause}; {reason}; it was not posted again: check Intacct before creating it again",
            status=lost.status if lost is not None else None,
            method="POST",
            path=self.path,
        )

    def unsettled(self, lost: IntacctError, attempts: int) -> IntacctAmbiguousWriteError:
        if attempts == 1:
            tried = "the connection's max_retries is 0, so it was neither looked up nor replayed in this task"
        elif self.lookup:
            tried = f"no record matches lookup {self.lookup}"
        elif self.key:
            tried = (
                "no record identical to it was created since it began, and replaying its idempotency key got "
                "no answer either"
            )
        else:
            tried = (
                "no record identical to it was created since it began, but without an idempotency key a late "
                "commit of the lost POST could not be caught, so it was not posted again"
            )
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


class _Inconclusive(Exception):
    """The content look-up found records that may be ours but cannot be told apart (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def window_start(date_header: str | None, elapsed: float | None) -> datetime | None:
    """The earliest creation stamp a record made by this create can carry, on the server's clock.

    ``date_header`` is the look-up answer's ``Date`` (the server's clock when it answered) and
    ``elapsed`` the seconds since the first POST began (``None``: not in this try). Reading the
    server's clock, not ours, makes the window immune to a skewed worker clock.
    """
    if elapsed is None or not date_header:
        return None
    try:
        answered = parsedate_to_datetime(date_header.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if answered.tzinfo is None:
        answered = answered.replace(tzinfo=UTC)
    return answered - timedelta(seconds=elapsed + CLOCK_MARGIN)


def is_recent(stamp: Any, since: datetime | None) -> bool | None:
    """Whether a record stamped ``stamp`` was created inside the window (``None``: cannot tell)."""
    if since is None or not isinstance(stamp, str) or not stamp.strip():
        return None
    try:
        created = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created >= since


def _why_inconclusive(
    recent: Sequence[Mapping[str, Any]], unknown: Sequence[Mapping[str, Any]], since: datetime | None, copies: int
) -> str:
    """Why the records found by content cannot settle the create, in words."""
    keys = ", ".join(str(row["key"]) for row in [*recent, *unknown])
    if len(recent) > copies:
        sent = f", and {copies} identical records were sent together" if copies > 1 else ""
        return (
            f"{len(recent)} records identical to it were created since it began (keys {keys}){sent}: which one it "
            "made cannot be told"
        )
    if since is None:
        return (
            f"records identical to it exist (keys {keys}) and whether one of them is its own cannot be told "
            "(no time of the first POST in this try, or no Date header in Intacct's answer)"
        )
    return (
        f"records identical to it exist (keys {keys}) without a creation stamp, or identical to another record "
        "sent with it, to tell whether one is its own"
    )


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

"""How a write whose answer did not prove what happened is settled: pure decisions, no I/O.

Every create, single or in an array, follows one rule: an answer that does not prove the server
did nothing (a 5xx, a gateway error, a lost, cut or unreadable answer, a 409) is settled by a
look-up before anything is sent again; only answers that prove nothing was written (a 429, a
connection never made, a 400/422 refusing the whole request) may be re-sent without one. The
I/O of the look-ups and the loop that sends are in :mod:`intacct_provider.hooks.writes`; this
module decides:

* **what to do after a failed send** (:func:`after_failure`) and after each record's own answer
  in a 207 (:func:`after_item`);
* **which records are candidates**: a natural key's (``catalog.registry.NaturalKey``), or, for a
  record without one, the records whose fields equal the body (:func:`content_filters`) created
  since the write's first POST began (:func:`window_start`, :func:`is_recent`, read on the
  server's own clock);
* **what the candidates prove** (:func:`judge_by_key`, :func:`judge_by_content`): the one
  identical record is *adopted*; a different record holding the natural key is a *conflict*;
  nothing that could be it means *missing* (it may be sent again); records that may be it but
  cannot be told from others are a *doubt* (it is not sent again, and says so);
* **whether an adopted record was made by this task or already existed** (:class:`Found`), so a
  re-run says "already there" instead of "created".
"""

from __future__ import annotations

import enum
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from intacct_provider.catalog.identity import dotted
from intacct_provider.catalog.registry import differences
from intacct_provider.core.answers import reference
from intacct_provider.core.batch_answers import ItemAnswer, UnreadableAnswer
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctConflictError,
    IntacctError,
    IntacctProtocolError,
    IntacctRateLimitError,
    IntacctServerError,
    IntacctTransportError,
)

#: Most recent records compared with a body that has no natural key (beyond one per identical copy).
CONTENT_CANDIDATES = 20
#: The audit stamp that tells a record made by this write from an older identical one.
CREATED = "audit.createdDateTime"
#: Seconds the window reaches back beyond the first POST: the ``Date`` header and the audit stamps
#: have whole seconds, and the server stamping a record may not be the one dating the answer. An
#: identical record made by someone else this close before the write is taken for its own.
CLOCK_MARGIN = 5.0
#: Whole-request statuses meaning "something in this request is invalid, and nothing was written".
INVALID = frozenset({400, 422})


class Differences(Protocol):
    """The registry's comparison rule: the compared fields in which ``record`` does not match ``body``."""

    def __call__(self, body: Mapping[str, Any], record: Mapping[str, Any], /) -> list[str]: ...


# ------------------------------------------------------------------ after a send
class Next(enum.Enum):
    """What a send's failure (or one record's answer) calls for."""

    #: Written: nothing more to do.
    DONE = "done"
    #: Provably not written (429, a connection never made): send it again, no look-up needed.
    RESEND = "resend"
    #: May or may not have been written (5xx, lost, cut or unreadable answer): look it up first.
    SETTLE = "settle"
    #: Intacct says it exists already (409: the idempotency key or a unique key was used): look it
    #: up; if it cannot be found, it is never sent again under the key that was refused.
    CONFLICT = "conflict"
    #: The whole request was refused as invalid (400/422): nothing was written; find the bad records.
    INVALID = "invalid"
    #: Refused for this record alone: it fails with Intacct's reason.
    FAILED = "failed"
    #: No record of any request can succeed (auth, configuration): stop the task.
    FATAL = "fatal"


def after_failure(error: IntacctError) -> Next:
    """The next step after a send raised ``error`` (the transport's retries already spent)."""
    if isinstance(error, IntacctConflictError):
        return Next.CONFLICT
    if isinstance(error, (IntacctAmbiguousWriteError, IntacctServerError, IntacctProtocolError, UnreadableAnswer)):
        return Next.SETTLE
    if isinstance(error, (IntacctRateLimitError, IntacctTransportError)):
        return Next.RESEND
    if error.status in INVALID:
        return Next.INVALID
    return Next.FATAL


def after_item(answer: ItemAnswer) -> Next:
    """The next step for one record after its own answer in an array request's 207."""
    if answer.ok:
        return Next.DONE
    status = answer.status or 0
    if status == 429:
        return Next.RESEND
    if status >= 500:
        return Next.SETTLE
    if status == 409:
        return Next.CONFLICT
    return Next.FAILED


# ------------------------------------------------------------------ the window
class FirstPost:
    """When a write's first POST began (monotonic seconds): the start of its look-up window.

    ``posted_at`` (``time.time()`` stored by an earlier try of the task when it began posting)
    is carried over to this process's monotonic clock; without it the window opens at this
    try's first POST (:meth:`mark`). One per create, or per batch.
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


def window_start(date_header: str | None, elapsed: float | None) -> datetime | None:
    """The earliest creation stamp a record made by this write can carry, on the server's clock.

    ``date_header`` is a look-up answer's ``Date`` (the server's clock when it answered) and
    ``elapsed`` the seconds since the first POST began (``None``: not known in this try).
    Reading the server's clock, not ours, makes the window immune to a skewed worker clock.
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


def content_filters(body: Mapping[str, Any], hidden: Collection[str] = frozenset()) -> list[dict[str, Any]]:
    """``$eq`` filters on the body's own scalar fields and references (``vendor.id``); lines are compared later.

    Never on a field in ``hidden``, those Sage marks writeOnly (a payment's ``paymentDate``):
    Intacct does not return it, so a filter on it cannot find the record (the query service refuses it).
    """
    filters: list[dict[str, Any]] = []
    for name, value in body.items():
        if name in hidden:
            continue
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            filters.append({"$eq": {name: value}})
        elif isinstance(value, Mapping) and isinstance(value.get("id"), (str, int)):
            filters.append({"$eq": {f"{name}.id": value["id"]}})
    return filters


# ------------------------------------------------------------------ verdicts
class Found(enum.Enum):
    """Who made a record a look-up adopted, as far as the look-up can tell."""

    #: Made by this task: a send of it whose answer was lost committed (or an earlier try's did).
    BY_THIS_TASK = "by this task"
    #: It was there before this task began sending it: an earlier run made it; nothing new was created.
    BEFORE = "before"


@dataclass(frozen=True)
class Adopted:
    """A record a look-up found identical to a body: its reference, and whether it is older than the write."""

    reference: dict[str, Any]
    #: ``True``: created before the write's window opened; ``False``: inside it; ``None``: unknown.
    older: bool | None = None


@dataclass(frozen=True)
class Verdict:
    """What a look-up proved about one body (and its identical copies, for a body without a natural key).

    ``adopted``: the records that are its own, at most one per copy; copies beyond them are
    missing. ``conflict``: its natural key belongs to a different record. ``doubt``: records
    that may be its own cannot be told from others, so it is neither adopted nor sent again.
    """

    adopted: tuple[Adopted, ...] = ()
    conflict: str | None = None
    doubt: str | None = None


def judge_by_key(
    label: str,
    body: Mapping[str, Any],
    candidates: Sequence[Mapping[str, Any]],
    differences: Differences,
    *,
    claimed: Collection[str] = frozenset(),
    since: datetime | None = None,
) -> Verdict:
    """The verdict for a body against the full ``candidates`` holding its natural key (newest first).

    A natural key need not be unique (a journal entry's journal, date and description), so every
    candidate is compared; a candidate this task already holds (``claimed``) is never adopted twice.
    """
    fresh = [record for record in candidates if str(record.get("key")) not in claimed]
    compared = [(record, differences(body, record)) for record in fresh]
    identical = [record for record, mismatched in compared if not mismatched]
    if len(identical) == 1:
        return Verdict(adopted=(Adopted(reference(identical[0]), _older(identical[0], since)),))
    if identical:
        keys = ", ".join(str(record.get("key")) for record in identical)
        return Verdict(
            doubt=f"{len(identical)} existing {label} records are identical to it (keys {keys}): which one, if any, "
            "this task created cannot be told"
        )
    if not compared:
        return Verdict()
    record, mismatched = compared[0]
    return Verdict(
        conflict=f"{label} {record.get('id')!r} (key {record.get('key')}) already has its natural key and differs "
        f"from this create in {', '.join(mismatched)}: it was not created by this task; use another number/id, "
        "or update that record instead"
    )


def _older(record: Mapping[str, Any], since: datetime | None) -> bool | None:
    recent = is_recent(dotted(record, CREATED) or record.get(CREATED), since)
    return None if recent is None else not recent


@dataclass(frozen=True)
class Row:
    """A content look-up row that may be a body's own: not older than the window, not already this task's."""

    row: Mapping[str, Any]
    #: ``True``: created inside the window; ``None``: its age cannot be told.
    recent: bool | None


def open_rows(
    rows: Sequence[Mapping[str, Any]], since: datetime | None, claimed: Collection[str], *, any_age: bool = False
) -> list[Row]:
    """The rows of one content look-up page that could be the body's own (the older ones never are).

    ``any_age``: Intacct refused the write's idempotency key as already used, so the request that
    used it first may be older than this try's window: every row is a candidate, whatever its age.
    """
    if any_age:
        return [Row(row, True) for row in rows if str(row["key"]) not in claimed]
    ages = [(row, is_recent(row.get(CREATED), since)) for row in rows]
    return [Row(row, recent) for row, recent in ages if recent is not False and str(row["key"]) not in claimed]


def page_reaches_back(
    rows: Sequence[Mapping[str, Any]], size: int, since: datetime | None, *, any_age: bool = False
) -> bool:
    """Whether a full page (newest first) may have more candidates after it: its last row is not older."""
    return len(rows) == size and (any_age or is_recent(rows[-1].get(CREATED), since) is not False)


def judge_by_content(
    bodies: Sequence[tuple[Mapping[str, Any], int]],
    rows: Sequence[Row],
    records: Sequence[Mapping[str, Any]],
    differences: Differences,
    *,
    since: datetime | None,
    more: bool,
) -> list[Verdict]:
    """A verdict per body (with how many identical copies of it were sent) from one content look-up.

    ``rows`` are the open rows (:func:`open_rows`), ``records`` their full records in the same
    order, ``more`` whether candidates were left unread. Per body: no identical record inside the
    window means missing; up to one identical record per copy are its own; more identical ones
    than copies, identical ones of unknown age, a record identical to two bodies, or candidates
    left unread is a doubt.
    """
    matches = [[index for index, (body, _) in enumerate(bodies) if not differences(body, record)] for record in records]
    verdicts = []
    for index, (_body, copies) in enumerate(bodies):
        mine = [(row, len(found)) for row, found in zip(rows, matches, strict=True) if index in found]
        recent = [row.row for row, shared in mine if row.recent and shared == 1]
        unknown = [row.row for row, shared in mine if row.recent is None or shared > 1]
        if more:
            when = "were created since it began" if since is not None else "exist"
            verdicts.append(Verdict(doubt=f"{len(rows)} or more records with its fields {when}"))
        elif unknown or len(recent) > copies:
            verdicts.append(Verdict(doubt=_why_inconclusive(recent, unknown, since, copies)))
        else:
            verdicts.append(Verdict(adopted=tuple(Adopted(reference(row), older=False) for row in recent)))
    return verdicts


def _why_inconclusive(
    recent: Sequence[Mapping[str, Any]], unknown: Sequence[Mapping[str, Any]], since: datetime | None, copies: int
) -> str:
    """Why the records found by content cannot settle the write, in words."""
    keys = ", ".join(str(row["key"]) for row in [*recent, *unknown])
    if len(recent) > copies:
        sent = f", and {copies} identical records were sent together" if copies > 1 else ""
        when = "were created since it began" if since is not None else "exist"
        return f"{len(recent)} records identical to it {when} (keys {keys}){sent}: which one it made cannot be told"
    if since is None:
        return (
            f"records identical to it exist (keys {keys}) and whether one of them is its own cannot be told "
            "(no time of the first POST in this try, or no Date header in Intacct's answer)"
        )
    return (
        f"records identical to it exist (keys {keys}) without a creation stamp, or identical to another record "
        "sent with it, to tell whether one is its own"
    )


def who_made(adopted: Adopted, *, sent_unsure: bool) -> Found:
    """Whether an adopted record is this task's own or was there before it (an earlier run's).

    ``sent_unsure``: this task sent the record (in this try or, resumed, an earlier one) and the
    answer did not say what happened. A record found after a plain "already exists" answer to its
    first send was not made by this task; one found after an unsure send is this task's unless its
    creation stamp predates the write's window (an identical record an earlier run made).
    """
    if not sent_unsure or adopted.older:
        return Found.BEFORE
    return Found.BY_THIS_TASK


def changed_fields(path: str, body: Mapping[str, Any], record: Mapping[str, Any]) -> set[str]:
    """Top-level fields of ``body`` an existing record does not match, for an upsert's PATCH.

    Wider than the registry's ``differences`` (which decides whether a found record is ours):
    every field the body sets counts, amounts compared as decimals; lines by the registry's rule.
    """
    changed = {name.split(".")[0] for name in differences(path, body, record)}
    for name, value in _leaves(body, ""):
        top = name.split(".")[0]
        if top != "lines" and top not in changed and not _same_value(value, dotted(record, name)):
            changed.add(top)
    return changed


def _leaves(data: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for name, value in data.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{prefix}{name}.")
        else:
            yield prefix + name, value


def _same_value(wanted: Any, have: Any) -> bool:
    if str(wanted) == str(have):
        return True
    try:
        return Decimal(str(wanted)) == Decimal(str(have))
    except InvalidOperation:
        return False


def newest_first(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Records by descending key (Intacct numbers records in creation order)."""
    return sorted(records, key=lambda record: _key_order(str(record.get("key"))), reverse=True)


def _key_order(key: str) -> tuple[int, int, str]:
    return (1, int(key), key) if key.isdigit() else (0, 0, key)

"""The one write engine: send records, settle every answer that does not prove what happened, send again.

It serves the single create (:meth:`~intacct_provider.hooks.intacct.IntacctHook.create_record`),
the bulk operators' array creates and the upsert's array PATCHes, with one rule for all of them
(decided in :mod:`intacct_provider.core.settle`):

* An answer that does not prove the server did nothing -- a 5xx, a gateway error, a lost, cut or
  unreadable answer, a 409 -- is **settled by a look-up before anything is sent again**: records
  with a natural key by it (vendor + bill number, customer id, ...), the others by content among
  the records created since the first POST began (on the server's clock). The one identical
  record is adopted; a different one holding the natural key is a conflict; records that may be
  its own but cannot be told apart are a doubt (the record fails and is never sent again); only
  records confirmed missing are sent again.
* Only answers that prove nothing was written are re-sent without a look-up: a 429, a connection
  never made, and a 400/422 refusing the whole request (then split in halves until the bad
  records stand alone). A record's own 5xx or 409 in a 207 is settled like a whole answer.
* A lost send whose records are all confirmed missing goes out again **under its own key**, so a
  late commit of the lost request is replayed or refused (409, then found) instead of doubled;
  when some were found, the request was at work: the others are looked up again until a look-up
  finds none of them, and then go out under a new key; a send with no key is not repeated after a lost answer; and
  no record is ever sent again under a key Intacct refused. A 409 to a lost send's key, or to a
  key of a resumed write (an earlier try derived it for the same records), with the records not
  found, fails them: that request reached Intacct and may still be committing them.
* A resumed write (an earlier try may have sent it) is settled before its first send.
* Every wait before a re-send goes through the hook's one pacer (``Channel.pause``), so a 429 or
  a back-off holds back every thread of the task, with the transport's own sleep.
* An adopted record is reported by who made it (:class:`How`): this write (its answer was lost),
  an earlier try of the task, or something before the task -- an earlier run (``exists``):
  nothing new was created.

Limits, stated: a record identical to one of ours made by someone else inside the window (seconds
wide) is taken for ours; a request still being processed when the look-up runs can commit after
it: when none of its records was found, the same key then catches it, where the server honours
keys; when some were, the others are looked up again until a look-up finds none of them, and a
server still committing them after that makes them twice; identical records without a natural
key in two batches in flight at once make one look-up see the other's record: that record fails,
loudly.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intacct_provider.catalog.bulk_records import Item
from intacct_provider.catalog.identity import NaturalKey
from intacct_provider.catalog.registry import OBJECTS_PREFIX, lookup
from intacct_provider.core import answers
from intacct_provider.core.backoff import backoff
from intacct_provider.core.batch_answers import ItemAnswer, read_items
from intacct_provider.core.batching import body_digest
from intacct_provider.core.results import Result
from intacct_provider.core.settle import (
    Adopted,
    FirstPost,
    Found,
    Next,
    Verdict,
    after_failure,
    after_item,
    changed_fields,
    judge_by_key,
    who_made,
)
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctConflictError,
    IntacctError,
    IntacctPermanentError,
    IntacctProtocolError,
)
from intacct_provider.hooks.channel import Channel
from intacct_provider.hooks.lookups import Lookups

log = logging.getLogger(__name__)

#: The idempotency key of one send: ``(round, records sent) -> key`` (``None``: send none).
Keys = Callable[[int, Sequence[Item]], "str | None"]
#: Why a resumed write is settled before its first send.
EARLIER_TRY = "an earlier try of this task may have sent it"


class How(enum.Enum):
    """How the engine knows a record it reports as written exists."""

    #: Intacct's answer to this task's send said so.
    ANSWERED = "answered"
    #: The answer to this try's send was lost; the look-up found the record this task made.
    FOUND = "found"
    #: Found before this try sent anything: an earlier try of this task made it.
    EARLIER_TRY = "earlier try"
    #: Identical, and there before this task sent it (an earlier run): nothing new was created.
    EXISTED = "existed"


@dataclass(frozen=True)
class Written:
    """What the engine did with one input record."""

    item: Item
    #: ``created``, ``exists``, ``updated``, ``unchanged`` or ``failed``.
    status: str
    reference: dict[str, Any] | None = None
    error: IntacctError | None = None
    how: How | None = None

    def result(self) -> Result:
        """The record's row of a bulk task's results file."""
        key = self.reference["key"] if self.reference is not None else None
        error = str(self.error) if self.error is not None else None
        return Result(self.item.index, self.status, self.item.natural_key(), key, error)


@dataclass(frozen=True)
class _Operation:
    """What differs between writing new records and patching existing ones."""

    method: str
    status: str  # what a written record is reported as
    resend_safe: bool  # a PATCH sets fields to given values: sending it again is harmless
    settles: bool  # whether an unsure answer is looked up (a create) or simply sent again (a PATCH)


CREATE = _Operation("POST", "created", resend_safe=False, settles=True)
PATCH = _Operation("PATCH", "updated", resend_safe=True, settles=False)


class WriteEngine:
    """Writes records of one object through a hook (:class:`~intacct_provider.hooks.channel.Channel`).

    One per task (a bulk task's worker threads share it) or per single create. ``rounds`` is how
    many times a record may be sent (the connection's ``max_retries`` + 1); ``key_fields`` its
    natural key (the registry's, or an upsert's ``match_on``).
    """

    def __init__(self, channel: Channel, path: str, key_fields: Sequence[str] = (), *, rounds: int) -> None:
        self.channel = channel
        self.path = path
        self.url = f"{OBJECTS_PREFIX}{path}"
        self.key = NaturalKey(key_fields)
        known = lookup(path)
        #: How messages name a record of this object (``AP bill``; the path for an unregistered one).
        self.label = known.label if known is not None else path
        self.rounds = max(1, rounds)
        self.lookups = Lookups(channel, path, self.key, self._count)
        self._lock = threading.Lock()
        self._claimed: set[str] = set()  # records this task created or adopted: never adopted again
        self._sending: Counter[str] = Counter()  # records without a natural key in writes under way
        #: API requests made (each one a billed transaction) and sends repeated, for the progress lines.
        self.requests = 0
        self.resends = 0

    def _count(self, requests: int = 1, resends: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.resends += resends

    def claim(self, keys: Iterable[str | None]) -> None:
        """Mark records as this task's (an earlier try's results, on resume): never adopted again."""
        with self._lock:
            self._claimed.update(key for key in keys if key)

    def claimed_among(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` this task already holds."""
        with self._lock:
            return {key for key in keys if key in self._claimed}

    # ---------------------------------------------------------------- the writes
    def create(
        self,
        items: list[Item],
        keys: Keys,
        *,
        single: bool = False,
        resumed: bool = False,
        posted_at: float | None = None,
    ) -> list[Written]:
        """Create ``items`` (one POST body each with ``single``, else array POSTs); a result per item, in order.

        ``resumed``: an earlier try may have sent them, beginning at ``posted_at`` (``time.time()``;
        ``None``: unknown), so they are settled before anything is sent.
        """
        write = _Write(self, CREATE, keys, single=single, first_post=FirstPost(posted_at), resumed=resumed)
        keyless = Counter(_content(item) for item in items if item.natural is None)
        with self._lock:
            self._sending += keyless
        write.keyless = keyless
        try:
            pending = write.settle_sent(items, EARLIER_TRY, resumed=True) if resumed else items
            write.run(pending)
        finally:
            with self._lock:
                self._sending -= keyless
        return [write.results[item.index] for item in items]

    def upsert(self, items: list[Item], keys: Keys) -> list[Written]:
        """Create the missing records, PATCH the changed fields of the others, leave equal ones alone."""
        holders = self.lookups.by_natural_key({item.natural for item in items if item.natural is not None})
        results: dict[int, Written] = {}
        missing: list[Item] = []
        patches: list[Item] = []
        for item in items:
            found = holders.records.get(item.natural, []) if item.natural is not None else []
            if len(found) > 1:
                results[item.index] = Written(item, "failed", error=IntacctError(_ambiguous_match(item, found)))
            elif not found:
                missing.append(item)
            elif changed := changed_fields(self.path, item.body, found[0]):
                patch = {"key": str(found[0]["key"]), **{k: v for k, v in item.body.items() if k in changed}}
                patches.append(Item(item.index, patch, item.natural))
            else:
                reference = answers.reference(found[0])
                results[item.index] = Written(item, "unchanged", reference, how=How.EXISTED)
        if patches:
            write = _Write(self, PATCH, lambda _round, _sent: None, single=False, first_post=FirstPost())
            write.run(patches)
            by_index = {item.index: item for item in items}
            results.update({index: _about(written, by_index[index]) for index, written in write.results.items()})
        if missing:  # created meanwhile by someone else, identical: nothing to change
            for written in self.create(missing, keys):
                results[written.item.index] = _about(
                    written, written.item, "unchanged" if written.status == "exists" else None
                )
        return [results[item.index] for item in items]


class _Write:
    """One call of the engine: the records' results, their window and what this task sent unsure."""

    def __init__(
        self,
        engine: WriteEngine,
        operation: _Operation,
        keys: Keys,
        *,
        single: bool,
        first_post: FirstPost,
        resumed: bool = False,
    ) -> None:
        self.engine = engine
        self.operation = operation
        self.keys = keys
        self.single = single
        self.first_post = first_post
        #: An earlier try of the task may have sent these records, under the keys this try derives again.
        self.resumed = resumed
        self.results: dict[int, Written] = {}
        #: Records this task sent without learning what happened (or, resumed, an earlier try may have).
        self.unsure: set[int] = set()
        #: Records confirmed missing by the last look-up (what the final failure can say of them).
        self.looked_up: set[int] = set()
        self.keyless: Counter[str] = Counter()

    # ---------------------------------------------------------------- the loop
    def run(self, pending: list[Item]) -> None:
        """Send ``pending`` until each has a result or the rounds are spent."""
        engine = self.engine
        # The key and records of a send whose answer was lost, pinned until a definite answer: while
        # every one of its records is still confirmed missing, each send repeats that request under its
        # key, also after a 429 or a connection never made, so a late commit of it is replayed or refused.
        lost: tuple[str | None, list[Item]] | None = None
        refused: set[str | None] = set()  # keys Intacct refused as already used (None: a create without one)
        last: IntacctError | None = None
        for round_index in range(engine.rounds):
            if not pending:
                return
            if round_index:
                engine._count(0, resends=1)
                engine.channel.pause(backoff(round_index - 1))
            again = lost is not None and lost[1] == pending  # all of it confirmed missing: the same request again
            if lost is not None and again:
                key = lost[0]
                if key is None:  # without a key a late commit of the lost request could not be caught
                    self._unsettled(pending, last, unkeyed=True)
                    return
            else:
                key = self.keys(round_index, pending)
                lost = None
            self.first_post.mark()
            try:
                replies = self._send(key, pending)
            except IntacctError as exc:
                step = after_failure(exc)
                if step is Next.CONFLICT and not self.operation.settles:
                    step = Next.INVALID  # a PATCH refused as a conflict: its records are wrong, not lost
                if step is Next.FATAL:
                    raise
                last = exc
                if step is Next.INVALID:
                    lost = None
                    self._invalid(pending, exc)
                    pending = []
                elif step is Next.CONFLICT:  # a key used before may have made records older than this try
                    refused.add(key)
                    pending = self.settle(pending, _why_refused(exc, len(pending)), any_age=key is not None)
                    if pending and again:  # the lost request reached Intacct and may still be committing
                        self._refused(pending, key, exc, lost=True)
                        return
                    if pending and self.resumed and key is not None:  # so may an earlier try's, under this key
                        self._refused(pending, key, exc, earlier_try=True)
                        return
                    if pending and self.keys(round_index + 1, pending) in refused:  # never again under that key
                        self._refused(pending, key, exc)
                        return
                    lost = None
                elif step is Next.SETTLE:
                    log.warning(
                        "%s %s: %s; looking %s up before sending anything again",
                        self.operation.method, engine.url, exc.message, _them(pending),
                    )  # fmt: skip
                    self.unsure.update(item.index for item in pending)
                    sent, pending = pending, self.settle_sent(pending, exc.message)
                    lost = (key, sent) if self.operation.settles else None  # a PATCH simply goes again
                continue  # Next.RESEND: the same records again (a new key if the round changes it, unless lost)
            lost = None  # a definite answer: each record's own result
            pending, last = self._take(pending, replies, last)
        if pending:
            self._unsettled(pending, last)

    def _send(self, key: str | None, items: list[Item]) -> list[ItemAnswer]:
        """One request for ``items``; a reply per item, or an error for the whole request."""
        engine, method = self.engine, self.operation.method
        headers = {"Idempotency-Key": key} if key else None
        body: Any = items[0].body if self.single else [item.body for item in items]
        engine._count(1)
        response = engine.channel.send(
            method, engine.url, json_body=body, headers=headers, resend_safe=self.operation.resend_safe
        )
        try:
            if self.single:
                payload = answers.read(
                    answers.Shape.REFERENCE, response.status_code, response.text, method=method, path=engine.url
                )
                return [ItemAnswer(ok=True, result=payload["ia::result"], status=response.status_code)]
            return read_items(response.status_code, response.text, len(items), method=method, path=engine.url)
        except IntacctProtocolError as exc:
            if self.operation.resend_safe:
                raise
            raise IntacctAmbiguousWriteError(
                f"Intacct's answer to this {method} could not be read ({exc.message}); the record may or may not "
                "have been created",
                status=response.status_code,
                method=method,
                path=engine.url,
            ) from None

    def _take(
        self, sent: list[Item], replies: list[ItemAnswer], last: IntacctError | None
    ) -> tuple[list[Item], IntacctError | None]:
        """Record each record's own answer; return the records to send again, and the last error seen."""
        again: list[Item] = []
        unsure: list[Item] = []
        conflicted: dict[int, IntacctError] = {}
        for item, reply in zip(sent, replies, strict=True):
            step = after_item(reply)
            if not self.operation.settles and step in (Next.SETTLE, Next.CONFLICT):
                step = Next.RESEND if step is Next.SETTLE else Next.FAILED
            if step is Next.DONE and reply.result is not None:
                self.done(item, answers.reference(reply.result), How.ANSWERED)
                continue
            error = IntacctError(reply.error or f"HTTP {reply.status}")  # Intacct's words, already with the status
            error.status = reply.status
            if step is Next.RESEND:
                again.append(item)
                last = error
            elif step is Next.SETTLE:
                unsure.append(item)
                last = error
            elif step is Next.CONFLICT:
                conflicted[item.index] = error
            else:
                self.fail(item, error)
        if unsure:
            self.unsure.update(item.index for item in unsure)
            again += self.settle(unsure, f"Intacct did not say whether it was created ({last})")
        if conflicted:  # "already exists", and no record of it can be found: a different refusal, not a loss
            said = [item for item in sent if item.index in conflicted]
            for item in self.settle(said, "Intacct said it already exists"):
                self.fail(item, _not_found(conflicted[item.index], self.engine.url))
        return sorted(again, key=lambda item: item.index), last

    def _invalid(self, sent: list[Item], error: IntacctError) -> None:
        """A whole request refused as invalid: nothing was written; split it until the bad records stand alone."""
        if len(sent) == 1:
            self.fail(sent[0], error)
            return
        middle = len(sent) // 2
        self.run(sent[:middle])
        self.run(sent[middle:])

    # ---------------------------------------------------------------- settling
    def settle_sent(self, items: list[Item], why: str, *, resumed: bool = False) -> list[Item]:
        """Settle the records of a request that may still be in process; return those confirmed missing.

        A look-up that finds some of them proves the request reached Intacct, and it may have been
        committing the others while they were looked up (a content look-up is a query per record,
        and a server may commit record by record): those are looked up again, until a look-up finds
        none of them. Only then are they missing: sent again as a subset, under a new key, nothing
        could catch a commit of them after that.
        """
        missing = self.settle(items, why, resumed=resumed)
        while missing and len(missing) < len(items):
            items, missing = missing, self.settle(missing, why, resumed=resumed)
        return missing

    def settle(self, items: list[Item], why: str, *, resumed: bool = False, any_age: bool = False) -> list[Item]:
        """Resolve the records that may exist; return those confirmed missing, in input order.

        ``why`` they were looked up goes into the failure of a record the look-up cannot settle;
        ``any_age``: records without a natural key may be older than this try (a refused key).
        A look-up that fails leaves the records unsettled: the error ends the write, loudly.
        """
        if not self.operation.settles:
            return items
        if resumed:
            self.unsure.update(item.index for item in items)
        keyed = [item for item in items if item.natural is not None]
        keyless = [item for item in items if item.natural is None]
        try:
            missing = self._by_key(keyed, why, resumed) + self._by_content(keyless, why, resumed, any_age)
        except IntacctError as exc:
            # A permanent refusal (a 404 on a record the query listed, a 400, a 403) ends the task without
            # an Airflow retry; a 404 is not read as "not there": that record may be this write's own.
            then = (
                "the task fails without a retry (a retry would meet the same refusal): check Intacct for "
                f"{'it' if len(items) == 1 else 'them'} before running the task again"
                if isinstance(exc, IntacctPermanentError)
                else "a retry of this task looks it up again before sending anything"
            )
            log.error(
                "%s %s: looking %s up failed (%s); %s may exist: %s",
                self.operation.method, self.engine.url, _them(items), exc, "it" if len(items) == 1 else "they", then,
            )  # fmt: skip
            raise
        self.looked_up.update(item.index for item in missing)
        return sorted(missing, key=lambda item: item.index)

    def _by_key(self, items: list[Item], why: str, resumed: bool) -> list[Item]:
        if not items:
            return []
        lookups = self.engine.lookups
        holders = lookups.by_natural_key({item.natural for item in items if item.natural is not None}, self.first_post)
        missing = []
        for item in items:
            candidates = holders.records.get(item.natural, []) if item.natural is not None else []
            claimed = self.engine.claimed_among(str(record.get("key")) for record in candidates)
            verdict = judge_by_key(
                self.engine.label, item.body, candidates, lookups.differences, claimed=claimed, since=holders.since
            )
            missing += self._verdict([item], verdict, why, resumed)
        return missing

    def _by_content(self, items: list[Item], why: str, resumed: bool, any_age: bool) -> list[Item]:
        """Records without a natural key, judged with their identical copies; never another batch's record."""
        if not items:
            return []
        engine = self.engine
        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(_content(item), []).append(item)
        with engine._lock:
            claimed = set(engine._claimed)
            elsewhere = {content: engine._sending[content] - self.keyless[content] for content in groups}
        verdicts = engine.lookups.by_content(
            [(group[0].body, len(group)) for group in groups.values()], self.first_post, claimed, any_age=any_age
        )
        missing = []
        for (content, group), verdict in zip(groups.items(), verdicts, strict=True):
            if verdict.doubt is None and verdict.adopted and elsewhere[content] > 0:
                keys = ", ".join(adopted.reference["key"] for adopted in verdict.adopted)
                verdict = Verdict(
                    doubt=f"identical records were found (keys {keys}) while {elsewhere[content]} identical records "
                    "of other batches of this task were being sent: which batch made them cannot be told"
                )
            missing += self._verdict(group, verdict, why, resumed, refused=any_age)
        return missing

    def _verdict(
        self, group: list[Item], verdict: Verdict, why: str, resumed: bool, *, refused: bool = False
    ) -> list[Item]:
        """Act on a look-up's verdict for identical records; return those confirmed missing.

        A doubt after Intacct ``refused`` the write's key is a conflict: no retry can tell more.
        """
        engine = self.engine
        if verdict.doubt is not None:
            kind = IntacctConflictError if refused else IntacctAmbiguousWriteError
            error = kind(
                f"{why}; {verdict.doubt}; it was not sent again: check Intacct before creating it again",
                status=409 if refused else None,
                method="POST",
                path=engine.url,
            )
            for item in group:
                self.fail(item, error)
            return []
        if verdict.conflict is not None:
            for item in group:
                self.fail(item, IntacctConflictError(verdict.conflict, status=409, method="POST", path=engine.url))
            return []
        for item, adopted in zip(group, verdict.adopted, strict=False):
            self.done(item, adopted.reference, self._how(item, adopted, resumed))
        return group[len(verdict.adopted) :]

    def _how(self, item: Item, adopted: Adopted, resumed: bool) -> How:
        if who_made(adopted, sent_unsure=item.index in self.unsure) is Found.BEFORE:
            return How.EXISTED
        return How.EARLIER_TRY if resumed else How.FOUND

    # ---------------------------------------------------------------- outcomes
    def done(self, item: Item, reference: dict[str, Any], how: How) -> None:
        self.engine.claim([reference["key"]])
        status = "exists" if how is How.EXISTED else self.operation.status
        self.results[item.index] = Written(item, status, reference, how=how)

    def fail(self, item: Item, error: IntacctError) -> None:
        self.results[item.index] = Written(item, "failed", error=error)

    def _refused(
        self,
        items: list[Item],
        key: str | None,
        last: IntacctError | None,
        *,
        lost: bool = False,
        earlier_try: bool = False,
    ) -> None:
        """Records Intacct said exist that no look-up can find: never sent again under the key it refused.

        ``lost``: the refused send repeated one whose answer was lost, under its key. The refusal
        proves that request reached Intacct; not finding its records means it may still be
        committing them, so a send under any key could make them twice. ``earlier_try``: the same
        for a resumed write, whose keys are the ones an earlier try of the task derived for the same
        records (a batch's key names its round and exact bodies): the request that used it is that
        try's, and it may still be committing.
        """
        if (lost or earlier_try) and key is not None and last is not None:
            for item in items:
                self.fail(item, self._lost_and_refused(item, key, last, earlier_try=earlier_try))
            return
        if key is None or last is None:  # a unique key, not an idempotency key: Intacct's own refusal stands
            error = last or IntacctConflictError("Intacct refused this create as a duplicate", status=409)
        else:
            error = self._conflict(
                f"Intacct refused Idempotency-Key {key!r} as already used (Intacct: {_said(last)}), and no record "
                "matching this create could be found: another create with a different body used it, or an earlier "
                "send whose answer was lost; check Intacct before creating the record again, and use a new key only "
                "for a new record",
                last,
            )
        for item in items:
            self.fail(item, error)

    def _lost_and_refused(self, item: Item, key: str, last: IntacctError, *, earlier_try: bool) -> IntacctConflictError:
        sent = (
            f"an earlier try of this task may have sent it under Idempotency-Key {key!r}; sent under that key, Intacct "
            f"refused it as already used (Intacct: {_said(last)}), so that try's request reached Intacct"
            if earlier_try
            else f"the answer to a request with Idempotency-Key {key!r} was lost; sent again under that key, Intacct "
            f"refused it as already used (Intacct: {_said(last)}), so the lost request reached Intacct"
        )
        return self._conflict(
            f"{sent}, yet looked up {_by(item)} this record was not found: that request may still be committing it; "
            "it was not sent again (a new key could create it twice): check Intacct before creating it again",
            last,
        )

    def _conflict(self, message: str, last: IntacctError) -> IntacctConflictError:
        """Our conclusion from Intacct's refusal ``last``, keeping its status, ids and call for support."""
        return IntacctConflictError(
            message,
            status=last.status,
            code=last.code,
            error_id=last.error_id,
            support_id=last.support_id,
            method=last.method or self.operation.method,
            path=last.path or self.engine.url,
        )

    def _unsettled(self, items: list[Item], last: IntacctError | None, *, unkeyed: bool = False) -> None:
        """Records still unwritten when the rounds are spent, or a lost send that cannot go out again."""
        rounds = self.engine.rounds
        said = last.message if last is not None else "no answer"
        if unkeyed:
            stop = (
                "without an idempotency key a late commit of the lost request could not be caught, so it was not "
                "sent again"
            )
        elif rounds == 1:
            stop = "it was not sent again: the connection's max_retries is 0"
        else:
            stop = f"not {self.operation.status} after {rounds} attempts"
        key = self.keys(0, items) if self.single else None
        hint = (
            f"; a retry that sends the same Idempotency-Key {key!r} (as an Airflow retry of this task does) gets "
            "the record back if it was created"
            if key
            else ""
        )
        check = "check Intacct before creating it again" if self.operation.settles else "check the record in Intacct"
        for item in items:
            looked = f"; looked up afterwards {_by(item)}, it does not exist" if item.index in self.looked_up else ""
            error = IntacctAmbiguousWriteError(
                f"{said}; {stop}{looked}{hint}; {check}",
                status=last.status if last is not None else None,
                method=self.operation.method,
                path=self.engine.url,
            )
            self.fail(item, error)


def _why_refused(error: IntacctError, count: int) -> str:
    what = "its request" if count == 1 else "its batch's request"
    return (
        f"Intacct refused {what} as already made ({error.message}): an earlier send whose answer was lost may "
        "have created it"
    )


def _said(error: IntacctError) -> str:
    return "; ".join(error.details) or error.message


def _by(item: Item) -> str:
    if item.natural is None:
        return "by content"
    return "by " + ", ".join(f"{name}={value}" for name, value in item.natural)


def _not_found(said: IntacctError, url: str) -> IntacctConflictError:
    """A record Intacct refused as already existing that no look-up finds (another entity, or not yet visible)."""
    return IntacctConflictError(
        f"{said}; looked up, no record identical to it could be found: it was not created by this task; check "
        "Intacct (another entity, or a record that differs) before creating it again",
        status=409,
        method="POST",
        path=url,
    )


def _them(items: Sequence[Item]) -> str:
    return "it" if len(items) == 1 else f"its {len(items)} records"


def _about(written: Written, item: Item, status: str | None = None) -> Written:
    """``written`` about the input record ``item`` (a PATCH's result names the patch), its status changed."""
    return Written(item, status or written.status, written.reference, written.error, written.how)


def _content(item: Item) -> str:
    """What makes two input records identical: their body."""
    return body_digest([item.body])


def _ambiguous_match(item: Item, found: Sequence[Mapping[str, Any]]) -> str:
    fields = ", ".join(f"{name}={value}" for name, value in item.natural or ())
    keys = ", ".join(str(record.get("key")) for record in found)
    return f"{len(found)} existing records ({keys}) have {fields}; expected at most one"

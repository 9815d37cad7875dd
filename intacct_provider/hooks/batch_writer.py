"""Write one batch: array POSTs (and PATCHes), read record by record, settle every lost answer.

The rules that make a batch exactly-once, whatever Intacct does with a repeated key (replays its
first answer, refuses it with 409, or ignores it):

* A send carries an ``Idempotency-Key`` derived from its exact bodies (see ``batching``).
* A lost answer (dropped connection, gateway 5xx), an unreadable one or a 409 is never followed
  by a blind re-post: every record of the send is looked up first. Records with a natural key
  (vendor + bill number, customer id, ...) are found in one ``$in`` query. Records without one
  (a bill left to Intacct's numbering) are found by content with the single create's look-up
  (``hooks.settlement.find_recent_identical``): only records created since the batch's first
  POST began (on the server's clock, less ``CLOCK_MARGIN``) count; one identical record per
  identical input record is adopted, none means confirmed missing, and more than that, or
  identical ones whose age cannot be told, fail the record (naming them) instead of sending it
  again. An identical record created before the batch began (an earlier run's twin) is never
  adopted.
* Only the records confirmed missing are sent again. If that is the whole lost send, it goes
  out with the *same* key: a late commit of the lost POST is then replayed (``replay``) or
  refused (``conflict``, 409, after which the look-up finds it), where a new key would create it
  twice; if the lost POST never committed, no key was kept and the same key simply creates.
  A subset goes out under a new key: a key already used for a committed request would be refused
  (or answered for the bodies first sent), and a request that committed some of its records
  cannot commit more later. A server ignoring the key is covered by the look-up alone.
* A record found by its natural key counts as created by this task only if its content matches
  (the single create's rule, ``core.settle``); otherwise it belongs to someone else and fails as
  a conflict. A key shared by several records (a journal entry's journal, date and description)
  adopts the one identical record among them.
* A retried task (``resumed``) settles a batch an earlier try may have sent the same way before
  posting it, with the window opened when that try handed the batch out (``operators.bulk_task.checkpoint``; a
  batch it never handed out is simply sent). Without that time (no ``task_state_store``) any
  identical record might be the earlier try's: the record fails, loudly, rather than risk a
  second copy; with no identical record it is sent.
* Per-record 429/5xx results are sent again in a later round; other per-record errors are final.
  A whole-batch 400/422 (one answer for all records) is split in halves until the bad records
  are isolated. 429s and 5xx pause every worker of the task together (``hooks.pacing.Pacer``).

Limits, stated: the single create's (a record identical to one of ours made by someone else
inside the window is taken for ours); and identical records without a natural key in two batches
in flight at once can make one look-up see the other's record: that record then fails, loudly.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol

from intacct_provider.catalog.bulk_records import Item
from intacct_provider.catalog.registry import OBJECTS_PREFIX
from intacct_provider.core.backoff import backoff
from intacct_provider.core.batch_answers import ItemAnswer, UnreadableAnswer, read_items
from intacct_provider.core.batching import MAX_BATCH_SIZE, batch_idempotency_key, body_digest
from intacct_provider.core.pages import DEFAULT_MAX_QUERIES
from intacct_provider.core.query import MAX_QUERY_PAGE
from intacct_provider.core.results import Result
from intacct_provider.core.settle import judge, newest_first
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctConflictError,
    IntacctError,
    IntacctRateLimitError,
    IntacctServerError,
    IntacctTransportError,
)
from intacct_provider.hooks.pacing import Pacer
from intacct_provider.hooks.settlement import FirstPost, Sender, find_recent_identical

if TYPE_CHECKING:
    from intacct_provider.core.query_spec import QuerySpec

log = logging.getLogger(__name__)

#: Whole-request failures that prove nothing was written: the request may simply be sent again.
NOT_PROCESSED = (IntacctRateLimitError, IntacctTransportError, IntacctServerError)
#: Whole-request statuses meaning "something in this batch is invalid".
INVALID_BATCH = frozenset({400, 422})

Natural = tuple[tuple[str, str], ...]


class BatchChannel(Sender, Protocol):
    """What the writer needs of the hook (:class:`~intacct_provider.hooks.intacct.IntacctHook` is one):
    send, read records, and read a query to its end."""

    def iter_query(
        self,
        object: str | QuerySpec,
        fields: Any = None,
        filters: Any = None,
        filter_expression: str | None = None,
        order_by: Any = None,
        page_size: int = MAX_QUERY_PAGE,
        max_records: int | None = None,
        *,
        filter_parameters: Mapping[str, Any] | None = None,
        max_queries: int = DEFAULT_MAX_QUERIES,
    ) -> Iterator[dict[str, Any]]: ...


@dataclass(frozen=True)
class Sending:
    """One batch being written: when its first POST began, and its records without a natural key by content."""

    first_post: FirstPost
    keyless: Counter[str]


class BatchWriter:
    """Creates or upserts batches of one object through a hook; safe to share between threads."""

    def __init__(
        self,
        hook: BatchChannel,
        path: str,
        key_fields: Sequence[str],
        *,
        idempotency_base: str,
        max_rounds: int,
        pacer: Pacer,
    ) -> None:
        self.hook = hook
        self.path = path
        self.url = f"{OBJECTS_PREFIX}{path}"
        self.key_fields = tuple(key_fields)
        self.idempotency_base = idempotency_base
        self.max_rounds = max(1, max_rounds)
        self.pacer = pacer
        self._claimed: set[str] = set()  # keys this task created or adopted: never adopted again
        self._sending: Counter[str] = Counter()  # records without a natural key in batches being written
        self._claim_lock = threading.Lock()
        #: API requests made (each one a billed transaction) and batches sent again, for the progress lines.
        self.requests = 0
        self.resends = 0

    def _count(self, requests: int = 1, resends: int = 0) -> None:
        with self._claim_lock:
            self.requests += requests
            self.resends += resends

    def claim(self, keys: Iterator[str | None] | list[str | None]) -> None:
        """Mark records as this task's (an earlier try's results, on resume)."""
        with self._claim_lock:
            self._claimed.update(key for key in keys if key)

    def _created(self, item: Item, key: str, results: dict[int, Result], status: str = "created") -> None:
        self.claim([key])
        results[item.index] = Result(item.index, status, item.natural_key(), key)

    # ---------------------------------------------------------------- creates
    def create(
        self, batch_index: int, items: list[Item], resumed: bool, posted_at: float | None = None
    ) -> list[Result]:
        """Create the batch's records.

        ``resumed``: an earlier try may have sent this batch, beginning at ``posted_at``
        (``time.time()``; ``None``: unknown), so its records are settled before any POST.
        """
        results: dict[int, Result] = {}
        batch = Sending(FirstPost(posted_at), Counter(_content(item) for item in items if item.natural is None))
        with self._claim_lock:
            self._sending += batch.keyless
        try:
            why = "an earlier try of this task may have sent it"
            pending = self._settle(items, results, batch, why) if resumed else items
            self._create_rounds(batch_index, pending, results, batch)
        finally:
            with self._claim_lock:
                self._sending -= batch.keyless
        return [results[item.index] for item in items]

    def _create_rounds(self, batch_index: int, pending: list[Item], results: dict[int, Result], batch: Sending) -> None:
        last_error = "no attempt was made"
        lost: tuple[str, list[Item]] | None = None  # the key and records of a send whose answer was lost
        for round_index in range(self.max_rounds):
            if not pending:
                return
            self.pacer.wait()
            self._count(resends=1 if round_index else 0)
            sent = pending
            if lost is not None and lost[1] == sent:  # all of it confirmed missing: the same request again
                key = lost[0]
            else:
                key = batch_idempotency_key(self.idempotency_base, batch_index, round_index, [i.body for i in sent])
            lost = None
            batch.first_post.mark()
            try:
                response = self.hook.send(
                    "POST",
                    self.url,
                    json_body=[item.body for item in sent],
                    headers={"Idempotency-Key": key},
                    resend_safe=False,
                )
                answers = read_items(response.status_code, response.text, len(sent), method="POST", path=self.url)
            except IntacctAmbiguousWriteError as exc:
                last_error = exc.message
                self.pacer.pause(backoff(round_index))
                log.warning("Batch %s: %s; looking its records up before sending any again", batch_index, exc.message)
                pending = self._settle(sent, results, batch, f"the answer to its batch was lost ({exc.message})")
                lost = (key, sent)
                continue
            except (UnreadableAnswer, IntacctConflictError) as exc:
                last_error = str(exc)
                why = (
                    "Intacct refused the batch's Idempotency-Key: an earlier attempt whose answer was lost may have "
                    "created this record"
                    if isinstance(exc, IntacctConflictError)
                    else "Intacct's answer did not say whether this record was created"
                )
                log.warning("Batch %s: %s; looking its records up by natural key or content", batch_index, why)
                pending = self._settle(sent, results, batch, f"{why} ({exc})")
                continue
            except NOT_PROCESSED as exc:
                last_error = str(exc)
                self.pacer.pause(backoff(round_index))
                pending = sent
                continue
            except IntacctError as exc:
                if exc.status not in INVALID_BATCH:
                    raise
                if len(sent) == 1:
                    self._fail(sent, results, str(exc))
                else:  # one answer for the whole batch: split it until the bad records stand alone
                    middle = len(sent) // 2
                    self._create_rounds(batch_index, sent[:middle], results, batch)
                    self._create_rounds(batch_index, sent[middle:], results, batch)
                pending = []
                continue
            pending, last_error = self._take_answers(sent, answers, results, "created", last_error, round_index)
        if pending:  # a lost last answer may still have created some of them
            pending = self._settle(pending, results, batch, last_error)
            self._fail(
                pending,
                results,
                f"not created after {self.max_rounds} attempts ({last_error}); looked up afterwards, it does not exist",
            )

    def _take_answers(
        self,
        sent: list[Item],
        answers: list[ItemAnswer],
        results: dict[int, Result],
        status: str,
        last_error: str,
        round_index: int,
    ) -> tuple[list[Item], str]:
        """Record each record's answer; return the records to send again (transient failures)."""
        again = []
        for item, answer in zip(sent, answers, strict=True):
            if answer.ok and answer.result is not None:
                self._created(item, str(answer.result["key"]), results, status)
            elif answer.transient:
                again.append(item)
                last_error = answer.error or last_error
            else:
                results[item.index] = Result(item.index, "failed", item.natural_key(), error=answer.error)
        if again:
            self.pacer.pause(backoff(round_index))
        return again, last_error

    def _settle(self, items: list[Item], results: dict[int, Result], batch: Sending, why: str) -> list[Item]:
        """Resolve records already in Intacct; return those confirmed missing (to send again), in input order.

        Records with a natural key are looked up by it, the others by content among the records
        created since the batch's first POST; a record that cannot be resolved fails, saying ``why`` it was
        looked up.
        """
        keyed = [item for item in items if item.natural is not None]
        keyless = [item for item in items if item.natural is None]
        remaining = self._settle_by_key(keyed, results)
        remaining += self._settle_by_content(keyless, results, batch, why)
        return sorted(remaining, key=lambda item: item.index)

    def _settle_by_key(self, items: list[Item], results: dict[int, Result]) -> list[Item]:
        found, ambiguous = self.find_existing(items)
        shared = {str(r["key"]): r for r in self.get_many(sorted({k for keys in ambiguous.values() for k in keys}))}
        remaining = []
        for item in items:
            if item.natural in ambiguous:  # a key several records share: compare each, as the single create does
                candidates = newest_first([shared[key] for key in ambiguous[item.natural]])
            elif item.natural in found:
                candidates = [found[item.natural]]
            else:
                remaining.append(item)
                continue
            verdict = judge(self.path, item.body, candidates, self._taken(candidates))
            if verdict.key is not None:
                self._created(item, verdict.key, results)
            elif verdict.error is not None:
                self._fail([item], results, verdict.error)
            else:
                remaining.append(item)
        return remaining

    def _settle_by_content(self, items: list[Item], results: dict[int, Result], batch: Sending, why: str) -> list[Item]:
        """Records without a natural key, through the single create's content look-up (its window included).

        Identical input records are judged together: ``n`` of them adopt up to ``n`` identical
        recent records, and the copies beyond those are missing. Records this task already holds
        are never adopted again, and a record found while identical records of another batch are
        still being sent may be theirs: that record fails rather than take it.
        """
        if not items:
            return []
        from intacct_provider.catalog.registry import differences

        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(_content(item), []).append(item)
        with self._claim_lock:
            claimed = set(self._claimed)
            elsewhere = {content: self._sending[content] - batch.keyless[content] for content in groups}
        found = find_recent_identical(
            self.hook,
            self.path,
            [(group[0].body, len(group)) for group in groups.values()],
            batch.first_post,
            lambda body, record: differences(self.path, body, record),
            claimed=claimed,
            fetch=self.get_many,
            on_query=self._count,
        )
        missing = []
        for (content, group), verdict in zip(groups.items(), found, strict=True):
            doubt = verdict.doubt
            if doubt is None and verdict.records and elsewhere[content] > 0:
                keys = ", ".join(str(record["key"]) for record in verdict.records)
                doubt = (
                    f"identical records were found (keys {keys}) while {elsewhere[content]} identical records of "
                    "other batches of this task were being sent: which batch made them cannot be told"
                )
            if doubt is not None:
                self._fail(group, results, f"{why}; {doubt}; it was not sent again: check Intacct before sending it")
                continue
            for item, record in zip(group, verdict.records, strict=False):
                self._created(item, str(record["key"]), results)
            missing.extend(group[len(verdict.records) :])
        return missing

    def _taken(self, candidates: Sequence[Mapping[str, Any]]) -> set[str]:
        """The candidates' keys this task already created or adopted (a record adopted is claimed at once)."""
        with self._claim_lock:
            return {str(record.get("key")) for record in candidates if str(record.get("key")) in self._claimed}

    def _existing(
        self, looked_up: list[Item], items: list[Item], results: dict[int, Result]
    ) -> Iterator[tuple[Item, dict[str, Any] | None]]:
        """Each item with the record already holding its natural key (None if none or keyless).

        One query for ``looked_up``; an item whose key matches several records fails here and is
        not yielded, so neither a settle nor an upsert can pick one of them by chance.
        """
        found, ambiguous = self.find_existing(looked_up)
        for item in items:
            if item.natural in ambiguous:
                self._fail([item], results, _ambiguous_match(item, ambiguous[item.natural]))
                continue
            yield item, (found.get(item.natural) if item.natural is not None else None)

    # ---------------------------------------------------------------- upserts
    def upsert(self, batch_index: int, items: list[Item]) -> list[Result]:
        """Create the missing records, PATCH the changed fields of the others, leave equal ones."""
        results: dict[int, Result] = {}
        missing: list[Item] = []
        patches: list[tuple[Item, dict[str, Any]]] = []
        for item, record in self._existing(items, items, results):
            if record is None:
                missing.append(item)
                continue
            changed = changed_fields(self.path, item.body, record)
            if changed:
                patch = {"key": str(record["key"])}
                patch.update({name: value for name, value in item.body.items() if name in changed})
                patches.append((item, patch))
            else:
                results[item.index] = Result(item.index, "unchanged", item.natural_key(), str(record["key"]))
        self._patch_rounds(patches, results)
        self._create_rounds(batch_index, missing, results, Sending(FirstPost(), Counter()))
        return [results[item.index] for item in items]

    def _patch_rounds(self, pending: list[tuple[Item, dict[str, Any]]], results: dict[int, Result]) -> None:
        """PATCH arrays; a PATCH sets fields to given values, so sending it again is harmless."""
        last_error = "no attempt was made"
        for round_index in range(self.max_rounds):
            if not pending:
                return
            self.pacer.wait()
            self._count(resends=1 if round_index else 0)
            sent = pending
            try:
                response = self.hook.send("PATCH", self.url, json_body=[patch for _, patch in sent])
                answers = read_items(response.status_code, response.text, len(sent), method="PATCH", path=self.url)
            except (UnreadableAnswer, *NOT_PROCESSED) as exc:
                last_error = str(exc)
                self.pacer.pause(backoff(round_index))
                continue
            except IntacctError as exc:
                if exc.status not in INVALID_BATCH:
                    raise
                if len(sent) == 1:
                    self._fail([sent[0][0]], results, str(exc))
                else:
                    middle = len(sent) // 2
                    self._patch_rounds(sent[:middle], results)
                    self._patch_rounds(sent[middle:], results)
                pending = []
                continue
            again, last_error = self._take_answers(
                [item for item, _ in sent], answers, results, "updated", last_error, round_index
            )
            retry = {item.index for item in again}
            pending = [pair for pair in sent if pair[0].index in retry]
        self._fail(
            [item for item, _ in pending], results, f"not updated after {self.max_rounds} attempts: {last_error}"
        )

    # ---------------------------------------------------------------- look-ups
    def find_existing(self, items: list[Item]) -> tuple[dict[Natural, dict[str, Any]], dict[Natural, list[str]]]:
        """Existing records by natural key (one ``$in`` query, then a batch GET of the matches).

        Returns ``(found, ambiguous)``: full records of keys matched once, and the record keys of
        natural keys that more than one record has.
        """
        wanted = {item.natural for item in items if item.natural is not None}
        if not wanted:
            return {}, {}
        filters = [{"$in": {name: sorted({dict(natural)[name] for natural in wanted})}} for name in self.key_fields]
        matches: dict[Natural, list[str]] = {}
        rows = 0
        for row in self.hook.iter_query(self.path, fields=["key", *self.key_fields], filters=filters):
            rows += 1
            natural = tuple((name, str(row.get(name))) for name in self.key_fields)
            if natural in wanted:
                matches.setdefault(natural, []).append(str(row["key"]))
        self._count(1 + rows // MAX_QUERY_PAGE)
        ambiguous = {natural: keys for natural, keys in matches.items() if len(keys) > 1}
        single = {keys[0]: natural for natural, keys in matches.items() if len(keys) == 1}
        found = {single[str(record["key"])]: record for record in self.get_many(list(single))}
        return found, ambiguous

    def get_many(self, keys: list[str]) -> list[dict[str, Any]]:
        """Full records by key, up to 500 per batch GET (``/objects/<path>/k1,k2``)."""
        records = []
        for start in range(0, len(keys), MAX_BATCH_SIZE):
            chunk = keys[start : start + MAX_BATCH_SIZE]
            url = f"{self.url}/{','.join(chunk)}"
            self._count()
            if len(chunk) == 1:  # no comma, so Intacct would read it as a single GET by key
                records.append(self.hook.get_record(self.path, chunk[0]))
                continue
            response = self.hook.send("GET", url)
            answers = read_items(response.status_code, response.text, len(chunk), method="GET", path=url)
            for key, answer in zip(chunk, answers, strict=True):
                if not answer.ok or answer.result is None:
                    error = f"record {key}, matched by its natural key, could not be read: {answer.error}"
                    raise IntacctError(error, method="GET", path=url)
                records.append(answer.result)
        return records

    @staticmethod
    def _fail(items: list[Item], results: dict[int, Result], error: str) -> None:
        for item in items:
            results[item.index] = Result(item.index, "failed", item.natural_key(), error=error)


def changed_fields(path: str, body: Mapping[str, Any], record: Mapping[str, Any]) -> set[str]:
    """Top-level fields of ``body`` an existing record does not match, for an upsert's PATCH.

    Wider than the registry's ``differences`` (which decides whether a found record is ours):
    every field the body sets counts, amounts compared as decimals; lines by the registry's rule.
    """
    from intacct_provider.catalog.registry import differences, dotted

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


def _content(item: Item) -> str:
    """What makes two input records identical: their body."""
    return body_digest([item.body])


def _ambiguous_match(item: Item, keys: list[str]) -> str:
    fields = ", ".join(f"{name}={value}" for name, value in item.natural or ())
    return f"{len(keys)} existing records ({', '.join(keys)}) have {fields}; expected at most one"

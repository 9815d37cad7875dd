"""Write one batch: array POSTs (and PATCHes), read record by record, settle every lost answer.

The rules that make a batch exactly-once, whatever Intacct does with a repeated key:

* A send carries an ``Idempotency-Key`` derived from its exact bodies (see ``batching``).
* A lost answer (dropped connection, gateway 5xx) is never followed by a blind re-post. Records
  with a natural key (vendor + bill number, customer id, ...) are looked up in one ``$in`` query
  and only the missing ones are sent again; a batch holding records without one is first sent
  again *unchanged*, so Intacct either replays its answer or refuses the key with 409. After a
  409 those records are looked up by their content, as the single create does: one identical
  record is adopted, none means missing (sent again), several fail as ambiguous.
* A record found by its natural key counts as created by this task only if its content matches
  (the single create's rule, ``bulk.settle``); otherwise it belongs to someone else and fails as
  a conflict. A key shared by several records (a journal entry's journal, date and description)
  adopts the one identical record among them.
* Per-record 429/5xx results are sent again in a later round; other per-record errors are final.
  A whole-batch 400/422 (one answer for all records) is split in halves until the bad records
  are isolated. 429s and 5xx pause every worker of the task together (:class:`Pacer`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from intacct_provider.bulk.answers import ItemAnswer, UnreadableAnswer, read_items
from intacct_provider.bulk.batching import MAX_BATCH_SIZE, batch_idempotency_key
from intacct_provider.bulk.records import Item
from intacct_provider.bulk.results import Result
from intacct_provider.bulk.settle import judge, newest_first
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctConflictError,
    IntacctError,
    IntacctRateLimitError,
    IntacctRequestError,
    IntacctServerError,
    IntacctTransportError,
)
from intacct_provider.objects import OBJECTS_PREFIX
from intacct_provider.query import MAX_QUERY_PAGE
from intacct_provider.retrying import backoff

if TYPE_CHECKING:
    from intacct_provider.hooks.intacct import IntacctHook

log = logging.getLogger(__name__)

#: Whole-request failures that prove nothing was written: the request may simply be sent again.
NOT_PROCESSED = (IntacctRateLimitError, IntacctTransportError, IntacctServerError)
#: Whole-request statuses meaning "something in this batch is invalid".
INVALID_BATCH = frozenset({400, 422})

Natural = tuple[tuple[str, str], ...]


class Pacer:
    """One pause shared by every worker of a task: a throttled or failing batch slows them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0

    def wait(self) -> None:
        with self._lock:
            delay = self._until - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)


class BatchWriter:
    """Creates or upserts batches of one object through a hook; safe to share between threads."""

    def __init__(
        self,
        hook: IntacctHook,
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
    def create(self, batch_index: int, items: list[Item], resumed: bool) -> list[Result]:
        """Create the batch's records; ``resumed`` settles them by natural key before any POST."""
        results: dict[int, Result] = {}
        pending = self._settle(items, results) if resumed else items
        self._create_rounds(batch_index, pending, results)
        return [results[item.index] for item in items]

    def _create_rounds(self, batch_index: int, pending: list[Item], results: dict[int, Result]) -> None:
        last_error = "no attempt was made"
        replay: tuple[str, list[Item]] | None = None
        for round_index in range(self.max_rounds):
            if not pending and replay is None:
                return
            self.pacer.wait()
            self._count(resends=1 if round_index else 0)
            if replay is not None:
                key, sent = replay
                replay = None
            else:
                sent = pending
                key = batch_idempotency_key(self.idempotency_base, batch_index, round_index, [i.body for i in sent])
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
                if any(item.natural is None for item in sent):
                    log.warning("Batch %s: %s; sending the same request again to settle it", batch_index, exc.message)
                    replay = (key, sent)
                    pending = sent
                else:
                    log.warning("Batch %s: %s; looking its records up before re-sending", batch_index, exc.message)
                    pending = self._settle(sent, results)
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
                pending = self._settle(sent, results, by_content=True, why=f"{why} ({exc})")
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
                    self._create_rounds(batch_index, sent[:middle], results)
                    self._create_rounds(batch_index, sent[middle:], results)
                pending = []
                continue
            pending, last_error = self._take_answers(sent, answers, results, "created", last_error, round_index)
        if pending:  # a lost last answer may still have created some of them
            pending = self._settle(pending, results, by_content=True, why=last_error)
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

    def _settle(
        self, items: list[Item], results: dict[int, Result], *, by_content: bool = False, why: str = ""
    ) -> list[Item]:
        """Resolve records already in Intacct; return those to send (again), in input order.

        Records with a natural key are looked up by it. Without ``by_content`` records lacking
        one are returned unchanged (the caller first replays their idempotency key); with it,
        they are looked up by content, and only those confirmed missing are returned.
        """
        keyed = [item for item in items if item.natural is not None]
        keyless = [item for item in items if item.natural is None]
        remaining = self._settle_by_key(keyed, results)
        remaining += self._settle_by_content(keyless, results, why) if by_content else keyless
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
            verdict = judge(self.path, item.body, candidates, self._taken(candidates), by_content=False)
            if verdict.key is not None:
                self._created(item, verdict.key, results)
            elif verdict.error is not None:
                self._fail([item], results, verdict.error)
            else:
                remaining.append(item)
        return remaining

    def _settle_by_content(self, items: list[Item], results: dict[int, Result], why: str) -> list[Item]:
        """Records without a natural key: the recent records matching their fields, compared (one query each).

        Identical input records are judged together: ``n`` of them need ``n`` records to tell apart.
        """
        from intacct_provider.hooks.settlement import CONTENT_CANDIDATES, content_filters

        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(json.dumps(item.body, sort_keys=True, default=str), []).append(item)
        found: dict[str, list[str]] = {}
        for text, group in groups.items():
            self._count()
            try:
                page = self.hook.query(
                    self.path,
                    ["key"],
                    content_filters(group[0].body),
                    order_by=[{"key": "desc"}],
                    size=CONTENT_CANDIDATES,
                )
            except IntacctRequestError as exc:  # a field the query service cannot filter on
                self._fail(
                    group,
                    results,
                    f"{why}; it has no natural key and cannot be looked up by content ({exc.message}): "
                    "check Intacct before sending it again",
                )
                continue
            found[text] = [str(row["key"]) for row in page["ia::result"]]
        records = {str(r["key"]): r for r in self.get_many(sorted({k for keys in found.values() for k in keys}))}
        missing = []
        for text, keys in found.items():
            group = groups[text]
            candidates = [records[key] for key in keys]
            taken = self._taken(candidates)
            verdict = judge(self.path, group[0].body, candidates, taken, copies=len(group), by_content=True)
            if verdict.key is not None:
                self._created(group[0], verdict.key, results)
            elif verdict.error is not None:
                self._fail(group, results, f"{why}; {verdict.error}")
            else:
                missing.extend(group)
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
        self._create_rounds(batch_index, missing, results)
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
    from intacct_provider.objects import differences, dotted

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


def _ambiguous_match(item: Item, keys: list[str]) -> str:
    fields = ", ".join(f"{name}={value}" for name, value in item.natural or ())
    return f"{len(keys)} existing records ({', '.join(keys)}) have {fields}; expected at most one"

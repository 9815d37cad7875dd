"""Write one batch: array POSTs (and PATCHes), read record by record, settle every lost answer.

The rules that make a batch exactly-once, whatever Intacct does with a repeated key:

* A send carries an ``Idempotency-Key`` derived from its exact bodies (see ``batching``).
* A lost answer (dropped connection, gateway 5xx) is never followed by a blind re-post. Records
  with a natural key (vendor + bill number, customer id, ...) are looked up in one ``$in`` query
  and only the missing ones are sent again; a batch holding records without one is first sent
  again *unchanged*, so Intacct either replays its answer or refuses the key with 409 -- and a
  409 leaves those records reported as failed ("may exist, check Intacct"), never re-created.
* A record found by its natural key counts as created by this task only if its content matches;
  otherwise it belongs to someone else and the record fails as a conflict.
* Per-record 429/5xx results are sent again in a later round; other per-record errors are final.
  A whole-batch 400/422 (one answer for all records) is split in halves until the bad records
  are isolated. 429s and 5xx pause every worker of the task together (:class:`Pacer`).
"""

from __future__ import annotations

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
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctConflictError,
    IntacctError,
    IntacctRateLimitError,
    IntacctServerError,
    IntacctTransportError,
)
from intacct_provider.objects import OBJECTS_PREFIX
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
                pending = self._settle(sent, results)
                unknowable = [item for item in pending if item.natural is None]
                self._fail(
                    unknowable,
                    results,
                    f"{why}, and it has no natural key to look it up by; check Intacct before sending it again ({exc})",
                )
                pending = [item for item in pending if item.natural is not None]
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
            pending = self._settle(pending, results)
            self._fail(
                pending,
                results,
                f"not created after {self.max_rounds} attempts ({last_error}); a record "
                "without a natural key may or may not exist: check Intacct before sending it again",
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
                results[item.index] = Result(item.index, status, item.natural_key(), str(answer.result["key"]))
            elif answer.transient:
                again.append(item)
                last_error = answer.error or last_error
            else:
                results[item.index] = Result(item.index, "failed", item.natural_key(), error=answer.error)
        if again:
            self.pacer.pause(backoff(round_index))
        return again, last_error

    def _settle(self, items: list[Item], results: dict[int, Result]) -> list[Item]:
        """Resolve records already in Intacct by natural key; return the rest (not found, or keyless)."""
        from intacct_provider.objects import differences

        remaining = []
        for item, record in self._existing([item for item in items if item.natural is not None], items, results):
            if record is None:
                remaining.append(item)
                continue
            mismatched = differences(self.path, item.body, record)
            if mismatched:
                error = (
                    f"{self.path} key {record.get('key')} already has this natural key but differs in "
                    f"{', '.join(mismatched)}: it was not created by this task; use another number/id or update it"
                )
                self._fail([item], results, error)
            else:
                results[item.index] = Result(item.index, "created", item.natural_key(), str(record.get("key")))
        return remaining

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
        for row in self.hook.iter_query(self.path, fields=["key", *self.key_fields], filters=filters):
            natural = tuple((name, str(row.get(name))) for name in self.key_fields)
            if natural in wanted:
                matches.setdefault(natural, []).append(str(row["key"]))
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

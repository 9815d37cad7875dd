"""Batches of records and the idempotency key each send of a batch carries.

A key must be the same whenever the *same request* is sent again (so Intacct can replay its
answer, or refuse it with 409 instead of creating twice) and different for any other request.
It is therefore derived from the task instance's key, the batch's position, the round within
the batch and the exact bodies sent: a later try of the task that sends the same bodies in the
same round sends the same key, and a re-send of only the missing records gets a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from intacct_provider.core.exact_json import canonical

T = TypeVar("T")

#: Sage's limit on records per array request.
MAX_BATCH_SIZE = 500


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items, consuming ``items`` lazily."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


#: ``json.dumps(value, sort_keys=True, separators=(",", ":"))`` without a new encoder per call: the
#: canonical JSON of batch digests and of the spool's lines (tuples written as arrays; a ``Decimal``,
#: a number custom field's value, written as its exact number).
canonical_json = canonical


def body_digest(bodies: Iterable[Any]) -> str:
    """A stable digest of JSON bodies (key order does not matter): each body's canonical JSON and a newline."""
    return hashlib.sha256("".join([canonical_json(body) + "\n" for body in bodies]).encode()).hexdigest()


def batch_idempotency_key(base: str, batch_index: int, round_index: int, bodies: Iterable[Any]) -> str:
    """The ``Idempotency-Key`` of one send: ``<base>-b<batch>-<digest of round and bodies>``."""
    digest = hashlib.sha256(f"{round_index}|{body_digest(bodies)}".encode()).hexdigest()[:16]
    return f"{base}-b{batch_index}-{digest}"

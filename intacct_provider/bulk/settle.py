"""Which existing record, if any, a batch record whose answer was lost became.

The rule is the single create's (``hooks.settlement``), applied to many records at once:

* the candidates are the records holding the record's natural key, or -- for a record without
  one -- the most recent records matching its own fields (``content_filters``, newest first,
  ``CONTENT_CANDIDATES`` of them);
* a candidate is the record only if it is identical by the registry's comparison rule
  (``objects.differences``); exactly one identical candidate is adopted;
* several identical candidates cannot be told apart, so the record fails, naming them;
* no identical candidate means: by natural key, the key is someone else's (a conflict); by
  content, the record is confirmed missing and may be sent again.

A candidate already adopted or created by this task (``claimed``) is never adopted twice: two
identical records of one input cannot both be the same record in Intacct.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intacct_provider.objects import differences


@dataclass(frozen=True)
class Verdict:
    """What a look-up proved about one record (or a group of identical ones)."""

    key: str | None = None  # the one identical record: the record was created
    error: str | None = None  # the record fails with this reason
    # neither: confirmed missing, send it again


def judge(
    path: str,
    body: Mapping[str, Any],
    candidates: Sequence[Mapping[str, Any]],
    claimed: Collection[str],
    *,
    copies: int = 1,
    by_content: bool,
) -> Verdict:
    """The verdict for ``copies`` identical input records against the ``candidates`` found for them."""
    fresh = [record for record in candidates if str(record.get("key")) not in claimed]
    compared = [(record, differences(path, body, record)) for record in fresh]
    identical = [str(record.get("key")) for record, mismatched in compared if not mismatched]
    if len(identical) == 1 and copies == 1:
        return Verdict(key=identical[0])
    if identical:
        also = f", and {copies} identical records in this input" if copies > 1 else ""
        return Verdict(
            error=f"{len(identical)} existing {path} records are identical to it ({', '.join(identical)}){also}: "
            "cannot tell which one, if any, this task created; check Intacct before sending it again"
        )
    if by_content or not compared:
        return Verdict()
    record, mismatched = compared[0]
    return Verdict(
        error=f"{path} key {record.get('key')} already has this natural key but differs in "
        f"{', '.join(mismatched)}: it was not created by this task; use another number/id or update it"
    )


def newest_first(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Records by descending key (Intacct numbers records in creation order), as the single create reads them."""
    return sorted(records, key=lambda record: _key_order(str(record.get("key"))), reverse=True)


def _key_order(key: str) -> tuple[int, int, str]:
    return (1, int(key), key) if key.isdigit() else (0, 0, key)

"""Which existing record, if any, a batch record with a natural key whose answer was lost became.

The rule is the single create's (``hooks.settlement``), applied to many records at once:

* the candidates are the records holding the record's natural key;
* a candidate is the record only if it is identical by the registry's comparison rule
  (``objects.differences``); exactly one identical candidate is adopted;
* several identical candidates cannot be told apart, so the record fails, naming them;
* no identical candidate means the key is someone else's (a conflict); no candidate at all,
  that the record is confirmed missing and may be sent again.

A candidate already adopted or created by this task (``claimed``) is never adopted twice.
Records without a natural key are settled by the single create's content look-up itself
(``hooks.settlement.find_recent_identical``), which judges identical input records together.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intacct_provider.catalog.registry import differences


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
) -> Verdict:
    """The verdict for one input record against the ``candidates`` holding its natural key."""
    fresh = [record for record in candidates if str(record.get("key")) not in claimed]
    compared = [(record, differences(path, body, record)) for record in fresh]
    identical = [str(record.get("key")) for record, mismatched in compared if not mismatched]
    if len(identical) == 1:
        return Verdict(key=identical[0])
    if identical:
        return Verdict(
            error=f"{len(identical)} existing {path} records are identical to it ({', '.join(identical)}): "
            "cannot tell which one, if any, this task created; check Intacct before sending it again"
        )
    if not compared:
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

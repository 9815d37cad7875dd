"""Read the answer to an array request record by record.

Sage documents the all-success answer (``ia::result`` is an array of references) and says mixed
results come back as 207 Multi-Status, but not the per-record shape of a 207. This reader accepts
every plausible shape, item by item, in request order:

* ``{"ia::status": 201, "ia::result": {...}}`` / ``{"ia::status": 422, "ia::error": {...}}``
  (the shape of the composite endpoint's 207 example);
* a bare ``{"key", ...}`` for a success and ``{"ia::error": {...}}`` for a failure -- the latter
  only in a 207: a 200/201 says every record succeeded, so an error item without its own status
  there contradicts the answer.

The items decide what happened: ``ia::meta`` is optional (Sage's composite example carries only
``totalCount``), and each of its counts that is present must agree with them. Anything else -- an
item it cannot read, a count of items that differs from what was sent, an ``ia::meta`` that is not
an object or whose ``totalCount``, ``totalSuccess`` or ``totalError`` contradicts the items --
raises :class:`UnreadableAnswer`: the caller must then settle the batch as if its answer had been
lost, never guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intacct_provider.core.exact_json import compact, loads
from intacct_provider.exceptions import IntacctProtocolError, error_from_response

#: The only 2xx status whose records may fail without saying their own status (the bare shape).
MULTI_STATUS = 207


class UnreadableAnswer(IntacctProtocolError):
    """A 2xx answer to an array request that does not say what happened to each record."""


@dataclass(frozen=True)
class ItemAnswer:
    """What Intacct said about one record of an array request."""

    ok: bool
    result: dict[str, Any] | None = None
    status: int | None = None
    error: str | None = None


def read_items(status: int, text: str, count: int, *, method: str, path: str) -> list[ItemAnswer]:
    """One :class:`ItemAnswer` per record sent, in request order."""

    def unreadable(why: str) -> UnreadableAnswer:
        return UnreadableAnswer(
            f"Intacct's answer to an array of {count} records {why}", status=status, method=method, path=path
        )

    try:
        payload = loads(text)
    except ValueError:
        raise unreadable("is not JSON") from None
    items = payload.get("ia::result") if isinstance(payload, Mapping) else None
    if not isinstance(items, list):
        raise unreadable("has no ia::result array")
    if len(items) != count:
        raise unreadable(f"lists {len(items)} results")
    if 200 <= status < 300 and status != MULTI_STATUS and any(_unstated_error(item) for item in items):
        raise unreadable(f"is a {status}, which says every record succeeded, yet holds an error without its status")
    answers = [_item(item, status) for item in items]
    if any(answer is None for answer in answers):
        raise unreadable("has a result that is neither a record nor an error")
    checked = [answer for answer in answers if answer is not None]
    meta = payload.get("ia::meta")
    if meta is not None:
        if not isinstance(meta, Mapping):
            raise unreadable(f"has an ia::meta that is a JSON {type(meta).__name__}, not an object")
        successes = sum(1 for answer in checked if answer.ok)
        counted = {"totalCount": count, "totalSuccess": successes, "totalError": count - successes}
        for name, value in counted.items():
            said = meta.get(name)
            if name in meta and (isinstance(said, bool) or said != value):
                raise unreadable(
                    f"has ia::meta {dict(meta)} contradicting its {count} results ({successes} successes): "
                    f"{name} is {said!r}, not {value}"
                )
    return checked


def _item(item: Any, batch_status: int) -> ItemAnswer | None:
    if type(item) is not dict and not isinstance(item, Mapping):  # a dict without the ABC machinery
        return None
    item_status = item.get("ia::status")
    if item_status is not None and not isinstance(item_status, int):
        return None
    if "ia::error" in item:
        error = item["ia::error"]
        status = item_status if item_status is not None else batch_status if batch_status >= 300 else None
        return ItemAnswer(ok=False, status=status, error=_describe(error, status))
    if "ia::result" in item:
        result = item["ia::result"]
        if isinstance(result, Mapping) and "ia::error" in result:  # the nested error envelope
            return _item({"ia::status": item_status, "ia::error": result["ia::error"]}, batch_status)
        if item_status is not None and item_status >= 300:
            return ItemAnswer(ok=False, status=item_status, error=_describe(result, item_status))
        return ItemAnswer(ok=True, result=dict(result), status=item_status) if _is_record(result) else None
    if _is_record(item):
        return ItemAnswer(ok=True, result=dict(item), status=item_status)
    return None


def _unstated_error(item: Any) -> bool:
    """An error item without its own ``ia::status`` (bare, or in the nested envelope)."""
    if not isinstance(item, Mapping) or item.get("ia::status") is not None:
        return False
    nested = item.get("ia::result")
    return "ia::error" in item or (isinstance(nested, Mapping) and "ia::error" in nested)


def _is_record(value: Any) -> bool:
    return (type(value) is dict or isinstance(value, Mapping)) and value.get("key") not in (None, "")


def _describe(error: Any, status: int | None) -> str:
    """Intacct's error for one record, as a readable sentence with its supportId."""
    parsed = error_from_response(status or 400, compact({"ia::error": error}))
    parsed.status = status  # the bare shape carries no per-record status: do not invent one
    return parsed._render()

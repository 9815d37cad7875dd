"""How an error names the record it is about: ``AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02``.

A failed create in a mapped task, or one row of a CSV turned into tasks, is found again by what the
user typed: the document number, the vendor or customer, the date. The name is built from the
operator's own arguments (before any check, so it works for the input that failed the checks) and
never from a template left unrendered; a value too long for a log line is cut.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Longest piece of a value shown in a name.
VALUE_CHARS = 60
#: Document numbers, first found wins.
_NUMBERS = ("bill_number", "invoice_number", "document_number")
#: The party a document belongs to, and how it reads.
_PARTIES = (("vendor_id", "of vendor"), ("customer_id", "of customer"), ("journal_id", "in journal"))
#: Dates that, with the party, tell documents without a number apart.
_DATES = ("date_created", "posting_date", "payment_date")
#: Identifiers of master records (a vendor's own id), and of records given as an Intacct body.
_IDS = ("vendor_id", "customer_id", "id")


def _shown(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    if not text:
        return None
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def record_name(label: str, arguments: Mapping[str, Any] | None, *, master: bool = False) -> str:
    """``label`` plus what identifies the record among ``arguments``.

    :param label: the object's label (``AP bill``).
    :param arguments: the record's arguments as the operator takes them (``vendor_id``, ...).
    :param master: a master record (vendor, customer): its own id names it, not a party.
    """
    given = {name: _shown(value) for name, value in (arguments or {}).items()}
    parts = [label]
    if master:
        ident = next((given[name] for name in _IDS if given.get(name)), None)
        if ident:
            parts.append(ident)
        elif given.get("name"):
            parts.append(repr(given["name"]))
        return " ".join(parts)
    number = next((given[name] for name in _NUMBERS if given.get(name)), None)
    if number:
        parts.append(repr(number))
    elif given.get("journal_id") and given.get("description"):
        parts.append(repr(given["description"]))  # a journal entry has no number of its own
    for name, words in _PARTIES:
        if given.get(name):
            parts.append(f"{words} {given[name]}")
            break
    date = next((given[name] for name in _DATES if given.get(name)), None)
    if date:
        parts.append(f"dated {date}")
    ident = given.get("id")
    if len(parts) == 1 and ident:
        parts.append(ident)
    return " ".join(parts)


def with_position(name: str, map_index: int | None) -> str:
    """The name and, for a mapped task instance, which input it was (``(map index 1)``)."""
    if map_index is None or map_index < 0:
        return name
    return f"{name} (map index {map_index})"

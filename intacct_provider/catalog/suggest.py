"""Suggestions for misspelt names: ``unknown key 'amout' — did you mean 'amount'?``.

A typo in a line key, a field, an object name or an operator argument is the
most common bad input, and an error that only lists what is allowed leaves the
user to find their own mistake. Close matches come from :mod:`difflib` (no
dependency, no I/O), compared case-insensitively, so ``'Amount'`` and
``'glaccount'`` find ``amount`` and ``glaccountno``. ``difflib`` and ``inspect``
are imported only when there is something to suggest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: How alike a candidate must be (difflib ratio) to be suggested; 0.6 is difflib's own default.
CUTOFF = 0.6


def did_you_mean(word: object, candidates: Iterable[str], *, cutoff: float = CUTOFF) -> str | None:
    """The candidate closest to ``word``, or ``None`` when nothing is close enough."""
    if not isinstance(word, str) or not word:
        return None
    import difflib

    by_folded: dict[str, str] = {}
    for candidate in candidates:
        by_folded.setdefault(candidate.lower(), candidate)
    matches = difflib.get_close_matches(word.lower(), list(by_folded), n=1, cutoff=cutoff)
    return by_folded[matches[0]] if matches else None


def suggestion(word: object, candidates: Iterable[str]) -> str:
    """``" — did you mean 'amount'?"`` to append to a message, or ``""`` when nothing is close."""
    match = did_you_mean(word, candidates)
    return f" — did you mean {match!r}?" if match is not None else ""


#: Names users type for an operator argument, from other tools and from Intacct's own field names, each
#: with the arguments they may mean (the first one the operator has is suggested, never accepted: a
#: silent rename would hide which value went where). ``difflib`` finds typos; these are the words
#: that are no typo of the real name (``due_date`` is closer to Airflow's ``end_date`` than to
#: ``date_due``).
ALIASES: dict[str, tuple[str, ...]] = {
    "due_date": ("date_due",),
    "duedate": ("date_due",),
    "due": ("date_due",),
    "invoice_date": ("date_created",),
    "bill_date": ("date_created",),
    "document_date": ("date_created",),
    "created_date": ("date_created",),
    "createddate": ("date_created",),
    "date": ("date_created", "posting_date", "payment_date"),
    "posting_date": ("date_created",),
    "postingdate": ("posting_date", "date_created"),
    "gl_date": ("posting_date", "date_created"),
    "entry_date": ("posting_date",),
    "paid_date": ("payment_date",),
    "vendor": ("vendor_id",),
    "customer": ("customer_id",),
    "journal": ("journal_id",),
    "lines": ("line_items",),
    "line_items": ("lines",),
    "items": ("line_items", "lines"),
    "bill_no": ("bill_number",),
    "billnumber": ("bill_number",),
    "invoice_no": ("invoice_number",),
    "invoicenumber": ("invoice_number",),
    "number": ("bill_number", "invoice_number", "document_number"),
    "document_number": ("bill_number", "invoice_number"),
    "reference": ("reference_number",),
    "memo": ("description",),
    "currency_code": ("currency",),
    "bank_account": ("bank_account_id",),
    "conn_id": ("intacct_conn_id",),
    "connection_id": ("intacct_conn_id",),
    "sage_intacct_conn_id": ("intacct_conn_id",),
    "object_name": ("object",),
    "object_type": ("object",),
    "filter": ("filters",),
    "where": ("filters",),
    "columns": ("fields",),
    "select": ("fields",),
    "limit": ("max_records", "pagesize"),
    "page_size": ("pagesize",),
    "since": ("modified_since",),
    "until": ("modified_until",),
    "output": ("output_path",),
    "input": ("input_path",),
    "key_fields": ("match_on",),
    "upsert_key": ("match_on",),
    "record_id": ("id",),
    "record_key": ("key",),
}
#: Prefix of the keys Airflow itself adds to an operator's arguments (``_airflow_from_mapped`` when
#: a mapped task is built, ``_airflow_mapped_validation_only``): never the user's.
AIRFLOW_INTERNAL_PREFIX = "_airflow"
#: The key Airflow adds when it builds one instance of a mapped task from its expanded arguments.
FROM_MAPPED = "_airflow_from_mapped"


def argument_error(cls: type, kwargs: Mapping[str, Any], error: TypeError) -> Exception | None:
    """A clearer error for Airflow's ``TypeError`` about missing or unknown operator arguments.

    Airflow says ``missing keyword argument 'vendor_id'`` or dumps every unknown
    ``**kwargs``; a typo (``vendorid``) causes both. This names each unknown argument
    with the closest real one and the required ones still missing. Suggestions rank the
    operator's own arguments (those of the provider's classes) before Airflow's, so
    ``due_date`` meets ``date_due`` and not ``BaseOperator``'s ``end_date``; a word from
    :data:`ALIASES` is suggested as what it usually means. Keys Airflow adds itself
    (``_airflow_from_mapped``) are never reported. ``None`` for any other ``TypeError``.
    """
    text = str(error)
    if text.startswith("missing keyword argument"):
        missing = text.split("'")[1::2]
    elif text.startswith("Invalid arguments were passed"):
        missing = []
    else:
        return None
    own: set[str] = set()
    inherited: set[str] = set()
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            (own if klass.__module__.startswith("intacct_provider.") else inherited).update(_parameters(klass))
    known = own | inherited
    unknown = [name for name in kwargs if name not in known and not name.startswith(AIRFLOW_INTERNAL_PREFIX)]
    problems = []
    guessed = set()
    for name in unknown:
        guess = _closest_argument(name, own, sorted(inherited), set(missing))
        guessed.add(guess)
        needed = " (a required argument)" if guess in missing else ""
        problems.append(f"unknown argument {name!r}" + (f" — did you mean {guess!r}?{needed}" if guess else ""))
    problems += [f"missing required argument {name!r}" for name in missing if name not in guessed]
    if not problems:
        return None
    from intacct_provider.exceptions import IntacctArgumentError

    where = f"{cls.__name__}(task_id={kwargs.get('task_id')!r})"
    obj = getattr(cls, "intacct_object", None)
    if kwargs.get(FROM_MAPPED) and obj is not None:
        # One mapped instance per input row, all with the same task id: name the row's record.
        from intacct_provider.catalog.naming import record_name

        where += " for " + record_name(obj.label, kwargs, master=obj.natural_key == ("id",))
    return IntacctArgumentError(where, problems)


def _closest_argument(name: str, own: set[str], inherited: list[str], missing: set[str]) -> str | None:
    """The argument ``name`` most likely meant: an alias's target, else the closest own one, else Airflow's.

    Among own arguments a required one still missing wins over another equally close one, since
    the misspelt word is usually the value meant for it.
    """
    for target in ALIASES.get(name.lower(), ()):
        if target in own:
            return target
    return did_you_mean(name, sorted(own & missing)) or did_you_mean(name, sorted(own)) or did_you_mean(name, inherited)


def _parameters(cls: type) -> frozenset[str]:
    """Keyword parameters of ``cls.__init__`` (Airflow's ``apply_defaults`` wrapper keeps the signature)."""
    import inspect

    signature = inspect.signature(vars(cls)["__init__"])
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return frozenset(p.name for p in signature.parameters.values() if p.kind in kinds) - {"self"}

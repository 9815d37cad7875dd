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


def argument_error(cls: type, kwargs: Mapping[str, Any], error: TypeError) -> Exception | None:
    """A clearer error for Airflow's ``TypeError`` about missing or unknown operator arguments.

    Airflow says ``missing keyword argument 'vendor_id'`` or dumps every unknown
    ``**kwargs``; a typo (``vendorid``) causes both. This names each unknown argument
    with the closest real one, from the ``__init__`` parameters of every class of the
    operator, and the required ones still missing. ``None`` for any other ``TypeError``.
    """
    text = str(error)
    if text.startswith("missing keyword argument"):
        missing = text.split("'")[1::2]
    elif text.startswith("Invalid arguments were passed"):
        missing = []
    else:
        return None
    known = {name for klass in cls.__mro__ if "__init__" in vars(klass) for name in _parameters(klass)}
    unknown = [name for name in kwargs if name not in known]
    problems = []
    for name in unknown:
        guess = did_you_mean(name, sorted(known))
        needed = " (a required argument)" if guess in missing else ""
        problems.append(f"unknown argument {name!r}" + (f" — did you mean {guess!r}?{needed}" if guess else ""))
    guessed = {did_you_mean(name, sorted(known)) for name in unknown}
    problems += [f"missing required argument {name!r}" for name in missing if name not in guessed]
    if not problems:
        return None
    from intacct_provider.exceptions import IntacctArgumentError

    return IntacctArgumentError(f"{cls.__name__}(task_id={kwargs.get('task_id')!r})", problems)


def _parameters(cls: type) -> frozenset[str]:
    """Keyword parameters of ``cls.__init__`` (Airflow's ``apply_defaults`` wrapper keeps the signature)."""
    import inspect

    signature = inspect.signature(vars(cls)["__init__"])
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return frozenset(p.name for p in signature.parameters.values() if p.kind in kinds) - {"self"}

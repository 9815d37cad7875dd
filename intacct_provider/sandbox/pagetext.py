"""The JSON text of a query page, written straight from the stored records.

A query answer is ``{"ia::result": [rows], "ia::meta": {...}}`` where each row holds the requested
fields of one record under their dotted names.  Building 4,000 row dicts (5 ms) and handing them
to the JSON encoder (5 ms) was most of serving such a page once its records were found by index
(the dicts built, walked by the encoder and freed, none of them needed).  Here each
list of field names is compiled once into a function writing one row's text: the names are
encoded when it is compiled, text values go through the JSON module's own string encoder, and
every other value through :func:`~intacct_provider.core.exact_json.compact`, so the text is the
one ``compact`` writes for the same rows, byte for byte (decimals exact, non-ASCII escaped); a
test holds the two to that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _string  # what the JSON encoder writes text with
from typing import Any

from intacct_provider.core.exact_json import compact, number_text

Record = dict[str, Any]


def page_text(fields: Sequence[str], page: Sequence[Record], meta: Mapping[str, Any]) -> str:
    """``compact({"ia::result": rows, "ia::meta": meta})`` for the rows of ``fields`` read from ``page``.

    A row reads a flat name with ``record.get(name)`` and walks a dotted one through nested
    objects, None where a part is missing or not an object.
    """
    rows = ",".join(map(_row_writer(tuple(fields)), page))
    return '{"ia::result":[' + rows + '],"ia::meta":' + compact(meta) + "}"


@lru_cache(maxsize=256)
def _row_writer(fields: tuple[str, ...]) -> Callable[[Record], str]:
    """The compiled function writing one row of ``fields`` (compiling costs about 0.1 ms, as much as
    serving a one-row query, so it is kept per list of names: it depends on nothing else).

    A name asked twice is one key of the row, as in a dict.  Names reach the source only as
    ``repr`` literals and as JSON text inside one.
    """
    names = list(dict.fromkeys(fields))
    body = []
    values = []
    for index, name in enumerate(names):
        head, *rest = name.split(".")
        read = f"rec.get({head!r})"
        for depth, part in enumerate(rest):
            inner = f"o{index}_{depth}"
            read = f"({inner}.get({part!r}) if isinstance({inner} := {read}, dict) else None)"
        value = f"v{index}"
        body.append(f"    {value} = {read}")
        values.append(
            f'(_string({value}) if {value}.__class__ is str else "null" if {value} is None else _value({value}))'
        )
    template = "{" + ",".join(_string(name).replace("%", "%%") + ":%s" for name in names) + "}"
    arguments = "".join(f"{value}, " for value in values)
    source = "def row(rec):\n" + "".join(f"{line}\n" for line in body) + f"    return {template!r} % ({arguments})\n"
    namespace: dict[str, Any] = {"_string": _string, "_value": _value}
    exec(compile(source, "<query row>", "exec"), namespace)  # noqa: S102 - names only as literals (above)
    row: Callable[[Record], str] = namespace["row"]
    return row


def _value(value: Any) -> str:
    """A value that is neither text nor None, as ``compact`` writes it (the common scalars first)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value.__class__ is int:
        return int.__repr__(value)
    if value.__class__ is Decimal:
        return number_text(value)
    return compact(value)

"""The look-ups that settle writes: the I/O behind the pure verdicts of :mod:`intacct_provider.core.settle`.

Two ways to find the record a write may have made, both over the hook's ``send``
(:class:`~intacct_provider.hooks.channel.Channel`), each request counted:

* **by natural key** (:meth:`Lookups.by_natural_key`): one query for the natural keys of any
  number of records (``$eq`` for one, ``$in`` for many, read to its end by
  :func:`~intacct_provider.hooks.paging.read_all`), then one batch GET of every record holding
  one of them, newest first, to compare in full;
* **by content** (:meth:`Lookups.by_content`), for records without a natural key: the records
  whose scalar fields equal the body's, newest first by ``audit.createdDateTime``, created since
  the write's first POST began on the server's own clock (the look-up answer's ``Date``), read in
  full and judged by :func:`~intacct_provider.core.settle.judge_by_content`. Bodies sharing
  their content filters are looked up in one query.

The ``Date`` of the natural-key query's answer dates its window too, so an adopted record can be
told from an identical one an earlier run made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from intacct_provider.catalog.identity import Natural, NaturalKey
from intacct_provider.catalog.registry import OBJECTS_PREFIX, differences
from intacct_provider.contract import write_only_fields
from intacct_provider.core import answers
from intacct_provider.core.batch_answers import read_items
from intacct_provider.core.batching import MAX_BATCH_SIZE
from intacct_provider.core.pages import DEFAULT_MAX_QUERIES, check_page
from intacct_provider.core.query import MAX_QUERY_PAGE, QUERY_PATH
from intacct_provider.core.query_spec import QuerySpec
from intacct_provider.core.settle import (
    CONTENT_CANDIDATES,
    CREATED,
    FirstPost,
    Row,
    Verdict,
    content_filters,
    judge_by_content,
    newest_first,
    open_rows,
    page_reaches_back,
    window_start,
)
from intacct_provider.exceptions import IntacctError, IntacctProtocolError, IntacctRequestError
from intacct_provider.hooks.channel import Channel
from intacct_provider.hooks.paging import read_all


@dataclass(frozen=True)
class Holders:
    """The records holding some natural keys: full records per key, newest first, and when the server said so."""

    records: dict[Natural, list[Mapping[str, Any]]]
    #: The window's start on the server's clock (``None``: no first POST known, or no ``Date``).
    since: datetime | None


class Lookups:
    """The look-ups of one object's writes; ``count`` is told of every request (each one billed)."""

    def __init__(self, channel: Channel, path: str, key: NaturalKey, count: Callable[[int], None]) -> None:
        self.channel = channel
        self.path = path
        self.url = f"{OBJECTS_PREFIX}{path}"
        self.key = key
        self.count = count
        #: Fields Sage marks writeOnly: Intacct never returns them, so no look-up filters on them.
        self.hidden = write_only_fields(path)

    def differences(self, body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
        """The registry's comparison rule for this object."""
        return differences(self.path, body, record)

    # ---------------------------------------------------------------- by natural key
    def by_natural_key(self, naturals: Collection[Natural], first_post: FirstPost | None = None) -> Holders:
        """Every record holding one of ``naturals``: one query (all its pages), then one batch GET."""
        if not naturals:
            return Holders({}, None)
        wanted = set(naturals)
        spec = QuerySpec.build(self.path, ["key", *self.key.fields], self.key.filters(wanted)).keyed()
        dates: list[str | None] = []

        def fetch(query: QuerySpec, start: int, size: int) -> dict[str, Any]:
            page, date = self._query(query, start, size)
            dates.append(date)
            return page

        matches: dict[Natural, list[str]] = {}
        for row in read_all(fetch, spec, page_size=MAX_QUERY_PAGE, workers=1, max_queries=DEFAULT_MAX_QUERIES):
            natural = self.key.of_row(row)
            if natural in wanted:
                matches.setdefault(natural, []).append(str(row["key"]))
        full = {str(record["key"]): record for record in self.get_many([k for keys in matches.values() for k in keys])}
        holders = {natural: newest_first([full[key] for key in keys]) for natural, keys in matches.items()}
        elapsed = first_post.elapsed() if first_post is not None else None
        return Holders(holders, window_start(dates[0] if dates else None, elapsed))

    # ---------------------------------------------------------------- by content
    def by_content(
        self,
        bodies: Sequence[tuple[Mapping[str, Any], int]],
        first_post: FirstPost,
        claimed: Collection[str] = frozenset(),
        *,
        any_age: bool = False,
    ) -> list[Verdict]:
        """A verdict per distinct body (with how many identical copies of it were sent), in order.

        Bodies sharing their content filters are looked up together; records ``claimed`` (already
        this task's) are never candidates. ``any_age``: the write's idempotency key was refused as
        used, so records of any age are candidates (see :func:`~intacct_provider.core.settle.open_rows`).
        """
        groups: dict[str, list[int]] = {}
        for position, (body, _copies) in enumerate(bodies):
            groups.setdefault(json.dumps(content_filters(body, self.hidden), sort_keys=True, default=str), []).append(
                position
            )
        verdicts: dict[int, Verdict] = {}
        for positions in groups.values():
            found = self._content_group([bodies[p] for p in positions], first_post, claimed, any_age)
            verdicts.update(zip(positions, found, strict=True))
        return [verdicts[position] for position in range(len(bodies))]

    def _content_group(
        self,
        bodies: Sequence[tuple[Mapping[str, Any], int]],
        first_post: FirstPost,
        claimed: Collection[str],
        any_age: bool,
    ) -> list[Verdict]:
        """One query, newest first, for bodies sharing their content filters; further pages only past claimed rows."""
        size = min(MAX_QUERY_PAGE, CONTENT_CANDIDATES - 1 + sum(copies for _, copies in bodies))
        spec = QuerySpec.build(
            self.path, ["key", "id", "href", CREATED], content_filters(bodies[0][0], self.hidden),
            order_by=[{CREATED: "desc"}, {"key": "desc"}],
        )  # fmt: skip
        candidates: list[Row] = []
        since: datetime | None = None
        start, more, total = 1, False, 0
        while True:
            try:
                page, date = self._query(spec, start, size)
            except IntacctRequestError as exc:  # a field the query service cannot filter on
                return [Verdict(doubt=f"it cannot be looked up by content ({exc.message})") for _ in bodies]
            if start == 1:
                total = answers.total_count(page)
                if not any_age:  # the window, from the first answer's Date and the time elapsed since
                    since = window_start(date, first_post.elapsed())
            elif answers.total_count(page) != total:  # records moved between pages: one may have been skipped
                return [Verdict(doubt="records with its fields changed while they were being looked up")] * len(bodies)
            # A page short of what its count promises is an error naming the call, never "no more candidates".
            rows = check_page(page, start=start, asked=size, total=total)
            seen = {str(row.row["key"]) for row in candidates}  # a row pushed down a page comes again
            candidates += [
                row for row in open_rows(rows, since, claimed, any_age=any_age) if str(row.row["key"]) not in seen
            ]
            more = page_reaches_back(rows, size, since, any_age=any_age)
            if not more or len(candidates) >= size or start + size > MAX_QUERY_PAGE:
                break
            start += size
        records = self.get_many([str(row.row["key"]) for row in candidates])
        return judge_by_content(bodies, candidates, records, self.differences, since=since, more=more)

    # ---------------------------------------------------------------- reads
    def get_many(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        """Full records by key, in the order asked: up to 500 per batch GET (``/objects/<path>/k1,k2``).

        The answer is matched to the keys by each record's own ``key``, never by position: Intacct
        does not promise its order, and a record compared with the wrong row would be adopted as
        the wrong one. A key asked for and not answered, or one answered and not asked for, is an
        error naming the call.
        """
        records: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), MAX_BATCH_SIZE):
            chunk = list(dict.fromkeys(keys[start : start + MAX_BATCH_SIZE]))
            url = f"{self.url}/{','.join(quote(key, safe='') for key in chunk)}"
            self.count(1)
            response = self.channel.send("GET", url)
            if len(chunk) == 1:  # no comma, so Intacct reads it as a GET by key: one record
                read = answers.read(answers.Shape.RECORD, response.status_code, response.text, method="GET", path=url)
                answered = [read["ia::result"]]
            else:
                answered = []
                for answer in read_items(response.status_code, response.text, len(chunk), method="GET", path=url):
                    if not answer.ok or answer.result is None:
                        raise IntacctError(f"a record could not be read: {answer.error}", method="GET", path=url)
                    answered.append(answer.result)
            records.update(_by_key(chunk, answered, url))
        return [records[key] for key in keys]

    def _query(self, spec: QuerySpec, start: int, size: int) -> tuple[dict[str, Any], str | None]:
        """One checked query page and the ``Date`` of its answer (the server's clock)."""
        self.count(1)
        response = self.channel.send("POST", QUERY_PATH, json_body=spec.body(start, size))
        page = answers.read(
            answers.Shape.ROWS, response.status_code, response.text, method="POST", path=QUERY_PATH,
            require_keys="key" in spec.fields,
        )  # fmt: skip
        return page, response.headers.get("Date")


def _by_key(asked: Sequence[str], answered: Sequence[dict[str, Any]], url: str) -> dict[str, dict[str, Any]]:
    """The records of a GET by their own ``key``: exactly the keys asked, or an error naming the call."""
    found = {str(record.get("key")): record for record in answered}
    wanted = set(asked)
    missing = [key for key in asked if key not in found]
    extra = [key for key in found if key not in wanted]
    if missing or extra or len(found) != len(answered):
        problem = "; ".join(
            part
            for part in (
                f"no record with key {', '.join(missing)}" if missing else "",
                f"a record with key {', '.join(extra)} that was not asked for" if extra else "",
                "the same key twice" if len(found) != len(answered) else "",
            )
            if part
        )
        raise IntacctProtocolError(
            f"Intacct's answer to a GET of {len(asked)} records holds {problem}; the look-up fails rather than compare "
            "a body with the wrong record",
            method="GET",
            path=url,
        )
    return found

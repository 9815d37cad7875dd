"""Keep what operators push to XCom small, whatever the server sends.

XCom lives in Airflow's metadata database, which every scheduler loop reads; it is
not a data lake. A server that ignores the page size (or a query that matches far
more than expected) must fail the task with a pointer to ``output_path``, not
write half a million rows into the database. One ceiling for every operator:
:data:`MAX_XCOM_ROWS` rows or :data:`MAX_XCOM_BYTES` of JSON, whichever comes first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from intacct_provider.core.exact_json import decimals_as_text
from intacct_provider.exceptions import IntacctProtocolError, IntacctValidationError

#: Most rows any operator pushes to XCom; beyond it, use ``output_path``.
MAX_XCOM_ROWS = 5000
#: Most bytes of JSON any operator pushes to XCom (wide rows reach it before the row ceiling).
MAX_XCOM_BYTES = 2_000_000
#: The hint every refusal carries.
OUTPUT_PATH_HINT = (
    "set output_path on IntacctQueryOperator (e.g. 's3://bucket/intacct/{{ ds }}/bills.jsonl'), "
    "or ask for fewer rows or fields"
)


def page_rows(page: Mapping[str, Any], *, asked: int, call: str) -> list[dict[str, Any]]:
    """The rows of one checked query page, refused when there are more than ``asked``.

    The hook's answer reader has already checked the envelope (a list of row objects);
    what it cannot know is the page size the caller asked for. A server that ignores it
    is not answering this request, and what it sent cannot go to XCom.
    """
    rows: list[dict[str, Any]] = page["ia::result"]
    if len(rows) > asked:
        raise IntacctProtocolError(
            f"Intacct answered {call} with {len(rows)} rows where at most {asked} were asked for; "
            "nothing was pushed to XCom"
        )
    return rows


def collect_for_xcom(rows: Iterable[Any], *, what: str) -> list[Any]:
    """Gather ``rows`` for XCom, failing as soon as they pass the row or size ceiling.

    A decimal number in a row goes to XCom as its exact text (``"12345678901234567.89"``): Airflow's
    serde writes a ``Decimal`` through a float, so the next task would get ``Decimal('12345678901234568')``
    (Airflow 3.1 to 3.3). Text is exact on every version, and it is what Intacct's own amounts are.
    """
    collected: list[Any] = []
    size = 2  # the brackets of the JSON array
    for row in rows:
        row = decimals_as_text(row)
        collected.append(row)
        size += len(json.dumps(row, default=str)) + 1
        if len(collected) > MAX_XCOM_ROWS or size > MAX_XCOM_BYTES:
            raise IntacctValidationError(
                "output_path",
                f"a file path or URI: {what} is more than {MAX_XCOM_ROWS} rows or {MAX_XCOM_BYTES} bytes of JSON, "
                f"too much for XCom ({OUTPUT_PATH_HINT})",
                None,
                show_value=False,
            )
    return collected

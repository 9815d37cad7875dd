"""Where bulk records come from: a list (XCom, templated, or JSON text) or a JSON Lines file.

Files are read line by line from any ``ObjectStoragePath`` (local, S3, GCS, ...), twice: once
for the pre-flight and once to send. Neither pass keeps the records, so a task's memory does not
grow with the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from intacct_provider.core.exact_json import loads  # 59.10 in a file stays 59.10, never a float
from intacct_provider.exceptions import IntacctValidationError

#: ``(input index, record or the JSON error of its line)``; a bad line is a ``ValueError``.
Entry = tuple[int, Any]
Source = Callable[[], Iterator[Entry]]


def record_source(records: Any, input_path: Any) -> Source:
    """A re-iterable source over exactly one of ``records`` and ``input_path``."""
    if (records is None) == (input_path in (None, "")):
        raise IntacctValidationError(
            "records", "either records or input_path (exactly one of them)", None, show_value=False
        )
    if records is not None:
        from intacct_provider.catalog.validation import parse_json

        items = parse_json("records", records)
        if not isinstance(items, list):
            raise IntacctValidationError("records", "a list of records (or its JSON text)", records)
        return lambda: iter(enumerate(items))
    return _file_source(input_path)


def _file_source(input_path: Any) -> Source:
    from airflow.sdk import ObjectStoragePath

    path = input_path if isinstance(input_path, ObjectStoragePath) else ObjectStoragePath(str(input_path))
    if not path.exists():
        raise IntacctValidationError("input_path", "an existing JSON Lines file", str(path))

    def read() -> Iterator[Entry]:
        index = 0
        with path.open("r") as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    yield index, loads(line)
                except ValueError as exc:
                    yield index, ValueError(f"a JSON object on line {index + 1} ({exc})")
                index += 1

    return read

"""Prepared records on local disk between the pre-flight and the send pass.

The pre-flight must check every record before the first request, and checking (mapping,
schema validation) is the costliest client-side step; keeping the prepared bodies in a
temporary file means each record is checked once, memory stays flat however long the input,
and what is sent is exactly what was checked even if the input file changes meanwhile.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator

from intacct_provider.catalog.bulk_records import Item
from intacct_provider.core.batching import canonical_json
from intacct_provider.core.exact_json import loads as _decode  # a decimal custom field reads back exact


class Spool:
    """An append-then-read file of :class:`Item` s, with a digest of everything written.

    Lines are ASCII JSON (``ensure_ascii``), so the file is binary: encoded once, for the digest
    and the file alike, and read back without a text layer.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile("w+b")  # noqa: SIM115 - closed by __exit__
        self._digest = hashlib.sha256()
        self.count = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._file.close()

    def add(self, item: Item) -> None:
        line = (canonical_json([item.index, item.body, item.natural]) + "\n").encode()
        self._digest.update(line)
        self._file.write(line)
        self.count += 1

    def digest(self) -> str:
        """Identifies the prepared input: the same records in the same order give the same digest."""
        return self._digest.hexdigest()

    def items(self) -> Iterator[Item]:
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            index, body, natural = _decode(line.decode())
            yield Item(index, body, tuple(map(tuple, natural)) if natural is not None else None)

"""Where ``track_deletes="keys"`` keeps an object's key set between runs: a text file at any path or URI.

The file is :mod:`intacct_provider.core.deletions`' format: a header line (object, count, the window
end it was stored for), then one key a line in key order, so a million keys are a few megabytes read
and compared as a stream. Beside it, ``<path>.previous`` keeps the set before, so a rerun of the
window last stored (an Airflow retry, a cleared task) compares with the same set the first run did
and writes the same tombstones.

Local paths are written aside and renamed into place; other URIs (``s3://``, ``gs://``...) through
``ObjectStoragePath``, whose stores write a whole object at close.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from intacct_provider.core.deletions import (
    KeySetHeader,
    counted_keys,
    key_set_header,
    read_key_set_header,
)

PREVIOUS = ".previous"


class StoredKeys:
    """The key sets of one object stored at ``location`` (a path, a URI or an ``ObjectStoragePath``)."""

    def __init__(self, location: Any, path: str) -> None:
        self.location = str(location)
        self.path = path

    def _remote(self) -> bool:
        return "://" in self.location and not self.location.startswith("file://")

    def _local(self, suffix: str) -> str:
        local = self.location[len("file://") :] if self.location.startswith("file://") else self.location
        return local + suffix

    def where(self, suffix: str = "") -> str:
        """The location of the set (``suffix=".previous"``: of the one before it)."""
        return self.location + suffix

    def header(self, suffix: str = "") -> KeySetHeader | None:
        """What the stored set says of itself; ``None`` when there is no set there yet."""
        try:
            with self._reading(suffix) as handle:
                return read_key_set_header(handle.readline(), self.path)
        except FileNotFoundError:
            return None

    def keys(self, suffix: str = "") -> Iterator[str]:
        """The stored keys, in key order, checked against the header's count as they stream."""
        with self._reading(suffix) as handle:
            header = read_key_set_header(handle.readline(), self.path)
            yield from counted_keys(handle, header)

    def save(self, keys: Iterable[str], count: int, until: str | None, *, keep_previous: bool) -> None:
        """Store ``keys`` (``count`` of them, in key order) for the window ending ``until``.

        ``keep_previous``: first copy the set stored now to ``<location>.previous`` (a new window);
        a rerun of the same window keeps the ``.previous`` it compared with.
        """
        if keep_previous:
            with self._reading("") as source, self._writing(PREVIOUS) as target:
                shutil.copyfileobj(source, target)
        with self._writing("") as target:
            target.write(key_set_header(self.path, count, until) + "\n")
            for key in keys:
                target.write(key + "\n")

    @contextmanager
    def _reading(self, suffix: str) -> Iterator[IO[str]]:
        if self._remote():
            from airflow.sdk import ObjectStoragePath

            remote = ObjectStoragePath(self.where(suffix))
            if not remote.exists():
                raise FileNotFoundError(self.where(suffix))
            with remote.open("r") as handle:
                yield handle
        else:
            with open(self._local(suffix), encoding="utf-8") as handle:
                yield handle

    @contextmanager
    def _writing(self, suffix: str) -> Iterator[IO[str]]:
        if self._remote():
            from airflow.sdk import ObjectStoragePath

            remote = ObjectStoragePath(self.where(suffix))
            remote.parent.mkdir(parents=True, exist_ok=True)
            with remote.open("w") as handle:
                yield handle
            return
        local = self._local(suffix)
        os.makedirs(os.path.dirname(os.path.abspath(local)), exist_ok=True)
        partial = f"{local}.part"
        try:
            with open(partial, "w", encoding="utf-8") as handle:
                yield handle
        except BaseException:
            os.remove(partial)
            raise
        os.replace(partial, local)

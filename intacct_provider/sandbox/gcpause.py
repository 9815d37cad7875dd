"""Pausing Python's cyclic garbage collector while the sandbox builds many small records.

A record is a tree of small dicts and lists that cannot form a cycle: reference counting frees
it, and the cyclic collector only walks it, again and again.  A 500-bill array POST allocates
tens of thousands of containers (its parsed body, the stored copies, the answer), enough to
start a dozen collections, and the oldest generation grows with every record kept, so a
collection that reaches it walks the whole company.  With the collector paused for the request,
the young objects are examined once, at the next allocation after it.

The switch is the process's (``gc`` has no other): it is only turned back on if it was on, so a
caller that disabled collection keeps it disabled.  Two sandboxes in one process may overlap;
the later one then runs with collection on, which is slower, not wrong.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block (reference counting still frees everything acyclic)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

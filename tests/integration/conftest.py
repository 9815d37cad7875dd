"""Shared by the integration tests: the scripted loopback server (its module sits beside this file)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted_server import ScriptedServer


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    """A loopback server playing scripted answers (see ``scripted_server``)."""
    with ScriptedServer() as running:
        yield running

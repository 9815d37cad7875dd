"""pytest fixtures for DAG and client tests against the sandbox.

Registered through the ``pytest11`` entry point, so installing the provider makes them available:
``intacct_sandbox_server`` starts one server per session; ``intacct_sandbox`` hands it to a test
after ``reset()``, so every test starts from the demo seed with no faults and an empty log.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .handle import IntacctSandbox


@pytest.fixture(scope="session")
def intacct_sandbox_server() -> Iterator[IntacctSandbox]:
    """One sandbox (demo seed, free port) shared by the whole session."""
    with IntacctSandbox(port=0, seed="demo") as sandbox:
        yield sandbox


@pytest.fixture
def intacct_sandbox(intacct_sandbox_server: IntacctSandbox) -> IntacctSandbox:
    """The session's sandbox, reset to the demo seed for this test."""
    intacct_sandbox_server.reset()
    return intacct_sandbox_server

"""pytest fixtures for DAG and client tests against the sandbox.

Registered through the ``pytest11`` entry point, so installing the provider makes them available:
``intacct_sandbox_server`` starts one server per session; ``intacct_sandbox`` hands it to a test
after ``reset()``, so every test starts from the demo seed with no faults and an empty log, and
with the company customisations ``intacct_tenant`` names (none unless a ``conftest.py`` or a test
module overrides that fixture, e.g. with :data:`EXAMPLE_TENANT` or a file of your own).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .handle import IntacctSandbox
from .tenant import EXAMPLE_TENANT

__all__ = ["EXAMPLE_TENANT", "intacct_sandbox", "intacct_sandbox_server", "intacct_tenant"]


@pytest.fixture(scope="session")
def intacct_sandbox_server() -> Iterator[IntacctSandbox]:
    """One sandbox (demo seed, free port) shared by the whole session."""
    with IntacctSandbox(port=0, seed="demo") as sandbox:
        yield sandbox


@pytest.fixture
def intacct_tenant() -> Any:
    """The company's own custom fields and objects for a test: a tenant file, its JSON, or None.

    Override it to test against your company's customisations::

        @pytest.fixture
        def intacct_tenant():
            return "tests/our_company.json"
    """
    return None


@pytest.fixture
def intacct_sandbox(intacct_sandbox_server: IntacctSandbox, intacct_tenant: Any) -> IntacctSandbox:
    """The session's sandbox, reset to the demo seed (and ``intacct_tenant``) for this test."""
    intacct_sandbox_server.reset(tenant=intacct_tenant)
    return intacct_sandbox_server

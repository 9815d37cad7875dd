"""Fixtures for the sandbox tests (``intacct_sandbox`` itself comes from the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest
from sandbox_helpers import Client

from intacct_provider.sandbox import IntacctSandbox


@pytest.fixture
def api(intacct_sandbox: IntacctSandbox) -> Client:
    """A top-level client of the freshly reset session sandbox."""
    return Client(intacct_sandbox)

"""Shared by the integration tests: the scripted loopback server (its module sits beside this file)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from scripted_server import ScriptedServer

from intacct_provider.hooks.intacct import IntacctHook


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    """A loopback server playing scripted answers (see ``scripted_server``)."""
    with ScriptedServer() as running:
        yield running


@pytest.fixture
def scripted_hook(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[IntacctHook]:
    """A hook on the scripted server: one retry, and no real sleeping between tries."""
    conn = {
        "conn_type": "sage_intacct",
        "host": server.base_url,
        "login": "client",
        "password": "secret",
        "extra": {"company_id": "C", "user_id": "U", "max_retries": 1},
    }
    monkeypatch.setenv("AIRFLOW_CONN_SCRIPTED", json.dumps(conn))
    monkeypatch.setattr("intacct_provider.hooks.transport.time.sleep", lambda _s: None)
    made = IntacctHook("scripted")
    yield made
    made.close()

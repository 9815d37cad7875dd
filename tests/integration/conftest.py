"""Shared by the integration tests: the scripted loopback server (its module sits beside this file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from scripted_server import ScriptedServer

from intacct_provider.hooks.intacct import IntacctHook

#: (idempotency, id_semantics): the two readings a create's settling must not lean on, each both ways
#: (a repeated Idempotency-Key refused, as Sage documents, or replayed; a document's id its key or number).
KEY_READINGS = [("conflict", "key"), ("conflict", "number"), ("replay", "key"), ("replay", "number")]


@pytest.fixture(params=KEY_READINGS, ids=[f"{i}-id_{s}" for i, s in KEY_READINGS])
def key_reading(request: pytest.FixtureRequest, intacct_sandbox: Any) -> str:
    """The sandbox under one row of :data:`KEY_READINGS`; the value is the idempotency reading."""
    idempotency, id_semantics = request.param
    intacct_sandbox.state.update(idempotency=idempotency, id_semantics=id_semantics)
    return str(idempotency)


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

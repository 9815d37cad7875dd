"""connection: a sage_intacct connection read into checked settings, without Airflow's DB."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from intacct_provider.core.connection import DEFAULT_MAX_RETRIES, ConnectionSettings
from intacct_provider.exceptions import IntacctConfigError


def conn(host="https://api.intacct.com/ia/api/v1/", **extra):
    base = {"company_id": "C", "user_id": "U"}
    return SimpleNamespace(conn_id="c", host=host, login="id", password=" s3cret ", extra_dejson={**base, **extra})


def test_reads_a_connection():
    settings = ConnectionSettings.from_connection(conn(entity_id="UK", timeout="30"))
    assert settings.base_url == "https://api.intacct.com/ia/api/v1"
    assert settings.username == "U@C" and settings.entity_id == "UK" and settings.timeout == 30.0
    assert settings.max_retries == DEFAULT_MAX_RETRIES
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        (conn(company_id=None), "missing extra company_id"),
        (conn(host="ftp://x"), "host must be the API base URL"),
        (conn(host="http://intacct.example.com"), "refusing to send credentials over plain http"),
        (conn(max_retries="-1"), "max_retries must be a int >= 0"),
        (conn(timeout=True), "timeout must be a float >= 1"),
        (conn(timeout=30, request_deadline=10), "request_deadline must be a float >= 30"),
        (conn(request_deadline="soon"), "request_deadline must be a float >= 60"),
    ],
)
def test_bad_connections_are_named(connection, message):
    with pytest.raises(IntacctConfigError, match=message):
        ConnectionSettings.from_connection(connection)


def test_plain_http_to_loopback_or_when_allowed():
    assert (
        ConnectionSettings.from_connection(conn(host="http://127.0.0.1:8080/ia")).base_url == "http://127.0.0.1:8080/ia"
    )
    allowed = conn(host="http://proxy.internal/ia", allow_insecure_http="true")
    assert ConnectionSettings.from_connection(allowed).base_url == "http://proxy.internal/ia"


def test_request_deadline_defaults_to_three_read_timeouts():
    assert ConnectionSettings.from_connection(conn(timeout=20)).deadline == 60.0
    assert ConnectionSettings.from_connection(conn()).deadline == 180.0
    explicit = ConnectionSettings.from_connection(conn(timeout=20, request_deadline="600"))
    assert explicit.deadline == 600.0 and explicit.timeout == 20.0

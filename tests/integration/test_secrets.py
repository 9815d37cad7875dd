"""Secrets never leak, and credentials only go to the connection's own host.

The example DAGs run against a sandbox of their own whose client secret is
distinctive, with a connection holding a refresh token. Every access and
refresh token the sandbox issues is recorded; then the client secret and all
those tokens must appear nowhere: task logs (everything ``dag.test`` prints,
Python log records, any file under ``AIRFLOW_HOME`` including the metadata DB),
XCom rows, rendered template fields, ``task_state_store`` rows, trigger events
and exception text (a wrong secret, a revoked refresh token).

Credentials stay on the connection's host: redirects are never followed (a
redirect to another server brings it no request, so no token or secret), and a
plain ``http://`` host that is not loopback is refused before any request
unless the connection sets ``allow_insecure_http``.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from intacct_provider.exceptions import IntacctAuthError, IntacctConfigError, IntacctError
from intacct_provider.hooks.intacct import IntacctHook
from intacct_provider.sandbox import IntacctSandbox

SECRET = "cs-Q7vX2mKp9LwT4rNzB8yHd3Fg"  # distinctive: nothing else would contain it
WRONG_SECRET = "cs-WRONG-u5Jk8Ps2Vn6Rt1Xc"
BILL = "accounts-payable/bill"


class IssuedTokens:
    """Every access and refresh token the sandbox hands out."""

    def __init__(self, sandbox: IntacctSandbox) -> None:
        self.values: list[str] = []
        auth = sandbox.state.auth
        original = auth.issue

        def issue(ttl):
            answer = original(ttl)
            self.values += [answer["access_token"], answer["refresh_token"]]
            return answer

        auth.issue = issue


@pytest.fixture(scope="module")
def secret_sandbox():
    with IntacctSandbox(client_secret=SECRET) as sandbox:
        sandbox.issued = IssuedTokens(sandbox)
        yield sandbox


@pytest.fixture
def sandbox(secret_sandbox, monkeypatch, intacct_conn):
    """This module's sandbox as ``sage_intacct_default``, with a refresh token (overrides ``intacct_conn``)."""
    secret_sandbox.reset()
    refresh = requests.post(
        f"{secret_sandbox.base_url}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": secret_sandbox.client_id,
            "client_secret": SECRET,
            "username": f"{secret_sandbox.user_id}@{secret_sandbox.company_id}",
        },
        timeout=10,
    ).json()["refresh_token"]
    conn = secret_sandbox.connection(refresh_token=refresh, max_retries=3)
    monkeypatch.setenv("AIRFLOW_CONN_SAGE_INTACCT_DEFAULT", json.dumps(conn))
    secret_sandbox.refresh_token = refresh
    return secret_sandbox


def secrets_of(sandbox: IntacctSandbox) -> list[str]:
    values = [SECRET, WRONG_SECRET, sandbox.refresh_token, *sandbox.issued.values]
    assert all(len(v) >= 20 for v in values)
    return values


def leaked(secrets: list[str], where: str, text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        return [f"{where}: {s[:6]}…" for s in secrets if s.encode() in text]
    return [f"{where}: {s[:6]}…" for s in secrets if s in text]


def run_rows(dag_runs):
    """XCom values, rendered template fields, task_state_store values and trigger kwargs of the runs, as text."""
    from airflow.models import TaskInstance
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    try:
        from airflow.models.task_state_store import TaskStateStoreModel
    except ImportError:  # Airflow < 3.3 has no task_state_store, so nothing can leak there
        TaskStateStoreModel = None

    texts: dict[str, list[str]] = {"xcom": [], "rendered": [], "task_state_store": [], "task_instance": []}
    with create_session() as session:
        for dag_run in dag_runs:
            match = {"dag_id": dag_run.dag_id, "run_id": dag_run.run_id}
            texts["xcom"] += [f"{r.key}={r.value!r}" for r in session.query(XComModel).filter_by(**match)]
            texts["rendered"] += [
                json.dumps(r.rendered_fields, default=str)
                for r in session.query(RenderedTaskInstanceFields).filter_by(**match)
            ]
            if TaskStateStoreModel is not None:
                texts["task_state_store"] += [r.value for r in session.query(TaskStateStoreModel).filter_by(**match)]
            texts["task_instance"] += [
                json.dumps([ti.next_kwargs, ti.rendered_map_index], default=str)
                for ti in session.query(TaskInstance).filter_by(**match)
            ]
    return texts


def busiest_day(sandbox):
    from collections import Counter

    import pendulum

    stamps = Counter(r["audit"]["modifiedDateTime"][:10] for r in sandbox.records(BILL))
    return pendulum.parse(stamps.most_common(1)[0][0])


def test_no_secret_in_logs_xcom_rendered_fields_or_errors(run_dag, sandbox, monkeypatch, tmp_path, capfd, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    runs = []
    dag_run, _ = run_dag("intacct_catalog_tour", conf={"document_date": "2026-11-26"})
    assert dag_run.state == "success"
    runs.append(dag_run)

    dag_run, xcoms = run_dag("intacct_bill_payment_flow")  # it submits and pays its own bill
    assert dag_run.state == "success" and xcoms["summarize"]["state"] == "paid"
    runs.append(dag_run)

    dag_run, _ = run_dag(
        "intacct_daily_ap_ar_sync",
        conf={"base_path": str(tmp_path / "sync")},
        logical_date=busiest_day(sandbox).add(days=1),
    )
    assert dag_run.state == "success"
    runs.append(dag_run)

    # A forced failure: the same DAG with a wrong client secret.
    wrong = sandbox.connection(max_retries=0)
    wrong["password"] = WRONG_SECRET
    monkeypatch.setenv("AIRFLOW_CONN_SAGE_INTACCT_DEFAULT", json.dumps(wrong))
    dag_run, _ = run_dag("intacct_catalog_tour", conf={"document_date": "2026-11-26"})
    assert dag_run.state == "failed"
    runs.append(dag_run)

    secrets = secrets_of(sandbox)
    assert len(sandbox.issued.values) >= 8  # several tasks, each with its own token exchange
    out, err = capfd.readouterr()
    assert "Invalid client credentials" in out + err  # the failure itself is visible in the task log
    found = (
        leaked(secrets, "stdout", out) + leaked(secrets, "stderr", err) + leaked(secrets, "log records", caplog.text)
    )
    home = Path(os.environ["AIRFLOW_HOME"])
    log_files = [p for p in home.rglob("*") if p.is_file() and "dags" not in p.relative_to(home).parts]
    assert any(p.name.startswith("airflow.db") for p in log_files)
    for path in log_files:  # task log files (if any), airflow.cfg and the metadata DB itself, byte for byte
        found += leaked(secrets, str(path.relative_to(home)), path.read_bytes())
    for where, texts in run_rows(runs).items():
        found += leaked(secrets, where, "\n".join(texts))
    assert found == []


def test_no_secret_in_exception_text(sandbox, monkeypatch):
    def failure(conn) -> IntacctError:
        monkeypatch.setenv("AIRFLOW_CONN_SECRETS_CHECK", json.dumps(conn))
        hook = IntacctHook("secrets_check")
        with pytest.raises(IntacctAuthError) as info:
            hook.query("bill", size=1)
        return info.value

    wrong_secret = sandbox.connection()
    wrong_secret["password"] = WRONG_SECRET
    refresh_grant = sandbox.connection(refresh_token="rt-" + "Zr4Wq8Lk2Hs6Tv0Yb5Nm")
    refresh_grant["password"] = WRONG_SECRET
    errors = [failure(wrong_secret), failure(refresh_grant)]
    assert all("client secret" in str(e) and "HTTP 401" in str(e) for e in errors)
    secrets = [*secrets_of(sandbox), "rt-Zr4Wq8Lk2Hs6Tv0Yb5Nm"]
    found = []
    for error in errors:
        text = "".join(traceback.format_exception(error)) + repr(error) + repr(vars(error))
        found += leaked(secrets, type(error).__name__, text)
    assert found == []


def test_connection_refresh_token_keeps_working_after_rotation(sandbox, monkeypatch):
    monkeypatch.setattr("intacct_provider.sandbox.auth.ROTATION_GRACE_SECONDS", 0.2)
    IntacctHook().query("bill", size=1)  # task 1 exchanges (and so rotates) the connection's refresh token
    time.sleep(0.5)  # the old refresh token is now retired
    sandbox.clear_requests()
    assert IntacctHook().query("bill", size=1)["ia::result"]  # task 2, same connection
    tokens = [r for r in sandbox.requests if r["path"] == "/oauth2/token"]
    # The retired refresh token was refused, and the client-credentials fallback is what worked.
    assert [(r["body"]["grant_type"], r["status"]) for r in tokens] == [
        ("refresh_token", tokens[0]["status"]),
        ("client_credentials", 200),
    ]
    assert tokens[0]["status"] in (400, 401)


# ------------------------------------------------------------- credentials stay on their host
def answer_json(handler: BaseHTTPRequestHandler, payload: dict) -> None:
    """A 200 JSON answer, as both local servers give it."""
    body = json.dumps(payload).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Recorder(BaseHTTPRequestHandler):
    """Server B: records what reaches it."""

    seen: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        answer_json(self, {"access_token": "b-token-00000000000000", "expires_in": 3600, "ia::result": []})

    do_GET = do_POST

    def log_message(self, *args):
        pass


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def redirect_pair(monkeypatch):
    """Server A (the connection's host) answers tokens itself and redirects ``redirect`` paths to server B."""
    Recorder.seen = []
    target = serve(Recorder)
    state = {"status": 302, "paths": ()}

    class Redirector(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if any(p in self.path for p in state["paths"]):
                self.send_response(state["status"])
                self.send_header("Location", f"http://127.0.0.1:{target.server_address[1]}{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answer_json(self, {"access_token": "a-token-11111111111111", "expires_in": 3600})

        do_GET = do_POST

        def log_message(self, *args):
            pass

    origin = serve(Redirector)
    conn = {
        "conn_type": "sage_intacct",
        "host": f"http://127.0.0.1:{origin.server_address[1]}/ia/api/v1",
        "login": "client-id",
        "password": SECRET,
        "extra": {"company_id": "C", "user_id": "U", "max_retries": 0},
    }
    monkeypatch.setenv("AIRFLOW_CONN_REDIRECTED", json.dumps(conn))
    yield state
    origin.shutdown()
    target.shutdown()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("redirected", ["/services/core/query", "/oauth2/token"])
def test_redirects_are_not_followed(redirect_pair, status, redirected):
    redirect_pair.update(status=status, paths=(redirected,))
    with pytest.raises(IntacctError) as info:
        IntacctHook("redirected").query("bill", size=1)
    assert info.value.status == status
    assert Recorder.seen == []  # server B never saw the bearer token or the client secret


@pytest.mark.parametrize("redirected", ["/services/core/query", "/oauth2/token"])
def test_trigger_client_does_not_follow_redirects(redirect_pair, redirected):
    import asyncio

    from intacct_provider.core.query_spec import QuerySpec
    from intacct_provider.hooks.async_client import IntacctAsyncClient

    redirect_pair.update(status=307, paths=(redirected,))

    async def query():
        async with await IntacctAsyncClient.for_connection("redirected") as client:
            return await client.query(QuerySpec.build(BILL, ["key"]), 1, 1)

    with pytest.raises(IntacctError) as info:
        asyncio.run(query())
    assert info.value.status == 307
    assert Recorder.seen == []


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every request the hook's session would send."""
    sent: list[str] = []

    def request(self, method, url, **kwargs):
        sent.append(url)
        raise requests.ConnectionError("no network in this test")

    monkeypatch.setattr(requests.Session, "request", request)
    return sent


def plain_http(monkeypatch, host, **extra):
    conn = {
        "conn_type": "sage_intacct",
        "host": host,
        "login": "client-id",
        "password": SECRET,
        "extra": {"company_id": "C", "user_id": "U", "max_retries": 0, **extra},
    }
    monkeypatch.setenv("AIRFLOW_CONN_PLAIN", json.dumps(conn))
    return IntacctHook("plain")


@pytest.mark.parametrize(
    "host",
    [
        "http://api.intacct.com/ia/api/v1",
        "http://10.1.2.3:8080/ia/api/v1",
        "http://localhost.example.com/ia/api/v1",
        "http://127.0.0.1.nip.io/ia/api/v1",
        "HTTP://api.intacct.com/ia/api/v1",
    ],
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(monkeypatch, no_network, host):
    with pytest.raises(IntacctConfigError) as info:
        plain_http(monkeypatch, host).query("bill", size=1)
    assert "allow_insecure_http" in str(info.value) and SECRET not in str(info.value)
    assert no_network == []


@pytest.mark.parametrize(
    ("host", "extra"),
    [
        ("http://api.intacct.com/ia/api/v1", {"allow_insecure_http": True}),
        ("http://10.1.2.3:8080/ia/api/v1", {"allow_insecure_http": "true"}),
        ("http://127.0.0.1:9/ia/api/v1", {}),
        ("http://localhost:9/ia/api/v1", {}),
        ("http://[::1]:9/ia/api/v1", {}),
    ],
)
def test_plain_http_allowed_to_loopback_or_when_the_connection_says_so(monkeypatch, no_network, host, extra):
    with pytest.raises(IntacctError):
        plain_http(monkeypatch, host, **extra).query("bill", size=1)
    assert no_network == [host + "/oauth2/token"]  # sent, to the configured host only


def test_https_is_the_default_scheme(monkeypatch, no_network):
    hook = plain_http(monkeypatch, "api.intacct.com/ia/api/v1")
    assert hook.settings.base_url == "https://api.intacct.com/ia/api/v1"
    assert os.environ["AIRFLOW_CONN_PLAIN"]


# ------------------------------------------------------------- reprs and scrubbing (issue 12)
def test_async_client_vars_hold_no_token_or_secret(sandbox):
    import asyncio

    from intacct_provider.core.query_spec import QuerySpec
    from intacct_provider.hooks.async_client import IntacctAsyncClient

    async def read():
        async with await IntacctAsyncClient.for_connection("sage_intacct_default") as client:
            await client.query(QuerySpec.build(BILL, ["key"]), 1, 1)
            return repr(vars(client)) + repr(client.settings) + repr(vars(client.settings))

    text = asyncio.run(read())
    assert sandbox.issued.values  # a token was issued and used
    assert leaked(secrets_of(sandbox), "IntacctAsyncClient", text) == []


def test_secret_is_text_when_used_and_masked_in_every_repr():
    from intacct_provider.core.connection import Secret

    secret = Secret("cs-Repr-Check-4kT9wQ")
    assert (
        secret == "cs-Repr-Check-4kT9wQ"
        and f"{secret}" == "cs-Repr-Check-4kT9wQ"
        and json.dumps(secret) == '"cs-Repr-Check-4kT9wQ"'
    )
    assert repr(secret) == "'***'" and repr({"token": secret}) == "{'token': '***'}"


def test_scrub_replaces_raw_and_url_encoded_secrets_but_not_short_words():
    from intacct_provider.core.connection import Secret
    from intacct_provider.exceptions import IntacctError, scrub

    Secret("cs-Scrub+Me/Now-8pX2")
    Secret("short")  # below the scrubbing length: masking it would blank ordinary words
    text = "got cs-Scrub+Me/Now-8pX2 and client_secret=cs-Scrub%2BMe%2FNow-8pX2 in a short message"
    assert scrub(text) == "got *** and client_secret=*** in a short message"
    error = IntacctError("echo cs-Scrub+Me/Now-8pX2", code="cs-Scrub+Me/Now-8pX2", details=["cs-Scrub%2BMe%2FNow-8pX2"])
    assert "8pX2" not in str(error) + repr(vars(error))


def test_sandbox_settings_routes_mask_the_client_secret(secret_sandbox):
    base = f"{secret_sandbox.base_url}/sandbox/settings"
    answers = [requests.get(base, timeout=10), requests.patch(base, json={"latency_ms": 0}, timeout=10)]
    assert [a.status_code for a in answers] == [200, 200]
    assert all(SECRET not in a.text and a.json()["client_secret"] == "***" for a in answers)

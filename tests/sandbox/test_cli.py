"""``python -m intacct_provider.sandbox``: first stdout line is the base URL; SIGTERM exits 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests


@pytest.fixture
def cli() -> Iterator[tuple[subprocess.Popen[str], str, dict]]:
    args = [
        sys.executable,
        "-m",
        "intacct_provider.sandbox",
        "--port",
        "0",
        "--seed",
        "demo",
        "--seed-scale",
        "2",
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret",
        "--company-id",
        "CLI-CO",
        "--user-id",
        "cli-user",
        "--max-concurrency",
        "3",
        "--token-ttl",
        "600",
        "--invalid-token-status",
        "400",
        "--no-require-document-numbers",
        "--idempotency",
        "replay",
        "--id-semantics",
        "number",
        "--no-bill-approval",
        "--bill-approve-state",
        "posted",
        "--payment-flow",
        "direct",
        "--payment-reverse-state",
        "reversed",
        "--latency-ms",
        "1",
    ]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        connection = json.loads(process.stdout.readline())
        yield process, base_url, connection
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_cli_serves_until_sigterm(cli: tuple[subprocess.Popen[str], str, dict]) -> None:
    process, base_url, connection = cli
    assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/ia/api/v1")
    assert connection["host"] == base_url and connection["login"] == "cli-id"
    assert connection["extra"] == {"company_id": "CLI-CO", "user_id": "cli-user"}
    form = {
        "grant_type": "client_credentials",
        "client_id": "cli-id",
        "client_secret": "cli-secret",
        "username": "cli-user@CLI-CO",
    }
    token = requests.post(f"{base_url}/oauth2/token", data=form, timeout=10).json()
    assert token["expires_in"] == 600
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    bills = requests.get(f"{base_url}/objects/accounts-payable/bill", headers=headers, timeout=10).json()
    assert (
        bills["ia::meta"]["totalCount"] == 100 + 3
    )  # scale 2 and yesterday's 3 (the private entity's bills are not listed)
    assert bills["ia::result"][0]["id"] == "BILL-100"  # --id-semantics number
    settings = requests.get(f"{base_url}/sandbox/settings", timeout=10).json()
    assert settings["max_concurrency"] == 3 and settings["require_document_numbers"] is False
    assert settings["invalid_token_status"] == 400 and settings["latency_ms"] == 1
    assert (settings["idempotency"], settings["id_semantics"], settings["bill_approval"]) == ("replay", "number", False)
    assert (settings["bill_approve_state"], settings["payment_flow"]) == ("posted", "direct")
    assert settings["payment_reverse_state"] == "reversed"
    bad = requests.get(f"{base_url}/objects/accounts-payable/bill", headers={"Authorization": "Bearer x"}, timeout=10)
    assert bad.status_code == 400
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0


def test_cli_stops_on_sigint(cli: tuple[subprocess.Popen[str], str, dict]) -> None:
    process, base_url, _ = cli
    assert requests.get(f"{base_url}/sandbox/faults", timeout=10).status_code == 200
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{base_url}/sandbox/faults", timeout=5)


def test_cli_rejects_bad_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "intacct_provider.sandbox", "--seed", "huge"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "invalid choice" in result.stderr
    for flag in ("--idempotency", "--id-semantics"):
        result = subprocess.run(
            [sys.executable, "-m", "intacct_provider.sandbox", flag, "sometimes"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2 and "invalid choice" in result.stderr

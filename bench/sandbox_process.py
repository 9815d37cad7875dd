"""Start the sandbox in its own process for a benchmark.

A separate process keeps the server's work (and its memory) out of what a
benchmark measures on the client side, as a real Intacct would be.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def sandbox(*flags: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(base_url, connection)`` of a sandbox started with CLI ``flags``; stop it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct_provider.sandbox", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        connection = json.loads(process.stdout.readline())
        yield base_url, connection
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def use_connection(connection: dict[str, Any], **extra: Any) -> None:
    """Make ``sage_intacct_default`` point at the sandbox for hooks built in this process."""
    conn = {**connection, "extra": {**connection.get("extra", {}), **extra}}
    os.environ["AIRFLOW_CONN_SAGE_INTACCT_DEFAULT"] = json.dumps(conn)

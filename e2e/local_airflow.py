"""`make airflow`: the sandbox and a local Airflow with the example DAGs, until Ctrl-C.

The same launcher as the end-to-end check (:mod:`deployment`): the sandbox (its demo company, with
the example tenant's custom fields and objects, as `make demo` has them) and
Airflow's api-server, scheduler, dag-processor and triggerer as separate processes on 127.0.0.1,
LocalExecutor on SQLite in a temporary AIRFLOW_HOME. The connection ``sage_intacct_default`` to
the sandbox is stored in the metadata DB, so it shows under Admin -> Connections, its Test button
works, and every task of the example DAGs reaches the sandbox. The UI's address, user and
password are printed; Ctrl-C (or SIGTERM) stops every process this started, the task processes
included, and deletes the temporary home.

    make airflow                                  # UI on http://127.0.0.1:8080, sandbox on :8765
    make airflow AIRFLOW_PORT=8081 SANDBOX_PORT=0 # other ports (0: any free one)
    make airflow DAGS=~/my_dags                   # your DAGs instead of example_dags/
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from deployment import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    Supervisor,
    prepare_airflow,
    start_airflow,
    start_sandbox,
)

from intacct_provider.sandbox.tenant import EXAMPLE_TENANT

REPO = Path(__file__).resolve().parent.parent
CONN_ID = "sage_intacct_default"
STARTUP_TIMEOUT_S = 600


class Stop(Exception):
    """Ctrl-C or SIGTERM: leave the wait and stop everything."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make airflow", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="the Airflow UI and API (0: a free port)")
    parser.add_argument("--sandbox-port", type=int, default=8765, help="the sandbox (0: a free port)")
    parser.add_argument("--dags", type=Path, default=REPO / "example_dags", help="the DAGs folder")
    return parser.parse_args(argv)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    home = Path(tempfile.mkdtemp(prefix="intacct-airflow-"))
    supervisor = Supervisor(home / "logs")
    status = 0
    try:
        print(f"Starting the sandbox and Airflow in {home} (a first start migrates the metadata DB)...", flush=True)
        # The example company's own fields and objects too, which intacct_custom_fields writes and reads.
        tenant = ("--tenant", str(EXAMPLE_TENANT))
        sandbox = start_sandbox(
            supervisor, {"PYTHONUNBUFFERED": "1", **_plain_env()}, port=args.sandbox_port, options=tenant
        )
        extra = {
            "INTACCT_SYNC_BASE_PATH": str(home / "sync"),
            "INTACCT_COMPANY_ID": sandbox.connection["extra"]["company_id"],
        }
        airflow = prepare_airflow(home / "airflow", args.dags.resolve(), extra, port=args.port or None)
        start_airflow(supervisor, airflow, STARTUP_TIMEOUT_S)
        added = airflow.cli("connections", "add", CONN_ID, "--conn-json", json.dumps(sandbox.connection))
        if added.returncode != 0:
            raise RuntimeError(f"airflow connections add failed: {added.stderr[-800:]}")
        print(
            "\n".join(
                [
                    "",
                    f"Airflow UI:   {airflow.url}  (user {ADMIN_USER}, password {ADMIN_PASSWORD})",
                    f"Sandbox:      {sandbox.base_url}  (company {sandbox.connection['extra']['company_id']}; "
                    f"its records: docs/demo-company.md)",
                    f"Connection:   {CONN_ID} -> the sandbox (Admin -> Connections; its Test button works)",
                    f"DAGs folder:  {args.dags.resolve()}  (DAGs start paused: switch one on, then trigger it)",
                    f"Logs:         {supervisor.log_dir}",
                    "Press Ctrl-C to stop everything.",
                ]
            ),
            flush=True,
        )
        while True:
            supervisor.check_alive()  # a component that crashed stops the whole deployment, with its log
            time.sleep(1.0)
    except Stop as stop:
        print(f"\n{stop}: stopping...", flush=True)
    except Exception as exc:
        print(f"make airflow: {exc}", file=sys.stderr, flush=True)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave processes behind
        names = [process.name for process in supervisor.processes]
        supervisor.stop_all()
        shutil.rmtree(home, ignore_errors=True)
        print(f"Stopped: {', '.join(names) or 'nothing was running'}; removed {home}", flush=True)
    return status


def _plain_env() -> dict[str, str]:
    """This process's environment without Airflow's settings (the sandbox needs none of them)."""
    import os

    return {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}


if __name__ == "__main__":
    sys.exit(main())

"""``[core] hostname_callable`` of the e2e Celery workers: each reports its own name.

Both workers run on one machine, so the FQDN Airflow records by default would be the same for
both and the check "tasks ran on both workers" could not tell them apart.  Every task instance
records this name as its ``hostname``.
"""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ["INTACCT_E2E_WORKER"]

"""A minimal client for Airflow's public REST API (/api/v2), authenticated like the UI.

The UI logs in at ``POST /auth/token`` (SimpleAuthManager) and sends the JWT it gets back as
a bearer token; this client does the same, so the deployment test goes through the same
authentication and authorization as a user's clicks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

TIMEOUT = 15


@dataclass
class AirflowApi:
    url: str
    session: requests.Session = field(default_factory=requests.Session)

    def login(self, username: str, password: str) -> None:
        answer = self.session.post(
            f"{self.url}/auth/token", json={"username": username, "password": password}, timeout=TIMEOUT
        )
        answer.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call ``/api/v2/<path>`` and return the JSON body; a non-2xx answer raises with its body."""
        answer = self.session.request(method, f"{self.url}/api/v2/{path}", timeout=TIMEOUT, **kwargs)
        if not answer.ok:
            raise AssertionError(f"{method} /api/v2/{path} answered {answer.status_code}: {answer.text[:500]}")
        return answer.json() if answer.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def exists(self, path: str) -> bool:
        """True once ``GET /api/v2/<path>`` stops answering 404 (e.g. a DAG not parsed yet)."""
        return self.session.get(f"{self.url}/api/v2/{path}", timeout=TIMEOUT).status_code != 404


def run_path(dag_id: str, run_id: str) -> str:
    """URL path of a DAG run; run ids contain ``:`` and ``+``, which must be escaped."""
    return f"dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"

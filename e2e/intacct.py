"""Read the sandbox's record store the way any Intacct client would: a token, then the query service.

The e2e checks count bills through the public API (not through the provider under test), so a
bug in the provider cannot hide a duplicate from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

BILL = "accounts-payable/bill"
BILL_FIELDS = ["key", "id", "vendor.id", "totalTxnAmount", "state", "createdDate", "dueDate", "webURL"]


@dataclass
class SandboxReader:
    connection: dict[str, Any]
    session: requests.Session = field(default_factory=requests.Session)

    def _token(self) -> str:
        extra = self.connection["extra"]
        answer = self.session.post(
            f"{self.connection['host']}/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.connection["login"],
                "client_secret": self.connection["password"],
                "username": f"{extra['user_id']}@{extra['company_id']}",
            },
            timeout=15,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def query(self, obj: str, fields: list[str], filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """All rows of ``obj`` matching ``filters`` (one page of up to 4000; more is an error here)."""
        body = {"object": obj, "fields": fields, "filters": filters, "size": 4000}
        answer = self.session.post(
            f"{self.connection['host']}/services/core/query",
            json=body,
            headers={"Authorization": f"Bearer {self._token()}"},
            timeout=30,
        )
        answer.raise_for_status()
        payload = answer.json()
        rows: list[dict[str, Any]] = payload["ia::result"]
        total = payload["ia::meta"]["totalCount"]
        assert len(rows) == total, f"query of {obj} returned {len(rows)} of {total} rows"
        return rows

    def bills_of(self, vendor_id: str) -> list[dict[str, Any]]:
        return self.query(BILL, BILL_FIELDS, [{"$eq": {"vendor.id": vendor_id}}])

    def bill_lines(self, key: str) -> list[dict[str, Any]]:
        """The bill's lines as Intacct stores them (``GET`` of the record)."""
        answer = self.session.get(
            f"{self.connection['host']}/objects/{BILL}/{key}",
            headers={"Authorization": f"Bearer {self._token()}"},
            timeout=15,
        )
        answer.raise_for_status()
        return list(answer.json()["ia::result"]["lines"])

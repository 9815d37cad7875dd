"""Helpers for the sandbox tests: an authenticated ``requests`` client over real HTTP, sample bodies."""

from __future__ import annotations

import itertools
from typing import Any

import requests

from intacct_provider.sandbox import IntacctSandbox

BILL = "accounts-payable/bill"
INVOICE = "accounts-receivable/invoice"
ENTRY = "general-ledger/journal-entry"
VENDOR = "accounts-payable/vendor"
CUSTOMER = "accounts-receivable/customer"


def token_form(sb: IntacctSandbox, **changes: str) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": sb.client_id,
        "client_secret": sb.client_secret,
        "username": f"{sb.user_id}@{sb.company_id}",
    }
    form.update(changes)
    return form


def fetch_token(sb: IntacctSandbox) -> dict[str, Any]:
    response = requests.post(f"{sb.base_url}/oauth2/token", data=token_form(sb), timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


class Client:
    """A keep-alive session with a bearer token, addressing paths relative to the base URL."""

    def __init__(self, sb: IntacctSandbox, entity: str | None = None) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + fetch_token(sb)["access_token"]
        if entity is not None:
            self.session.headers["X-IA-API-Param-Entity"] = entity

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.sb.base_url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, obj: str, body: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.post(f"/objects/{obj}", json=body, **kwargs)

    def query(self, **body: Any) -> requests.Response:
        return self.post("/services/core/query", json=body)

    def rows(self, **body: Any) -> list[dict[str, Any]]:
        response = self.query(**body)
        assert response.status_code == 200, response.text
        return list(response.json()["ia::result"])


def error_of(response: requests.Response) -> dict[str, Any]:
    """The nested ``ia::error`` of an error answer."""
    return dict(response.json()["ia::result"]["ia::error"])


def targets(response: requests.Response) -> list[str]:
    return [d.get("target", "") for d in error_of(response)["details"]]


#: Document numbers for the helper bodies: the sandbox requires them by default (no document
#: sequencing, the stricter reading), and a vendor's (customer's) numbers must be unique.
_NUMBERS = itertools.count(1)


def bill_body(**changes: Any) -> dict[str, Any]:
    """A valid bill of VEND-100 with its own ``billNumber`` (pass ``billNumber=None`` for none)."""
    body: dict[str, Any] = {
        "vendor": {"id": "VEND-100"},
        "billNumber": f"T-BILL-{next(_NUMBERS)}",
        "createdDate": "2026-03-01",
        "dueDate": "2026-03-31",
        "currency": {"txnCurrency": "USD"},
        "lines": [
            {
                "glAccount": {"id": "6700"},
                "txnAmount": "500.00",
                "memo": "Paper",
                "dimensions": {"location": {"id": "US"}},
            }
        ],
    }
    return _with(body, changes)


def invoice_body(**changes: Any) -> dict[str, Any]:
    """A valid invoice of CUST-100 with its own ``invoiceNumber`` (``invoiceNumber=None``: none)."""
    body: dict[str, Any] = {
        "customer": {"id": "CUST-100"},
        "invoiceNumber": f"T-INV-{next(_NUMBERS)}",
        "invoiceDate": "2026-03-01",
        "dueDate": "2026-03-31",
        "lines": [{"glAccount": {"id": "4000"}, "txnAmount": "1000.00"}],
    }
    return _with(body, changes)


def _with(body: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``body`` with ``changes``; a change to ``None`` of a document number leaves the number out."""
    body.update(changes)
    for number in ("billNumber", "invoiceNumber"):
        if number in changes and changes[number] is None:
            del body[number]
    return body


def payment_body(bill_key: str, amount: str = "500.00", **changes: Any) -> dict[str, Any]:
    """An AP payment of ``amount`` on bill ``bill_key`` of VEND-100 (the seed's bill 2001)."""
    body: dict[str, Any] = {
        "financialEntity": {"entityId": "BOA"},
        "paymentMethod": "Printed Check",
        "paymentDate": "2026-04-15",
        "vendor": {"id": "VEND-100"},
        "txnCurrency": {"currency": "USD"},
        "details": [{"bill": {"key": bill_key}, "txnCurrency": {"paymentAmount": amount}}],
    }
    body.update(changes)
    return body


def submit(api: Client, path: str, key: str, action: str = "submit", **extra: Any) -> Any:
    """Run workflow ``action`` on record ``key`` of ``path``; returns the response."""
    return api.post(f"/workflows/{path}/{action}", json={"key": key, **extra})


def model(api: Client, name: str) -> Any:
    """The company's model of ``name`` as the model service answers it (``ia::result``)."""
    response = api.get("/services/core/model", params={"name": name})
    assert response.status_code == 200, response.text
    return response.json()["ia::result"]


def entry_body(debit: str = "100.00", credit: str = "100.00", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "glJournal": {"id": "GJ"},
        "postingDate": "2026-03-31",
        "description": "Month-end rent",
        "lines": [
            {"glAccount": {"id": "6500"}, "txnAmount": debit, "txnType": "debit"},
            {"glAccount": {"id": "1000"}, "txnAmount": credit, "txnType": "credit"},
        ],
    }
    body.update(changes)
    return body

"""The sandbox keeps a number field exactly as the client sent it, and answers with the same token.

Bodies here are raw bytes (not encoded by the provider's own JSON code), and answers are read as
text, so the sandbox is checked on its own: ``12345678901234567.89`` and ``12345678901234567.88``
are one float but two amounts, and ``59.10`` is answered as ``59.10``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from sandbox_helpers import Client

from intacct_provider.sandbox import IntacctSandbox
from intacct_provider.sandbox.tenant import EXAMPLE_TENANT, load_tenant

CIP = "platform-apps/nsp::cip_asset"
BIG = "12345678901234567.89"
JSON = {"Content-Type": "application/json"}
TENANT = load_tenant(EXAMPLE_TENANT)  # loaded once: its validators are compiled once for the module


@pytest.fixture
def intacct_tenant() -> Any:
    return TENANT


def post_raw(api: Client, cost: str, name: str) -> str:
    body = f'{{"name": "{name}", "nsp::COST": {cost}, "nsp::STATUS": "planned"}}'.encode()
    created = api.post(f"/objects/{CIP}", data=body, headers=JSON)
    assert created.status_code == 201, created.text
    return str(created.json()["ia::result"]["key"])


def costs_in(text: str) -> list[str]:
    return re.findall(r'"nsp::COST":(-?[0-9][0-9.eE+-]*)', text)


def test_a_posted_number_is_stored_and_answered_digit_for_digit(api: Client, intacct_sandbox: IntacctSandbox):
    key = post_raw(api, BIG, "big")
    assert intacct_sandbox.get_record(CIP, key)["nsp::COST"] == Decimal(BIG)
    assert costs_in(api.get(f"/objects/{CIP}/{key}").text) == [BIG]
    freight = post_raw(api, "59.10", "freight")
    assert costs_in(api.get(f"/objects/{CIP}/{freight}").text) == ["59.10"]  # not 59.1
    logged = [r["body"] for r in intacct_sandbox.requests if r["method"] == "POST" and r["path"].endswith(CIP)]
    assert [body["nsp::COST"] for body in logged] == [Decimal(BIG), Decimal("59.10")]


def test_a_filter_tells_apart_numbers_a_float_cannot(api: Client):
    big = post_raw(api, BIG, "big")
    post_raw(api, "12345678901234567.88", "a cent less")
    query = f'{{"object": "{CIP}", "fields": ["key", "nsp::COST"], "filters": [{{"$eq": {{"nsp::COST": {BIG}}}}}]}}'
    page = api.post("/services/core/query", data=query.encode(), headers=JSON)
    assert page.status_code == 200, page.text
    assert [row["key"] for row in page.json()["ia::result"]] == [big]
    assert costs_in(page.text) == [BIG]


def test_the_seed_of_a_tenant_file_is_exact(api: Client, intacct_sandbox: IntacctSandbox):
    """The example tenant's 30999.99 is a float's neighbour, not a float."""
    costs = {r["name"]: r["nsp::COST"] for r in intacct_sandbox.records(CIP)}
    assert costs["Office HVAC"] == Decimal("30999.99") and type(costs["Office HVAC"]) is Decimal
    page = api.post("/services/core/query", json={"object": CIP, "fields": ["nsp::COST"], "orderBy": [{"key": "asc"}]})
    assert costs_in(page.text) == ["48250.75", "12800", "30999.99"]

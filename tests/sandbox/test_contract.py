"""The contract package: generated schemas match the generator, load, and say what Sage says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from intacct_provider import contract

ROOT = Path(__file__).resolve().parents[2]
# Beside the checkout (../shared), or beside the folder of worktrees (../../shared).
SOURCE = (
    next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()), ROOT.parent / "shared")
    / "docs/contract/intacct-objects.json"
)
BILL, JE = "accounts-payable/bill", "general-ledger/journal-entry"


def _errors(path: str, operation: str, body: dict) -> list[tuple[str, str]]:
    found = []
    for error in contract.validator(path, operation).iter_errors(body):
        extra = contract.unknown_properties(error)
        pointer = contract.error_pointer(error)
        found += [(f"{pointer}/{name}", "unknown") for name in extra] or [(pointer, str(error.validator))]
    return sorted(found)


@pytest.mark.skipif(not SOURCE.exists(), reason="the contract facts live beside the project checkout")
def test_committed_schemas_match_the_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_contract.py"), "--source", str(SOURCE), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_object_has_its_three_schemas_and_facts() -> None:
    assert BILL in contract.object_paths() and "accounts-payable/payment" in contract.object_paths()
    for path in contract.object_paths():
        for operation in ("create", "update", "record"):
            schema = contract.load_schema(path, operation)
            assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
            assert schema["additionalProperties"] is False
        assert contract.object_facts(path)["path"] == path


def test_load_schema_refuses_unknown_names() -> None:
    with pytest.raises(KeyError, match="accounts-payable/nope"):
        contract.load_schema("accounts-payable/nope", "create")
    with pytest.raises(ValueError, match="operation must be one of"):
        contract.load_schema(BILL, "delete")
    assert contract.load_schema(BILL, "create") is contract.load_schema(BILL, "create")


def test_bill_create_requires_what_sage_requires() -> None:
    found = _errors(BILL, "create", {"lines": [{}]})
    # one error per missing property: vendor, dueDate, createdDate, currency; glAccount, txnAmount, dimensions
    assert found == [("", "required")] * 4 + [("/lines/0", "required")] * 3
    schema = contract.load_schema(BILL, "create")
    assert schema["required"] == ["vendor", "dueDate", "createdDate", "currency"]
    assert schema["properties"]["vendor"]["required"] == ["id"]
    assert schema["properties"]["currency"]["required"] == ["txnCurrency"]
    line = schema["properties"]["lines"]["items"]
    assert line["required"] == ["glAccount", "txnAmount", "dimensions"]
    assert line["properties"]["dimensions"]["required"] == ["location"]


def test_journal_entry_lines_have_description_not_memo_and_absolute_amounts() -> None:
    body = {
        "glJournal": {"id": "GJ"},
        "postingDate": "2026-01-31",
        "description": "Accrual",
        "lines": [
            {"glAccount": {"id": "6700"}, "txnAmount": "-5.00", "txnType": "debit", "memo": "x"},
            {"glAccount": {"id": "2000"}, "txnAmount": "5.00", "txnType": "credit", "description": "ok"},
        ],
    }
    assert _errors(JE, "create", body) == [("/lines/0/memo", "unknown"), ("/lines/0/txnAmount", "pattern")]
    assert _errors(JE, "create", {**body, "lines": body["lines"][1:]}) == [("/lines", "minItems")]


def test_update_schemas_require_nothing_and_refuse_state_and_id() -> None:
    for path in (BILL, JE, "accounts-payable/vendor"):
        schema = contract.load_schema(path, "update")
        assert "required" not in schema
        assert schema["properties"]["id"]["readOnly"] is True
        assert schema["properties"]["state"]["readOnly"] is True
    errors = list(contract.validator(BILL, "update").iter_errors({"state": "posted"}))
    assert [contract.is_read_only_error(error) for error in errors] == [True]


def test_read_only_fields_are_refused_on_create_and_dates_are_real() -> None:
    body = {"totalTxnAmount": "1.00", "dueDate": "2026-02-30"}
    errors = {contract.error_pointer(e): e for e in contract.validator(BILL, "create").iter_errors(body)}
    assert contract.is_read_only_error(errors["/totalTxnAmount"])
    assert errors["/dueDate"].validator == "format"


def test_walking_helpers() -> None:
    je = contract.load_schema(JE, "create")
    names = contract.property_names(je, "/lines/0")
    assert "description" in names and "memo" not in names and "baseAmount" not in names
    assert "baseAmount" in contract.property_names(je, "/lines/0", writable_only=False)
    assert contract.subschema_at(je, "/lines/3/glAccount/id") == {"type": "string", "description": "account number"}
    assert contract.subschema_at(je, "/nope/x") is None
    leaves = contract.leaf_properties(contract.load_schema(BILL, "record"))
    assert leaves["vendor.id"]["type"] == "string" and leaves["totalTxnAmountDue"]["readOnly"] is True
    assert "lines" in leaves and "lines.txnAmount" not in leaves


def test_facts_carry_state_workflows_and_natural_keys() -> None:
    bill = contract.object_facts(BILL)
    assert bill["state"]["default"] == "draft" and bill["state"]["create_allowed"] == ["draft"]
    assert bill["natural_key"] == ["vendor.id", "billNumber"] and bill["number_field"] == "billNumber"
    assert bill["workflows"]["submit"]["path"] == "/workflows/accounts-payable/bill/submit"
    assert set(bill["workflows"]) == {"submit", "approve", "decline", "recall", "reverse"}
    assert set(contract.object_facts("accounts-receivable/invoice")["workflows"]) == {"submit", "reverse"}
    assert contract.object_facts(JE)["state"]["default"] == "posted"
    with pytest.raises(KeyError, match="does not describe"):
        contract.object_facts("nope/nope")

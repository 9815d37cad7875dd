"""exceptions: an error names its record once, keeps its class, its fields and Intacct's words."""

from __future__ import annotations

from intacct_provider.exceptions import (
    IntacctConflictError,
    IntacctRequestError,
    IntacctValidationError,
    error_from_response,
)


def test_name_record_leads_the_message_and_keeps_the_rest():
    error = IntacctConflictError(
        "Duplicate bill number", status=409, method="POST", path="/objects/accounts-payable/bill"
    )
    before = str(error)
    error.name_record("AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02 (map index 1)")
    assert str(error) == f"AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02 (map index 1): {before}"
    assert (error.status, error.message, error.record) == (
        409,
        "Duplicate bill number",
        "AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02 (map index 1)",
    )


def test_only_the_first_name_sticks():
    error = IntacctValidationError("line_items[0].amount", "a decimal amount", "12,50")
    error.name_record("AP bill 'A'")
    error.name_record("AP bill 'B'")
    assert str(error) == "AP bill 'A': line_items[0].amount: expected a decimal amount, got '12,50'"
    assert error.parameter == "line_items[0].amount"


def test_numbers_in_an_error_body_keep_every_digit():
    body = '{"ia::error": {"code": 1250.50, "details": [0.10, {"message": "over by"}, 1E+2]}}'
    error = error_from_response(422, body, method="POST", path="/objects/accounts-payable/bill")
    assert isinstance(error, IntacctRequestError)
    assert error.message == "1250.50"
    assert error.details == ["0.10", "over by", "1E+2"]

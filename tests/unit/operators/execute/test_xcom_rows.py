"""operators.execute.xcom: what goes to XCom is small, and exact (a decimal number as its text)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intacct_provider.exceptions import IntacctValidationError
from intacct_provider.operators.execute.xcom import MAX_XCOM_ROWS, collect_for_xcom


def test_decimal_numbers_go_to_xcom_as_their_exact_text():
    """Airflow's serde would hand the next task Decimal('12345678901234568') for this one."""
    rows = [{"key": "1", "nsp::COST": Decimal("12345678901234567.89"), "nsp::RATE": Decimal("59.10"), "n": 3}]
    assert collect_for_xcom(iter(rows), what="rows") == [
        {"key": "1", "nsp::COST": "12345678901234567.89", "nsp::RATE": "59.10", "n": 3}
    ]


def test_too_many_rows_point_to_output_path():
    with pytest.raises(IntacctValidationError, match="output_path"):
        collect_for_xcom(({"key": str(i)} for i in range(MAX_XCOM_ROWS + 1)), what="rows")

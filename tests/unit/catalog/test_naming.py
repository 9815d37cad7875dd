"""naming: how an error names its record, from the arguments the user typed."""

from __future__ import annotations

import pytest

from intacct_provider.catalog.naming import VALUE_CHARS, record_name, with_position


@pytest.mark.parametrize(
    ("label", "arguments", "master", "expected"),
    [
        (
            "AP bill",
            {"vendor_id": "VEND-200", "bill_number": "CSV-2", "date_created": "2026-11-02", "date_due": "2026-12-02"},
            False,
            "AP bill 'CSV-2' of vendor VEND-200 dated 2026-11-02",
        ),
        (
            "AP bill",
            {"vendor_id": "VEND-200", "date_created": "2026-11-02"},
            False,
            "AP bill of vendor VEND-200 dated 2026-11-02",
        ),
        (
            "AR invoice",
            {"customer_id": "CUST-100", "invoice_number": "SO-7", "date_created": "2026-11-02"},
            False,
            "AR invoice 'SO-7' of customer CUST-100 dated 2026-11-02",
        ),
        (
            "GL journal entry",
            {"journal_id": "GJ", "posting_date": "2026-11-30", "description": "Rent accrual", "lines": []},
            False,
            "GL journal entry 'Rent accrual' in journal GJ dated 2026-11-30",
        ),
        ("AP vendor", {"vendor_id": "VEND-900", "name": "Acme"}, True, "AP vendor VEND-900"),
        ("AR customer", {"name": "Globex"}, True, "AR customer 'Globex'"),
        (
            "AP payment",
            {"vendor_id": "VEND-200", "payment_date": "2026-11-03", "bills": [{"key": "1"}]},
            False,
            "AP payment of vendor VEND-200 dated 2026-11-03",
        ),
        ("company-config/location", {"id": "US-CA", "name": "California"}, False, "company-config/location US-CA"),
        ("AP bill", None, False, "AP bill"),
        ("AP bill", {"vendor_id": "  ", "bill_number": None, "line_items": [{"a": 1}]}, False, "AP bill"),
    ],
)
def test_names_say_what_the_user_typed(label, arguments, master, expected):
    assert record_name(label, arguments, master=master) == expected


def test_long_values_are_cut():
    name = record_name("AP bill", {"bill_number": "N" * 500})
    assert len(name) < VALUE_CHARS + 20 and name.endswith("…'")


@pytest.mark.parametrize(("index", "expected"), [(None, "AP bill"), (-1, "AP bill"), (0, "AP bill (map index 0)")])
def test_map_index_only_for_mapped_instances(index, expected):
    assert with_position("AP bill", index) == expected

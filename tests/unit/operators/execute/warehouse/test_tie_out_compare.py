"""The tie-out's comparison, without a server or a database: keys, values as their kind, totals, the XCom."""

from __future__ import annotations

from decimal import Decimal

from intacct_provider.core.columns import plan_columns
from intacct_provider.operators.execute.warehouse.tie_out import compare

COLUMNS = plan_columns(
    ["totalTxnAmount", "state"], {"totalTxnAmount": {"type": "string", "format": "decimal-precision-2"}}
)


def intacct(*rows):
    return [{"key": key, "totalTxnAmount": amount, "state": state} for key, amount, state in rows]


def test_equal_copies_tie_out_with_decimals_compared_as_decimals():
    table = {"1": ("10.5", "posted"), "2": (Decimal("0.10"), "draft")}  # SQLite text, PostgreSQL Decimal
    tie = compare(intacct(("1", "10.50", "posted"), ("2", "0.1", "draft")), table, COLUMNS, complete=True)
    assert tie.ties_out
    assert tie.totals == {"totalTxnAmount": [Decimal("10.60"), Decimal("10.60")]}
    assert tie.result(5)["totals"] == {"totalTxnAmount": {"intacct": "10.60", "table": "10.60"}}


def test_missing_extra_and_different_are_reported_by_key_in_key_order():
    table = {"10": ("1.00", "posted"), "9": ("2.00", "paid"), "11": ("5.00", "posted")}
    rows = intacct(("9", "2.00", "posted"), ("10", "1.00", "posted"), ("12", "3.00", "draft"), ("2", "1.00", "draft"))
    tie = compare(rows, table, COLUMNS, complete=True)
    result = tie.result(100)
    assert result["missing"] == {"count": 2, "keys": ["2", "12"]}
    assert result["extra"] == {"count": 1, "keys": ["11"]}
    assert result["different"] == {
        "count": 1,
        "rows": [{"key": "9", "field": "state", "intacct": "posted", "table": "paid"}],
    }
    assert result["totals"]["totalTxnAmount"] == {"intacct": "7.00", "table": "8.00"}
    assert not tie.ties_out
    assert "2, 12" in tie.report() and "9            state" in tie.report()


def test_lists_are_cut_but_counts_are_not():
    rows = intacct(*((str(k), "1.00", "posted") for k in range(1, 8)))
    result = compare(rows, {}, COLUMNS, complete=True).result(3)
    assert result["missing"] == {"count": 7, "keys": ["1", "2", "3"]}
    assert result["checked"] == 7


def test_a_narrowed_check_calls_extra_only_what_intacct_no_longer_has():
    table = {"1": ("1.00", "posted"), "5": ("5.00", "posted"), "6": ("6.00", "posted")}
    asked = []

    def still_exists(keys):
        asked.append(list(keys))
        return {"5"}  # 5 is only outside the scope; 6 is gone

    tie = compare(intacct(("1", "1.00", "posted")), table, COLUMNS, complete=False, still_exists=still_exists)
    assert asked == [["5", "6"]]
    assert tie.extra == ["6"] and tie.totals["totalTxnAmount"] == [Decimal("1.00"), Decimal("7.00")]


def test_keys_stamped_outside_the_window_are_looked_up_before_being_missing():
    tie = compare(
        intacct(("1", "1.00", "posted"), ("2", "2.00", "posted")),
        {"1": ("1.00", "posted")},
        COLUMNS,
        complete=False,
        still_exists=lambda keys: set(keys),
        stored=lambda keys: {"2": ("2.50", "posted")} if keys == ["2"] else {},
    )
    assert tie.missing == [] and [(d.key, d.table) for d in tie.different] == [("2", "2.50")]

"""core.pages: the plan of a full read and the answers that cannot be true, without a server."""

from __future__ import annotations

import pytest

from intacct_provider.core.pages import MAX_REPAIR_PASSES, PagePlan, anchored, check_complete, check_page
from intacct_provider.exceptions import IntacctError, IntacctProtocolError


def page(keys, total, next_start=None):
    return {"ia::result": [{"key": str(k)} for k in keys], "ia::meta": {"totalCount": total, "next": next_start}}


def test_starts_overlap_by_one_row():
    plan = PagePlan(page_size=100, total=350)
    assert plan.fetch == 101
    assert list(plan.starts()) == [100, 200, 300]
    assert plan.queries == 4  # ceil(350 / 100)


def test_a_huge_count_costs_nothing_to_plan_and_is_refused_before_reading():
    plan = PagePlan(page_size=4000, total=10**12)
    assert plan.queries > 10**8  # a lazy range, no MemoryError
    with pytest.raises(IntacctError, match="max_queries=10000"):
        plan.budget(10_000)


def test_budget_is_the_passes_within_the_ceiling():
    assert PagePlan(page_size=100, total=350).budget(10_000) == 4 * (1 + MAX_REPAIR_PASSES)
    assert PagePlan(page_size=100, total=350).budget(6) == 6


def test_a_believable_page():
    assert len(check_page(page(range(1, 101), 350, 101), start=1, asked=100, total=350)) == 100
    assert len(check_page(page(range(300, 351), 350), start=300, asked=101, total=350)) == 51


@pytest.mark.parametrize(
    ("answer", "start", "asked", "problem"),
    [
        (page(range(1, 101), 350, None), 1, 100, "full but has no ia::meta.next"),
        (page(range(1, 41), 350, 41), 1, 100, "holds 40 rows where totalCount 350 promises 100"),
        (page([], 350), 100, 101, "holds 0 rows"),
        (page(range(1, 103), 350, 103), 1, 100, "more than the 100 asked"),
        (page([1, 1], 2), 1, 100, "same key twice"),
    ],
)
def test_answers_that_contradict_the_count(answer, start, asked, problem):
    with pytest.raises(IntacctProtocolError, match=problem):
        check_page(answer, start=start, asked=asked, total=350 if answer["ia::meta"]["totalCount"] == 350 else 2)


def test_a_changed_count_is_left_to_the_repair_pass():
    assert check_page(page([], 349), start=100, asked=101, total=350) == []


def test_anchor_and_completeness():
    assert anchored([{"key": "5"}, {"key": "6"}], [{"key": "4"}, {"key": "5"}])
    assert not anchored([{"key": "6"}], [{"key": "4"}, {"key": "5"}])
    check_complete(350, 350, limit=None)
    check_complete(10, 350, limit=10)
    with pytest.raises(IntacctProtocolError, match="349 distinct rows where totalCount is 350"):
        check_complete(349, 350, limit=None)

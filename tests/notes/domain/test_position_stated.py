"""Stated months read instead of recomputed: every figure the same (§2).

`month_amounts`, `note_position`, `interest_lines` and `position_history` take
the months a note's statements state (`stated`) and read each ended month
from them; the month containing the day asked — in progress, or the note's
final month — is always computed. Given the amounts the core itself gives,
every figure equals the full recomputation's, whatever the note's principal
steps, payments and end.
"""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from notes.domain.interest import principal_timeline
from notes.domain.position import (
    Allocation,
    interest_lines,
    month_amounts,
    note_position,
    position_history,
)

ISSUE = date(2024, 1, 1)
days = st.integers(min_value=0, max_value=900).map(lambda n: ISSUE + timedelta(days=n))


@st.composite
def notes(draw):
    issue = draw(days)
    principal = Decimal(draw(st.integers(min_value=100_00, max_value=10_000_000_00))).scaleb(-2)
    payments, left = [], principal
    for day in sorted(draw(st.lists(days.filter(lambda d: d >= issue), max_size=3))):
        amount = min(left, Decimal(draw(st.integers(1, 5_000_000_00))).scaleb(-2))
        if amount > 0:
            payments.append((day, amount))
            left -= amount
    timeline = principal_timeline(issue, principal, payments)
    as_of = draw(days.filter(lambda d: d >= issue))
    end = draw(st.none() | days.filter(lambda d: d >= issue))
    convention = draw(st.sampled_from(["ACT/365F", "ACT/360", "30/360", "ACT/ACT"]))
    allocations = [
        Allocation(period_start=issue, amount=Decimal("0.01"), paid_on=day)
        for day in draw(st.lists(days.filter(lambda d: d >= issue), max_size=4))
    ]
    return issue, timeline, as_of, end, convention, allocations


def _stated(issue, timeline, convention, through, keep):
    """What statements would state: the core's own amounts, for some ended months."""
    months = month_amounts(
        timeline=timeline, rate=Decimal("0.10"), convention=convention, issue_date=issue,
        through=through,
    )
    return {(s, e): a for i, (s, e, a) in enumerate(months) if keep(i)}


@settings(max_examples=150, deadline=None)
@given(note=notes(), keep=st.sampled_from([lambda i: True, lambda i: i % 2 == 0]))
def test_reading_stated_months_changes_no_figure(note, keep):
    issue, timeline, as_of, end, convention, allocations = note
    # Months stated through the later of the day asked and the end; some never stated.
    stated = _stated(issue, timeline, convention, max(as_of, end or as_of), keep)
    common = dict(timeline=timeline, rate=Decimal("0.10"), convention=convention,
                  issue_date=issue)
    assert note_position(**common, due_day=15, allocations=allocations, as_of=as_of,
                         end_date=end, stated=stated) == note_position(
        **common, due_day=15, allocations=allocations, as_of=as_of, end_date=end)
    assert interest_lines(**common, as_of=as_of, end_date=end, stated=stated) == interest_lines(
        **common, as_of=as_of, end_date=end)
    history_days = sorted({issue, as_of, *(issue + timedelta(days=k) for k in (27, 31, 95))})
    history = position_history(**common, allocations=allocations, days=history_days,
                               end_date=end, stated=stated)
    assert history == position_history(**common, allocations=allocations, days=history_days,
                                       end_date=end)
    # ...and each point is the position of its day (the chart and the page agree).
    for point in history:
        position = note_position(**common, due_day=15, allocations=allocations,
                                 as_of=point.day, end_date=end)
        assert point.accrued_unpaid_interest == position.accrued_unpaid_interest
        assert point.outstanding_principal == position.outstanding_principal


def test_the_month_in_progress_is_never_read():
    """A stated figure for the month containing the day asked is ignored: it is computed."""
    timeline = principal_timeline(ISSUE, Decimal("100000.00"))
    common = dict(timeline=timeline, rate=Decimal("0.10"), convention="ACT/365F",
                  issue_date=ISSUE)
    wrong = {(date(2024, 1, 1), date(2024, 1, 31)): Decimal("1.00"),
             (date(2024, 2, 1), date(2024, 2, 29)): Decimal("1.00")}
    [(_, _, january), (_, _, february)] = month_amounts(
        **common, through=date(2024, 2, 29), stated=wrong
    )
    assert january == Decimal("1.00")  # an ended month: read
    assert february == Decimal("794.52")  # 100,000 × 0.10 × 29/365, the month asked through

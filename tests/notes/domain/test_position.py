from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.domain.daycount import DayCount
from notes.domain.interest import principal_timeline
from notes.domain.periods import maturity_date, statement_periods
from notes.domain.position import (
    Allocation,
    InterestOverpaymentError,
    Position,
    allocate_interest,
    month_amounts,
    note_position,
    open_interest_months,
)

TEN_PERCENT = Decimal("0.10")
ISSUE = date(2006, 7, 20)
PRINCIPAL = Decimal("250000.00")
NOTE = principal_timeline(ISSUE, PRINCIPAL)
JULY, AUGUST, SEPTEMBER = date(2006, 7, 20), date(2006, 8, 1), date(2006, 9, 1)


def position(as_of, allocations=(), timeline=NOTE, end_date=None):
    return note_position(
        timeline=timeline,
        rate=TEN_PERCENT,
        convention=DayCount.ACT_365F,
        issue_date=ISSUE,
        due_day=15,
        allocations=allocations,
        as_of=as_of,
        end_date=end_date,
    )


def paid_as_stated(through_as_of):
    """Pay every statement in full on its due date, for all statements as of a day."""
    amounts = {
        start: amount
        for start, _, amount in month_amounts(
            timeline=NOTE,
            rate=TEN_PERCENT,
            convention=DayCount.ACT_365F,
            issue_date=ISSUE,
            through=through_as_of,
        )
    }
    return [
        Allocation(period_start=p.start, amount=amounts[p.start], paid_on=p.due_date)
        for p in statement_periods(issue_date=ISSUE, as_of=through_as_of, due_day=15)
    ]


# --- month amounts ------------------------------------------------------------------


def test_month_amounts_round_each_month_and_the_current_one_through_the_day():
    assert month_amounts(
        timeline=NOTE,
        rate=TEN_PERCENT,
        convention=DayCount.ACT_365F,
        issue_date=ISSUE,
        through=date(2006, 9, 10),
    ) == [
        (JULY, date(2006, 7, 31), Decimal("821.92")),
        (AUGUST, date(2006, 8, 31), Decimal("2123.29")),
        # 250,000 × 10% × 10/365 = 684.931…
        (SEPTEMBER, date(2006, 9, 10), Decimal("684.93")),
    ]


# --- allocation (oldest first, §4) -----------------------------------------------------


def test_an_interest_payment_applies_to_the_oldest_month_first():
    open_months = [(AUGUST, Decimal("2123.29")), (JULY, Decimal("821.92"))]
    assert allocate_interest(open_months=open_months, amount=Decimal("1000.00")) == [
        (JULY, Decimal("821.92")),
        (AUGUST, Decimal("178.08")),
    ]


def test_paid_months_are_skipped_and_the_exact_total_is_accepted():
    open_months = [(JULY, Decimal("0.00")), (AUGUST, Decimal("2123.29"))]
    assert allocate_interest(open_months=open_months, amount=Decimal("2123.29")) == [
        (AUGUST, Decimal("2123.29"))
    ]


def test_an_interest_payment_beyond_what_is_accrued_and_unpaid_is_refused():
    open_months = [(JULY, Decimal("821.92")), (AUGUST, Decimal("2123.29"))]
    with pytest.raises(InterestOverpaymentError) as refused:
        allocate_interest(open_months=open_months, amount=Decimal("3000.00"))
    assert refused.value.requested == Decimal("3000.00")
    assert refused.value.unpaid == Decimal("2945.21")
    assert "3,000.00" in str(refused.value)
    assert "2,945.21" in str(refused.value)
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-1.00")])
def test_a_non_positive_interest_payment_is_refused(amount):
    with pytest.raises(ValueError, match="positive"):
        allocate_interest(open_months=[(JULY, Decimal("821.92"))], amount=amount)


@settings(max_examples=200, deadline=None)
@given(
    open_cents=st.lists(st.integers(0, 500_000), min_size=1, max_size=24),
    share=st.fractions(min_value=0, max_value=1),
)
def test_allocation_conserves_the_payment_and_fills_months_in_order(open_cents, share):
    open_months = [
        (date(2006 + i // 12, i % 12 + 1, 1), Decimal(c).scaleb(-2))
        for i, c in enumerate(open_cents)
    ]
    total = sum(amount for _, amount in open_months)
    amount = Decimal(int(share * int(total * 100))).scaleb(-2)
    if amount <= 0:
        return
    allocations = allocate_interest(open_months=open_months, amount=amount)
    assert sum(a for _, a in allocations) == amount
    open_by_month = dict(open_months)
    for i, (month, allocated) in enumerate(allocations):
        assert 0 < allocated <= open_by_month[month]
        if i < len(allocations) - 1:
            assert allocated == open_by_month[month]  # filled before the next one


# --- position -----------------------------------------------------------------------


def test_before_issue_everything_is_zero():
    assert position(date(2006, 7, 19)) == Position(
        as_of=date(2006, 7, 19),
        outstanding_principal=Decimal("0.00"),
        accrued_unpaid_interest=Decimal("0.00"),
        note_amount=Decimal("0.00"),
        past_due_interest=Decimal("0.00"),
    )


def test_on_the_issue_date_one_day_has_accrued():
    # 25,000 / 365 = 68.493…
    assert position(ISSUE).accrued_unpaid_interest == Decimal("68.49")
    assert position(ISSUE).outstanding_principal == PRINCIPAL


def test_accrued_interest_counts_the_current_month_through_the_day():
    # July 821.92 + 1–10 August (10 days: 684.93) = 1,506.85
    p = position(date(2006, 8, 10))
    assert p.accrued_unpaid_interest == Decimal("1506.85")
    assert p.note_amount == Decimal("251506.85")
    assert p.past_due_interest == Decimal("0.00")


def test_a_statement_is_not_past_due_on_its_due_date_but_is_the_next_day():
    assert position(date(2006, 8, 15)).past_due_interest == Decimal("0.00")
    p = position(date(2006, 8, 16))
    assert p.past_due_interest == Decimal("821.92")
    # July 821.92 + 1–16 August (16 days: 1,095.89) = 1,917.81
    assert p.accrued_unpaid_interest == Decimal("1917.81")


def test_paying_the_statement_on_its_due_date_clears_it():
    paid = [Allocation(period_start=JULY, amount=Decimal("821.92"), paid_on=date(2006, 8, 15))]
    p = position(date(2006, 8, 16), paid)
    assert p.past_due_interest == Decimal("0.00")
    assert p.accrued_unpaid_interest == Decimal("1095.89")


def test_a_partial_payment_leaves_the_rest_past_due():
    paid = [Allocation(period_start=JULY, amount=Decimal("500.00"), paid_on=date(2006, 8, 15))]
    assert position(date(2006, 8, 16), paid).past_due_interest == Decimal("321.92")


def test_a_payment_after_the_day_of_the_question_does_not_count():
    paid = [Allocation(period_start=JULY, amount=Decimal("821.92"), paid_on=date(2006, 8, 20))]
    p = position(date(2006, 8, 16), paid)
    assert p.past_due_interest == Decimal("821.92")
    assert p.accrued_unpaid_interest == Decimal("1917.81")


def test_past_due_sums_every_overdue_statement():
    # As of 16 Oct 2006 nothing paid: July, August and September are all overdue.
    p = position(date(2006, 10, 16))
    assert p.past_due_interest == Decimal("821.92") + Decimal("2123.29") + Decimal("2054.79")
    # ... plus 1–16 October (16 days: 1,095.89) accrued but not yet due.
    assert p.accrued_unpaid_interest == Decimal("6095.89")


def test_a_principal_payment_shows_the_same_day_but_reduces_interest_from_the_next():
    timeline = principal_timeline(ISSUE, PRINCIPAL, [(date(2008, 8, 10), Decimal("50000.00"))])
    # Every statement through July 2008 paid on its due date (July's on 15 August).
    paid = paid_as_stated(date(2008, 8, 1))
    on_the_day = position(date(2008, 8, 10), paid, timeline)
    assert on_the_day.outstanding_principal == Decimal("200000.00")
    # July 2,123.29 (due 15 August, not yet paid) + 1–10 August still at 250,000:
    # 250,000 × 10% × 10/365 = 684.93.
    assert on_the_day.accrued_unpaid_interest == Decimal("2808.22")
    assert on_the_day.note_amount == Decimal("202808.22")
    assert position(date(2008, 8, 9), paid, timeline).outstanding_principal == PRINCIPAL
    # July paid; the whole of August: 670,000 / 365 = 1,835.62
    assert position(date(2008, 8, 31), paid, timeline).accrued_unpaid_interest == Decimal("1835.62")


def test_interest_keeps_accruing_after_maturity():
    maturity = maturity_date(ISSUE, 24)
    assert maturity == date(2008, 7, 20)
    paid = paid_as_stated(date(2008, 7, 1))  # every statement through June 2008 paid
    # July 2008 in full: 250,000 × 10% × 31/365 = 2,123.29
    assert position(date(2008, 7, 31), paid).accrued_unpaid_interest == Decimal("2123.29")
    late = position(date(2008, 8, 31), paid)
    assert late.accrued_unpaid_interest == Decimal("4246.58")
    assert late.past_due_interest == Decimal("2123.29")
    assert late.note_amount == Decimal("254246.58")


def test_accrual_stops_on_the_conversion_date():
    # Converted 10 Sep 2006: July 821.92 + August 2,123.29 + 1–10 September 684.93.
    p = position(date(2006, 12, 31), end_date=date(2006, 9, 10))
    assert p.accrued_unpaid_interest == Decimal("3630.14")
    # Only July and August have statements; September's interest is in the Note Amount.
    assert p.past_due_interest == Decimal("821.92") + Decimal("2123.29")


def test_open_months_net_the_payments_and_feed_allocation():
    paid = [Allocation(period_start=JULY, amount=Decimal("500.00"), paid_on=date(2006, 8, 15))]
    open_months = open_interest_months(
        timeline=NOTE,
        rate=TEN_PERCENT,
        convention=DayCount.ACT_365F,
        issue_date=ISSUE,
        allocations=paid,
        as_of=date(2006, 9, 10),
    )
    assert open_months == [
        (JULY, Decimal("321.92")),
        (AUGUST, Decimal("2123.29")),
        (SEPTEMBER, Decimal("684.93")),
    ]
    assert allocate_interest(open_months=open_months, amount=Decimal("1000.00")) == [
        (JULY, Decimal("321.92")),
        (AUGUST, Decimal("678.08")),
    ]
    with pytest.raises(InterestOverpaymentError):
        allocate_interest(open_months=open_months, amount=Decimal("3130.15"))


def test_an_allocation_to_a_month_not_yet_accrued_is_refused():
    paid = [Allocation(period_start=SEPTEMBER, amount=Decimal("1.00"), paid_on=date(2006, 8, 15))]
    with pytest.raises(ValueError, match="not accrued"):
        position(date(2006, 8, 20), paid)

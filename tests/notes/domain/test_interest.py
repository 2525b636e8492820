from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.domain.daycount import DayCount, year_fraction
from notes.domain.interest import (
    BalanceStep,
    RateSource,
    accrue,
    balance_on,
    effective_rate,
    period_interest,
    principal_timeline,
)
from notes.domain.money import round_cents
from notes.domain.periods import accrual_months

TEN_PERCENT = Decimal("0.10")
ISSUE = date(2006, 7, 20)
NOTE = principal_timeline(ISSUE, Decimal("250000.00"))


# --- rounding: once, half-up, to the cent ---------------------------------------------


@pytest.mark.parametrize(
    ("exact", "expected"),
    [
        (Fraction(300000, 365), Decimal("821.92")),
        (Fraction(1, 200), Decimal("0.01")),  # a tie rounds up
        (Fraction(-1, 200), Decimal("-0.01")),  # ... away from zero
        (Fraction(1, 300), Decimal("0.00")),
        (Fraction(-1, 300), Decimal("0.00")),
        (Fraction(201, 200), Decimal("1.01")),  # 1.005: float(1.005) would give 1.00
        (Decimal("2.675"), Decimal("2.68")),
        (Decimal("2.6749999"), Decimal("2.67")),
    ],
)
def test_round_cents_is_half_up_to_the_cent(exact, expected):
    rounded = round_cents(exact)
    assert rounded == expected
    assert rounded.as_tuple().exponent == -2


def test_round_cents_refuses_a_float():
    with pytest.raises(TypeError):
        round_cents(821.92)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6))
def test_round_cents_agrees_for_a_decimal_and_its_exact_fraction(value):
    assert round_cents(Fraction(value)) == round_cents(value)


# --- rate (§2: 10% or the maximum lawful rate, whichever is less) -----------------


def test_stated_rate_applies_without_a_maximum_lawful_rate():
    assert effective_rate(TEN_PERCENT, None) == (TEN_PERCENT, "stated")


def test_a_lower_maximum_lawful_rate_applies():
    assert effective_rate(TEN_PERCENT, Decimal("0.08")) == (Decimal("0.08"), "maximum lawful")
    assert effective_rate(TEN_PERCENT, Decimal("0.08"))[1] is RateSource.MAXIMUM_LAWFUL


def test_the_stated_rate_applies_when_lower_than_or_equal_to_the_maximum():
    assert effective_rate(TEN_PERCENT, Decimal("0.12")) == (TEN_PERCENT, "stated")
    assert effective_rate(TEN_PERCENT, TEN_PERCENT) == (TEN_PERCENT, "stated")


# --- principal timeline --------------------------------------------------------------


def test_a_principal_payment_reduces_the_balance_from_the_next_day():
    timeline = principal_timeline(
        ISSUE, Decimal("250000.00"), [(date(2008, 8, 10), Decimal("50000.00"))]
    )
    assert timeline == (
        BalanceStep(ISSUE, Decimal("250000.00")),
        BalanceStep(date(2008, 8, 11), Decimal("200000.00")),
    )
    assert balance_on(timeline, date(2008, 8, 10)) == Decimal("250000.00")
    assert balance_on(timeline, date(2008, 8, 11)) == Decimal("200000.00")
    assert balance_on(timeline, date(2006, 7, 19)) == 0


def test_payments_of_one_day_make_one_step_and_a_same_day_reversal_none():
    timeline = principal_timeline(
        ISSUE,
        Decimal("250000.00"),
        [
            (date(2008, 9, 1), Decimal("10000.00")),
            (date(2008, 8, 10), Decimal("30000.00")),
            (date(2008, 8, 10), Decimal("20000.00")),
            (date(2008, 9, 1), Decimal("-10000.00")),
        ],
    )
    assert timeline == (
        BalanceStep(ISSUE, Decimal("250000.00")),
        BalanceStep(date(2008, 8, 11), Decimal("200000.00")),
    )


def test_a_later_reversal_restores_the_balance_from_the_day_after_it():
    timeline = principal_timeline(
        ISSUE,
        Decimal("250000.00"),
        [(date(2008, 8, 10), Decimal("50000.00")), (date(2008, 8, 20), Decimal("-50000.00"))],
    )
    assert [step.balance for step in timeline] == [
        Decimal("250000.00"),
        Decimal("200000.00"),
        Decimal("250000.00"),
    ]


def test_principal_payments_beyond_the_balance_or_before_issue_are_refused():
    with pytest.raises(ValueError, match="exceeds the principal"):
        principal_timeline(ISSUE, Decimal("100.00"), [(date(2008, 8, 10), Decimal("100.01"))])
    with pytest.raises(ValueError, match="precedes the issue date"):
        principal_timeline(ISSUE, Decimal("100.00"), [(date(2006, 7, 19), Decimal("1.00"))])


def test_accrue_refuses_an_unsorted_timeline():
    timeline = (BalanceStep(date(2007, 1, 1), Decimal(1)), BalanceStep(ISSUE, Decimal(2)))
    with pytest.raises(ValueError, match="sorted"):
        accrue(timeline, TEN_PERCENT, DayCount.ACT_365F, ISSUE, date(2007, 2, 1))


# --- worked examples ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 250,000 × 10% × 12/365 = 821.917…
        (date(2006, 7, 20), date(2006, 7, 31), Decimal("821.92")),
        # × 31/365 = 2,123.287…
        (date(2006, 8, 1), date(2006, 8, 31), Decimal("2123.29")),
        # × 30/365 = 2,054.794…
        (date(2006, 9, 1), date(2006, 9, 30), Decimal("2054.79")),
    ],
)
def test_the_july_2006_note_act_365f(start, end, expected):
    assert period_interest(NOTE, TEN_PERCENT, DayCount.ACT_365F, start, end) == expected


def test_accrual_is_exact_until_rounded():
    exact = accrue(NOTE, TEN_PERCENT, DayCount.ACT_365F, date(2006, 7, 20), date(2006, 7, 31))
    assert exact == Fraction(300000, 365)


def test_days_before_issue_accrue_nothing():
    assert accrue(NOTE, TEN_PERCENT, "ACT/365F", date(2006, 7, 1), date(2006, 7, 31)) == Fraction(
        300000, 365
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 250,000 × 10% × 12/360 = 833.333…
        (date(2006, 7, 20), date(2006, 7, 31), Decimal("833.33")),
        # × 31/360 = 2,152.777…
        (date(2006, 8, 1), date(2006, 8, 31), Decimal("2152.78")),
    ],
)
def test_act_360(start, end, expected):
    assert period_interest(NOTE, TEN_PERCENT, DayCount.ACT_360, start, end) == expected


@pytest.mark.parametrize(
    ("issue_date", "start", "end", "expected"),
    [
        # Issued on the 31st: the 31st accrues one 30/360 day; 25,000/360 = 69.444…
        (date(2006, 7, 31), date(2006, 7, 31), date(2006, 7, 31), Decimal("69.44")),
        # Every full month is 30 days: 25,000 × 30/360 = 2,083.333…
        (date(2006, 7, 31), date(2006, 8, 1), date(2006, 8, 31), Decimal("2083.33")),
        (date(2006, 7, 31), date(2007, 2, 1), date(2007, 2, 28), Decimal("2083.33")),
        (date(2006, 7, 31), date(2008, 2, 1), date(2008, 2, 29), Decimal("2083.33")),
        # Issued 28 Feb 2007 (not a leap year): 28 Feb → 1 Mar is 3 days: 208.333…
        (date(2007, 2, 28), date(2007, 2, 28), date(2007, 2, 28), Decimal("208.33")),
        # Issued 28 Feb 2008 (leap year): 28 and 29 Feb are 1 + 2 days: 208.333…
        (date(2008, 2, 28), date(2008, 2, 28), date(2008, 2, 29), Decimal("208.33")),
        # Issued 29 Feb 2008: 29 Feb → 1 Mar is 2 days: 138.888…
        (date(2008, 2, 29), date(2008, 2, 29), date(2008, 2, 29), Decimal("138.89")),
    ],
)
def test_thirty_360(issue_date, start, end, expected):
    timeline = principal_timeline(issue_date, Decimal("250000.00"))
    assert period_interest(timeline, TEN_PERCENT, DayCount.THIRTY_360, start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 100,000 × 10% × 17/365 = 465.753…
        (date(2007, 12, 15), date(2007, 12, 31), Decimal("465.75")),
        # × 31/366 (2008 is a leap year) = 846.994…
        (date(2008, 1, 1), date(2008, 1, 31), Decimal("846.99")),
        # × 14/366 = 382.513…
        (date(2008, 1, 1), date(2008, 1, 14), Decimal("382.51")),
        # Across the boundary, rounded once: × (17/365 + 14/366) = 848.267…
        # (the two parts rounded separately would give 848.26).
        (date(2007, 12, 15), date(2008, 1, 14), Decimal("848.27")),
    ],
)
def test_act_act_across_a_leap_year_boundary(start, end, expected):
    timeline = principal_timeline(date(2007, 12, 15), Decimal("100000.00"))
    assert period_interest(timeline, TEN_PERCENT, DayCount.ACT_ACT, start, end) == expected


def test_a_principal_payment_mid_month():
    # 50,000 paid on 10 Aug 2008: 1–10 Aug accrue on 250,000, 11–31 Aug on 200,000.
    # (250,000 × 10 + 200,000 × 21) × 10% / 365 = 670,000 / 365 = 1,835.616…
    timeline = principal_timeline(
        ISSUE, Decimal("250000.00"), [(date(2008, 8, 10), Decimal("50000.00"))]
    )
    amount = period_interest(
        timeline, TEN_PERCENT, DayCount.ACT_365F, date(2008, 8, 1), date(2008, 8, 31)
    )
    assert amount == Decimal("1835.62")


def test_a_fully_repaid_balance_accrues_nothing():
    timeline = principal_timeline(
        ISSUE, Decimal("250000.00"), [(date(2008, 8, 10), Decimal("250000.00"))]
    )
    assert (
        period_interest(
            timeline, TEN_PERCENT, DayCount.ACT_365F, date(2008, 8, 11), date(2008, 9, 30)
        )
        == 0
    )


# --- properties ---------------------------------------------------------------------

conventions = st.sampled_from(DayCount)
issue_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))
principals = st.integers(1, 10_000_000_00).map(lambda cents: Decimal(cents).scaleb(-2))
rates = st.integers(0, 2500).map(lambda bp: Decimal(bp).scaleb(-4))


@st.composite
def timelines(draw):
    issue_date = draw(issue_dates)
    principal = draw(principals)
    payments = draw(
        st.lists(
            st.tuples(st.integers(0, 900), st.integers(1, 100_000_00)),
            max_size=4,
        )
    )
    paid = []
    remaining = principal
    for offset, cents in payments:
        # Keep the balance positive so the non-negativity property means something.
        amount = min(Decimal(cents).scaleb(-2), remaining - Decimal("0.01"))
        if amount > 0:
            paid.append((issue_date + timedelta(days=offset), amount))
            remaining -= amount
    return principal_timeline(issue_date, principal, paid)


@settings(max_examples=150, deadline=None)
@given(
    principal=principals,
    rate=rates,
    convention=conventions,
    issue_date=issue_dates,
    length=st.integers(0, 1100),
)
def test_statements_of_a_constant_balance_sum_to_the_whole_within_a_cent_each(
    principal, rate, convention, issue_date, length
):
    timeline = principal_timeline(issue_date, principal)
    through = issue_date + timedelta(days=length)
    months = accrual_months(issue_date=issue_date, through=through)
    statements = [period_interest(timeline, rate, convention, s, e) for s, e in months]
    whole = round_cents(accrue(timeline, rate, convention, issue_date, through))
    assert abs(sum(statements) - whole) <= Decimal("0.01") * len(statements)


@settings(max_examples=150, deadline=None)
@given(
    timeline=timelines(),
    rate=rates,
    convention=conventions,
    offsets=st.tuples(st.integers(-40, 1000), st.integers(0, 500), st.integers(1, 500)),
)
def test_accrue_is_additive_over_adjacent_spans(timeline, rate, convention, offsets):
    start = timeline[0].effective_from + timedelta(days=offsets[0])
    middle = start + timedelta(days=offsets[1])
    end = middle + timedelta(days=offsets[2])
    assert accrue(timeline, rate, convention, start, middle) + accrue(
        timeline, rate, convention, middle + timedelta(days=1), end
    ) == accrue(timeline, rate, convention, start, end)


@settings(max_examples=100, deadline=None)
@given(
    timeline=timelines(),
    rate=rates,
    convention=conventions,
    offsets=st.tuples(st.integers(-10, 1000), st.integers(0, 120)),
)
def test_accrue_is_the_sum_of_each_days_balance_times_rate_times_fraction(
    timeline, rate, convention, offsets
):
    start = timeline[0].effective_from + timedelta(days=offsets[0])
    end = start + timedelta(days=offsets[1])
    by_day = Fraction(0)
    day = start
    while day <= end:
        by_day += (
            Fraction(balance_on(timeline, day))
            * Fraction(rate)
            * year_fraction(convention, day, day)
        )
        day += timedelta(days=1)
    assert accrue(timeline, rate, convention, start, end) == by_day


@settings(max_examples=150, deadline=None)
@given(
    timeline=timelines(),
    rate=rates,
    convention=conventions,
    offsets=st.tuples(st.integers(0, 1000), st.integers(0, 400)),
)
def test_interest_is_never_negative_for_a_positive_balance(timeline, rate, convention, offsets):
    start = timeline[0].effective_from + timedelta(days=offsets[0])
    end = start + timedelta(days=offsets[1])
    assert accrue(timeline, rate, convention, start, end) >= 0
    assert period_interest(timeline, rate, convention, start, end) >= 0

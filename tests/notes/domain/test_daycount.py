from calendar import isleap, monthrange
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.domain.daycount import DayCount, days_inclusive, year_fraction

ONE_DAY = timedelta(days=1)


def days360(x: date, y: date) -> int:
    """US bond basis days360, written out literally as the oracle."""
    d1 = min(x.day, 30)
    d2 = 30 if y.day == 31 and d1 == 30 else y.day
    return 360 * (y.year - x.year) + 30 * (y.month - x.month) + (d2 - d1)


def day_fraction(convention: DayCount, d: date) -> Fraction:
    match convention:
        case DayCount.ACT_365F:
            return Fraction(1, 365)
        case DayCount.ACT_360:
            return Fraction(1, 360)
        case DayCount.ACT_ACT:
            return Fraction(1, 366 if isleap(d.year) else 365)
        case DayCount.THIRTY_360:
            return Fraction(days360(d, d + ONE_DAY), 360)


def per_day_sum(convention: DayCount, start: date, end: date) -> Fraction:
    total = Fraction(0)
    d = start
    while d <= end:
        total += day_fraction(convention, d)
        d += ONE_DAY
    return total


def test_days_are_counted_inclusively():
    assert days_inclusive(date(2006, 7, 20), date(2006, 7, 31)) == 12
    assert days_inclusive(date(2006, 7, 20), date(2006, 7, 20)) == 1
    assert days_inclusive(date(2006, 7, 21), date(2006, 7, 20)) == 0


@pytest.mark.parametrize("convention", list(DayCount))
def test_a_span_ending_before_it_starts_is_zero(convention):
    assert year_fraction(convention, date(2006, 8, 1), date(2006, 7, 31)) == 0


@pytest.mark.parametrize(
    ("convention", "start", "end", "expected"),
    [
        # The July 2006 statement of a note issued 20 July: 12 days.
        ("ACT/365F", date(2006, 7, 20), date(2006, 7, 31), Fraction(12, 365)),
        ("ACT/360", date(2006, 7, 20), date(2006, 7, 31), Fraction(12, 360)),
        ("ACT/ACT", date(2006, 7, 20), date(2006, 7, 31), Fraction(12, 365)),
        # 20 July .. 31 July in 30/360: days 20..29 count 1 each, the 30th 0, the 31st 1.
        ("30/360", date(2006, 7, 20), date(2006, 7, 31), Fraction(11, 360)),
        # A leap year's whole year.
        ("ACT/365F", date(2008, 1, 1), date(2008, 12, 31), Fraction(366, 365)),
        ("ACT/ACT", date(2008, 1, 1), date(2008, 12, 31), Fraction(1)),
        ("30/360", date(2008, 1, 1), date(2008, 12, 31), Fraction(1)),
        # ACT/ACT across the leap-year boundary: 17 days of 2007, 14 of 2008.
        ("ACT/ACT", date(2007, 12, 15), date(2008, 1, 14), Fraction(17, 365) + Fraction(14, 366)),
        # 30/360 single days at the month's end: the 30th accrues nothing, the 31st one
        # day, 28 February three days (two in a leap year), 29 February two days.
        ("30/360", date(2006, 1, 30), date(2006, 1, 30), Fraction(0)),
        ("30/360", date(2006, 1, 31), date(2006, 1, 31), Fraction(1, 360)),
        ("30/360", date(2007, 2, 28), date(2007, 2, 28), Fraction(3, 360)),
        ("30/360", date(2008, 2, 28), date(2008, 2, 28), Fraction(1, 360)),
        ("30/360", date(2008, 2, 29), date(2008, 2, 29), Fraction(2, 360)),
        # The two-year term of the July 2006 note.
        ("30/360", date(2006, 7, 20), date(2008, 7, 19), Fraction(2)),
        ("ACT/365F", date(2006, 7, 20), date(2008, 7, 19), Fraction(731, 365)),
    ],
)
def test_worked_examples(convention, start, end, expected):
    assert year_fraction(convention, start, end) == expected


@pytest.mark.parametrize("year", [2006, 2007, 2008, 2100, 2000])
@pytest.mark.parametrize("month", range(1, 13))
def test_every_full_month_is_thirty_days_in_30_360(year, month):
    first = date(year, month, 1)
    last = date(year, month, monthrange(year, month)[1])
    assert year_fraction(DayCount.THIRTY_360, first, last) == Fraction(30, 360)


def test_convention_accepts_its_string_value_and_refuses_unknown_ones():
    assert year_fraction("ACT/365F", date(2006, 8, 1), date(2006, 8, 31)) == Fraction(31, 365)
    with pytest.raises(ValueError):
        year_fraction("ACT/365L", date(2006, 8, 1), date(2006, 8, 31))


dates = st.dates(min_value=date(1999, 1, 1), max_value=date(2040, 12, 31))


@settings(max_examples=150, deadline=None)
@given(convention=st.sampled_from(DayCount), start=dates, length=st.integers(0, 1200))
def test_year_fraction_is_the_literal_sum_of_per_day_fractions(convention, start, length):
    end = start + timedelta(days=length)
    assert year_fraction(convention, start, end) == per_day_sum(convention, start, end)


@settings(max_examples=200, deadline=None)
@given(
    convention=st.sampled_from(DayCount),
    start=dates,
    first_length=st.integers(0, 800),
    second_length=st.integers(1, 800),
)
def test_year_fraction_is_additive_over_adjacent_spans(
    convention, start, first_length, second_length
):
    middle = start + timedelta(days=first_length)
    end = middle + timedelta(days=second_length)
    assert year_fraction(convention, start, middle) + year_fraction(
        convention, middle + ONE_DAY, end
    ) == year_fraction(convention, start, end)

"""Day-count conventions: the year fraction of a span of accrual days (§2).

§2 accrues simple interest "from the date of issuance of this Note through the
date this Note is fully repaid or converted", so both ends of a span accrue:
a span is the inclusive range of days [start, end]. The contract does not name
a day-count convention; the product makes it a series term (ACT/365F by
default) and defines interest as Σ (principal that day × rate × that day's year
fraction). Accordingly the year fraction of a span is the exact sum of the
per-day fractions:

- ACT/365F: 1/365 per day.
- ACT/360: 1/360 per day.
- ACT/ACT (ISDA): 1/366 for a day in a leap year, 1/365 otherwise.
- 30/360 (US bond basis): days360(d, d + 1) / 360 for day d, where
  days360(x, y) = 360(Y2 - Y1) + 30(M2 - M1) + (D2 - D1) with D1 := min(D1, 30)
  and D2 := 30 when D2 = 31 and D1 = 30. Every full calendar month, February
  included, sums to exactly 30/360.

Fractions are exact (``Fraction``) and computed in closed form, never by
looping over days.
"""

from calendar import isleap
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import assert_never

ONE_DAY = timedelta(days=1)


class DayCount(StrEnum):
    """The day-count conventions a note series may choose (§2)."""

    ACT_365F = "ACT/365F"
    ACT_360 = "ACT/360"
    THIRTY_360 = "30/360"
    ACT_ACT = "ACT/ACT"


def days_inclusive(start: date, end: date) -> int:
    """Count the days of [start, end], both ends included; 0 if end < start."""
    return max((end - start).days + 1, 0)


def year_fraction(convention: DayCount | str, start: date, end: date) -> Fraction:
    """Exact year fraction of the inclusive span [start, end] under a convention.

    Args:
        convention: a ``DayCount`` or its value, e.g. ``"ACT/365F"``.
        start: the first accruing day.
        end: the last accruing day (it accrues too).

    Returns:
        The sum of the per-day year fractions of the span; ``Fraction(0)`` if
        end < start.

    Raises:
        ValueError: for an unknown convention.
    """
    convention = DayCount(convention)
    if end < start:
        return Fraction(0)
    match convention:
        case DayCount.ACT_365F:
            return Fraction(days_inclusive(start, end), 365)
        case DayCount.ACT_360:
            return Fraction(days_inclusive(start, end), 360)
        case DayCount.ACT_ACT:
            return _act_act(start, end)
        case DayCount.THIRTY_360:
            # For consecutive days d, d + 1 the D2 adjustment only fires when d is
            # the 30th, where it equals min(D2, 30); so days360(d, d + 1) is
            # _days360_serial(d + 1) - _days360_serial(d) and the sum telescopes.
            return Fraction(_days360_serial(end + ONE_DAY) - _days360_serial(start), 360)
        case _:
            assert_never(convention)


def _act_act(start: date, end: date) -> Fraction:
    # ISDA: the days falling in each calendar year are divided by that year's length.
    total = Fraction(0)
    for year in range(start.year, end.year + 1):
        first = max(start, date(year, 1, 1))
        last = min(end, date(year, 12, 31))
        total += Fraction(days_inclusive(first, last), 366 if isleap(year) else 365)
    return total


def _days360_serial(day: date) -> int:
    return 360 * day.year + 30 * day.month + min(day.day, 30)

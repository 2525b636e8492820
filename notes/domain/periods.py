"""Calendar arithmetic of the note: maturity, statement periods, due dates (§1, §2).

- Maturity (§1, preamble): the principal falls due on "the two (2) year
  anniversary of the date of this Note". The product makes the term a
  series term in months and rolls an anniversary that does not exist back to
  the month's last day (29 February → 28 February).
- Statements (§2): "Interest shall be paid monthly by the 15th day following
  each calendar month end." The product issues one statement per calendar
  month once the month has ended, covering the days of that month on which the
  note accrued (the first starts on the issue date), due on the 15th (a series
  term) of the next month. The month in which the note converts or is repaid
  gets no statement: its interest is part of the Note Amount or the payoff.
- Accrued interest as of a day D counts each month from the issue date through
  D, the month containing D only through D.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from notes.domain.daycount import ONE_DAY, days_inclusive


def add_months(d: date, months: int) -> date:
    """The same day ``months`` calendar months later (earlier if negative).

    A day the target month lacks is clipped to its last day: 31 January + 1
    month is 28 (or 29) February, 29 February + 12 months is 28 February.
    """
    years, month_index = divmod(d.month - 1 + months, 12)
    year, month = d.year + years, month_index + 1
    return date(year, month, min(d.day, monthrange(year, month)[1]))


def maturity_date(issue_date: date, term_months: int) -> date:
    """The maturity date: the issue date's ``term_months`` anniversary (§1)."""
    return add_months(issue_date, term_months)


@dataclass(frozen=True)
class Period:
    """One monthly statement period: accrual days [start, end] and the due date."""

    start: date
    end: date
    due_date: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        """Accrual days in the period, both ends included."""
        return days_inclusive(self.start, self.end)


def due_date_for(period_end: date, due_day: int) -> date:
    """The due date of a statement: day ``due_day`` of the month after its period (§2).

    The day is clipped to that month's length (a due day of 31 falls on 28 or
    29 February for a January period).

    Raises:
        ValueError: if due_day is not between 1 and 31.
    """
    if not 1 <= due_day <= 31:
        raise ValueError(f"the interest due day must be between 1 and 31, not {due_day}")
    following = add_months(period_end.replace(day=1), 1)
    return following.replace(day=min(due_day, _month_length(following)))


def next_due_date(after: date, due_day: int) -> date:
    """The first interest due date (day ``due_day`` of a month) strictly after a day.

    A correcting statement issued on ``after`` falls due then (§2,
    corrections): the holder gets the usual notice period, never a due date
    that has already passed.
    """
    this_month = due_date_for(add_months(after.replace(day=1), -1), due_day)
    if this_month > after:
        return this_month
    return due_date_for(after.replace(day=1), due_day)


def statement_periods(
    *, issue_date: date, as_of: date, due_day: int, end_date: date | None = None
) -> list[Period]:
    """The monthly statement periods a note has as of a day (§2).

    Args:
        issue_date: the note's issue date; the first period starts on it.
        as_of: the day of the question; a month has a statement once ``as_of``
            is after the month's last day.
        due_day: the series' interest payment day of the following month.
        end_date: the day the note converted or was fully repaid, if it has;
            its month and every later month get no statement.

    Returns:
        The periods, oldest first.
    """
    # Returning early also keeps the day before 0001-01-01 from being asked for.
    if as_of <= issue_date:
        return []  # the first month has not ended yet
    if end_date is not None and end_date.replace(day=1) <= issue_date:
        return []  # the note ended in its first month, which has no statement
    last_ended_day = as_of - ONE_DAY
    if end_date is not None:
        last_ended_day = min(last_ended_day, end_date.replace(day=1) - ONE_DAY)
    return [
        Period(start=start, end=end, due_date=due_date_for(end, due_day))
        for start, end in accrual_months(issue_date=issue_date, through=last_ended_day)
        # Only the last span can be cut short by ``through``: a month not yet ended.
        if end.day == _month_length(end)
    ]


def accrual_months(*, issue_date: date, through: date) -> list[tuple[date, date]]:
    """The accruing days of each calendar month from the issue date through a day.

    Args:
        issue_date: the first accruing day.
        through: the last day counted; the last span ends on it.

    Returns:
        Inclusive ``(start, end)`` spans, one per calendar month, oldest first;
        empty if ``through`` is before the issue date.
    """
    spans: list[tuple[date, date]] = []
    start = issue_date
    while start <= through:
        end = min(start.replace(day=_month_length(start)), through)
        spans.append((start, end))
        start = end + ONE_DAY
    return spans


def _month_length(d: date) -> int:
    return monthrange(d.year, d.month)[1]

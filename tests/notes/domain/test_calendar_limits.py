"""The ends of the calendar: positions and statement periods at 0001-01-01 and 9999-12-31."""

from datetime import date
from decimal import Decimal

import pytest

from notes.domain.interest import principal_timeline
from notes.domain.periods import maturity_date, statement_periods
from notes.domain.position import LAST_POSITION_DAY, PositionDayOutOfRange, note_position

D = Decimal


def _position(issue_date: date, as_of: date, end_date: date | None = None):
    return note_position(
        timeline=principal_timeline(issue_date, D("250000.00")),
        rate=D("0.10"),
        convention="ACT/365F",
        issue_date=issue_date,
        due_day=15,
        allocations=(),
        as_of=as_of,
        end_date=end_date,
    )


def test_the_last_position_day_is_the_day_before_the_calendar_ends():
    assert date(9999, 12, 30) == LAST_POSITION_DAY


def test_a_position_after_the_last_day_is_refused_with_the_limit():
    with pytest.raises(PositionDayOutOfRange, match="on or before 9999-12-30"):
        _position(date(9997, 1, 1), date(9999, 12, 31))


def test_a_position_on_the_last_day_computes():
    # Issued 9999-12-01: 30 days at 10% on 250,000 under ACT/365F.
    position = _position(date(9999, 12, 1), LAST_POSITION_DAY)
    assert position.accrued_unpaid_interest == D("2054.79")
    assert position.outstanding_principal == D("250000.00")
    # November's statement (not issued here) would be due 9999-12-15; December has not ended.
    assert position.past_due_interest == D("0.00")


def test_a_note_issued_on_the_first_day_of_the_calendar_has_a_position_that_day():
    first = date(1, 1, 1)
    position = _position(first, first)
    assert position.accrued_unpaid_interest == D("68.49")  # one day: 250,000 × 10% / 365
    assert statement_periods(issue_date=first, as_of=first, due_day=15) == []


def test_a_note_ended_in_its_first_month_of_the_calendar_has_no_statement():
    first = date(1, 1, 1)
    assert statement_periods(
        issue_date=first, as_of=date(1, 3, 1), due_day=15, end_date=date(1, 1, 20)
    ) == []
    periods = statement_periods(
        issue_date=first, as_of=date(1, 3, 1), due_day=15, end_date=date(1, 2, 20)
    )
    assert [(p.start, p.end, p.due_date) for p in periods] == [
        (date(1, 1, 1), date(1, 1, 31), date(1, 2, 15))
    ]


def test_existing_statement_periods_are_unchanged():
    periods = statement_periods(issue_date=date(2006, 7, 20), as_of=date(2006, 10, 15), due_day=15)
    assert [(p.start, p.end, p.due_date) for p in periods] == [
        (date(2006, 7, 20), date(2006, 7, 31), date(2006, 8, 15)),
        (date(2006, 8, 1), date(2006, 8, 31), date(2006, 9, 15)),
        (date(2006, 9, 1), date(2006, 9, 30), date(2006, 10, 15)),
    ]
    assert statement_periods(issue_date=date(2006, 7, 20), as_of=date(2006, 7, 20),
                             due_day=15) == []


def test_a_maturity_past_the_calendar_raises():
    assert maturity_date(date(9997, 12, 31), 24) == date(9999, 12, 31)
    with pytest.raises(ValueError):
        maturity_date(date(9999, 12, 31), 24)

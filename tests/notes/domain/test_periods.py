from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.domain.periods import (
    Period,
    accrual_months,
    add_months,
    due_date_for,
    maturity_date,
    statement_periods,
)

ISSUE = date(2006, 7, 20)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2006, 7, 20), 1, date(2006, 8, 20)),
        (date(2006, 12, 15), 1, date(2007, 1, 15)),
        (date(2006, 1, 31), 1, date(2006, 2, 28)),
        (date(2008, 1, 31), 1, date(2008, 2, 29)),
        (date(2006, 8, 31), 1, date(2006, 9, 30)),
        (date(2008, 2, 29), 12, date(2009, 2, 28)),
        (date(2008, 2, 29), 48, date(2012, 2, 29)),
        (date(2007, 3, 31), -1, date(2007, 2, 28)),
        (date(2007, 1, 15), -1, date(2006, 12, 15)),
        (date(2006, 7, 20), 0, date(2006, 7, 20)),
    ],
)
def test_add_months_clips_to_the_last_day_of_the_target_month(start, months, expected):
    assert add_months(start, months) == expected


def test_maturity_is_the_two_year_anniversary():
    assert maturity_date(date(2006, 7, 20), 24) == date(2008, 7, 20)


def test_maturity_of_a_29_february_note_rolls_back_to_28_february():
    assert maturity_date(date(2008, 2, 29), 24) == date(2010, 2, 28)


@pytest.mark.parametrize(
    ("period_end", "due_day", "expected"),
    [
        (date(2006, 7, 31), 15, date(2006, 8, 15)),
        (date(2006, 12, 31), 15, date(2007, 1, 15)),
        (date(2007, 1, 31), 31, date(2007, 2, 28)),
        (date(2008, 1, 31), 30, date(2008, 2, 29)),
        (date(2006, 8, 31), 1, date(2006, 9, 1)),
    ],
)
def test_due_date_is_the_due_day_of_the_following_month(period_end, due_day, expected):
    assert due_date_for(period_end, due_day) == expected


@pytest.mark.parametrize("due_day", [0, 32])
def test_due_day_out_of_range_is_refused(due_day):
    with pytest.raises(ValueError, match="between 1 and 31"):
        due_date_for(date(2006, 7, 31), due_day)


def test_period_days_are_inclusive_and_a_backward_period_is_refused():
    assert Period(date(2006, 7, 20), date(2006, 7, 31), date(2006, 8, 15)).days == 12
    with pytest.raises(ValueError):
        Period(date(2006, 8, 1), date(2006, 7, 31), date(2006, 8, 15))


def test_no_statement_until_the_first_month_has_ended():
    assert statement_periods(issue_date=ISSUE, as_of=date(2006, 7, 31), due_day=15) == []
    assert statement_periods(issue_date=ISSUE, as_of=date(2006, 7, 1), due_day=15) == []


def test_the_first_statement_starts_on_the_issue_date():
    assert statement_periods(issue_date=ISSUE, as_of=date(2006, 8, 1), due_day=15) == [
        Period(date(2006, 7, 20), date(2006, 7, 31), date(2006, 8, 15))
    ]


def test_one_statement_per_ended_month():
    periods = statement_periods(issue_date=ISSUE, as_of=date(2006, 10, 5), due_day=15)
    assert periods == [
        Period(date(2006, 7, 20), date(2006, 7, 31), date(2006, 8, 15)),
        Period(date(2006, 8, 1), date(2006, 8, 31), date(2006, 9, 15)),
        Period(date(2006, 9, 1), date(2006, 9, 30), date(2006, 10, 15)),
    ]
    assert [p.days for p in periods] == [12, 31, 30]


def test_the_month_of_conversion_and_later_months_get_no_statement():
    periods = statement_periods(
        issue_date=ISSUE, as_of=date(2006, 12, 1), due_day=15, end_date=date(2006, 9, 10)
    )
    assert [p.start for p in periods] == [date(2006, 7, 20), date(2006, 8, 1)]


def test_repaid_on_the_last_day_of_a_month_that_month_gets_no_statement():
    periods = statement_periods(
        issue_date=ISSUE, as_of=date(2006, 12, 1), due_day=15, end_date=date(2006, 8, 31)
    )
    assert [p.start for p in periods] == [date(2006, 7, 20)]


def test_converted_in_the_issue_month_no_statement_at_all():
    assert (
        statement_periods(
            issue_date=ISSUE, as_of=date(2007, 1, 1), due_day=15, end_date=date(2006, 7, 25)
        )
        == []
    )


def test_a_note_issued_on_a_months_last_day_has_a_one_day_first_statement():
    periods = statement_periods(issue_date=date(2007, 1, 31), as_of=date(2007, 3, 1), due_day=15)
    assert periods == [
        Period(date(2007, 1, 31), date(2007, 1, 31), date(2007, 2, 15)),
        Period(date(2007, 2, 1), date(2007, 2, 28), date(2007, 3, 15)),
    ]


def test_accrual_months_clip_the_last_month_to_the_day():
    assert accrual_months(issue_date=ISSUE, through=date(2006, 9, 10)) == [
        (date(2006, 7, 20), date(2006, 7, 31)),
        (date(2006, 8, 1), date(2006, 8, 31)),
        (date(2006, 9, 1), date(2006, 9, 10)),
    ]
    assert accrual_months(issue_date=ISSUE, through=ISSUE) == [(ISSUE, ISSUE)]
    assert accrual_months(issue_date=ISSUE, through=date(2006, 7, 19)) == []


@settings(max_examples=200, deadline=None)
@given(
    issue_date=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(0, 1500),
)
def test_accrual_months_tile_the_span_one_calendar_month_each(issue_date, length):
    through = issue_date + timedelta(days=length)
    spans = accrual_months(issue_date=issue_date, through=through)
    assert spans[0][0] == issue_date
    assert spans[-1][1] == through
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert next_start == end + timedelta(days=1)
    for start, end in spans:
        assert (start.year, start.month) == (end.year, end.month)
        assert start <= end


@settings(max_examples=200, deadline=None)
@given(
    issue_date=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    as_of_offset=st.integers(0, 1500),
    due_day=st.integers(1, 31),
)
def test_statements_are_the_ended_accrual_months(issue_date, as_of_offset, due_day):
    as_of = issue_date + timedelta(days=as_of_offset)
    periods = statement_periods(issue_date=issue_date, as_of=as_of, due_day=due_day)
    months = accrual_months(issue_date=issue_date, through=as_of)
    # Every accrual month has ended except the one containing as_of.
    assert [(p.start, p.end) for p in periods] == months[:-1]
    for p in periods:
        assert p.end < as_of
        assert p.due_date > p.end

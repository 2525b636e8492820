"""The servicing run's fast path writes exactly what the interest domain says.

`statements_generate` states the notes whose principal never changed in one
set-based INSERT … SELECT (amount and explanation from integers, in SQL); for
a note with principal payments it works out a month with one balance on
integers and a month whose balance changes segment by segment, in Python.
Whichever way, every statement must
carry the domain's amount (rounded once, half-up, from the exact value) and its
explanation word for word — checked here over many random notes, for each of
the four day-count conventions.
"""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from notes.domain.interest import (
    accrual_end,
    accrual_explanation,
    effective_rate,
    period_interest,
    principal_timeline,
)
from notes.domain.periods import maturity_date, statement_periods
from notes.models import InterestStatement, Note, NoteSeries, NoteStatus, Payment
from notes.services import servicing
from tests.factories import HolderFactory, IssuerFactory

pytestmark = pytest.mark.django_db

D = Decimal
CONVENTIONS = ["ACT/365F", "ACT/360", "30/360", "ACT/ACT"]
NUMBERS = count(1)

rates = st.integers(1, 999_999).map(lambda micro: D(micro).scaleb(-6))
principals = st.one_of(
    st.integers(1, 10**12),  # cents, up to ten billion
    st.sampled_from([1, 1800, 1825, 3650, 250_000_00, 99_999_999_99]),  # ties and round sums
).map(lambda cents: D(cents).scaleb(-2))
issue_dates = st.dates(date(2022, 1, 1), date(2025, 12, 31))


@st.composite
def note_specs(draw):
    """A note: issue date, principal, principal payments, and maybe the day it ended."""
    issue = draw(issue_dates)
    principal = draw(principals)
    payments, balance = [], principal
    for _ in range(draw(st.integers(0, 3))):
        if balance < D("0.02"):
            break
        paid_on = issue + timedelta(days=draw(st.integers(0, 500)))
        part = draw(st.integers(1, 100))
        amount = max(D("0.01"), (balance * part / 100).quantize(D("0.01")))
        amount = min(amount, balance)
        payments.append((paid_on, amount))
        balance -= amount
    ended_on = None
    if draw(st.booleans()) and draw(st.integers(0, 4)) == 0:
        ended_on = issue + timedelta(days=draw(st.integers(0, 700)))
    return issue, principal, payments, ended_on


@pytest.fixture
def parties():
    """An issuer and a holder, shared by the examples of a test."""
    return IssuerFactory(), HolderFactory()


def _series(parties, day_count, stated, lawful, due_day):
    return NoteSeries.objects.create(
        issuer=parties[0],
        name=f"Fast path {next(NUMBERS)}",
        agreement_date=date(2019, 1, 1),
        day_count=day_count,
        stated_rate=stated,
        max_lawful_rate=lawful,
        interest_due_day=due_day,
    )


def _notes(parties, series, specs):
    holder = parties[1]
    notes = Note.objects.bulk_create(
        Note(
            series=series,
            holder=holder,
            number=f"FP-{next(NUMBERS)}",
            principal=principal,
            issue_date=issue,
            maturity_date=maturity_date(issue, series.term_months),
            status=NoteStatus.REPAID if ended_on else NoteStatus.OUTSTANDING,
            ended_on=ended_on,
        )
        for issue, principal, _, ended_on in specs
    )
    Payment.objects.bulk_create(
        Payment(
            note=note,
            paid_on=paid_on,
            amount=amount,
            applies_to="principal",
            method="wire",
            holder_consent_reference="consent on file",
        )
        for note, (_, _, payments, _) in zip(notes, specs, strict=True)
        for paid_on, amount in payments
    )
    return notes


def _expected(series, note, principal, payments, as_of):
    """The statements the domain gives a note as of a day, as the table stores them."""
    rate = effective_rate(series.stated_rate, series.max_lawful_rate)[0]
    timeline = principal_timeline(note.issue_date, principal, payments)
    rows = [
        (
            period.start,
            period.end,
            period.due_date,
            period.days,
            period_interest(timeline, rate, series.day_count, period.start, period.end),
            rate,
            series.day_count,
            accrual_explanation(timeline, rate, series.day_count, period.start, period.end),
        )
        for period in statement_periods(
            issue_date=note.issue_date,
            as_of=as_of,
            due_day=series.interest_due_day,
            # Nothing accrues after conversion, repayment or the principal reaching zero.
            end_date=accrual_end(timeline, note.ended_on),
        )
    ]
    return [row for row in rows if row[4]]  # never a statement for 0.00 (§2)


def _stored(note):
    return list(
        InterestStatement.objects.filter(note=note)
        .order_by("period_start")
        .values_list(
            "period_start", "period_end", "due_date", "days", "amount", "rate", "day_count",
            "calculation",
        )
    )


@pytest.mark.parametrize("integers", ["as chosen", "numeric"])
@pytest.mark.parametrize("day_count", CONVENTIONS)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    stated=rates,
    lawful=st.none() | rates,
    due_day=st.integers(1, 31),
    specs=st.lists(note_specs(), min_size=1, max_size=6),
    first_as_of=st.dates(date(2022, 1, 1), date(2026, 12, 31)),
    months_more=st.integers(0, 6),
)
# Half a cent exactly, which the domain rounds up: one day of 18.00 at 10% ACT/360,
# of 18.25 at 10% ACT/365F (and ACT/ACT in 2023).
@example(stated=D("0.1"), lawful=None, due_day=15,
         specs=[(date(2024, 1, 31), D("18.00"), [], None),
                (date(2024, 1, 31), D("18.25"), [], None),
                (date(2023, 12, 31), D("18.25"), [], None)],
         first_as_of=date(2024, 2, 1), months_more=0)
# A balance that changes mid-month, and on the first day of the next month.
@example(stated=D("0.1"), lawful=D("0.08"), due_day=31,
         specs=[(date(2006, 7, 20), D("250000.00"),
                 [(date(2006, 8, 10), D("50000.00")), (date(2006, 8, 31), D("1000.00"))], None)],
         first_as_of=date(2006, 8, 15), months_more=3)
def test_every_statement_matches_the_domain(parties, integers, day_count, stated, lawful, due_day,
                                            specs, first_as_of, months_more):
    """As chosen: bigint where the figures fit (most), numeric where they do not."""
    if integers == "numeric":
        with mock.patch.object(servicing, "_fits_bigint", return_value=False):
            _every_statement_matches_the_domain(
                parties, day_count, stated, lawful, due_day, specs, first_as_of, months_more
            )
    else:
        _every_statement_matches_the_domain(
            parties, day_count, stated, lawful, due_day, specs, first_as_of, months_more
        )


def _every_statement_matches_the_domain(parties, day_count, stated, lawful, due_day, specs,
                                        first_as_of, months_more):
    series = _series(parties, day_count, stated, lawful, due_day)
    notes = _notes(parties, series, specs)
    ids = (notes[0].pk, notes[-1].pk)
    later_as_of = first_as_of + timedelta(days=31 * months_more)

    # Two runs: the second continues each note from its latest statement.
    first = servicing.statements_generate(
        id_from=ids[0], id_to=ids[1], as_of=first_as_of, run_id=None
    )
    second = servicing.statements_generate(
        id_from=ids[0], id_to=ids[1], as_of=later_as_of, run_id=None
    )

    expected_first = expected_later = 0
    for note, (_, principal, payments, _) in zip(notes, specs, strict=True):
        expected = _expected(series, note, principal, payments, later_as_of)
        assert _stored(note) == expected
        expected_first += len(_expected(series, note, principal, payments, first_as_of))
        expected_later += len(expected)
    assert first[1] == expected_first
    assert second[1] == expected_later - expected_first


def test_rows_already_there_are_skipped_not_doubled(parties):
    """A statement written meanwhile (another run) makes the COPY fall back to ON CONFLICT."""
    series = _series(parties, "ACT/365F", D("0.10"), None, 15)
    (note,) = _notes(parties, series, [(date(2024, 1, 10), D("1000.00"), [], None)])
    assert servicing.statements_generate(
        id_from=note.pk, id_to=note.pk, as_of=date(2024, 3, 1), run_id=None
    ) == (1, 2)
    january, february = (
        (note.pk, *row[:5], "USD", *row[5:]) for row in _stored(note)
    )
    march = (note.pk, date(2024, 3, 1), date(2024, 3, 31), date(2024, 4, 15), 31, D("8.49"),
             "USD", D("0.100000"), "ACT/365F", "a row no run has written yet")
    assert servicing._statements_insert([january, march, february], None) == 1
    assert [row[0] for row in _stored(note)] == [
        date(2024, 1, 10), date(2024, 2, 1), date(2024, 3, 1)
    ]
    assert servicing._statements_insert([january, february, march], None) == 0
    assert servicing._statements_insert(iter([]), None) == 0


def test_the_steady_figures_are_bigint_only_where_they_fit():
    """The chunk's largest principal decides: a register's notes fit, the extreme does not."""
    rate_num, rate_den = D("0.10").as_integer_ratio()
    # 2,000,000.00 for 31 days at 10% ACT/365F, and at 99.9999% ACT/ACT in a leap year.
    assert servicing._fits_bigint(200_000_000, rate_num * 31, rate_den * 365)
    assert not servicing._fits_bigint(
        99_999_999_999_999_99, 999_999 * 31, 1_000_000 * 366
    )
    # At the edge: N × 10^4 is the largest value the formulas reach.
    limit = (2**63 - 1) // 10_000
    assert servicing._fits_bigint(limit, 1, 3650)
    assert not servicing._fits_bigint(limit + 1, 1, 3650)


def test_a_principal_too_large_for_bigint_is_stated_exactly(parties):
    """The largest principal the table holds, at a rate near 100%: the numeric path."""
    series = _series(parties, "ACT/ACT", D("0.999999"), None, 15)
    principal = D("99999999999999.99")
    (note,) = _notes(parties, series, [(date(2024, 1, 10), principal, [], None)])
    with mock.patch.object(
        servicing, "_steady_statements_insert", wraps=servicing._steady_statements_insert
    ) as insert:
        servicing.statements_generate(
            id_from=note.pk, id_to=note.pk, as_of=date(2024, 4, 1), run_id=None
        )
    assert insert.call_args.args[0] == servicing._STEADY_STATEMENTS[False]
    assert _stored(note) == _expected(series, note, principal, [], date(2024, 4, 1))

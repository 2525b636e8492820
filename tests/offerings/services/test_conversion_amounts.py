"""A conversion's figures are the domain core's, however its months are read (§5.1, §7).

`notes_convert` sums the ended months a note's statements state, and what is
open of each, in the database, and allocates the interest entry over them
there; it computes only the rest (the conversion month, months from a
principal payment on, months stated at other terms), and a note whose stated
months cannot be read as a whole is computed in full. These tests prove that
every figure written — principal and interest converted, shares, cash in lieu,
the two entries and the interest entry's allocation month by month — equals
what the domain core gives from the note's facts alone (`note_amount_on`
without stated months, then `allocate_interest`), by hypothesis over generated
histories and by named cases for each way a note leaves the read path.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.domain.conversion import conversion_compute
from notes.domain.interest import period_interest, principal_timeline
from notes.domain.position import allocate_interest
from notes.models import InterestStatement, Note, Payment, PaymentAllocation, PaymentMethod
from notes.selectors import money_facts_by_note, note_facts_get
from offerings.models import Conversion
from offerings.services import conversions
from offerings.services.conversions import NoteToConvert, Price, note_amount_on, notes_convert
from tests.factories import NoteFactory, SeriesFactory
from tests.histories import events, history_apply, pay, state

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 12, 1)
PRICE = D("2.412451")


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def _expected(note: Note, day: date) -> tuple:
    """The conversion the domain core alone gives: every month computed from the facts."""
    note = Note.objects.select_related("series").get(pk=note.pk)
    principal_paid, allocations = money_facts_by_note([note.pk])
    parts = note_amount_on(
        note=note, principal_paid=principal_paid.get(note.pk, ()),
        allocations=allocations.get(note.pk, ()), conversion_date=day,
    )
    figures = conversion_compute(
        principal=parts.principal, accrued_interest=parts.interest, price=PRICE,
        conversion_date=day, cash_due_days=note.series.cash_in_lieu_days,
    )
    split = (
        allocate_interest(open_months=parts.open_months, amount=parts.interest)
        if parts.interest else []
    )
    return (
        parts.principal, parts.interest, figures.shares, figures.cash_in_lieu,
        figures.cash_due_date, sorted(split),
    )


def _written(note: Note) -> tuple:
    """The conversion `notes_convert` wrote for the note."""
    conversion = Conversion.objects.get(note=note)
    entries = {
        p.applies_to: p.amount.amount
        for p in Payment.objects.filter(note=note, method=PaymentMethod.CONVERSION)
    }
    assert entries.get("principal") == (conversion.principal_converted or None)
    assert entries.get("interest") == (conversion.interest_converted or None)
    split = sorted(
        PaymentAllocation.objects.filter(
            note=note, payment__method=PaymentMethod.CONVERSION
        ).values_list("period_start", "amount")
    )
    return (
        conversion.principal_converted, conversion.interest_converted, conversion.shares,
        conversion.cash_in_lieu, conversion.cash_due_date, split,
    )


def _convert(notes: list[Note], day: date) -> tuple[list[int], dict]:
    """Convert the notes (locked, as the trigger does); also what each note's amount read."""
    seen = {}
    real = conversions._note_amounts

    def spy(rows, conversion_date):
        amounts = real(rows, conversion_date)
        seen.update(amounts)
        return amounts

    locked = list(
        Note.objects.select_for_update().select_related("series")
        .filter(pk__in=[n.pk for n in notes]).order_by("pk")
    )
    with mock.patch.object(conversions, "_note_amounts", spy):
        converted = notes_convert(
            notes=[NoteToConvert.of(n) for n in locked], conversion_date=day,
            kind="qualified_offering", price=Price(PRICE, "test price", None),
        )
    return converted, seen


def assert_converts_as_the_core(notes: list[Note], day: date) -> dict:
    expected = {n.pk: _expected(n, day) for n in notes}
    converted, seen = _convert(notes, day)
    assert sorted(converted) == sorted(expected)
    for note in notes:
        assert _written(note) == expected[note.pk], note.pk
    return seen


# --- generated histories --------------------------------------------------------------------

@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    issue_day=st.integers(min_value=0, max_value=200),
    principal=st.integers(min_value=1_000_00, max_value=5_000_000_00),
    history=events(max_percent=60, max_size=8),
    rate=st.sampled_from([D("0.10"), D("0.0725")]),
    day_count=st.sampled_from(["ACT/365F", "ACT/360", "30/360"]),
    after=st.integers(min_value=0, max_value=75),  # conversion: days after the last event
    stated_after=st.booleans(),  # months from the conversion on already stated
)
def test_conversion_equals_the_domain_core(
    issue_day, principal, history, rate, day_count, after, stated_after
):
    with transaction.atomic():
        series = SeriesFactory(stated_rate=rate, day_count=day_count)
        issue = date(2025, 1, 1) + timedelta(days=issue_day)
        note = NoteFactory(series=series, principal=D(principal).scaleb(-2), issue_date=issue)
        # A second note of the series, stated and partly paid, converts in the same batch.
        other = NoteFactory(series=series, principal=D("80000.00"), issue_date=issue)
        last = history_apply(note, history, TODAY, also_state=[other])
        other_interest = note_facts_get(note=other).position(last).accrued_unpaid_interest
        if other_interest > 1:
            pay(other, last, (other_interest / 2).quantize(D("0.01")))
        conversion_date = min(last + timedelta(days=after), TODAY)
        state(note, TODAY if stated_after else conversion_date)
        state(other, conversion_date)
        note.refresh_from_db()
        notes = [other] + ([note] if note.status == "outstanding" else [])
        assert_converts_as_the_core(notes, conversion_date)
        transaction.set_rollback(True)


# --- named cases ----------------------------------------------------------------------------


@pytest.fixture
def note():
    """$250,000 issued 2025-03-20 (a partial first month), stated through November 2026."""
    note = NoteFactory(principal=D("250000.00"), issue_date=date(2025, 3, 20))
    state(note, TODAY)
    return note


def test_stated_months_are_read_and_allocated_by_the_database(note):
    pay(note, date(2025, 4, 15), "684.93")  # March, 12 days
    pay(note, date(2025, 6, 15), "1000.00")
    seen = assert_converts_as_the_core([note], date(2026, 6, 20))
    # Only the conversion month was computed here; the 15 months before it were read.
    assert seen[note.pk].stated_open
    assert [start for start, _ in seen[note.pk].allocations] == [date(2026, 6, 1)]
    assert PaymentAllocation.objects.filter(
        note=note, payment__method=PaymentMethod.CONVERSION
    ).count() == 15


def test_months_from_a_principal_payment_on_are_computed(note):
    pay(note, date(2025, 8, 10), "100000.00", "principal")
    seen = assert_converts_as_the_core([note], date(2026, 2, 14))
    assert seen[note.pk].stated_open
    assert seen[note.pk].allocations[0][0] == date(2025, 8, 1)


def test_a_principal_fact_not_yet_reconciled_is_not_read(note):
    """A principal payment recorded while its month was being stated leaves that month
    stated at the old balance until the daily reconciliation: never read."""
    Payment.objects.create(
        note=note, paid_on=date(2025, 10, 5), amount=D("40000.00"), applies_to="principal",
        method=PaymentMethod.WIRE, holder_consent_reference="Holder's letter",
    )
    assert_converts_as_the_core([note], date(2026, 1, 31))


def test_a_conversion_dated_on_a_month_end_and_on_the_first(note):
    assert_converts_as_the_core([note], date(2025, 12, 31))
    other = NoteFactory(principal=D("90000.00"), issue_date=date(2025, 3, 20))
    state(other, TODAY)
    assert_converts_as_the_core([other], date(2026, 1, 1))


def test_a_conversion_in_the_first_month(note):
    other = NoteFactory(principal=D("90000.00"), issue_date=date(2026, 11, 3))
    assert_converts_as_the_core([note, other], date(2026, 11, 20))


def test_months_stated_at_another_rate_are_computed(note):
    note.series.max_lawful_rate = D("0.08")
    note.series.save()
    seen = assert_converts_as_the_core([note], date(2026, 6, 20))
    assert not seen[note.pk].stated_open


def test_a_note_with_a_month_missing_from_its_statements_is_computed_in_full():
    note = NoteFactory(principal=D("120000.00"), issue_date=date(2025, 3, 20))
    state(note, date(2025, 6, 1))  # March, April, May
    # June is never stated; July is, as the core gives it.
    timeline = principal_timeline(note.issue_date, note.principal.amount)
    july = period_interest(timeline, D("0.10"), "ACT/365F", date(2025, 7, 1), date(2025, 7, 31))
    InterestStatement.objects.create(
        note=note, period_start=date(2025, 7, 1), period_end=date(2025, 7, 31),
        due_date=date(2025, 8, 15), days=31, amount=july, rate=D("0.10"), day_count="ACT/365F",
        calculation="July",
    )
    seen = assert_converts_as_the_core([note], date(2025, 9, 10))
    assert not seen[note.pk].stated_open


def test_a_month_paid_beyond_its_interest_is_computed_in_full(note):
    """Interest allocated to a month beyond what the month accrued leaves that month open
    below zero: the split is then `allocate_interest`'s, over every month."""
    entry = pay(note, date(2025, 5, 2), "700.00")
    PaymentAllocation.objects.create(
        payment=entry, note=note, period_start=date(2025, 4, 1), paid_on=date(2025, 5, 2),
        amount=D("5000.00"),
    )
    seen = assert_converts_as_the_core([note], date(2026, 3, 9))
    assert not seen[note.pk].stated_open


def test_interest_allocated_to_a_month_the_note_never_had_is_refused(note):
    entry = pay(note, date(2025, 5, 2), "700.00")
    PaymentAllocation.objects.create(
        payment=entry, note=note, period_start=date(2025, 3, 25), paid_on=date(2025, 5, 2),
        amount=D("1.00"),
    )
    with pytest.raises(ValueError, match="not accrued"):
        _convert([note], date(2026, 3, 9))
    assert not Conversion.objects.filter(note=note).exists()


def test_a_batch_mixing_read_and_computed_notes(note):
    plain = NoteFactory(principal=D("75000.00"), issue_date=date(2025, 7, 31))
    state(plain, TODAY)
    repaid_in_part = NoteFactory(principal=D("60000.00"), issue_date=date(2025, 5, 1))
    state(repaid_in_part, TODAY)
    pay(repaid_in_part, date(2025, 11, 3), "20000.00", "principal")
    unstated = NoteFactory(principal=D("30000.00"), issue_date=date(2026, 1, 5))
    pay(note, date(2025, 4, 15), "684.93")
    seen = assert_converts_as_the_core(
        [note, plain, repaid_in_part, unstated], date(2026, 7, 4)
    )
    assert [seen[n.pk].stated_open for n in (note, plain, repaid_in_part, unstated)] == [
        True, True, True, False
    ]


def test_a_computed_month_paid_beyond_its_interest_is_computed_in_full(note):
    """Months paid in full, then a principal payment dated back into them (written as
    the register's own import would, outside the date-order check): the months from
    the principal payment on are overpaid (open below zero), and the split is
    `allocate_interest`'s over every month."""
    paid = note_facts_get(note=note).position(date(2025, 9, 30)).accrued_unpaid_interest
    pay(note, date(2025, 10, 1), paid)
    Payment.objects.create(
        note=note, paid_on=date(2025, 8, 10), amount=D("150000.00"), applies_to="principal",
        method=PaymentMethod.WIRE, holder_consent_reference="Holder's letter",
    )
    seen = assert_converts_as_the_core([note], date(2026, 3, 9))
    assert not seen[note.pk].stated_open

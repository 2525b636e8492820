"""The note pages read a note's ended months from its statements: the same figures (§2).

A period's standing statements (the original and its adjustments) add up to
exactly the interest the domain core computes for that month, so the pages,
the API position and the conversion (`notes.selectors.note_facts_read`,
`stated_months_by_note`) read those months instead of recomputing them. These
tests prove the equality over notes with partial first months, interest and
principal payments, back-dated principal (adjustments), reversals, a payoff
and a conversion — by hypothesis over generated histories and by named cases
— and that a month a principal fact may have changed since it was stated is
computed, never read.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.domain.interest import accrual_end, period_interest
from notes.domain.periods import statement_periods
from notes.models import InterestStatement, Note, Payment, PaymentKind, PaymentMethod
from notes.selectors import (
    money_facts_by_note,
    note_facts_get,
    note_facts_read,
    note_money_read,
    note_payments,
    note_position_history,
    stated_months_by_note,
)
from notes.services.payments import payment_reverse
from offerings.models import Conversion
from offerings.services.conversions import Price, note_amount_on, notes_convert
from tests.factories import NoteFactory, SeriesFactory
from tests.histories import events, history_apply, pay, state

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 12, 1)


def _money(read) -> tuple:
    """Every figure a note page shows from `note_money_read`."""
    return (
        read.position,
        [(s.pk, s.amount.amount, s.status, s.paid_amount) for s in read.statements],
        [(line.kind, line.start, line.end, line.amount, line.calculation)
         for line in read.unstated_lines],
        read.interest_total,
        read.interest_paid,
        read.accrual_ended_on,
        read.final_due_date,
        read.ledger_adds_up,
    )


def assert_same_figures(note: Note, days) -> None:
    """The stated read gives every figure the full recomputation gives, on every day."""
    note = Note.objects.select_related("series").get(pk=note.pk)
    full = note_facts_get(note=note)
    fast = note_facts_read(note=note)
    # The note pages build the same facts from the payments they show (one read fewer).
    assert note_facts_read(note=note, payments=note_payments(note)) == fast
    for day in days:
        assert full.position(day) == fast.position(day), day
        assert full.interest_lines(day) == fast.interest_lines(day), day
        assert _money(note_money_read(note=note, as_of=day, facts=full)) == _money(
            note_money_read(note=note, as_of=day, facts=fast)
        ), day
        if day >= note.issue_date:
            assert note_position_history(facts=full, through=day) == note_position_history(
                facts=fast, through=day
            ), day


def assert_statements_equal_domain(note: Note) -> None:
    """Each period's standing statements = the domain core's interest for the month."""
    note = Note.objects.select_related("series").get(pk=note.pk)
    facts = note_facts_get(note=note)
    end = accrual_end(facts.timeline, note.ended_on)
    expected = {
        (p.start, p.end): period_interest(
            facts.timeline, facts.rate, note.series.day_count, p.start, p.end
        )
        for p in statement_periods(
            issue_date=note.issue_date, as_of=TODAY, due_day=15, end_date=end
        )
    }
    sums: dict = {}
    for s in InterestStatement.objects.filter(note=note):
        key = (s.period_start, s.period_end)
        sums[key] = sums.get(key, D("0")) + s.amount.amount
    for key, total in sums.items():
        assert total == expected.get(key, D("0.00")), key


def _days(note: Note) -> list[date]:
    """Mid-month and month-end days across the note's life, and today."""
    days, day = [], note.issue_date
    while day <= TODAY:
        days += [day, day.replace(day=15) if day.day < 15 else day]
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        days.append(day)
        day += timedelta(days=1)
    return sorted({d for d in days if d <= TODAY} | {TODAY, note.issue_date - timedelta(days=1)})


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


# --- generated histories --------------------------------------------------------------------

@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    issue_day=st.integers(min_value=0, max_value=200),
    principal=st.integers(min_value=1_000_00, max_value=5_000_000_00),
    history=events(max_percent=40, max_size=7),
    rate=st.sampled_from([D("0.10"), D("0.0725")]),
    day_count=st.sampled_from(["ACT/365F", "ACT/360", "30/360"]),
)
def test_stated_read_equals_full_recomputation(issue_day, principal, history, rate, day_count):
    with transaction.atomic():
        series = SeriesFactory(stated_rate=rate, day_count=day_count)
        issue = date(2025, 1, 1) + timedelta(days=issue_day)
        note = NoteFactory(series=series, principal=D(principal).scaleb(-2), issue_date=issue)
        history_apply(note, history, TODAY)
        state(note, TODAY)
        assert_statements_equal_domain(note)
        assert_same_figures(note, _days(note))
        transaction.set_rollback(True)


# --- named cases ----------------------------------------------------------------------------


@pytest.fixture
def note():
    """$250,000 issued 2025-03-20 (a partial first month), stated through November 2026."""
    note = NoteFactory(principal=D("250000.00"), issue_date=date(2025, 3, 20))
    state(note, TODAY)
    return note


def test_a_note_with_payments_reads_its_stated_months(note):
    pay(note, date(2025, 4, 15), "684.93")  # March, 12 days
    pay(note, date(2025, 6, 15), "1000.00")
    fast = note_facts_read(note=note)
    # The ended months are read: all but the month in progress are on statements.
    assert len(fast.stated) == InterestStatement.objects.filter(note=note).count() == 21
    assert_same_figures(note, _days(note))


def test_back_dated_principal_and_its_adjustments(note):
    pay(note, date(2025, 8, 10), "100000.00", "principal")  # months since corrected
    assert InterestStatement.objects.filter(note=note, corrects__isnull=False).exists()
    assert_statements_equal_domain(note)
    fast = note_facts_read(note=note)
    # From the principal payment on, the months are computed, not read.
    assert fast.stated and max(end for _, end in fast.stated) < date(2025, 8, 10)
    assert_same_figures(note, _days(note))


def test_reversed_payments(note):
    interest = pay(note, date(2025, 5, 1), "1500.00")
    principal = pay(note, date(2025, 9, 30), "50000.00", "principal")
    payment_reverse(payment=interest, reason="Check returned")
    payment_reverse(payment=principal, reason="Wire recalled")
    assert_statements_equal_domain(note)
    assert_same_figures(note, _days(note))


def test_repaid_principal_with_interest_still_owed(note):
    pay(note, date(2026, 2, 10), "250000.00", "principal")
    assert_statements_equal_domain(note)
    assert_same_figures(note, _days(note))


def test_a_converted_note(note):
    pay(note, date(2025, 4, 15), "684.93")
    principal_paid, allocations = money_facts_by_note([note.pk])
    expected = note_amount_on(
        note=note, principal_paid=principal_paid.get(note.pk, ()),
        allocations=allocations.get(note.pk, ()), conversion_date=date(2026, 6, 20),
    )
    locked = list(Note.objects.select_related("series", "holder").filter(pk=note.pk))
    assert notes_convert(
        notes=locked, conversion_date=date(2026, 6, 20), kind="qualified_offering",
        price=Price(D("2.412451"), "test price", None),
    ) == [note.pk]
    conversion = Conversion.objects.get(note=note)
    # The months from the conversion on were stated, and are voided by adjustments.
    assert InterestStatement.objects.filter(note=note, corrects__isnull=False).exists()
    assert_statements_equal_domain(note)
    assert_same_figures(note, _days(note))
    # Converted with its stated months read: the Note Amount the full recomputation gives.
    assert (conversion.principal_converted, conversion.interest_converted) == (
        expected.principal, expected.interest
    )


def test_a_month_stated_before_an_unreconciled_principal_fact_is_computed(note):
    """A principal payment recorded while its month was being stated leaves that month
    stated at the old balance until the daily reconciliation: the page must still show
    what the facts give, so such months are never read."""
    Payment.objects.create(
        note=note, paid_on=date(2025, 10, 5), amount=D("40000.00"),
        applies_to=PaymentKind.PRINCIPAL, method=PaymentMethod.WIRE,
        holder_consent_reference="Holder's letter",
    )
    stale = InterestStatement.objects.get(note=note, period_start=date(2025, 10, 1))
    facts = note_facts_get(note=note)
    assert stale.amount.amount != period_interest(
        facts.timeline, facts.rate, "ACT/365F", stale.period_start, stale.period_end
    )
    assert_same_figures(note, _days(note))


def test_a_statement_at_another_rate_is_not_read(note):
    """Statements made before the series' maximum lawful rate was recorded (§2) are
    computed again at the rate in effect, not read."""
    note.series.max_lawful_rate = D("0.08")
    note.series.save()
    fast = note_facts_read(note=Note.objects.select_related("series").get(pk=note.pk))
    assert fast.stated == {}
    assert_same_figures(note, _days(note))


def test_a_wrong_stated_figure_would_show(note):
    """The read is real: a stated figure, not a recomputation, makes the position."""
    fast = note_facts_read(note=note)
    key = min(fast.stated)
    altered = type(fast)(**{**fast.__dict__, "stated": {**fast.stated, key: D("1.00")}})
    assert altered.position(TODAY).accrued_unpaid_interest == (
        fast.position(TODAY).accrued_unpaid_interest - fast.stated[key] + D("1.00")
    )


def test_conversion_note_amounts_read_the_same(note):
    other = NoteFactory(principal=D("75000.00"), issue_date=date(2025, 7, 31))
    state(other, TODAY)
    pay(note, date(2025, 4, 15), "684.93")
    pay(other, date(2025, 11, 3), "20000.00", "principal")
    notes = list(Note.objects.select_related("series").filter(pk__in=[note.pk, other.pk]))
    ids = [n.pk for n in notes]
    principal_paid, allocations = money_facts_by_note(ids)
    stated = stated_months_by_note(
        ids, principal_paid=principal_paid,
        terms={n.pk: (D("0.10"), "ACT/365F") for n in notes},
    )
    assert stated[note.pk] and stated[other.pk]
    for n in notes:
        for day in (date(2026, 6, 20), date(2026, 11, 30), date(2025, 12, 31)):
            kwargs = dict(
                note=n, principal_paid=principal_paid.get(n.pk, ()),
                allocations=allocations.get(n.pk, ()), conversion_date=day,
            )
            assert note_amount_on(**kwargs) == note_amount_on(**kwargs, stated=stated[n.pk])

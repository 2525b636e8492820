"""What must always hold in the register, enforced by the database and refused by services."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from djmoney.money import Money

from notes.models import Note, NoteSeries
from notes.services import note_create, series_create
from tests.factories import HolderFactory, IssuerFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db


def test_series_takes_the_contract_terms_by_default():
    series = SeriesFactory()
    assert series.stated_rate == Decimal("0.10")
    assert series.max_lawful_rate is None
    assert series.day_count == "ACT/365F"
    assert series.term_months == 24
    assert series.interest_due_day == 15
    assert series.voluntary_threshold == Decimal("3000000.00")
    assert series.automatic_threshold == Decimal("5000000.00")
    assert series.price_tranche == Decimal("1000000.00")
    assert series.voluntary_window_months == 6
    assert (series.notice_days, series.cure_days, series.dismissal_days) == (10, 10, 60)
    assert series.mail_delivery_business_days == 3


def test_effective_rate_is_the_lesser_of_stated_and_lawful():
    series = SeriesFactory(max_lawful_rate=Decimal("0.08"))
    assert series.effective_rate == Decimal("0.08")
    assert series.rate_basis == "maximum lawful"
    assert SeriesFactory().rate_basis == "stated"


def test_note_maturity_is_the_two_year_anniversary():
    note = NoteFactory(issue_date=date(2006, 7, 20))
    assert note.maturity_date == date(2008, 7, 20)


def test_note_issued_on_29_february_matures_on_28_february():
    note = NoteFactory(issue_date=date(2008, 2, 29))
    assert note.maturity_date == date(2010, 2, 28)


@pytest.mark.parametrize("principal", [Decimal("0"), Decimal("-1.00")])
def test_service_refuses_non_positive_principal(principal):
    with pytest.raises(ValidationError) as exc:
        NoteFactory(principal=principal)
    assert "principal" in exc.value.message_dict
    assert Note.objects.count() == 0


def test_database_refuses_non_positive_principal_even_past_the_service():
    series = SeriesFactory()
    holder = HolderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(
            series=series, holder=holder, number="X-1", principal=Money(0, "USD"),
            issue_date=date(2006, 7, 1), maturity_date=date(2008, 7, 1),
        )


def test_database_refuses_maturity_not_after_issue():
    series = SeriesFactory()
    holder = HolderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(
            series=series, holder=holder, number="X-1", principal=Money(10, "USD"),
            issue_date=date(2006, 7, 1), maturity_date=date(2006, 7, 1),
        )


def test_note_numbers_are_unique_within_a_series():
    note = NoteFactory(number="ATS-001")
    with pytest.raises(ValidationError) as exc:
        NoteFactory(series=note.series, number="ATS-001")
    assert "__all__" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(
            series=note.series, holder=note.holder, number="ATS-001",
            principal=Money(10, "USD"), issue_date=date(2006, 7, 1),
            maturity_date=date(2008, 7, 1),
        )
    # The same number in another series is a different note.
    assert NoteFactory(number="ATS-001").number == "ATS-001"


def test_notes_without_a_number_are_numbered_in_sequence():
    series = SeriesFactory(name="Bridge Notes")
    first = NoteFactory(series=series)
    second = NoteFactory(series=series)
    assert (first.number, second.number) == ("BN-001", "BN-002")


@pytest.mark.parametrize("rate", [Decimal("0"), Decimal("1"), Decimal("-0.05"), Decimal("1.5")])
def test_rates_must_lie_strictly_between_zero_and_one(rate):
    issuer = IssuerFactory()
    with pytest.raises(ValidationError):
        series_create(issuer=issuer, name="S", agreement_date=date(2006, 7, 1), stated_rate=rate)
    with pytest.raises(ValidationError):
        series_create(
            issuer=issuer, name="S", agreement_date=date(2006, 7, 1), max_lawful_rate=rate
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteSeries.objects.create(
            issuer=issuer, name="S", agreement_date=date(2006, 7, 1), stated_rate=rate
        )


def test_principal_in_another_currency_than_the_series_is_refused():
    series = SeriesFactory()
    with pytest.raises(ValidationError) as exc:
        note_create(
            series=series, holder=HolderFactory(), principal=Money(100, "EUR"),
            issue_date=date(2006, 7, 1),
        )
    assert "USD" in str(exc.value)


def test_a_series_may_be_in_another_currency():
    series = SeriesFactory(currency="EUR")
    note = NoteFactory(series=series, principal=Decimal("1000.00"))
    assert note.principal == Money("1000.00", "EUR")


def test_an_allocation_names_its_payments_own_note():
    """An allocation's payment and note are checked together (allocation_payment_with_its_note,
    once per INSERT): the payment exists, and it is a payment of that note (whose own key
    says the note exists). More in tests/notes/services/test_allocation_payment_check.py."""
    from notes.models import Payment, PaymentAllocation

    note, other = NoteFactory(), NoteFactory()
    payment = Payment.objects.create(
        note=note, paid_on=date(2025, 7, 15), amount=Decimal("10.00"), applies_to="interest",
        method="wire",
    )
    PaymentAllocation.objects.create(
        payment=payment, note=note, period_start=note.issue_date, paid_on=date(2025, 7, 15),
        amount=Decimal("10.00"),
    )
    for payment_id, note_id in ((payment.pk, other.pk), (payment.pk + 1000, note.pk)):
        with pytest.raises(IntegrityError, match="allocation_payment_with_its_note"), \
                transaction.atomic():
            PaymentAllocation.objects.create(
                payment_id=payment_id, note_id=note_id, period_start=date(2025, 7, 1),
                paid_on=date(2025, 7, 15), amount=Decimal("1.00"),
            )

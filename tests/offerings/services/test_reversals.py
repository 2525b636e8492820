"""A payment made before an automatic conversion of the series is final (§5.2)."""

from datetime import date
from decimal import Decimal

import pytest

from notes.models import NoteStatus, Payment
from notes.services.payments import NoteStateConflict, payment_record, payment_reverse
from offerings import services
from offerings.models import Conversion
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
PIPE_SALES = [
    {"shares": 500_000, "price_per_share": D("2.00")},
    {"shares": 1_000_000, "price_per_share": D("4.11")},
]


def test_a_payoff_before_an_automatic_conversion_cannot_be_reversed(committed):
    series = SeriesFactory()
    repaid = NoteFactory(series=series, principal=D("100000.00"), issue_date=date(2007, 1, 1))
    other = NoteFactory(series=series, principal=D("100000.00"), issue_date=date(2007, 1, 1))
    payoff = payment_record(note=repaid, paid_on=date(2007, 12, 31), amount=D("100000.00"),
                            applies_to="principal", holder_consent_reference="Consent")
    interest = payment_record(note=repaid, paid_on=date(2007, 12, 31), amount=D("10000.04"),
                              applies_to="interest")
    repaid.refresh_from_db()
    assert repaid.status == NoteStatus.REPAID
    committed(services.offering_record, issuer=series.issuer, kind="pipe",
              closing_date=date(2008, 5, 30), gross_proceeds=D("5110000.00"), sales=PIPE_SALES)
    assert Conversion.objects.get().note == other
    for payment in (payoff, interest):
        with pytest.raises(NoteStateConflict) as refused:
            payment_reverse(payment=payment, reason="Check bounced")
        assert "converted automatically on 2008-05-30 (§5.2)" in str(refused.value)
    repaid.refresh_from_db()
    assert repaid.status == NoteStatus.REPAID
    assert not Payment.objects.filter(reverses__isnull=False).exists()


def test_a_payment_after_the_conversion_or_before_a_voluntary_one_can_be_reversed(committed):
    series = SeriesFactory()
    note = NoteFactory(series=series, principal=D("100000.00"), issue_date=date(2007, 1, 1))
    later = NoteFactory(series=series, principal=D("100000.00"), issue_date=date(2008, 6, 1))
    NoteFactory(series=series, principal=D("100000.00"), issue_date=date(2007, 1, 1))
    early = payment_record(note=note, paid_on=date(2007, 2, 15), amount=D("849.32"),
                           applies_to="interest")
    committed(services.offering_record, issuer=series.issuer, kind="pipe",
              closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
              sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}])
    # A $3M offering opens a voluntary window only: nothing converted automatically.
    payment_reverse(payment=early, reason="Wrong month")
    committed(services.offering_record, issuer=series.issuer, kind="pipe",
              closing_date=date(2008, 5, 30), gross_proceeds=D("5110000.00"), sales=PIPE_SALES)
    assert Conversion.objects.count() == 2  # the two notes issued in 2007
    # A note issued after the conversion: its payments are not before it.
    paid = payment_record(note=later, paid_on=date(2008, 7, 15), amount=D("821.92"),
                          applies_to="interest")
    payment_reverse(payment=paid, reason="Wrong account")
    assert Payment.objects.filter(reverses__isnull=False).count() == 2

"""Cash in lieu of fractional shares, within 10 days of conversion (§7)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from notes.services.payments import NoteStateConflict
from offerings import services
from offerings.models import CashInLieuPayment, Conversion
from offerings.services.cash import (
    CashInLieuRefused,
    cash_in_lieu_payment_record,
    cash_in_lieu_state,
)
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

D = Decimal
EXAMPLE_SALES = [
    {"shares": 150_000, "price_per_share": D("2.00")},
    {"shares": 200_000, "price_per_share": D("2.50")},
    {"shares": 100_000, "price_per_share": D("3.10")},
    {"shares": 1_000_000, "price_per_share": D("4.00")},
]


@pytest.fixture
def conversion(committed):
    """$250,000 issued 2006-07-20 converts 2007-07-20 at 2.412451: 114,020 shares, 0.83."""
    series = SeriesFactory()
    NoteFactory(series=series, principal=D("250000.00"), issue_date=date(2006, 7, 20))
    committed(services.offering_record, issuer=series.issuer, kind="pipe",
              closing_date=date(2007, 7, 20), gross_proceeds=D("5110000.00"),
              sales=EXAMPLE_SALES)
    conversion = Conversion.objects.get()
    assert (conversion.cash_in_lieu, conversion.cash_due_date) == (D("0.83"), date(2007, 7, 30))
    return conversion


def pay(conversion, paid_on, amount, method="check"):
    return cash_in_lieu_payment_record(
        conversion=conversion, paid_on=paid_on, amount=D(amount), method=method, reference="CHK 1"
    )


def test_paid_within_ten_days_is_paid_and_after_them_late(conversion):
    state = cash_in_lieu_state(conversion)
    assert state.state_on(date(2007, 7, 30)) == "open"
    assert state.state_on(date(2007, 7, 31)) == "overdue"
    pay(conversion, date(2007, 7, 27), "0.50")
    assert cash_in_lieu_state(conversion).state_on(date(2007, 7, 31)) == "overdue"
    pay(conversion, date(2007, 8, 2), "0.33")
    state = cash_in_lieu_state(conversion)
    assert (state.paid, state.unpaid, state.paid_in_full_on) == (D("0.83"), D("0.00"),
                                                               date(2007, 8, 2))
    assert state.state_on(date(2007, 8, 1)) == "overdue"
    assert state.state_on(date(2007, 8, 2)) == "late"


@pytest.mark.parametrize(
    ("paid_on", "amount", "field"),
    [
        (date(2007, 7, 19), "0.83", "paid_on"),  # before the conversion
        (date(2007, 7, 25), "0.84", "amount"),  # more than the cash in lieu
        (date(2007, 7, 25), "0", "amount"),
        (date(2007, 7, 25), "0.001", "amount"),
    ],
)
def test_refusals_record_nothing(conversion, paid_on, amount, field):
    with pytest.raises(CashInLieuRefused) as refused:
        pay(conversion, paid_on, amount)
    assert field in refused.value.message_dict
    assert not CashInLieuPayment.objects.exists()


def test_a_conversion_awaiting_its_price_has_no_cash_to_pay(committed):
    series = SeriesFactory()
    NoteFactory(series=series, principal=D("250000.00"), issue_date=date(2006, 7, 20))
    committed(services.event_record, issuer=series.issuer, kind="merger",
              effective_date=date(2007, 7, 20))
    with pytest.raises(NoteStateConflict):
        pay(Conversion.objects.get(), date(2007, 7, 25), "0.83")


def test_the_database_refuses_to_change_a_payment(conversion):
    payment = pay(conversion, date(2007, 7, 27), "0.83")
    for sql in ("UPDATE offerings_cashinlieupayment SET amount = 1 WHERE id = %s",
                "DELETE FROM offerings_cashinlieupayment WHERE id = %s"):
        with pytest.raises(Exception, match="append_only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql, [payment.pk])
    assert CashInLieuPayment.objects.get().amount == D("0.83")


def test_the_api_records_lists_and_refuses(finance_api, auditor_api, conversion):
    body = {"conversion": conversion.pk, "paid_on": "2007-07-27", "amount": "0.83",
            "method": "check", "reference": "CHK 1"}
    assert auditor_api.post("/api/v1/cash-in-lieu-payments/", body,
                            format="json").status_code == 403
    created = finance_api.post("/api/v1/cash-in-lieu-payments/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY="cil-1")
    assert created.status_code == 201 and created.json()["amount"] == "0.83"
    again = finance_api.post("/api/v1/cash-in-lieu-payments/", body, format="json",
                             HTTP_IDEMPOTENCY_KEY="cil-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    more = finance_api.post("/api/v1/cash-in-lieu-payments/", {**body, "amount": "0.01"},
                            format="json")
    assert more.status_code == 400 and "amount" in more.json()
    listed = auditor_api.get(f"/api/v1/cash-in-lieu-payments/?conversion={conversion.pk}")
    assert listed.json()["count"] == 1

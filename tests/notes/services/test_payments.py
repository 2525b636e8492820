"""Payments (§2, §4): allocation, refusals, repayment, idempotency, reversals."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from notes.models import NoteStatus, Payment, PaymentAllocation
from notes.selectors import note_position_get
from notes.services.payments import (
    IdempotencyConflict,
    NoteStateConflict,
    PaymentRefused,
    payment_record,
    payment_reverse,
)
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def note():
    # $250,000 issued 2006-07-20 at 10% ACT/365F: July 821.92, Aug 2,123.29, Sep 2,054.79.
    return NoteFactory(principal=D("250000.00"), issue_date=date(2006, 7, 20))


def pay(note, paid_on, amount, applies_to="interest", **kw):
    return payment_record(note=note, paid_on=paid_on, amount=D(amount), applies_to=applies_to, **kw)


def test_interest_applies_to_the_oldest_unpaid_month_first(note):
    payment = pay(note, date(2006, 9, 20), "1000.00")
    assert list(payment.allocations.values_list("period_start", "amount")) == [
        (date(2006, 7, 20), D("821.92")),
        (date(2006, 8, 1), D("178.08")),
    ]
    second = pay(note, date(2006, 9, 21), "2000.00")
    assert list(second.allocations.values_list("period_start", "amount")) == [
        (date(2006, 8, 1), D("1945.21")),
        (date(2006, 9, 1), D("54.79")),
    ]


def test_interest_above_what_is_accrued_and_unpaid_is_refused(note):
    # Through 2006-08-20: July 821.92 + Aug 1–20 (250,000 × 0.1 × 20/365 = 1,369.86).
    with pytest.raises(PaymentRefused) as exc:
        pay(note, date(2006, 8, 20), "2191.79")
    assert "2,191.79" in str(exc.value) and "2,191.78" in str(exc.value)
    assert Payment.objects.count() == 0
    assert pay(note, date(2006, 8, 20), "2191.78").amount.amount == D("2191.78")


@pytest.mark.parametrize("amount", ["0", "-5.00", "1.001"])
def test_bad_amounts_are_refused(note, amount):
    with pytest.raises(PaymentRefused):
        pay(note, date(2006, 9, 1), amount)
    assert Payment.objects.count() == 0


def test_payment_before_issue_is_refused(note):
    with pytest.raises(PaymentRefused):
        pay(note, date(2006, 7, 19), "1.00")


def test_principal_prepayment_without_consent_cites_section_4(note):
    with pytest.raises(PaymentRefused) as exc:
        pay(note, date(2007, 1, 10), "50000.00", applies_to="principal")
    assert "§4" in str(exc.value)
    assert "2008-07-20" in str(exc.value)
    assert Payment.objects.count() == 0


def test_principal_prepayment_with_consent_reduces_the_balance_from_the_next_day(note):
    pay(note, date(2006, 8, 10), "50000.00", applies_to="principal",
        holder_consent_reference="Letter of M. Keller dated 2006-08-01")
    # August: 250,000 for 10 days + 200,000 for 21 days = 1,835.62.
    position = note_position_get(note=note, as_of=date(2006, 8, 31))
    assert position.outstanding_principal == D("200000.00")
    assert position.accrued_unpaid_interest == D("821.92") + D("1835.62")


def test_principal_above_outstanding_is_refused(note):
    with pytest.raises(PaymentRefused) as exc:
        pay(note, date(2008, 7, 21), "250000.01", applies_to="principal")
    assert "250,000.00" in str(exc.value)


def test_payoff_at_maturity_makes_the_note_repaid_and_stops_accrual(note):
    maturity = date(2008, 7, 20)
    accrued = note_position_get(note=note, as_of=maturity).accrued_unpaid_interest
    pay(note, maturity, "250000.00", applies_to="principal")  # no consent needed at maturity
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING  # interest still unpaid
    pay(note, maturity, str(accrued))
    note.refresh_from_db()
    assert (note.status, note.ended_on) == (NoteStatus.REPAID, maturity)
    later = note_position_get(note=note, as_of=date(2009, 1, 1))
    assert later.note_amount == D("0.00")
    with pytest.raises(NoteStateConflict):
        pay(note, date(2008, 8, 1), "1.00")


def test_same_idempotency_key_records_one_payment(note):
    first = pay(note, date(2006, 9, 20), "500.00", idempotency_key="k-1")
    again = pay(note, date(2006, 9, 20), "500.00", idempotency_key="k-1")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    with pytest.raises(IdempotencyConflict):
        pay(note, date(2006, 9, 20), "600.00", idempotency_key="k-1")
    assert Payment.objects.count() == 1


def test_reversal_restores_the_position_and_points_at_the_original(note):
    payment = pay(note, date(2006, 9, 20), "1000.00")
    reversal = payment_reverse(payment=payment, reason="Check returned unpaid")
    assert reversal.reverses_id == payment.pk
    assert reversal.amount.amount == D("-1000.00")
    assert reversal.paid_on == payment.paid_on
    assert sum(PaymentAllocation.objects.values_list("amount", flat=True)) == 0
    position = note_position_get(note=note, as_of=date(2006, 9, 20))
    assert position.accrued_unpaid_interest == D("821.92") + D("2123.29") + D("1369.86")
    with pytest.raises(PaymentRefused):
        payment_reverse(payment=payment, reason="again")
    with pytest.raises(PaymentRefused):
        payment_reverse(payment=reversal, reason="reverse the reversal")


def test_reversing_a_payoff_reopens_the_note(note):
    maturity = date(2008, 7, 20)
    accrued = note_position_get(note=note, as_of=maturity).accrued_unpaid_interest
    principal = pay(note, maturity, "250000.00", applies_to="principal")
    pay(note, maturity, str(accrued))
    payment_reverse(payment=principal, reason="Wire recalled")
    note.refresh_from_db()
    assert (note.status, note.ended_on) == (NoteStatus.OUTSTANDING, None)


def test_payments_keep_the_address_they_were_mailed_to(note):
    payment = pay(note, date(2006, 9, 20), "100.00", method="check", reference="Check 1042")
    assert "1 Main St" in payment.mailed_to
    assert payment.reference == "Check 1042"


def test_money_facts_cannot_be_updated_or_deleted_in_the_database(note):
    payment = pay(note, date(2006, 9, 20), "100.00")
    for sql in [
        "UPDATE notes_payment SET amount = 1 WHERE id = %s",
        "DELETE FROM notes_payment WHERE id = %s",
        "UPDATE notes_paymentallocation SET amount = 1 WHERE payment_id = %s",
    ]:
        with pytest.raises(Exception) as exc, transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [payment.pk])
        assert "append_only" in str(exc.value) or "Cannot" in str(exc.value)
    assert Payment.objects.get().amount.amount == D("100.00")


def test_a_reversal_needs_a_pointer_and_a_negative_amount(note):
    payment = pay(note, date(2006, 9, 20), "100.00")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
        c.execute(
            "INSERT INTO notes_payment (note_id, paid_on, amount, amount_currency, applies_to,"
            " method, reference, mailed_to, holder_consent_reference, reason,"
            " request_fingerprint, created_at) VALUES (%s, '2006-09-21', -5, 'USD', 'interest',"
            " 'check', '', '', '', '', '', now())",
            [payment.note_id],
        )


def test_payments_are_recorded_in_date_order(note):
    pay(note, date(2006, 10, 15), "2000.00")
    with pytest.raises(PaymentRefused) as exc:
        pay(note, date(2006, 8, 15), "821.92")
    assert "2006-10-15" in str(exc.value) and "date order" in str(exc.value)
    with pytest.raises(PaymentRefused):
        pay(note, date(2006, 9, 1), "1000.00", applies_to="principal",
            holder_consent_reference="consent")
    # Once the later payment is reversed, the earlier one can be recorded.
    payment_reverse(payment=Payment.objects.get(), reason="entered with the wrong date")
    assert pay(note, date(2006, 8, 15), "821.92").allocations.get().amount == D("821.92")


def test_conversion_entries_cannot_be_recorded_as_payments(note):
    with pytest.raises(PaymentRefused) as exc:
        pay(note, date(2006, 9, 1), "100.00", method="conversion")
    assert "method" in exc.value.message_dict

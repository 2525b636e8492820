"""Many payment requests at once, each thread on its own database connection.

A hundred requests race through the API (Django's test client in threads, so
each request has its own PostgreSQL connection and transaction). The shared
PostgreSQL server of a developer machine allows 100 connections for everyone,
so the hundred requests go out from ``THREADS`` threads released together by
a barrier, each sending its share back to back; `bench/faults.py` sends them
from a hundred threads at once against a private server.
"""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connections

from notes.models import Payment, PaymentAllocation, PaymentKind
from notes.services.payments import payment_plan
from tests.factories import NoteFactory

D = Decimal
PAYMENTS = "/api/v1/payments/"
REQUESTS = 100
THREADS = 25
PAID_ON = "2007-01-20"


def _race(make_client, bodies, key_of=lambda i: None):
    """POST every body, THREADS at a time from the start line; the answers by request index."""
    answers = [None] * len(bodies)
    barrier = threading.Barrier(THREADS)

    def work(worker):
        try:
            client = make_client()
            barrier.wait()
            for i in range(worker, len(bodies), THREADS):
                extra = {"HTTP_IDEMPOTENCY_KEY": key_of(i)} if key_of(i) else {}
                response = client.post(PAYMENTS, bodies[i], format="json", **extra)
                answers[i] = (response.status_code, response.headers.get("Idempotent-Replayed"),
                              response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert None not in answers, "a request got no answer"
    return answers


@pytest.mark.django_db(transaction=True)
def test_a_hundred_identical_payments_with_one_key_record_one(api, finance_user):
    note = NoteFactory(principal=D("250000.00"), issue_date=date(2006, 7, 20))
    body = {"note": note.pk, "paid_on": PAID_ON, "amount": "2000.00",
            "applies_to": "interest", "method": "wire", "reference": "FED-77"}

    answers = _race(lambda: api(finance_user), [body] * REQUESTS, key_of=lambda i: "one-key")

    payment = Payment.objects.get()
    statuses = sorted((status, replayed) for status, replayed, _ in answers)
    assert statuses == [(200, "true")] * (REQUESTS - 1) + [(201, None)]
    assert {answer["id"] for _, _, answer in answers} == {payment.pk}
    assert payment.amount.amount == D("2000.00")
    assert PaymentAllocation.objects.filter(payment=payment).count() >= 1
    assert sum(a.amount for a in PaymentAllocation.objects.all()) == D("2000.00")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("applies_to", [PaymentKind.INTEREST, PaymentKind.PRINCIPAL])
def test_a_hundred_different_payments_at_once_never_pay_more_than_owed(
    api, finance_user, applies_to
):
    note = NoteFactory(principal=D("10000.00"), issue_date=date(2006, 7, 20))
    plan = payment_plan(note=note, paid_on=date(2007, 1, 20), amount=D("0.01"),
                        applies_to=applies_to, holder_consent_reference="consent")
    interest = applies_to == PaymentKind.INTEREST
    owed = plan.interest_unpaid if interest else plan.outstanding_principal
    assert owed > 0
    # A hundred different amounts (each distinct, so none is a likely duplicate of
    # another) adding up to about four times what is owed.
    amounts = [(owed / 25 + D(i) / 100).quantize(D("0.01")) for i in range(REQUESTS)]
    bodies = [
        {"note": note.pk, "paid_on": PAID_ON, "amount": str(amount), "applies_to": applies_to,
         "method": "check", "reference": f"CHK-{i:03d}",
         "holder_consent_reference": "Holder's letter of consent on file"}
        for i, amount in enumerate(amounts)
    ]

    answers = _race(lambda: api(finance_user), bodies, key_of=lambda i: f"payment-{i}")

    accepted = [amounts[i] for i, (status, _, _) in enumerate(answers) if status == 201]
    refused = [(amounts[i], body) for i, (status, _, body) in enumerate(answers) if status != 201]
    assert {status for status, _, _ in answers} <= {201, 400}
    paid = sum(accepted, D("0.00"))
    stored = sum((p.amount.amount for p in Payment.objects.filter(note=note)), D("0.00"))
    assert stored == paid
    assert Payment.objects.filter(note=note).count() == len(accepted)
    assert 0 < paid <= owed
    left = owed - paid
    # Every refusal was a true one: the amount was more than was still owed when it
    # was refused, and what is owed only goes down, so it is more than what is left.
    assert refused, "four times the amount owed cannot all be accepted"
    for amount, body in refused:
        assert amount > left, (amount, left, body)
        assert "amount" in body
    after = payment_plan(note=note, paid_on=date(2007, 1, 20), amount=D("0.01"),
                         applies_to=applies_to, holder_consent_reference="consent")
    still_owed = (after.interest_unpaid if applies_to == PaymentKind.INTEREST
                  else after.outstanding_principal)
    assert still_owed == left

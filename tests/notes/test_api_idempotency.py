"""Payments API: Idempotency-Key limits, repeats at once, likely duplicates (409 duplicate_of)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connections

from core.models import IdempotencyRecord
from notes.models import Payment
from tests.factories import NoteFactory

D = Decimal
PAYMENTS = "/api/v1/payments/"


@pytest.fixture
def note(db):
    return NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))


def _body(note, **overrides):
    body = {"note": note.pk, "paid_on": "2006-09-20", "amount": "200.00",
            "applies_to": "interest", "method": "wire", "reference": "FED-1"}
    body.update(overrides)
    return body


@pytest.mark.parametrize("length", [201, 300])
def test_an_idempotency_key_longer_than_200_is_a_clear_400(finance_api, note, length):
    response = finance_api.post(PAYMENTS, _body(note), format="json",
                                HTTP_IDEMPOTENCY_KEY="k" * length)
    assert response.status_code == 400
    assert response.json() == {"detail": "Idempotency-Key must be at most 200 characters."}
    assert Payment.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def test_an_idempotency_key_of_200_is_accepted(finance_api, note):
    response = finance_api.post(PAYMENTS, _body(note), format="json",
                                HTTP_IDEMPOTENCY_KEY="k" * 200)
    assert response.status_code == 201
    assert Payment.objects.get().idempotency_key == "k" * 200


def test_a_likely_duplicate_under_a_new_key_is_409_until_confirmed(finance_api, note):
    first = finance_api.post(PAYMENTS, _body(note), format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert first.status_code == 201
    earlier = first.json()["id"]

    again = finance_api.post(PAYMENTS, _body(note), format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert again.status_code == 409
    assert again.json()["duplicate_of"] == earlier
    assert f"payment #{earlier}" in again.json()["detail"]
    assert Payment.objects.count() == 1
    # The refusal kept nothing under "b", so the confirmed request may use it.
    confirmed = finance_api.post(PAYMENTS, {**_body(note), "confirm_duplicate": True},
                                 format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert confirmed.status_code == 201
    assert confirmed.json()["id"] != earlier
    assert "confirm_duplicate" not in confirmed.json()
    assert Payment.objects.count() == 2
    # A retry of it (with or without the flag) is a replay, not a third payment.
    retry = finance_api.post(PAYMENTS, {**_body(note), "confirm_duplicate": True},
                             format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert (retry.status_code, retry.headers["Idempotent-Replayed"]) == (200, "true")
    assert retry.json()["id"] == confirmed.json()["id"]
    assert Payment.objects.count() == 2


def test_a_likely_duplicate_without_any_key_is_409_too(finance_api, note):
    assert finance_api.post(PAYMENTS, _body(note), format="json").status_code == 201
    again = finance_api.post(PAYMENTS, _body(note), format="json")
    assert again.status_code == 409 and "duplicate_of" in again.json()
    other_day = finance_api.post(PAYMENTS, _body(note, paid_on="2006-09-21"), format="json")
    assert other_day.status_code == 201


def test_reversal_with_a_key_is_replayed(finance_api, note):
    payment = finance_api.post(PAYMENTS, _body(note), format="json").json()
    url = f"{PAYMENTS}{payment['id']}/reverse/"
    first = finance_api.post(url, {"reason": "Wrong"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="rev")
    again = finance_api.post(url, {"reason": "Wrong"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="rev")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_ten_identical_posts_at_once_answer_as_sequential_repeats_do(api, finance_user):
    note = NoteFactory(principal=D("250000.00"), issue_date=date(2006, 7, 20))
    body = _body(note)
    barrier = threading.Barrier(10)
    answers = []
    lock = threading.Lock()

    def post():
        try:
            client = api(finance_user)
            barrier.wait()
            response = client.post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="once")
            with lock:
                answers.append((response.status_code, response.headers.get("Idempotent-Replayed"),
                                response.json().get("id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    payment = Payment.objects.get()
    assert len(answers) == 10
    assert sorted(a[:2] for a in answers) == [(200, "true")] * 9 + [(201, None)]
    assert {a[2] for a in answers} == {payment.pk}
    # The same answer as a repeat made afterwards.
    later = api(finance_user).post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="once")
    assert (later.status_code, later.headers["Idempotent-Replayed"]) == (200, "true")
    assert later.json()["id"] == payment.pk

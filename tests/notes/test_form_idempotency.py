"""The payment and reversal forms: once per rendered form, duplicates confirmed, errors on top.

The browser goes through the API's key store (`IdempotencyRecord`) and the
same service, so a double click, Back and submit again, or two POSTs at once
record one payment and say so; a likely duplicate under a new key (a Back that
re-fetched the page) waits for a confirmation that shows the earlier payment.
"""

import html
import re
import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from core.models import IdempotencyRecord
from notes.models import Payment
from notes.services.payments import payment_record, payment_reverse
from tests.factories import NoteFactory

D = Decimal


@pytest.fixture
def note(db):
    return NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))


def _text(content: bytes) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content.decode())).split())


def _key_on(page) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode())
    assert match, "no one-time key on the page"
    return match.group(1)


def _payment(key, **overrides):
    data = {
        "paid_on": "2006-09-15",
        "amount": "200.00",
        "applies_to": "interest",
        "method": "check",
        "reference": "Check 1001",
        "holder_consent_reference": "",
        "idempotency_key": key,
    }
    data.update(overrides)
    return data


def _url(note):
    return reverse("note-payment-record", args=[note.pk])


def _summary(page) -> str:
    match = re.search(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>',
                      page.content.decode(), re.S)
    assert match, "no error summary"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()).replace(
        " :", ":")


# --- Back and submit again, double click --------------------------------------------------


def test_back_and_submit_of_the_rendered_form_records_once_and_says_so(
    client, finance_user, note
):
    client.force_login(finance_user)
    key = _key_on(client.get(reverse("note-detail", args=[note.pk])))
    first = client.post(_url(note), _payment(key))
    assert first.status_code == 302
    # Back shows the cached page with the same key; submitting it again:
    again = client.post(_url(note), _payment(key), follow=True)
    payment = Payment.objects.get()
    assert Payment.objects.count() == 1
    assert payment.idempotency_key == key
    text = _text(again.content)
    assert re.search(
        rf"This payment was already recorded \(#{payment.pk} today at \d\d:\d\d by fiona\)",
        text,
    )
    assert "nothing new was recorded" in text
    assert again.redirect_chain[-1][0] == reverse("note-detail", args=[note.pk])
    # The browser's key is in the API's key store, for this form's URL.
    record = IdempotencyRecord.objects.get(key=key)
    assert record.scope == f"POST {_url(note)}"
    assert record.body["id"] == payment.pk


def test_a_refused_submit_keeps_its_key_and_the_corrected_submit_records(
    client, finance_user, note
):
    client.force_login(finance_user)
    key = str(uuid.uuid4())
    refused = client.post(_url(note), _payment(key, amount="5000.00"))
    assert refused.status_code == 200
    assert f'value="{key}"' in refused.content.decode()
    assert Payment.objects.count() == 0
    assert not IdempotencyRecord.objects.exists()  # the refusal released the key

    fixed = client.post(_url(note), _payment(key, amount="821.92"))
    assert fixed.status_code == 302
    assert Payment.objects.get().idempotency_key == key


def test_a_spent_key_with_other_data_is_refused_and_the_form_gets_a_new_key(
    client, finance_user, note
):
    client.force_login(finance_user)
    key = str(uuid.uuid4())
    client.post(_url(note), _payment(key))
    page = client.post(_url(note), _payment(key, amount="300.00", reference="Check 1002"))
    assert "already used for a different payment; nothing was recorded" in _summary(page)
    assert _key_on(page) != key
    assert Payment.objects.count() == 1


def test_a_key_longer_than_the_column_is_refused_on_the_form(client, finance_user, note):
    client.force_login(finance_user)
    page = client.post(_url(note), _payment("k" * 201))
    assert page.status_code == 200
    assert "One-time key: The one-time key must be at most 200 characters." in _summary(page)
    assert Payment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_form_at_once_record_one_payment(finance_user):
    note = NoteFactory(principal=D("250000.00"), issue_date=date(2006, 7, 20))
    key = str(uuid.uuid4())
    barrier = threading.Barrier(4)
    results = []

    def submit():
        try:
            client = Client()
            client.force_login(finance_user)
            barrier.wait()
            response = client.post(_url(note), _payment(key))
            results.append((response.status_code, response.url))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Payment.objects.count() == 1
    assert [status for status, _ in results] == [302] * 4
    assert {url for _, url in results} == {reverse("note-detail", args=[note.pk])}
    assert IdempotencyRecord.objects.filter(key=key).count() == 1


# --- A likely duplicate under a new key ---------------------------------------------------


def test_a_likely_duplicate_under_a_new_key_waits_for_confirmation(client, finance_user, note):
    client.force_login(finance_user)
    client.post(_url(note), _payment(str(uuid.uuid4())))
    earlier = Payment.objects.get()

    # Back re-fetched the page: a new key, the same payment.
    new_key = str(uuid.uuid4())
    page = client.post(_url(note), _payment(new_key))
    assert page.status_code == 200
    assert Payment.objects.count() == 1
    text = _text(page.content)
    assert re.search(
        rf"This looks like payment #{earlier.pk} ?, recorded today at \d\d:\d\d by user fiona "
        r"— record a second one\?", text)
    assert "USD 200.00" in text and "Check 1001" in text
    content = page.content.decode()
    assert f'<input type="hidden" name="idempotency_key" value="{new_key}">' in content
    assert '<input type="hidden" name="confirm_duplicate" value="1">' in content
    assert f'href="{reverse("note-detail", args=[note.pk])}#payments"' in content  # cancel

    confirmed = client.post(_url(note), {**_payment(new_key), "confirm_duplicate": "1"})
    assert confirmed.status_code == 302
    assert Payment.objects.count() == 2
    # Back to the confirmation page and confirm again: the same key, recorded once.
    client.post(_url(note), {**_payment(new_key), "confirm_duplicate": "1"})
    assert Payment.objects.count() == 2


def test_no_duplicate_question_once_reversed_and_one_without_a_reference(
    client, finance_user, note
):
    client.force_login(finance_user)
    first = payment_record(note=note, paid_on=date(2006, 9, 15), amount=D("200.00"),
                           applies_to="interest", reference="Check 1001")
    payment_reverse(payment=first, reason="Bounced")
    # The reversed one does not count; a first one without a reference is no repeat.
    assert client.post(_url(note), _payment(str(uuid.uuid4()))).status_code == 302
    assert client.post(_url(note), _payment(str(uuid.uuid4()), reference="")).status_code == 302
    assert Payment.objects.filter(reverses__isnull=True).count() == 3


def test_a_second_payment_without_a_reference_asks_first(client, finance_user, note):
    """Back re-fetches the form (a new key) with the fields restored: still recorded once."""
    client.force_login(finance_user)
    assert client.post(_url(note), _payment(str(uuid.uuid4()), reference="")).status_code == 302
    earlier = Payment.objects.get()
    again = client.post(_url(note), _payment(str(uuid.uuid4()), reference=""))
    assert again.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", again.content.decode()).split())
    assert f"This looks like payment #{earlier.pk}" in text
    assert Payment.objects.count() == 1
    # The same amount on the same day as principal is no repeat of an interest payment.
    principal = client.post(_url(note), _payment(
        str(uuid.uuid4()), reference="", applies_to="principal",
        holder_consent_reference="Consent of 2006-09-01",
    ))
    assert principal.status_code in (200, 302)
    assert "This looks like payment" not in principal.content.decode()


# --- Errors at the top of the form ---------------------------------------------------------


def test_every_error_is_summed_up_at_the_top_of_the_form_and_input_is_kept(
    client, finance_user, note
):
    client.force_login(finance_user)
    key = str(uuid.uuid4())
    page = client.post(_url(note), _payment(key, paid_on="", amount="12.345",
                                            reference="Check 77"))
    assert page.status_code == 200
    summary = _summary(page)
    assert "Paid on: This field is required." in summary
    assert "Amount: Ensure that there are no more than 2 decimal places." in summary
    content = page.content.decode()
    # At the top of the form, before its first field.
    form = content.split('id="record-payment"', 1)[1]
    assert form.index('class="form-errors"') < form.index('name="paid_on"')
    assert 'role="alert"' in form and "autofocus" in form
    assert 'value="Check 77"' in content and 'value="12.345"' in content
    assert Payment.objects.count() == 0


def test_a_service_refusal_is_summed_up_with_its_field_label(client, finance_user, note):
    client.force_login(finance_user)
    page = client.post(_url(note), _payment(str(uuid.uuid4()), amount="5000.00"))
    assert "Amount: The interest payment of 5,000.00 exceeds the interest accrued" in _summary(
        page)


def test_no_summary_on_a_form_not_yet_submitted(client, finance_user, note):
    client.force_login(finance_user)
    assert 'class="form-errors"' not in client.get(
        reverse("note-detail", args=[note.pk])).content.decode()


# --- Reversal --------------------------------------------------------------------------


def test_the_reversal_form_records_once_per_rendered_form(client, finance_user, note):
    payment = payment_record(note=note, paid_on=date(2006, 9, 15), amount=D("200.00"),
                             applies_to="interest")
    client.force_login(finance_user)
    url = reverse("payment-reverse", args=[payment.pk])
    key = _key_on(client.get(url))
    first = client.post(url, {"reason": "Wrong note", "idempotency_key": key})
    assert first.status_code == 302
    again = client.post(url, {"reason": "Wrong note", "idempotency_key": key}, follow=True)
    reversal = Payment.objects.get(reverses=payment)
    text = _text(again.content)
    assert f"This reversal was already recorded (#{reversal.pk} today at" in text
    assert "This payment has already been reversed" not in text
    assert Payment.objects.count() == 2


def test_a_refused_reversal_sums_up_its_error_and_keeps_its_key(client, finance_user, note):
    payment = payment_record(note=note, paid_on=date(2006, 9, 15), amount=D("200.00"),
                             applies_to="interest")
    client.force_login(finance_user)
    url = reverse("payment-reverse", args=[payment.pk])
    page = client.post(url, {"reason": "", "idempotency_key": "rev-1"})
    assert "Reason: This field is required." in _summary(page)
    assert 'value="rev-1"' in page.content.decode()

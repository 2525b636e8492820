"""Offering, event, allocation, price and election forms: once per rendered form.

Each form carries a one-time key and goes through the API's key store, so a
re-POST (Back and submit, a double click) records once and says what was
already recorded; a likely duplicate offering under a new key waits for a
confirmation; every refused form sums up its errors at its top.
"""

import html
import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import IdempotencyRecord
from offerings import services
from offerings.models import (
    Conversion,
    ConversionStatus,
    ConversionTrigger,
    CorporateEvent,
    Election,
    Offering,
)
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db
D = Decimal
LIST = reverse("offerings:list")
RECORD = reverse("offerings:record")


@pytest.fixture
def series():
    return SeriesFactory(name="ATS 2006 Notes")


@pytest.fixture
def note(series):
    return NoteFactory(
        series=series, number="ATS06-001", principal=D("250000.00"),
        issue_date=date(2006, 7, 20), holder=HolderFactory(name="Margaret A. Keller"),
    )


def _text(content: bytes) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content.decode())).split())


def _summary(page) -> str:
    match = re.search(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>',
                      page.content.decode(), re.S)
    assert match, "no error summary"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()).replace(
        " :", ":")


def _keys(page, name="idempotency_key") -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)"', page.content.decode())


def _offering(series, key, **overrides):
    data = {
        "issuer": series.issuer_id, "kind": "pipe", "closing_date": "2007-01-10",
        "gross_proceeds": "3000000.00", "currency": "USD", "description": "2007 PIPE",
        "shares_per_unit": "", "warrants_per_unit": "", "share_allocation": "",
        "allocation_source": "", "allocation_reference": "",
        "sales-TOTAL_FORMS": "2", "sales-INITIAL_FORMS": "0", "sales-MIN_NUM_FORMS": "0",
        "sales-MAX_NUM_FORMS": "500",
        "sales-0-shares": "1000000", "sales-0-price_per_share": "3.00",
        "idempotency_key": key,
    }
    data.update(overrides)
    return data


def _committed(django_capture_on_commit_callbacks, func, *args, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return func(*args, **kwargs)


# --- Offerings ------------------------------------------------------------------------------


def test_the_offering_and_event_forms_each_carry_a_one_time_key(client, finance_user, series):
    client.force_login(finance_user)
    first, second = _keys(client.get(LIST)), _keys(client.get(LIST))
    assert len(first) == 2 and len(set(first)) == 2  # the offering form and the event form
    assert set(first).isdisjoint(second)


def test_resubmitting_the_offering_form_records_one_offering_and_one_trigger(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    key = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(RECORD, _offering(series, key))
        again = client.post(RECORD, _offering(series, key), follow=True)
    offering = Offering.objects.get()
    assert first.url == reverse("offerings:detail", args=[offering.pk])
    assert again.redirect_chain[-1][0] == first.url
    assert ConversionTrigger.objects.count() == 1
    assert re.search(
        rf"This offering was already recorded \(#{offering.pk} today at \d\d:\d\d by fiona\): "
        r"it was not recorded twice; nothing new was recorded\.", _text(again.content))
    assert IdempotencyRecord.objects.get(key=key).scope == f"POST {RECORD}"


def test_more_sale_rows_keeps_the_forms_key(client, finance_user, series):
    client.force_login(finance_user)
    page = client.post(RECORD, {**_offering(series, "kept-1"), "more_rows": "1"})
    assert _keys(page)[0] == "kept-1"
    assert Offering.objects.count() == 0


def test_a_likely_duplicate_offering_waits_for_confirmation(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RECORD, _offering(series, str(uuid.uuid4())))
    earlier = Offering.objects.get()

    new_key = str(uuid.uuid4())
    page = client.post(RECORD, _offering(series, new_key, description="again"))
    assert page.status_code == 200
    assert Offering.objects.count() == 1
    text = _text(page.content)
    assert re.search(rf"This looks like offering #{earlier.pk} ?, recorded today at \d\d:\d\d "
                     r"by user fiona — record a second one\?", text)
    assert "USD 3,000,000.00" in text and "2007-01-10" in text
    content = page.content.decode()
    assert f'<input type="hidden" name="idempotency_key" value="{new_key}">' in content
    assert '<input type="hidden" name="sales-0-price_per_share" value="3.00">' in content
    assert '<input type="hidden" name="confirm_duplicate" value="1">' in content
    assert f'href="{LIST}"' in content

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(RECORD, {**_offering(series, new_key, description="again"),
                                         "confirm_duplicate": "1"})
    assert confirmed.status_code == 302
    assert Offering.objects.count() == 2
    assert ConversionTrigger.objects.count() == 2
    # Confirm pressed twice: one second offering.
    client.post(RECORD, {**_offering(series, new_key, description="again"),
                         "confirm_duplicate": "1"})
    assert Offering.objects.count() == 2


def test_the_offering_form_sums_up_its_errors_and_its_sales_errors_at_the_top(
    client, finance_user, series, note
):
    client.force_login(finance_user)
    page = client.post(RECORD, _offering(series, "bad-1", closing_date="",
                                         **{"sales-1-shares": "5"}))
    summary = _summary(page)
    assert "Closing date: This field is required." in summary
    assert "Sale 2: Give both the shares and the price per share." in summary
    content = page.content.decode()
    form = content.split('id="record-offering"', 1)[1]
    assert form.index('class="form-errors"') < form.index('name="issuer"')
    assert 'value="bad-1"' in content and 'value="2007 PIPE"' in content


def test_a_service_refusal_of_an_offering_is_summed_up_and_the_key_is_kept(
    client, finance_user, series, note
):
    client.force_login(finance_user)
    page = client.post(RECORD, _offering(series, "bad-2", gross_proceeds="3000001.00"))
    assert page.status_code == 200
    assert "Sales:" in _summary(page)
    assert _keys(page)[0] == "bad-2"
    assert Offering.objects.count() == 0
    fixed = client.post(RECORD, _offering(series, "bad-2"))
    assert fixed.status_code == 302 and Offering.objects.count() == 1


# --- Offerings API: duplicates and key length -------------------------------------------------


def _api_body(series, **overrides):
    body = {"issuer": series.issuer_id, "kind": "pipe", "closing_date": "2007-01-10",
            "gross_proceeds": "3000000.00",
            "sales": [{"shares": 1000000, "price_per_share": "3.00"}]}
    body.update(overrides)
    return body


def test_the_api_answers_a_likely_duplicate_offering_409_until_confirmed(
    finance_api, series, note, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = finance_api.post("/api/v1/offerings/", _api_body(series), format="json")
    assert first.status_code == 201
    again = finance_api.post("/api/v1/offerings/", _api_body(series), format="json",
                             HTTP_IDEMPOTENCY_KEY="dup-1")
    assert again.status_code == 409
    assert again.json()["duplicate_of"] == first.json()["id"]
    assert f"offering #{first.json()['id']}" in again.json()["detail"]
    assert Offering.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = finance_api.post("/api/v1/offerings/",
                                     {**_api_body(series), "confirm_duplicate": True},
                                     format="json", HTTP_IDEMPOTENCY_KEY="dup-1")
    assert confirmed.status_code == 201
    assert Offering.objects.count() == 2
    other_day = finance_api.post("/api/v1/offerings/", _api_body(series, closing_date="2007-01-11"),
                                 format="json")
    assert other_day.status_code == 201


@pytest.mark.parametrize("length", [201, 300])
@pytest.mark.parametrize("path", ["/api/v1/offerings/", "/api/v1/corporate-events/"])
def test_an_overlong_idempotency_key_on_offerings_and_events_is_a_clear_400(
    finance_api, series, note, length, path
):
    body = _api_body(series) if "offerings" in path else {
        "issuer": series.issuer_id, "kind": "merger", "effective_date": "2007-03-01"}
    response = finance_api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k" * length)
    assert response.status_code == 400
    assert response.json() == {"detail": "Idempotency-Key must be at most 200 characters."}
    assert Offering.objects.count() == 0 and CorporateEvent.objects.count() == 0


# --- Events, allocations, price determinations, elections ---------------------------------------


def test_resubmitting_the_event_form_records_one_event(client, finance_user, series, note):
    client.force_login(finance_user)
    data = {"issuer": series.issuer_id, "kind": "voting_power_transfer",
            "effective_date": "2007-03-01", "voting_power_pct": "10", "idempotency_key": "ev-1"}
    first = client.post(reverse("offerings:event-record"), data)
    again = client.post(reverse("offerings:event-record"), data, follow=True)
    event = CorporateEvent.objects.get()
    assert first.url == f"{LIST}#event-{event.pk}"
    assert f"This corporate event was already recorded (#{event.pk} today" in _text(again.content)


def test_a_refused_event_sums_up_its_errors_and_keeps_its_key(client, finance_user, series):
    client.force_login(finance_user)
    page = client.post(reverse("offerings:event-record"), {
        "issuer": series.issuer_id, "kind": "merger", "effective_date": "",
        "idempotency_key": "ev-2"})
    assert "Effective date: This field is required." in _summary(page)
    assert "ev-2" in _keys(page)


def test_resubmitting_the_allocation_form_shows_the_first_result(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    offering = _committed(
        django_capture_on_commit_callbacks, services.offering_record, issuer=series.issuer,
        kind="pipe", closing_date=date(2007, 7, 20), gross_proceeds=D("5000000.00"),
        sales=[{"units": 1_000_000, "unit_price": D("5.00")}],
        units={"shares_per_unit": 1, "warrants_per_unit": 1},
    )
    client.force_login(finance_user)
    url = reverse("offerings:allocation", args=[offering.pk])
    key = _keys(client.get(reverse("offerings:detail", args=[offering.pk])))[0]
    data = {"share_allocation": "0.8", "source": "board_determination", "reference": "B-1",
            "idempotency_key": key}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    text = _text(again.content)
    assert f"This allocation was already recorded (#{offering.pk} today" in text
    assert "An allocation is already recorded" not in text


def test_resubmitting_a_price_determination_shows_the_first_result(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    _committed(django_capture_on_commit_callbacks, services.event_record,
               issuer=series.issuer, kind="merger", effective_date=date(2007, 7, 20))
    conversion = Conversion.objects.get(note=note)
    client.force_login(finance_user)
    prefix = f"price-{conversion.pk}"
    (key,) = _keys(client.get(reverse("offerings:conversions")), f"{prefix}-idempotency_key")
    url = reverse("offerings:price-determination", args=[conversion.pk])
    data = {f"{prefix}-price": "2.5", f"{prefix}-source": "Board",
            f"{prefix}-idempotency_key": key}
    first = client.post(url, data)
    assert first.status_code == 302
    again = client.post(url, data, follow=True)
    text = _text(again.content)
    assert f"This price determination was already recorded (#{conversion.pk} today" in text
    assert "its price cannot change" not in text
    conversion.refresh_from_db()
    assert conversion.status == ConversionStatus.DONE


def test_resubmitting_a_notice_of_election_records_one_and_says_so(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    pipe = _committed(
        django_capture_on_commit_callbacks, services.offering_record, issuer=series.issuer,
        kind="pipe", closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )
    client.force_login(finance_user)
    url = reverse("offerings:election", args=[note.pk])
    (key,) = _keys(client.get(url))
    data = {"offering": pipe.pk, "received_on": "2007-02-01",
            "certificate_names": "Margaret A. Keller", "address": "1 Main St",
            "tax_id": "512-44-6781", "idempotency_key": key}

    refused = client.post(url, {**data, "certificate_names": ""})
    assert "Names for the certificates: This field is required." in _summary(refused)
    assert _keys(refused) == [key]
    assert "512-44-6781" not in refused.content.decode()  # never echoed back

    first = client.post(url, data)
    assert first.status_code == 302
    again = client.post(url, data, follow=True)
    conversion = Conversion.objects.get(note=note)
    assert f"This Notice of Election was already recorded (#{conversion.pk} today" in _text(
        again.content)
    assert Election.objects.count() == 1
    record = IdempotencyRecord.objects.get(key=key)
    assert "6781" not in record.fingerprint and record.fingerprint.startswith("v2:")


def test_a_money_form_posted_without_its_key_is_refused_and_records_nothing(
    client, finance_user, series, note
):
    from notes.models import Payment

    client.force_login(finance_user)
    expected = "This form came without its one-time key"
    offering = _offering(series, key="")
    del offering["idempotency_key"]
    page = client.post(RECORD, offering)
    assert page.status_code == 200 and expected in _summary(page)
    event = {"issuer": series.issuer_id, "kind": "merger", "effective_date": "2007-03-01"}
    page = client.post(reverse("offerings:event-record"), event)
    assert page.status_code == 200 and expected in _summary(page)
    payment = {"paid_on": "2006-08-15", "amount": "821.92", "applies_to": "interest",
               "method": "check", "reference": "CHK-1"}
    page = client.post(reverse("note-payment-record", args=[note.pk]), payment)
    assert page.status_code == 200 and expected in _summary(page)
    assert not Offering.objects.exists() and not CorporateEvent.objects.exists()
    assert not Payment.objects.exists() and not IdempotencyRecord.objects.exists()
    # The refused page hands back a form with a key, so submitting it again records once.
    assert _keys(page)


def test_opening_a_forms_address_goes_to_the_page_with_the_form(client, finance_user, series,
                                                                note):
    client.force_login(finance_user)
    offering = services.offering_record(
        issuer=series.issuer, kind="pipe", closing_date=date(2007, 1, 10),
        gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )
    cases = {
        RECORD: LIST,
        reverse("offerings:event-record"): LIST,
        reverse("offerings:allocation", args=[offering.pk]): reverse(
            "offerings:detail", args=[offering.pk]
        ),
        reverse("offerings:price-determination", args=[1]): (
            f"{reverse('offerings:conversions')}?status=awaiting_price"
        ),
        reverse("note-payment-record", args=[note.pk]): reverse("note-detail", args=[note.pk]),
    }
    for url, target in cases.items():
        response = client.get(url)
        assert (response.status_code, response.url) == (302, target), url

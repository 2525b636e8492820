"""The note page's "Default (§3)" section and its form: Finance records, Auditors read."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from notes.models import DefaultEvent, NoteStatus
from notes.services.defaults import default_event_record
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def note(db):
    return NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))


def _text(content: bytes) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content.decode())).split())


def _key_on(page) -> str:
    match = re.search(r'name="default-idempotency_key" value="([^"]+)"', page.content.decode())
    assert match, "no one-time key on the default-event form"
    return match.group(1)


def _event(key, **overrides):
    data = {
        "default-kind": "payment_default_notice",
        "default-date": "2006-09-20",
        "default-delivery_method": "personal",
        "default-resolves": "",
        "default-description": "",
        "default-idempotency_key": key,
    }
    data.update(overrides)
    return data


def _detail(note, **query):
    url = reverse("note-detail", args=[note.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _post_url(note):
    return reverse("note-default-event-record", args=[note.pk])


def test_the_note_page_shows_the_default_state_as_of_its_day(client, auditor_user, note):
    default_event_record(note=note, kind="payment_default_notice", date=date(2006, 9, 20),
                         delivery_method="personal")
    client.force_login(auditor_user)
    during = _text(client.get(_detail(note, as_of="2006-09-25")).content)
    assert "Default (§3) as of 2006-09-25" in during
    assert "Cure deadline (§3(i)) 2006-09-30" in during
    after = _text(client.get(_detail(note, as_of="2006-10-01")).content)
    assert "Event of Default In effect since 2006-10-01" in after
    assert "Not cured: an Event of Default from 2006-10-01 (§3(i))" in after


def test_auditors_see_no_form_and_may_not_post(client, auditor_user, note):
    client.force_login(auditor_user)
    page = client.get(_detail(note))
    assert 'id="default"' in page.content.decode()
    assert "default-idempotency_key" not in page.content.decode()
    assert client.post(_post_url(note), _event("k")).status_code == 403
    assert DefaultEvent.objects.count() == 0


def test_a_holder_is_sent_to_the_portal_and_records_nothing(client, holder_user, note):
    user, _ = holder_user
    client.force_login(user)
    assert client.get(_detail(note)).url == reverse("portal-home")
    response = client.post(_post_url(note), _event("k"))
    assert response.status_code == 302 and response.url == reverse("portal-home")
    assert DefaultEvent.objects.count() == 0


def test_finance_records_an_event_once_per_rendered_form(client, finance_user, note):
    client.force_login(finance_user)
    key = _key_on(client.get(_detail(note)))
    first = client.post(_post_url(note), _event(key))
    assert first.status_code == 302
    event = DefaultEvent.objects.get()
    assert (event.kind, event.deemed_delivered_on, event.recorded_by) == (
        "payment_default_notice", date(2006, 9, 20), finance_user
    )
    # Back and submit again: the same key records nothing and says so.
    again = client.post(_post_url(note), _event(key), follow=True)
    assert DefaultEvent.objects.count() == 1
    assert "was already recorded" in _text(again.content)


def test_a_refusal_comes_back_on_the_form_with_the_error_summary(client, finance_user, note):
    client.force_login(finance_user)
    key = _key_on(client.get(_detail(note)))
    page = client.post(_post_url(note), _event(key, **{"default-kind": "acceleration"}))
    assert page.status_code == 200
    text = _text(page.content)
    assert "Not recorded." in text
    assert "No Event of Default exists on 2006-09-20" in text
    assert _key_on(page) == key  # the corrected submit is the same request
    assert DefaultEvent.objects.count() == 0


def test_finance_resolves_a_proceeding_and_accelerates_from_the_page(client, finance_user, note):
    proceeding = default_event_record(note=note, kind="receiver_appointment",
                                      date=date(2007, 3, 1))
    client.force_login(finance_user)
    page = client.get(_detail(note))
    assert f'<option value="{proceeding.pk}">' in page.content.decode()
    accelerate = _event(_key_on(page), **{"default-kind": "acceleration",
                                          "default-date": "2007-05-02"})
    assert client.post(_post_url(note), accelerate).status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.ACCELERATED
    resolve = _event(_key_on(client.get(_detail(note))), **{
        "default-kind": "resolved", "default-date": "2007-05-10",
        "default-delivery_method": "", "default-resolves": str(proceeding.pk),
    })
    assert client.post(_post_url(note), resolve).status_code == 302
    assert DefaultEvent.objects.get(kind="resolved").resolves == proceeding
    text = _text(client.get(_detail(note, as_of="2007-05-10")).content)
    assert "Accelerated Accelerated from 2007-05-02" in text
    assert "Due at once (§3)" in text


def test_the_note_page_queries_do_not_grow_with_events(
    client, finance_user, note, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(finance_user)
    client.get(_detail(note))  # warm the session
    with django_assert_max_num_queries(40) as without:
        client.get(_detail(note))
    default_event_record(note=note, kind="payment_default_notice", date=date(2006, 9, 20),
                         delivery_method="personal")
    # A note without events costs nothing more; with them, the events query only: the
    # money facts the notices are judged against are the ones the page loaded anyway.
    with django_assert_num_queries(len(without.captured_queries) + 1) as one:
        client.get(_detail(note))
    for day in (date(2006, 9, 25), date(2006, 10, 2)):
        default_event_record(note=note, kind="payment_default_notice", date=day,
                             delivery_method="mail")
    default_event_record(note=note, kind="voluntary_bankruptcy", date=date(2006, 11, 1))
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(_detail(note))
    assert len(re.findall(r'<tr id="default-event-\d+"', page.content.decode())) == 4


def test_admin_lists_events_read_only(client, admin_user, note):
    event = default_event_record(note=note, kind="voluntary_bankruptcy", date=date(2007, 1, 5))
    client.force_login(admin_user)
    assert client.get(reverse("admin:notes_defaultevent_changelist")).status_code == 200
    change = client.get(reverse("admin:notes_defaultevent_change", args=[event.pk]))
    assert change.status_code == 200
    assert b'name="kind"' not in change.content
    assert client.get(reverse("admin:notes_defaultevent_add")).status_code == 403

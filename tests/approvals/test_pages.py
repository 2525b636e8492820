"""Pages: pending actions on the dashboard, the offering and the note; approve / withdraw forms."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.test import Client

from approvals.models import ActionStatus, PendingAction
from offerings import services
from offerings.models import Conversion, ConversionTrigger, TriggerStatus
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(four_eyes, finance_user, committed):
    series = SeriesFactory()
    note = NoteFactory(series=series, issue_date=date(2006, 7, 20))
    offering = committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5000000.00"),
        sales=[{"shares": 500_000, "price_per_share": D("2.00")},
               {"shares": 1_000_000, "price_per_share": D("4.00")}],
        recorded_by=finance_user,
    )
    return offering, note, offering.pending_action


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_and_the_offering_show_what_awaits_approval(held, auditor_user):
    offering, _note, action = held
    client = client_for(auditor_user)
    dashboard = client.get("/").content.decode()
    assert f'id="pending-action-{action.pk}"' in dashboard
    assert "Awaiting approval (four eyes)" in dashboard
    page = client.get(f"/offerings/{offering.pk}/").content.decode()
    assert "Awaiting approval — not yet in effect" in page
    assert f"/approvals/{action.pk}/" in page
    # An Auditor reads the action but has no form to decide it.
    detail = client.get(f"/approvals/{action.pk}/").content.decode()
    assert "Approve and carry out" not in detail and "Withdraw" not in detail
    assert client.post(f"/approvals/{action.pk}/approve/").status_code == 403


def test_the_maker_sees_no_approve_button_and_a_second_user_approves_once(
    held, finance_user, second_finance_user, django_capture_on_commit_callbacks
):
    offering, note, action = held
    mine = client_for(finance_user).get(f"/approvals/{action.pk}/").content.decode()
    assert "another Finance user approves it" in mine
    assert "Approve and carry out" not in mine
    # Forced anyway: refused, nothing changes.
    response = client_for(finance_user).get(f"/approvals/{action.pk}/")
    key = response.context["approve_form"]["idempotency_key"].value()
    refused = client_for(finance_user).post(
        f"/approvals/{action.pk}/approve/", {"approve-idempotency_key": key}, follow=True
    )
    assert "another Finance user" in refused.content.decode()
    assert not Conversion.objects.exists()

    other = client_for(second_finance_user)
    page = other.get(f"/approvals/{action.pk}/")
    assert "Approve and carry out" in page.content.decode()
    key = page.context["approve_form"]["idempotency_key"].value()
    with django_capture_on_commit_callbacks(execute=True):
        first = other.post(f"/approvals/{action.pk}/approve/", {"approve-idempotency_key": key})
    assert first.status_code == 302
    # A double click re-posts the same key: told it was done, nothing more happens.
    again = other.post(f"/approvals/{action.pk}/approve/", {"approve-idempotency_key": key},
                       follow=True)
    assert "already recorded" in again.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.APPROVED
    assert Conversion.objects.filter(note=note).count() == 1


def test_withdrawing_from_the_page_needs_a_reason(held, finance_user):
    offering, _note, action = held
    client = client_for(finance_user)
    key = client.get(f"/approvals/{action.pk}/").context["withdraw_form"][
        "idempotency_key"
    ].value()
    refused = client.post(f"/approvals/{action.pk}/withdraw/",
                          {"withdraw-idempotency_key": key, "withdraw-reason": ""})
    assert refused.status_code == 200
    assert "Say why it is withdrawn" in refused.content.decode()
    action.refresh_from_db()
    assert action.is_pending
    done = client.post(f"/approvals/{action.pk}/withdraw/",
                       {"withdraw-idempotency_key": key, "withdraw-reason": "Wrong issuer"})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.WITHDRAWN
    assert ConversionTrigger.objects.get(offering=offering).status == TriggerStatus.WITHDRAWN
    listing = client.get("/approvals/").content.decode()
    assert "Wrong issuer" in listing


def test_a_held_acceleration_shows_on_the_note_page(four_eyes, finance_user):
    from notes.services.defaults import default_event_record

    note = NoteFactory(issue_date=date(2006, 7, 20))
    default_event_record(note=note, kind="voluntary_bankruptcy", date=date(2007, 2, 1))
    client = client_for(finance_user)
    form = client.get(f"/notes/{note.pk}/").context["default_form"]
    key = form["idempotency_key"].value()
    response = client.post(f"/notes/{note.pk}/default-events/", {
        f"{form.prefix}-idempotency_key" if form.prefix else "idempotency_key": key,
        **{(f"{form.prefix}-{k}" if form.prefix else k): v for k, v in {
            "kind": "acceleration", "date": "2007-02-09", "delivery_method": "mail",
            "description": "",
        }.items()},
    }, follow=True)
    page = response.content.decode()
    assert "Acceleration held for approval" in page
    action = PendingAction.objects.get()
    assert f'id="pending-action-{action.pk}"' in page
    note.refresh_from_db()
    assert note.status == "outstanding"


def test_the_approvals_page_query_count_is_pinned(
    held, auditor_user, django_assert_max_num_queries
):
    client = client_for(auditor_user)
    with django_assert_max_num_queries(12):
        assert client.get("/approvals/").status_code == 200


def test_the_offering_preview_says_the_conversion_waits_for_approval(
    four_eyes, client, finance_user, committed
):
    from django.urls import reverse

    from tests.offerings.test_pages import _offering_post

    series = SeriesFactory()
    NoteFactory(series=series, issue_date=date(2006, 7, 20))
    client.force_login(finance_user)
    data = _offering_post(series)
    data["idempotency_key"] = "key-preview-four-eyes"
    content = client.post(reverse("offerings:preview"), data).content.decode()
    assert "Record offering for approval" in content
    assert "convert only when a second Finance user approves" in content
    assert "and convert these notes" not in content

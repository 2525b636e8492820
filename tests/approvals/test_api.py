"""The API under four eyes: 202 with the pending action, then approve / withdraw."""

from datetime import date
from decimal import Decimal as D

import pytest

from approvals.models import PendingAction
from notes.models import NoteStatus
from notes.services.defaults import default_event_record
from offerings.models import Conversion
from tests.conftest import _api
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

OFFERING = {
    "kind": "pipe",
    "closing_date": "2007-07-20",
    "gross_proceeds": "5000000.00",
    "sales": [
        {"shares": 500000, "price_per_share": "2.00"},
        {"shares": 1000000, "price_per_share": "4.00"},
    ],
}


@pytest.fixture
def note():
    return NoteFactory(series=SeriesFactory(), issue_date=date(2006, 7, 20))


def test_an_offering_post_answers_202_with_the_pending_action(
    four_eyes, note, finance_api, second_finance_user, auditor_api,
    django_capture_on_commit_callbacks,
):
    body = {**OFFERING, "issuer": note.series.issuer_id}
    response = finance_api.post("/api/v1/offerings/", body, format="json",
                                HTTP_IDEMPOTENCY_KEY="offering-1")
    assert response.status_code == 202, response.content
    held = response.json()
    assert held["kind"] == "conversion_trigger" and held["status"] == "pending"
    assert held["subject_type"] == "offerings.offering"
    assert held["requested_by"] == "fiona"
    # The offering is on the register, its trigger waiting.
    offering = finance_api.get(f"/api/v1/offerings/{held['subject_id']}/").json()
    assert offering["trigger_status"] == "awaiting_approval"
    # A repeat with the same key is the same answer, and holds nothing new.
    again = finance_api.post("/api/v1/offerings/", body, format="json",
                             HTTP_IDEMPOTENCY_KEY="offering-1")
    assert again.status_code == 202 and again.json()["id"] == held["id"]
    assert PendingAction.objects.count() == 1

    listed = auditor_api.get("/api/v1/pending-actions/?status=pending").json()
    assert [a["id"] for a in listed["results"]] == [held["id"]]

    url = f"/api/v1/pending-actions/{held['id']}/approve/"
    refused = finance_api.post(url)
    assert refused.status_code == 403
    assert "another Finance user" in refused.json()["detail"]
    assert auditor_api.post(url).status_code == 403
    assert not Conversion.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        approved = _api(second_finance_user).post(url)
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "frank"
    assert Conversion.objects.filter(note=note).exists()
    assert _api(second_finance_user).post(url).status_code == 409


def test_withdraw_needs_a_reason_and_then_approving_is_refused(
    four_eyes, note, finance_api, second_finance_user
):
    body = {**OFFERING, "issuer": note.series.issuer_id}
    held = finance_api.post("/api/v1/offerings/", body, format="json").json()
    url = f"/api/v1/pending-actions/{held['id']}/"
    no_reason = finance_api.post(url + "withdraw/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    withdrawn = finance_api.post(url + "withdraw/", {"reason": "Recorded twice"}, format="json")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawal_reason"] == "Recorded twice"
    refused = _api(second_finance_user).post(url + "approve/")
    assert refused.status_code == 409
    assert "withdrawn" in refused.json()["detail"]
    offering = finance_api.get(f"/api/v1/offerings/{held['subject_id']}/").json()
    assert offering["trigger_status"] == "withdrawn"
    assert not Conversion.objects.exists()


def test_an_acceleration_post_answers_202_and_the_note_waits(
    four_eyes, note, finance_api, second_finance_user
):
    default_event_record(note=note, kind="voluntary_bankruptcy", date=date(2007, 2, 1))
    response = finance_api.post(
        f"/api/v1/notes/{note.pk}/default-events/",
        {"kind": "acceleration", "date": "2007-02-09", "delivery_method": "mail"},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "acceleration"
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING
    second = finance_api.post(
        f"/api/v1/notes/{note.pk}/default-events/",
        {"kind": "acceleration", "date": "2007-02-10", "delivery_method": "mail"},
        format="json",
    )
    assert second.status_code == 409
    assert "awaiting approval" in second.json()["detail"]
    approved = _api(second_finance_user).post(
        f"/api/v1/pending-actions/{response.json()['id']}/approve/"
    )
    assert approved.status_code == 200
    note.refresh_from_db()
    assert note.status == NoteStatus.ACCELERATED


def test_a_price_determination_post_answers_202(
    note, finance_api, second_finance_user, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finance_api.post("/api/v1/corporate-events/", {
            "issuer": note.series.issuer_id, "kind": "merger", "effective_date": "2007-07-20",
        }, format="json")
    conversion = Conversion.objects.get(note=note)
    assert conversion.status == "awaiting_price"
    settings.NOTEDESK_FOUR_EYES = True
    url = f"/api/v1/conversions/{conversion.pk}/price-determination/"
    response = finance_api.post(url, {"price": "2.50", "source": "Board"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["payload"]["price"] == "2.500000"
    conversion.refresh_from_db()
    assert conversion.status == "awaiting_price"
    approved = _api(second_finance_user).post(
        f"/api/v1/pending-actions/{response.json()['id']}/approve/"
    )
    assert approved.status_code == 200
    conversion.refresh_from_db()
    assert conversion.status == "done" and conversion.conversion_price == D("2.500000")


def test_anonymous_and_holders_see_no_pending_actions(api, holder_user):
    assert api().get("/api/v1/pending-actions/").status_code == 401
    assert api(holder_user[0]).get("/api/v1/pending-actions/").status_code == 403

"""`notes/{id}/default-events/`: events of default (§3) and the note's default state."""

from datetime import date
from decimal import Decimal

import pytest

from core.models import IdempotencyRecord
from notes.models import DefaultEvent, NoteStatus
from notes.services.payments import payment_record
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def note(db):
    return NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))


def _url(note):
    return f"/api/v1/notes/{note.pk}/default-events/"


NOTICE = {"kind": "payment_default_notice", "date": "2006-09-20", "delivery_method": "personal",
          "description": "Letter from the holder's counsel"}


def test_a_note_without_events_has_an_empty_state(auditor_api, note):
    response = auditor_api.get(_url(note))
    assert response.status_code == 200
    body = response.json()
    assert body["events"] == []
    state = body["state"]
    assert state["cure_deadline"] is None
    assert state["event_of_default_since"] is None
    assert state["accelerated_on"] is None
    assert state["explanation"] == []


def test_finance_records_a_notice_and_reads_the_cure_period_and_the_default(finance_api, note):
    created = finance_api.post(_url(note), NOTICE, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["kind"] == "payment_default_notice"
    assert body["deemed_delivered_on"] == "2006-09-20"
    assert body["clause"] == "§3(i)"
    assert body["recorded_by"] == "fiona"
    # As of today, long after 1 October 2006: nothing was paid.
    assert body["state"]["event_of_default_since"] == "2006-10-01"

    during = finance_api.get(_url(note), {"as_of": "2006-09-30"}).json()
    assert during["state"]["cure_deadline"] == "2006-09-30"
    assert during["state"]["event_of_default_since"] is None
    assert [e["id"] for e in during["events"]] == [body["id"]]

    after = finance_api.get(_url(note), {"as_of": "2006-10-01"}).json()["state"]
    assert after["cure_deadline"] is None
    assert after["event_of_default_since"] == "2006-10-01"
    assert after["explanation"][0]["clause"] == "§3(i)"
    assert after["explanation"][0]["event_of_default_from"] == "2006-10-01"


def test_a_payment_in_the_cure_period_shows_as_cured(finance_api, note):
    finance_api.post(_url(note), NOTICE, format="json")
    payment_record(note=note, paid_on=date(2006, 9, 29), amount=D("2945.21"),
                   applies_to="interest")
    state = finance_api.get(_url(note), {"as_of": "2006-10-01"}).json()["state"]
    assert state["cured_on"] == "2006-09-29"
    assert state["event_of_default_since"] is None


def test_acceleration_is_shown_with_the_amount_due_at_once(finance_api, note):
    finance_api.post(_url(note), {"kind": "voluntary_bankruptcy", "date": "2007-02-01"},
                     format="json")
    response = finance_api.post(
        _url(note), {"kind": "acceleration", "date": "2007-02-09", "delivery_method": "mail"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["deemed_delivered_on"] == "2007-02-14"
    state = finance_api.get(_url(note), {"as_of": "2007-02-14"}).json()["state"]
    assert state["accelerated_on"] == "2007-02-14"
    position = finance_api.get(f"/api/v1/notes/{note.pk}/position/",
                               {"as_of": "2007-02-14"}).json()
    assert state["amount_due_at_once"] == position["note_amount"]
    assert state["currency"] == "USD"
    assert position["status"] == NoteStatus.ACCELERATED


# --- 400 and 409 ---------------------------------------------------------------------------


def test_field_refusals_are_400_on_the_field(finance_api, note):
    missing = finance_api.post(_url(note), {**NOTICE, "delivery_method": ""}, format="json")
    assert missing.status_code == 400
    assert "delivery_method" in missing.json()
    unknown = finance_api.post(_url(note), {**NOTICE, "kind": "rumour"}, format="json")
    assert unknown.status_code == 400
    assert "kind" in unknown.json()
    early = finance_api.post(_url(note), {**NOTICE, "date": "2006-07-01"}, format="json")
    assert early.status_code == 400
    assert "issued on 2006-07-20" in early.json()["date"][0]
    huge = finance_api.post(
        _url(note), {"kind": "resolved", "date": "2007-01-01", "resolves": 2**63}, format="json"
    )
    assert huge.status_code == 400
    assert "resolves" in huge.json()
    assert DefaultEvent.objects.count() == 0


def test_acceleration_without_an_event_of_default_is_400_with_the_clause(finance_api, note):
    response = finance_api.post(
        _url(note), {"kind": "acceleration", "date": "2007-02-09", "delivery_method": "personal"},
        format="json",
    )
    assert response.status_code == 400
    assert "§3" in response.json()["kind"][0]
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING


def test_a_second_acceleration_is_409(finance_api, note):
    finance_api.post(_url(note), {"kind": "voluntary_bankruptcy", "date": "2007-02-01"},
                     format="json")
    body = {"kind": "acceleration", "date": "2007-02-09", "delivery_method": "personal"}
    assert finance_api.post(_url(note), body, format="json").status_code == 201
    again = finance_api.post(_url(note), {**body, "date": "2007-02-10"}, format="json")
    assert again.status_code == 409
    assert "already accelerated" in again.json()["detail"]


# --- Idempotency-Key ------------------------------------------------------------------------


def test_a_repeat_with_the_same_key_records_once(finance_api, note):
    first = finance_api.post(_url(note), NOTICE, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    again = finance_api.post(_url(note), NOTICE, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert DefaultEvent.objects.count() == 1


def test_the_same_key_for_another_event_is_409(finance_api, note):
    finance_api.post(_url(note), NOTICE, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    other = finance_api.post(_url(note), {**NOTICE, "date": "2006-09-21"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="n-1")
    assert other.status_code == 409
    assert DefaultEvent.objects.count() == 1


def test_a_refused_request_keeps_nothing_under_its_key(finance_api, note):
    refused = finance_api.post(_url(note), {**NOTICE, "delivery_method": ""}, format="json",
                               HTTP_IDEMPOTENCY_KEY="n-2")
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="n-2").exists()
    assert finance_api.post(_url(note), NOTICE, format="json",
                            HTTP_IDEMPOTENCY_KEY="n-2").status_code == 201


# --- Who may -------------------------------------------------------------------------------


def test_auditors_read_but_may_not_record(auditor_api, note):
    assert auditor_api.get(_url(note)).status_code == 200
    assert auditor_api.post(_url(note), NOTICE, format="json").status_code == 403
    assert DefaultEvent.objects.count() == 0


def test_holders_and_anonymous_callers_are_refused(api, holder_user, note):
    user, _ = holder_user
    holder_api = api(user)
    assert holder_api.get(_url(note)).status_code == 403
    assert holder_api.post(_url(note), NOTICE, format="json").status_code == 403
    assert api().get(_url(note)).status_code == 401
    assert DefaultEvent.objects.count() == 0


def test_an_unknown_note_is_404(finance_api):
    assert finance_api.get("/api/v1/notes/999999/default-events/").status_code == 404
    assert finance_api.post("/api/v1/notes/999999/default-events/", NOTICE,
                            format="json").status_code == 404

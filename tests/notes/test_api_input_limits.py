"""Dates at the ends of the calendar: clear 400s (or a computed answer), never a 500."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from notes.models import Note
from notes.services import note_create
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_note():
    """Matures on the calendar's last month, so far-future positions are quick to compute."""
    return NoteFactory(issue_date=date(9997, 12, 1))


def test_a_note_whose_maturity_would_pass_9999_is_refused_by_the_api(finance_api):
    series, holder = SeriesFactory(), HolderFactory()
    response = finance_api.post("/api/v1/notes/", {
        "series": series.pk, "holder": holder.pk, "principal": "250000.00",
        "issue_date": "9999-12-31",
    }, format="json")
    assert response.status_code == 400
    message = " ".join(response.json()["issue_date"])
    assert "would mature 24 months later, after 9999-12-31" in message
    assert Note.objects.count() == 0


def test_the_register_service_refuses_the_same_note():
    series, holder = SeriesFactory(), HolderFactory()
    with pytest.raises(ValidationError) as refused:
        note_create(series=series, holder=holder, principal=Decimal("1000.00"),
                    issue_date=date(9998, 1, 1))
    assert "issue_date" in refused.value.message_dict
    # The last issue date that still matures inside the calendar is accepted.
    note = note_create(series=series, holder=holder, principal=Decimal("1000.00"),
                       issue_date=date(9997, 12, 31))
    assert note.maturity_date == date(9999, 12, 31)


def test_position_after_the_last_position_day_is_a_clear_400(finance_api, late_note):
    response = finance_api.get(f"/api/v1/notes/{late_note.pk}/position/?as_of=9999-12-31")
    assert response.status_code == 400
    assert response.json()["as_of"] == [
        "as_of must be on or before 9999-12-30: the position at the end of a day needs the "
        "day after it, and the calendar ends on 9999-12-31 (got 9999-12-31)."
    ]
    statements = finance_api.get(f"/api/v1/notes/{late_note.pk}/statements/?as_of=9999-12-31")
    assert statements.status_code == 400
    assert "as_of" in statements.json()


def test_position_on_the_last_position_day_computes(finance_api, late_note):
    response = finance_api.get(f"/api/v1/notes/{late_note.pk}/position/?as_of=9999-12-30")
    assert response.status_code == 200, response.json()
    body = response.json()
    # 25 months at 10% on 250,000 under ACT/365F, each month rounded once, none paid.
    assert (body["accrued_unpaid_interest"], body["note_amount"]) == ("52054.79", "302054.79")


def test_a_far_future_position_of_an_old_note_computes(finance_api):
    note = NoteFactory(issue_date=date(2006, 7, 20))
    response = finance_api.get(f"/api/v1/notes/{note.pk}/position/?as_of=2406-07-19")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["outstanding_principal"] == "250000.00"
    # 400 years of simple interest at 10%: about 40 × the principal, month by month.
    assert Decimal("9990000") < Decimal(body["accrued_unpaid_interest"]) < Decimal("10010000")


def test_position_on_the_first_day_of_the_calendar(finance_api, late_note):
    response = finance_api.get(f"/api/v1/notes/{late_note.pk}/position/?as_of=0001-01-01")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["note_amount"]) == ("not_issued", "0.00")


def test_the_staff_note_page_says_so_and_shows_today(client, finance_user, late_note):
    client.force_login(finance_user)
    page = client.get(f"/notes/{late_note.pk}/?as_of=9999-12-31")
    # Like any unreadable as_of: the page (and its htmx panel) shows the error and today.
    assert page.status_code == 200
    body = page.content.decode()
    assert "as_of must be on or before 9999-12-30" in body
    last = client.get(f"/notes/{late_note.pk}/?as_of=9999-12-30")
    assert last.status_code == 200
    assert "Position as of 9999-12-30" in last.content.decode()

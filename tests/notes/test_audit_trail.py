"""Every change to the register keeps who, when and what — bulk updates included."""

from decimal import Decimal

import pghistory
import pytest
from djmoney.money import Money

from notes.models import Note, NoteSeries

pytestmark = pytest.mark.django_db


def _events(model, pk):
    return model.pgh_event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id")


def test_insert_and_update_are_recorded_with_the_acting_user(finance_user):
    from tests.factories import NoteFactory

    with pghistory.context(user=finance_user.pk, reason="test"):
        note = NoteFactory()
        note.status = "accelerated"
        note.save()
    events = list(_events(Note, note.pk))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[1].status == "accelerated"
    assert events[1].pgh_context.metadata["user"] == finance_user.pk


def test_queryset_update_bypassing_save_is_still_audited():
    from tests.factories import SeriesFactory

    series = SeriesFactory()
    NoteSeries.objects.filter(pk=series.pk).update(stated_rate=Decimal("0.09"))
    labels = list(_events(NoteSeries, series.pk).values_list("pgh_label", "stated_rate"))
    assert labels[-1] == ("update", Decimal("0.090000"))


def test_delete_is_recorded():
    from tests.factories import NoteFactory

    note = NoteFactory()
    pk = note.pk
    Note.objects.filter(pk=pk).delete()
    assert _events(Note, pk).last().pgh_label == "delete"
    assert _events(Note, pk).last().principal == Money("250000.00", "USD")


def test_admin_shows_the_audit_trail_with_the_user(client, admin_user):
    from tests.factories import NoteFactory

    note = NoteFactory()
    client.force_login(admin_user)
    client.post(f"/admin/notes/note/{note.pk}/change/", {"number": "RENUMBERED-1"})
    page = client.get(f"/admin/pghistory/middlewareevents/?obj=notes.note:{note.pk}")
    assert page.status_code == 200
    assert b"RENUMBERED-1" in page.content
    assert b"ada" in page.content

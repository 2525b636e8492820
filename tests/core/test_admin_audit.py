"""The admin's audit-trail page for a record that is not there: 404, or its deleted trail."""

import pytest

from notes.models import Note
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

TRAIL = "/admin/pghistory/middlewareevents/"


def test_a_record_that_never_existed_is_a_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(f"{TRAIL}?obj=notes.note:999999").status_code == 404
    assert client.get(f"{TRAIL}?obj=notes.note:abc").status_code == 404
    assert client.get(f"{TRAIL}?obj=notes.note:99999999999999999999").status_code == 404
    assert client.get(f"{TRAIL}?obj=notes.nothing:1").status_code == 404
    assert client.get(f"{TRAIL}?obj=notes.note:").status_code == 404
    assert client.get(f"{TRAIL}?obj=garbage").status_code == 404


def test_a_deleted_record_still_shows_its_trail(client, admin_user):
    note = NoteFactory(number="GONE-1")
    pk = note.pk
    Note.objects.filter(pk=pk).delete()
    client.force_login(admin_user)
    page = client.get(f"{TRAIL}?obj=notes.note:{pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"note {pk} (deleted)" in body
    events = [(e.pgh_obj_model, e.pgh_obj_id, e.pgh_label) for e in page.context["cl"].result_list]
    # Its insert and its delete — not the issuer's, series' or holder's with the same id.
    assert sorted(events) == [("notes.Note", str(pk), "delete"), ("notes.Note", str(pk), "insert")]


def test_an_existing_record_and_the_unfiltered_list_are_unchanged(client, admin_user):
    note = NoteFactory()
    client.force_login(admin_user)
    page = client.get(f"{TRAIL}?obj=notes.note:{note.pk}")
    assert page.status_code == 200
    assert str(note) in page.content.decode()
    assert {e.pgh_obj_model for e in page.context["cl"].result_list} == {"notes.Note"}
    assert client.get(f"{TRAIL}?obj=notes.note:{note.pk}&method=tracks").status_code == 200
    assert client.get(
        f"{TRAIL}?obj=notes.note:{note.pk}&event_model=notes.noteevent"
    ).status_code == 200
    assert client.get(TRAIL).status_code == 200

"""Login, the staff register, the holder portal, and the admin pages."""

import pytest
from django.urls import reverse

from notes.models import Issuer, Note, NoteSeries
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders(client):
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"Log in to NoteDesk" in page.content


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_staff_home_lists_series_and_notes(client, auditor_user):
    note = NoteFactory(number="ATS06-001")
    client.force_login(auditor_user)
    page = client.get(reverse("register"))
    assert page.status_code == 200
    assert note.series.name.encode() in page.content
    assert b"ATS06-001" in page.content
    assert b"250,000.00" in page.content
    assert b"Auditor (read-only)" in page.content
    assert client.get(reverse("note-detail", args=[note.pk])).status_code == 200
    assert client.get(reverse("series-detail", args=[note.series_id])).status_code == 200


def test_holder_login_goes_to_the_portal_and_sees_only_own_notes(client, holder_user):
    user, holder = holder_user
    mine = NoteFactory(holder=holder, number="MINE-1")
    theirs = NoteFactory(holder=HolderFactory(), number="THEIRS-1")
    client.force_login(user)
    assert client.get("/").url == reverse("portal-home")
    portal = client.get(reverse("portal-home"))
    assert b"MINE-1" in portal.content
    assert b"THEIRS-1" not in portal.content
    assert client.get(reverse("portal-note", args=[mine.pk])).status_code == 200
    assert client.get(reverse("portal-note", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("note-detail", args=[theirs.pk])).status_code == 302


def test_a_login_with_no_role_gets_403_on_staff_pages(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="pw")
    client.force_login(user)
    assert client.get("/").status_code == 403
    assert client.get(reverse("portal-home")).status_code == 404


@pytest.mark.parametrize("model", [Issuer, NoteSeries, Note])
def test_admin_pages_render(client, admin_user, model):
    note = NoteFactory()
    obj = {Issuer: note.series.issuer, NoteSeries: note.series, Note: note}[model]
    client.force_login(admin_user)
    meta = model._meta
    changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    change = client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    )
    assert change.status_code == 200
    assert b"Who changed what" in change.content
    add = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    # Notes are recorded through the register's service, not added in admin.
    assert add.status_code == (403 if model is Note else 200)


def test_admin_keeps_issued_terms_and_the_holder_read_only(client, admin_user):
    note = NoteFactory()
    client.force_login(admin_user)
    series_page = client.get(reverse("admin:notes_noteseries_change", args=[note.series_id]))
    assert b'name="stated_rate"' not in series_page.content
    note_page = client.get(reverse("admin:notes_note_change", args=[note.pk]))
    assert b'name="holder"' not in note_page.content


def test_admin_holder_pages_render(client, admin_user):
    holder = HolderFactory()
    client.force_login(admin_user)
    assert client.get("/admin/holders/holder/").status_code == 200
    assert client.get(f"/admin/holders/holder/{holder.pk}/change/").status_code == 200
    assert client.get("/admin/holders/holderaddress/").status_code == 200


def test_the_register_pages_its_notes(client, auditor_user, settings):
    from notes import views
    from tests.factories import SeriesFactory

    series = SeriesFactory()
    for _ in range(3):
        NoteFactory(series=series)
    client.force_login(auditor_user)
    original, views.NOTES_PER_PAGE = views.NOTES_PER_PAGE, 2
    try:
        first = client.get(reverse("register")).content.decode()
        second = client.get(reverse("register") + "?page=2").content.decode()
    finally:
        views.NOTES_PER_PAGE = original
    assert "Page 1 of 2 (3 notes)" in first
    assert "Page 2 of 2" in second


def test_rates_and_thresholds_read_as_people_write_them(client, auditor_user):
    from decimal import Decimal

    from core.templatetags.notedesk import percent

    assert (percent(Decimal("0.100000")), percent(Decimal("0.085")), percent(None)) == (
        "10%", "8.5%", "")
    note = NoteFactory()
    client.force_login(auditor_user)
    page = client.get(reverse("series-detail", args=[note.series_id])).content.decode()
    assert "10% per annum" in page and "USD 3,000,000.00" in page
    assert "10% (stated)" in client.get(reverse("register")).content.decode()

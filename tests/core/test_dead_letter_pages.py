"""The Failed jobs pages: Finance and Auditors read; Finance appends a resolution, once."""

import pytest

from core.dead_letters import dead_letter_record
from core.models import DeadLetterResolution

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter():
    return dead_letter_record(
        task_id="0b6c3c2e-1111-4222-8333-944455556666",
        task_name="notices.tasks.notice_chunk_task",
        args=[17], kwargs={}, exception=OSError("cannot load library 'pango'"),
        traceback="Traceback (most recent call last):\n  ...\nOSError", retries=5,
    )


def test_auditor_reads_the_list_and_the_detail_without_a_form(client, auditor_user, letter):
    client.force_login(auditor_user)
    listing = client.get("/operations/failed-jobs/")
    assert listing.status_code == 200
    assert b"notices.tasks.notice_chunk_task" in listing.content
    assert b"Open (1)" in listing.content
    detail = client.get(f"/operations/failed-jobs/{letter.pk}/")
    assert detail.status_code == 200
    assert b"OSError: cannot load library &#x27;pango&#x27;" in detail.content
    assert b"<form method=\"post\" novalidate>" not in detail.content


def test_auditor_cannot_resolve(client, auditor_user, letter):
    client.force_login(auditor_user)
    response = client.post(f"/operations/failed-jobs/{letter.pk}/", {"note": "x"})
    assert response.status_code == 403
    assert not DeadLetterResolution.objects.exists()


def test_a_holder_and_an_anonymous_visitor_are_kept_out(client, holder_user, letter):
    assert client.get("/operations/failed-jobs/").status_code == 302  # to the login page
    assert "/login/" in client.get("/operations/failed-jobs/")["Location"]
    client.force_login(holder_user[0])
    assert client.get("/operations/failed-jobs/")["Location"] == "/portal/"


def _form_key(client, letter):
    page = client.get(f"/operations/failed-jobs/{letter.pk}/")
    return page.context["form"].initial["idempotency_key"]


def test_finance_resolves_once_even_when_the_form_is_sent_twice(client, finance_user, letter):
    client.force_login(finance_user)
    key = _form_key(client, letter)
    body = {"note": "Installed Pango on the worker; the next daily job made the letters.",
            "idempotency_key": key}
    first = client.post(f"/operations/failed-jobs/{letter.pk}/", body)
    assert first.status_code == 302
    again = client.post(f"/operations/failed-jobs/{letter.pk}/", body)
    assert again.status_code == 302
    [resolution] = DeadLetterResolution.objects.all()
    assert resolution.resolved_by == finance_user
    assert resolution.note.startswith("Installed Pango")
    resolved = client.get("/operations/failed-jobs/?state=resolved")
    assert b"notices.tasks.notice_chunk_task" in resolved.content
    assert b"Open (0)" in resolved.content


def test_a_further_resolution_is_appended_not_an_edit(client, finance_user, letter):
    client.force_login(finance_user)
    for note in ("Re-dispatched the run.", "It failed again; fixed the font."):
        client.post(f"/operations/failed-jobs/{letter.pk}/",
                    {"note": note, "idempotency_key": _form_key(client, letter)})
    assert list(DeadLetterResolution.objects.values_list("note", flat=True)) == [
        "Re-dispatched the run.", "It failed again; fixed the font.",
    ]


def test_a_resolution_without_a_note_is_refused_next_to_the_field(client, finance_user, letter):
    client.force_login(finance_user)
    response = client.post(f"/operations/failed-jobs/{letter.pk}/",
                           {"note": "  ", "idempotency_key": _form_key(client, letter)})
    assert response.status_code == 400
    assert b"Say what was done about this failed job" in response.content
    assert b"Not recorded." in response.content
    assert not DeadLetterResolution.objects.exists()


def test_admin_lists_dead_letters_read_only(client, admin_user, letter):
    client.force_login(admin_user)
    listing = client.get("/admin/core/deadletter/")
    assert listing.status_code == 200
    assert b"notices.tasks.notice_chunk_task" in listing.content
    change = client.get(f"/admin/core/deadletter/{letter.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert client.get("/admin/core/deadletter/add/").status_code == 403

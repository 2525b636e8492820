"""Finance makes the notices due on demand and watches the run finish; others may not start it."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from notes.services.servicing import statements_generate
from notices.models import Notice, NoticeRun
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stated():
    note = NoteFactory(principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))
    statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2006, 9, 1), run_id=None)
    return note


def _key_on(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_finance_makes_the_notices_due_and_sees_the_run_done(
    client, finance_user, stated, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    page = client.get(reverse("notices:list")).content.decode()
    assert "Make the notices due now" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notices:run-start"), {"idempotency_key": _key_on(page)})
    run = NoticeRun.objects.get()
    assert response.url == reverse("notices:run", args=[run.pk])
    detail = client.get(response.url).content.decode()
    assert "Done" in detail and "100%" in detail and "hx-trigger" not in detail
    # July and August 2006: one letter each, made once.
    assert Notice.objects.filter(note=stated, kind="interest_statement").count() == 2
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section id="run-progress"')


def test_auditors_read_but_cannot_start_a_run(client, auditor_user, stated):
    client.force_login(auditor_user)
    assert "Make the notices due now" not in client.get(reverse("notices:list")).content.decode()
    assert client.post(reverse("notices:run-start")).status_code == 403
    assert not NoticeRun.objects.exists()
    assert client.get(reverse("notices:run-start")).status_code == 302


def test_a_double_click_or_a_resubmit_starts_one_run(
    client, finance_user, stated, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    key = _key_on(client.get(reverse("notices:list")).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("notices:run-start"), {"idempotency_key": key})
        again = client.post(reverse("notices:run-start"), {"idempotency_key": key})
    run = NoticeRun.objects.get()
    assert first.url == again.url == reverse("notices:run", args=[run.pk])
    assert "already recorded" in client.get(again.url).content.decode()
    # A keyless POST (a stale page, a script) starts nothing and says so.
    keyless = client.post(reverse("notices:run-start"))
    assert keyless.url == reverse("notices:list") and NoticeRun.objects.count() == 1
    assert "one-time key" in client.get(keyless.url).content.decode()
    # A fresh page is a new request: a second run, which finds nothing left to make.
    fresh = _key_on(client.get(reverse("notices:list")).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notices:run-start"), {"idempotency_key": fresh})
    assert NoticeRun.objects.count() == 2
    assert Notice.objects.filter(note=stated, kind="interest_statement").count() == 2

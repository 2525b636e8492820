"""Every portal page and PDF of the demo holder, read for what must never be there.

The demo register (letters included) is loaded once; the demo holder's pages are
found from the resolver like the privacy sweep's, filled with her own ids, and
each page and PDF (its text read back with pypdf) is scanned for every holder's
full tax ID and every other holder's name. Only her own masked tax ID may show.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from holders.models import Holder
from notices.models import Notice
from portal import selectors
from tests.portal.pdfs import pdf_text
from tests.portal.test_privacy import all_patterns

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("demo_load")
            yield media
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_module, db, settings):
    settings.MEDIA_ROOT = _demo_module
    return Holder.objects.get(logins__user__username="holder")


def _own_paths(holder) -> list[str]:
    """Each portal pattern filled with the demo holder's own ids, every combination."""
    today = timezone.localdate()
    notes = list(selectors.holder_notes(holder))
    values = {
        "pk_note": [n.pk for n in notes],
        "pk_notice": [n.pk for note in notes for n in selectors.holder_note_notices(holder, note)],
        "windows": [(n.pk, w.offering.pk) for n in notes
                    for w in selectors.note_open_windows(n, as_of=today)],
    }
    paths = []
    for pattern in all_patterns():
        if not pattern.module.startswith("portal."):
            continue
        params = set(pattern.params)
        if not params:
            paths.append("/" + pattern.template)
        elif params == {"notice_pk"}:
            paths += ["/" + pattern.template % {"notice_pk": pk} for pk in values["pk_notice"]]
        elif params == {"note_pk"}:
            paths += ["/" + pattern.template % {"note_pk": pk} for pk in values["pk_note"]]
        elif params == {"note_pk", "offering_id"}:
            paths += ["/" + pattern.template % {"note_pk": n, "offering_id": o}
                      for n, o in values["windows"]]
        else:
            raise AssertionError(f"{pattern}: teach this test the holder's own values")
    return paths


def test_no_tax_id_or_other_holders_name_in_any_portal_page_or_pdf(client, demo):
    user = demo.logins.get().user
    others = list(Holder.objects.exclude(pk=demo.pk))
    assert len(others) >= 10
    full_tax_ids = [h.tax_id for h in Holder.objects.all() if h.tax_id]
    other_names = [h.name for h in others]
    paths = _own_paths(demo)
    kinds = {"page": 0, "pdf": 0}
    client.force_login(user)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if content.startswith(b"%PDF"):
            text, kind = pdf_text(content), "pdf"
        else:
            text, kind = content.decode(), "page"
        kinds[kind] += 1
        for tax_id in full_tax_ids:
            assert tax_id not in text, f"{path} shows a full tax ID"
            assert tax_id.replace("-", "") not in text.replace("-", ""), path
        for name in other_names:
            assert name not in text, f"{path} shows {name}"
        assert "recorded_by" not in text
    home = client.get("/portal/").content.decode()
    assert demo.tax_id_masked in home and demo.tax_id_masked.endswith(demo.tax_id[-4:])
    # The demo holder has pages, her notices' PDFs, and — while the 2026 series' window
    # is open — her Notice of Election.
    assert kinds["page"] >= 3 and kinds["pdf"] >= 5
    assert Notice.objects.filter(holder=demo).exists()

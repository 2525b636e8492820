"""A note's page shows its latest statements and timeline entries; the rest are on pages of
their own — with the same rows, figures and links, for staff and for the holder."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from notes import selectors
from notes.services.payments import payment_record
from notes.services.servicing import statements_generate
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db


def _rows(content: str) -> dict[str, str]:
    """Each statement row of a page, by id, as text."""
    return {
        row_id: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
        for row_id, body in re.findall(
            r'<tr id="((?:statement|adjustment)-[\w-]+)"[^>]*>(.*?)</tr>', content, re.S
        )
    }


def _ids(content: str) -> list[str]:
    return list(_rows(content))


@pytest.fixture
def stated(holder_user):
    """Issued 2022-01-10 to the holder; 29 months stated (Jan 2022 – May 2024), the first
    three paid, a principal prepayment in 2023 (so adjustments are possible later)."""
    _, holder = holder_user
    note = NoteFactory(holder=holder, principal=D("100000.00"), issue_date=date(2022, 1, 10))
    statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2024, 6, 1), run_id=None)
    payment_record(note=note, paid_on=date(2022, 4, 14), amount=D("2000.00"),
                   applies_to="interest")
    return note


def _all_statement_ids(note) -> list[str]:
    money = selectors.note_money_read(note=note, as_of=timezone.localdate())
    return [s.anchor for s in money.statements]


def test_the_staff_page_shows_the_latest_twelve_and_the_pages_hold_every_one(
    client, auditor_user, stated
):
    client.force_login(auditor_user)
    every = _all_statement_ids(stated)
    assert len(every) > 24
    page = client.get(reverse("note-detail", args=[stated.pk])).content.decode()
    shown = _rows(page)
    assert list(shown) == every[-12:]
    statements_url = reverse("note-statements", args=[stated.pk])
    assert f"The latest 12 of {len(every)} statements." in page
    assert f'<a href="{statements_url}">All {len(every)} statements</a>' in page

    pages, number = {}, 1
    while True:
        content = client.get(statements_url, {"page": number}).content.decode()
        pages.update(_rows(content))
        assert len(_rows(content)) <= selectors.STATEMENTS_PER_PAGE
        if 'rel="next"' not in content:
            break
        number += 1
    # Every statement once, in order; the rows the note's page shows read the same there.
    assert list(pages) == every
    for row_id, text in shown.items():
        assert pages[row_id] == text
    # The reconciliation (all statements) is the same on both.
    reconcile = re.compile(r'id="interest-reconciliation">(.*?)</p>', re.S)
    assert reconcile.search(page).group(1) == reconcile.search(content).group(1)


def test_the_statements_page_keeps_the_day_asked(client, auditor_user, stated):
    client.force_login(auditor_user)
    page = client.get(reverse("note-detail", args=[stated.pk]), {"as_of": "2024-03-20"})
    url = reverse("note-statements", args=[stated.pk]) + "?as_of=2024-03-20"
    assert f'<a href="{url}">' in page.content.decode()
    content = client.get(url).content.decode()
    assert "interest statements as of 2024-03-20" in content
    # Months ended before 2024-03-20: January 2022 to February 2024, 24 a page.
    assert _ids(content) == [f"statement-{y}-{m:02d}" for y in (2022, 2023) for m in range(1, 13)]
    assert 'href="?as_of=2024-03-20&amp;page=2"' in content
    second = client.get(url + "&page=2").content.decode()
    assert _ids(second) == ["statement-2024-01", "statement-2024-02"]


def test_the_timeline_shows_the_latest_entries_and_links_each_to_its_record(
    client, auditor_user, stated
):
    client.force_login(auditor_user)
    whole = selectors.note_timeline(note=stated)
    assert len(whole) > selectors.TIMELINE_ON_NOTE_PAGE
    page = client.get(reverse("note-detail", args=[stated.pk])).content.decode()
    section = re.search(r'<section class="card" id="timeline".*?</section>', page, re.S).group(0)
    assert len(re.findall(r"<li class=\"tl-", section)) == selectors.TIMELINE_ON_NOTE_PAGE
    assert f"The latest 20 of {len(whole)} entries." in section
    timeline_url = reverse("note-timeline", args=[stated.pk])
    assert f'href="{timeline_url}"' in section

    content = client.get(timeline_url).content.decode()
    assert len(re.findall(r"<li class=\"tl-", content)) == len(whole)
    # A statement entry links to the page of the statements that shows its row.
    statements_url = reverse("note-statements", args=[stated.pk])
    link = f'href="{statements_url}?page=1#statement-2022-01"'
    assert link in content
    assert 'id="statement-2022-01"' in client.get(statements_url, {"page": 1}).content.decode()
    # On the note's page, the entries of the statements it shows link to their rows there.
    latest = _ids(page)[-1]
    assert f'href="#{latest}"' in section
    # Anything else anchored links to the note's page.
    payment = re.search(r'href="([^"]*#payment-\d+)"', content).group(1)
    assert payment.startswith(reverse("note-detail", args=[stated.pk]) + "#payment-")


def test_the_holder_reads_the_same_statements_and_timeline_pages(client, holder_user, stated):
    user, _ = holder_user
    client.force_login(user)
    every = _all_statement_ids(stated)
    page = client.get(reverse("portal-note", args=[stated.pk])).content.decode()
    assert _ids(page) == every[-12:]
    statements_url = reverse("portal-note-statements", args=[stated.pk])
    assert f'<a href="{statements_url}">All {len(every)} statements</a>' in page
    rows = {}
    for number in (1, 2):
        rows.update(_rows(client.get(statements_url, {"page": number}).content.decode()))
    assert list(rows) == every
    timeline = client.get(reverse("portal-note-timeline", args=[stated.pk]))
    assert timeline.status_code == 200
    assert len(re.findall(r"<li class=\"tl-", timeline.content.decode())) == len(
        selectors.note_timeline(note=stated, for_holder=True)
    )


def test_another_holders_note_has_no_statements_or_timeline_page(client, stated):
    user = get_user_model().objects.create_user(username="other", password="pw")
    HolderFactory(user=user)
    client.force_login(user)
    for name in ("portal-note", "portal-note-statements", "portal-note-timeline"):
        assert client.get(reverse(name, args=[stated.pk])).status_code == 404

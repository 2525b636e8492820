"""The holder admin links to the holder's notes in the register (holders does not import notes)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db


def test_the_holder_page_links_to_exactly_their_notes(client, admin_user):
    holder = HolderFactory(name="Margaret A. Keller")
    NoteFactory(holder=holder, number="MINE-1", principal=Decimal("1000.00"),
                issue_date=date(2006, 7, 20))
    NoteFactory(holder=holder, number="MINE-2", principal=Decimal("2000.00"),
                issue_date=date(2006, 7, 21))
    NoteFactory(number="THEIRS-1", principal=Decimal("3000.00"), issue_date=date(2006, 7, 22))
    client.force_login(admin_user)
    page = client.get(reverse("admin:holders_holder_change", args=[holder.pk])).content.decode()
    link = re.search(r'<a href="([^"]+)">2 notes</a>', page)
    assert link, "no link to the holder's notes"
    notes = client.get(link.group(1).replace("&amp;", "&"))
    assert notes.status_code == 200
    body = notes.content.decode()
    assert "MINE-1" in body and "MINE-2" in body and "THEIRS-1" not in body

"""The notes list's footer is cached under the database snapshot: it changes with every write.

Transactional: each write here commits, as in production, so the cache is really used
(inside a test transaction that has written, nothing is cached — see
tests/core/test_snapshot_cache.py). After each write the footer must equal the
selector's figure computed afresh.
"""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from notes import selectors
from notes.models import Note, NoteStatus
from notes.services.payments import payment_record, payment_reverse
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _footer(client, params=None) -> str:
    page = client.get(reverse("notes-list"), params or {})
    assert page.status_code == 200
    foot = re.search(r"<tfoot>(.*?)</tfoot>", page.content.decode(), re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", foot)).split())


def _expected(params=None) -> list[selectors.OutstandingTotal]:
    params = params or {}
    note_filter = selectors.NoteFilter(
        search=params.get("q", ""), holder=params.get("holder"), status=params.get("status", "")
    )
    return selectors.outstanding_principal_totals(
        selectors.note_list_filtered(note_filter, as_of=timezone.localdate())
    )


def _says(total: selectors.OutstandingTotal, matching: bool = False) -> str:
    return (
        f"{total.notes:,} note{'s' if total.notes != 1 else ''} in {total.currency}"
        f"{' matching' if matching else ''} — outstanding principal"
        f" {total.currency} {total.outstanding_principal:,.2f}"
    )


def test_the_footer_follows_every_write_and_each_filter_keeps_its_own(client, auditor_user):
    series = SeriesFactory()
    keller = HolderFactory(name="Margaret Keller")
    first = NoteFactory(series=series, holder=keller, number="K-001", principal=D("100000.00"),
                        issue_date=date(2020, 1, 1))
    NoteFactory(series=series, number="O-001", principal=D("250000.00"),
                issue_date=date(2020, 2, 1))
    client.force_login(auditor_user)
    mine = {"holder": keller.pk}

    def check():
        for params, matching in (({}, False), (mine, True), ({"q": "O-"}, True)):
            (total,) = _expected(params)
            assert _footer(client, params) == _says(total, matching)
            assert _footer(client, params) == _says(total, matching)  # asked again

    check()
    assert _footer(client) == "2 notes in USD — outstanding principal USD 350,000.00"

    # A note recorded.
    NoteFactory(series=series, holder=keller, number="K-002", principal=D("50000.00"),
                issue_date=date(2020, 3, 1))
    check()
    assert _footer(client) == "3 notes in USD — outstanding principal USD 400,000.00"

    # A principal payment, then its reversal.
    prepaid = payment_record(note=first, paid_on=date(2020, 6, 1), amount=D("40000.00"),
                             applies_to="principal", holder_consent_reference="Letter")
    check()
    assert _footer(client, mine) == (
        "2 notes in USD matching — outstanding principal USD 110,000.00"
    )
    payment_reverse(payment=prepaid, reason="Recorded on the wrong note")
    check()
    assert _footer(client, mine) == (
        "2 notes in USD matching — outstanding principal USD 150,000.00"
    )

    # A note's status changes (converted: no principal outstanding).
    Note.objects.filter(pk=first.pk).update(status=NoteStatus.CONVERTED, ended_on=date(2021, 1, 1))
    check()
    assert _footer(client) == "3 notes in USD — outstanding principal USD 300,000.00"

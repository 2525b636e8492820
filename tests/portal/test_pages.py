"""The holder's pages: what each shows, from the records, and what it refuses."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notes.models import Payment
from notes.services.payments import payment_record, payment_reverse
from notices.models import Direction, Notice
from portal import selectors
from tests.portal.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_home_lists_the_notes_with_todays_figures_address_masked_tax_id_and_how_to_write(
    client, world
):
    page = _get(client, world.user_a, reverse("portal-home")).content.decode()
    note = world.note_a
    card = re.search(rf'<article class="card note-card" id="note-{note.pk}">(.*?)</article>',
                     page, re.S).group(1)
    money = selectors.holder_note_rows(world.holder_a, as_of=world.today)[0].money
    assert "USD 250,000.00" in card and "10% a year" in card
    assert f"{note.maturity_date:%Y-%m-%d}" in card and "Outstanding" in card
    assert f"USD {money.position.accrued_unpaid_interest:,.2f}" in card
    assert "***-**-3333" in page and "111-22-3333" not in page
    assert "1 Main St" in page
    # The notice address is the issuer's record, whatever it says.
    issuer = note.series.issuer
    issuer.principal_office_address = "9 Record Row\nNowhere, NV 89001"
    issuer.save()
    page = _get(client, world.user_a, reverse("portal-home")).content.decode()
    details = page[page.index('id="change-address"'):]
    assert "9 Record Row<br>Nowhere, NV 89001" in details and "written notice" in details
    mail_days = note.series.mail_delivery_business_days
    assert f"or {mail_days} business days after deposit if mailed (§12)" in details
    assert "<form" not in page.replace(
        f'<form method="post" action="{reverse("logout")}" class="inline">', ""
    )


def test_home_reads_in_a_fixed_number_of_queries(client, world):
    client.force_login(world.user_a)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("portal-home"))
    from tests.factories import NoteFactory

    for n in range(3):
        NoteFactory(series=world.note_a.series, holder=world.holder_a, number=f"AAA-10{n}",
                    issue_date=world.note_a.issue_date)
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("portal-home"))
    # The holder's money facts (stated months included) are read for all notes at once;
    # each note's statements with their status are one query of their own.
    assert len(four) - len(one) == 3
    assert len(one) <= 13


def test_note_page_shows_payments_allocations_references_and_own_notices(client, world):
    page = _get(client, world.user_a, reverse("portal-note", args=[world.note_a.pk]))
    page = page.content.decode()
    payment = Payment.objects.get(note=world.note_a)
    row = re.search(rf'<tr id="payment-{payment.pk}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "USD 1,000.00" in row and "CHK-A-1" in row and "Check by mail" in row
    for allocation in payment.allocations.all():
        assert f"{allocation.period_start:%B %Y}: USD {allocation.amount:,.2f}" in row
    mine = Notice.objects.filter(holder=world.holder_a)
    assert mine.exists()
    for notice in mine:
        assert reverse("portal-notice-document", args=[notice.pk]) in page
    assert "You may convert this note until" in page
    assert reverse("portal-election-form", args=[world.note_a.pk, world.offering.pk]) in page
    assert 'id="timeline"' in page


def test_a_notice_pdf_downloads_for_its_holder_only(client, world):
    notice = Notice.objects.filter(holder=world.holder_a).first()
    url = reverse("portal-notice-document", args=[notice.pk])
    response = _get(client, world.user_a, url)
    content = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    assert world.note_a.number in pdf_text(content)
    client.force_login(world.user_b)
    assert client.get(url).status_code == 404


def test_a_letter_not_yet_sent_is_not_shown_to_the_holder(
    client, world, django_capture_on_commit_callbacks
):
    from notes.services import servicing
    from notices.services import job
    from tests.factories import NoteFactory

    note = NoteFactory(series=world.note_a.series, holder=world.holder_a, number="AAA-0002",
                       issue_date=world.note_a.issue_date)
    servicing.statements_generate(id_from=note.pk, id_to=note.pk, as_of=world.today,
                                  run_id=None)
    with django_capture_on_commit_callbacks(execute=True):
        job.notice_run_start(as_of=world.today)
    unsent = list(Notice.objects.filter(note=note, direction=Direction.SENT,
                                        sent_on__isnull=True))
    assert unsent, "the job made the new note's letters, not yet mailed"
    client.force_login(world.user_a)
    page = client.get(reverse("portal-note", args=[note.pk])).content.decode()
    for notice in unsent:
        url = reverse("portal-notice-document", args=[notice.pk])
        assert url not in page
        assert client.get(url).status_code == 404
    assert "Prepared, not yet sent" not in page


def test_the_timeline_leaves_out_what_staff_wrote_for_themselves(client, world):
    payment = payment_record(note=world.note_a, paid_on=world.today - timedelta(days=2),
                             amount=Decimal("10.00"), applies_to="interest",
                             reference="CHK-A-2")
    payment_reverse(payment=payment, reason="Staff only: cheque bounced, see ticket 4411")
    page = _get(client, world.user_a, reverse("portal-note", args=[world.note_a.pk]))
    page = page.content.decode()
    assert "ticket 4411" not in page
    assert "reversed" in page.lower()
    client.force_login(world.user_b)
    page = client.get(reverse("portal-note", args=[world.notes_b[1].pk])).content.decode()
    assert "Staff note: petition filed" not in page
    assert "Involuntary proceeding" in page  # the event itself is the holder's to know


def test_the_portal_refuses_every_write(client, world):
    client.force_login(world.user_a)
    for url in (reverse("portal-home"), reverse("portal-note", args=[world.note_a.pk])):
        response = client.post(url, {"note": world.note_a.pk})
        assert response.status_code == 403
        assert "read-only" in response.content.decode()


def test_exhibit_a_is_prefilled_for_an_open_window_and_refused_otherwise(client, world):
    url = reverse("portal-election-form", args=[world.note_a.pk, world.offering.pk])
    response = _get(client, world.user_a, url)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    closes = selectors.note_open_windows(world.note_a, as_of=world.today)[0].closes
    assert "NOTICE OF ELECTION" in text and "hereby surrenders such Note" in text
    assert world.note_a.number in text and "USD 250,000.00" in text
    assert world.holder_a.name in text and "1 Main St" in text
    assert f"{closes:%B} {closes.day}, {closes.year}" in text
    assert "111-22-3333" not in text and "3333" not in text
    # Another holder's note, a note already converted, or a window not open: 404.
    client.force_login(world.user_b)
    assert client.get(url).status_code == 404
    converted = reverse("portal-election-form", args=[world.notes_b[0].pk, world.offering.pk])
    assert client.get(converted).status_code == 404
    client.force_login(world.user_a)
    assert client.get(
        reverse("portal-election-form", args=[world.note_a.pk, world.offering.pk + 999])
    ).status_code == 404

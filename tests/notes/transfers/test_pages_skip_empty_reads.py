"""A transferred note with a stop-transfer instruction: its pages the same without the
empty reads (`core.related_rows`; the world of tests/portal has no transfer)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.urls import reverse

from core.related_rows import related_rows_load, related_rows_may_exist
from holders.models import HolderLogin
from notes.models import Note, StopTransferInstruction, Transfer
from notes.services.transfers import stop_transfer_record, transfer_approve, transfer_request
from tests.portal.test_pages_skip_empty_reads import _every_table_read, _page


def test_a_transferred_and_stopped_note_reads_its_transfers_and_shows_the_same(
    client, finance_user, note, buyer, monkeypatch
):
    seller = note.holder
    seller_user = get_user_model().objects.create_user("seller", password="pw")
    HolderLogin.objects.create(user=seller_user, holder=seller)
    transfer = transfer_request(note=note, transferee=buyer, notice_received_on=date(2007, 1, 5),
                                opinion_received_on=date(2007, 1, 8))
    transfer_approve(transfer=transfer, effective_date=date(2007, 1, 10))
    stop_transfer_record(note=note, reason="Pledged to First Bank", recorded_on=date(2007, 2, 1))
    loaded = Note.objects.get(pk=note.pk)
    related_rows_load(loaded)
    assert related_rows_may_exist(loaded, Transfer)
    assert related_rows_may_exist(loaded, StopTransferInstruction)

    client.force_login(finance_user)
    staff_url = reverse("note-detail", args=[note.pk])
    staff = _page(client, staff_url)
    assert "Pledged to First Bank" in staff and buyer.name in staff
    client.force_login(seller_user)
    portal_url = reverse("portal-note", args=[note.pk])
    portal = _page(client, portal_url)
    assert seller.name in portal

    _every_table_read(monkeypatch)
    assert portal == _page(client, portal_url)
    client.force_login(finance_user)
    assert staff == _page(client, staff_url)

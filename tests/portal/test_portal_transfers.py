"""A transferred note in the portal (§10): each holder sees the periods they held it."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from notes.services import servicing
from notes.services.transfers import transfer_approve, transfer_request
from portal.selectors import holder_notes
from tests.conftest import _user
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def transferred(holder_user, django_capture_on_commit_callbacks):
    """Margaret's note, stated July to October 2006, transferred to a buyer from 2006-09-01."""
    _, seller = holder_user
    note = NoteFactory(holder=seller, number="SOLD-1", principal=Decimal("250000.00"),
                       issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        servicing.servicing_run_start(as_of=date(2006, 11, 16))
    buyer_user = _user("buyer")
    buyer = HolderFactory(name="Buyer LLC", kind="entity", user=buyer_user)
    transfer = transfer_request(note=note, transferee=buyer,
                                notice_received_on=date(2006, 8, 20),
                                opinion_received_on=date(2006, 8, 25))
    transfer_approve(transfer=transfer, effective_date=date(2006, 9, 1))
    return note, seller, buyer, buyer_user


def _months(page) -> list[str]:
    return re.findall(r'<tr id="statement-(\d{4}-\d{2})"', page.content.decode())


def test_the_earlier_holder_sees_the_months_held_and_the_new_holder_the_rest(
    client, holder_user, transferred
):
    note, seller, buyer, buyer_user = transferred
    assert list(holder_notes(seller)) == [note] and list(holder_notes(buyer)) == [note]
    client.force_login(holder_user[0])
    page = client.get(reverse("portal-note", args=[note.pk]))
    assert page.status_code == 200
    assert _months(page) == ["2006-07", "2006-08"]
    assert "Your position as of 2006-08-31" in page.content.decode()
    client.force_login(buyer_user)
    page = client.get(reverse("portal-note", args=[note.pk]))
    assert _months(page) == ["2006-09", "2006-10"]


def test_a_holder_who_never_held_the_note_still_gets_404(client, transferred):
    note, *_ = transferred
    stranger = _user("stranger")
    HolderFactory(name="Stranger", user=stranger)
    client.force_login(stranger)
    assert client.get(reverse("portal-note", args=[note.pk])).status_code == 404

"""The holder portal shows the holder's own position and statements, read-only."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notes.models import Payment
from notes.selectors import note_position_get
from notes.services import servicing
from notes.services.payments import payment_record
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def notes(holder_user, django_capture_on_commit_callbacks):
    _, holder = holder_user
    mine = NoteFactory(holder=holder, number="MINE-1", principal=D("250000.00"),
                       issue_date=date(2006, 7, 20))
    theirs = NoteFactory(holder=HolderFactory(), number="THEIRS-1", principal=D("123456.00"),
                         issue_date=date(2006, 7, 20))
    payment_record(note=mine, paid_on=date(2006, 8, 15), amount=D("821.92"),
                   applies_to="interest")
    with django_capture_on_commit_callbacks(execute=True):
        servicing.servicing_run_start(as_of=date(2006, 10, 16))
    return mine, theirs


def _money(value: Decimal) -> str:
    return f"USD {value:,.2f}"


def test_holder_sees_own_position_today_and_statements(client, holder_user, notes):
    user, _ = holder_user
    mine, _ = notes
    client.force_login(user)
    page = client.get(reverse("portal-note", args=[mine.pk]))
    content = page.content.decode()
    assert page.status_code == 200

    today = timezone.localdate()
    position = note_position_get(note=mine, as_of=today)
    assert f"Your position as of {today:%Y-%m-%d}" in content
    for figure in (position.outstanding_principal, position.accrued_unpaid_interest,
                   position.note_amount, position.past_due_interest):
        assert _money(figure) in content
    assert "10% per annum, simple — the stated rate" in content

    rows = re.findall(r'<tr id="statement-(\d{4}-\d{2})"[^>]*>(.*?)</tr>', content, re.S)
    assert [month for month, _ in rows] == ["2006-07", "2006-08", "2006-09"]
    july, august, september = (row for _, row in rows)
    assert "USD 821.92" in july and "Paid" in july
    assert "USD 2,123.29" in august and "Past due" in august
    assert "USD 2,054.79" in september and "Past due" in september


def test_portal_note_page_has_no_forms_and_no_staff_links(client, holder_user, notes):
    user, _ = holder_user
    mine, _ = notes
    client.force_login(user)
    content = client.get(reverse("portal-note", args=[mine.pk])).content.decode()
    # The only form is the logout button in the page header.
    assert re.findall(r"<form[^>]*>", content) == [
        f'<form method="post" action="{reverse("logout")}" class="inline">'
    ]
    assert "idempotency_key" not in content
    assert reverse("note-payment-record", args=[mine.pk]) not in content
    assert reverse("servicing") not in content
    assert "Reverse" not in content


def test_holder_never_sees_another_holders_note_or_figures(client, holder_user, notes):
    user, _ = holder_user
    mine, theirs = notes
    client.force_login(user)
    assert client.get(reverse("portal-note", args=[theirs.pk])).status_code == 404
    content = client.get(reverse("portal-note", args=[mine.pk])).content.decode()
    assert "THEIRS-1" not in content
    assert "123,456.00" not in content


def test_holder_cannot_record_a_payment_through_staff_urls(client, holder_user, notes):
    user, _ = holder_user
    mine, _ = notes
    client.force_login(user)
    response = client.post(
        reverse("note-payment-record", args=[mine.pk]),
        {"paid_on": "2006-09-15", "amount": "100.00", "applies_to": "interest",
         "method": "check", "idempotency_key": "holder-try"},
    )
    assert response.status_code == 302
    assert response.url == reverse("portal-home")
    assert Payment.objects.count() == 1


def test_holder_sees_what_a_converted_note_became(client, holder_user,
                                                  django_capture_on_commit_callbacks):
    from decimal import Decimal

    from offerings.services import offering_record
    from tests.factories import NoteFactory

    user, holder = holder_user
    note = NoteFactory(holder=holder, principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        offering_record(
            issuer=note.series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
            gross_proceeds=Decimal("5110000.00"),
            sales=[{"shares": 150_000, "price_per_share": Decimal("2.00")},
                   {"shares": 200_000, "price_per_share": Decimal("2.50")},
                   {"shares": 100_000, "price_per_share": Decimal("3.10")},
                   {"shares": 1_000_000, "price_per_share": Decimal("4.00")}],
        )
    client.force_login(user)
    page = client.get(f"/portal/notes/{note.pk}/").content.decode()
    assert "Converted into Common Stock on 2007-07-20" in page
    assert "114,020" in page and "275,068.49" in page and "2.412451" in page
    state = re.search(r'<dd id="cash-in-lieu-state">(.*?)</dd>', page, re.S).group(1)
    # Due within 10 days of 2007-07-20 (§7) and never paid: overdue today.
    assert "Overdue" in state and "USD 0.83 still to pay" in state
    from offerings.models import Conversion
    from offerings.services.cash import cash_in_lieu_payment_record

    cash_in_lieu_payment_record(conversion=Conversion.objects.get(note=note),
                                paid_on=date(2007, 7, 27), amount=Decimal("0.83"),
                                method="check", reference="CHK 88")
    page = client.get(f"/portal/notes/{note.pk}/").content.decode()
    state = re.search(r'<dd id="cash-in-lieu-state">(.*?)</dd>', page, re.S).group(1)
    assert "Paid" in state and "still to pay" not in state
    row = re.search(r'<tr id="cash-payment-\d+">(.*?)</tr>', page, re.S).group(1)
    assert "2007-07-27" in row and "USD 0.83" in row and "CHK 88" in row

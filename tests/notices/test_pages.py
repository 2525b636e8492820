"""The Notices page, the print-run action, the PDF, and notices on note and offering pages."""

import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from notices.models import Notice, NoticeDeposit, NoticeKind
from offerings import services as offerings

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def letters(converted, run_notices):
    run_notices(date(2007, 7, 21))
    return (
        Notice.objects.get(kind=NoticeKind.AUTOMATIC_CONVERSION),
        Notice.objects.get(kind=NoticeKind.CASH_IN_LIEU),
    )


def _rows(page) -> list[str]:
    return re.findall(r'<tr id="notice-(\d+)"', page.content.decode())


@pytest.mark.parametrize("role", ["finance_user", "auditor_user"])
def test_the_notices_page_lists_letters_with_their_pdfs(client, request, letters, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("notices:list"))
    assert page.status_code == 200
    assert set(_rows(page)) == {str(n.pk) for n in letters}
    body = page.content.decode()
    assert reverse("notices:document", args=[letters[0].pk]) in body
    assert ("Mark as deposited" in body) == (role == "finance_user")
    # The §6.2 notice was due by 2007-07-30 and never sent: missed.
    assert re.search(r'obligation-\d+">.*?2007-07-30.*?Missed', body, re.S)


def test_filters_and_query_count(client, auditor_user, letters, django_assert_max_num_queries):
    client.force_login(auditor_user)
    kind = client.get(reverse("notices:list"), {"kind": "cash_in_lieu"})
    assert _rows(kind) == [str(letters[1].pk)]
    assert _rows(client.get(reverse("notices:list"), {"state": "sent"})) == []
    assert len(_rows(client.get(reverse("notices:list"), {"state": "unsent"}))) == 2
    series = letters[0].note.series_id
    assert len(_rows(client.get(reverse("notices:list"), {"series": series}))) == 2
    with django_assert_max_num_queries(12):
        client.get(reverse("notices:list"))


def test_a_print_run_marked_deposited_records_once(client, finance_user, letters):
    client.force_login(finance_user)
    data = {
        "notices": [str(n.pk) for n in letters],
        "deposited_on": "2006-11-10",
        "idempotency_key": str(uuid.uuid4()),
    }
    refused = client.post(reverse("notices:deposit"), data)
    assert refused.status_code == 200
    assert "Not recorded." in refused.content.decode()
    assert "dated 2007-07-21, after 2006-11-10" in refused.content.decode()
    data["deposited_on"] = "2007-07-27"
    response = client.post(reverse("notices:deposit"), data)
    assert response.status_code == 302
    again = client.post(reverse("notices:deposit"), data)  # a double click
    assert again.status_code == 302
    assert NoticeDeposit.objects.count() == 1
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "deemed delivered on 2007-08-01" in body
    assert set(_rows(page)) == {str(n.pk) for n in letters}


def test_auditors_and_holders_cannot_deposit(client, auditor_user, holder_user, letters):
    data = {"notices": [str(letters[0].pk)], "deposited_on": "2007-07-27",
            "idempotency_key": str(uuid.uuid4())}
    client.force_login(auditor_user)
    assert client.post(reverse("notices:deposit"), data).status_code == 403
    client.force_login(holder_user[0])
    assert client.get(reverse("notices:list")).status_code == 302  # to the portal
    assert client.get(reverse("notices:document", args=[letters[0].pk])).status_code == 302
    assert not NoticeDeposit.objects.exists()


def test_the_pdf_download(client, auditor_user, letters):
    client.force_login(auditor_user)
    response = client.get(reverse("notices:document", args=[letters[0].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("notices:document", args=[999999])).status_code == 404


def test_the_note_page_lists_its_notices(client, auditor_user, letters, note):
    client.force_login(auditor_user)
    body = client.get(reverse("note-detail", args=[note.pk])).content.decode()
    # The section loads itself with htmx; without JavaScript, a link to the list.
    fragment_url = reverse("notices:note", args=[note.pk])
    assert f'hx-get="{fragment_url}"' in body
    assert f'{reverse("notices:list")}?note={note.pk}' in body
    section = client.get(fragment_url, HTTP_HX_REQUEST="true").content.decode()
    assert section.startswith('<section id="notices">')
    for letter in letters:
        assert f'id="notice-{letter.pk}"' in section
        assert reverse("notices:document", args=[letter.pk]) in section
    assert "§6.2 notice due by 2007-07-30" in section and "Missed" in section
    listed = client.get(reverse("notices:list"), {"note": note.pk})
    assert set(_rows(listed)) == {str(n.pk) for n in letters}
    assert set(_rows(client.get(reverse("notices:list"), {"note": note.pk + 1000}))) == set()


def test_the_offering_page_shows_each_six_one_notice_state(
    client, auditor_user, committed, series, note, run_notices
):
    offering = committed(
        offerings.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )
    run_notices(date(2007, 1, 12))
    client.force_login(auditor_user)
    body = client.get(reverse("offerings:detail", args=[offering.pk])).content.decode()
    obligation = offering.obligations.get()
    row = re.search(rf'<tr id="notice-obligation-{obligation.pk}">(.*?)</tr>', body, re.S)
    assert row and "2007-01-20" in row.group(1) and "Missed" in row.group(1)
    assert "not sent" in row.group(1)

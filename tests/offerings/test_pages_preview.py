"""Preview before recording an offering or event; cash in lieu; the what-if page (§5, §7).

The contract example (see test_pages.py): the USD 250,000 note of 2006-07-20 and
the example PIPE closing 2007-07-20 convert at 2.412451 into 114,020 shares,
Note Amount 275,068.49, cash in lieu 0.83 due 2007-07-30.
"""

import html
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.urls import reverse

from notes.models import Payment, PaymentAllocation
from offerings import services
from offerings.models import CashInLieuPayment, Conversion, ConversionTrigger, Offering
from offerings.services.cash import cash_in_lieu_payment_record
from offerings.services.preview import offering_preview
from tests.factories import HolderFactory, NoteFactory, SeriesFactory
from tests.offerings.test_pages import EXAMPLE_SALES, _offering_post

pytestmark = pytest.mark.django_db


def _text(content) -> str:
    content = content.decode() if isinstance(content, bytes) else content
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def _hidden(content: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', content))


@pytest.fixture
def series():
    return SeriesFactory(name="ATS 2006 Notes")


@pytest.fixture
def note(series):
    return NoteFactory(series=series, number="ATS06-001", principal=D("250000.00"),
                       issue_date=date(2006, 7, 20),
                       holder=HolderFactory(name="Margaret A. Keller"))


@pytest.fixture
def other_note(series):
    return NoteFactory(series=series, number="ATS06-002", principal=D("100000.00"),
                       issue_date=date(2006, 9, 1))


@pytest.fixture
def example_pipe(committed, series, note):
    return committed(services.offering_record, issuer=series.issuer, kind="pipe",
                     closing_date=date(2007, 7, 20), gross_proceeds=D("5110000.00"),
                     sales=EXAMPLE_SALES)


# --- Offering and event previews ------------------------------------------------------------


def test_the_offering_preview_lists_every_conversion_and_records_nothing(
    client, finance_user, series, note, other_note
):
    client.force_login(finance_user)
    data = _offering_post(series)
    data["idempotency_key"] = "key-preview-1"
    page = client.post(reverse("offerings:preview"), data)
    assert page.status_code == 200
    content = page.content.decode()
    text = _text(content)
    assert "ATS 2006 Notes: Automatic conversion — $5M Qualified Offering (§5.2(iii))" in text
    assert "Conversion Price: 2.412451" in text
    row = _text(re.search(rf'<tr id="preview-note-{note.pk}">.*?</tr>', content, re.S).group(0))
    assert row == "ATS06-001 Margaret A. Keller 250,000.00 25,068.49 275,068.49 2.412451" \
                  " 114,020 0.83 2007-07-30"
    assert "Total (2 notes)" in text
    assert Offering.objects.count() == 0 and ConversionTrigger.objects.count() == 0
    assert _hidden(content)["idempotency_key"] == "key-preview-1"


def test_the_preview_figures_are_the_figures_recorded(
    client, finance_user, series, note, other_note, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    data = _offering_post(series)
    data["idempotency_key"] = "key-preview-2"
    previews = offering_preview(issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
                                gross_proceeds=D("5110000.00"), sales=EXAMPLE_SALES)
    page = client.post(reverse("offerings:preview"), data)
    with django_capture_on_commit_callbacks(execute=True):
        recorded = client.post(reverse("offerings:record"), _hidden(page.content.decode()))
    assert recorded.status_code == 302
    stored = {
        c.note_id: (c.principal_converted, c.interest_converted, c.note_amount,
                    c.conversion_price, c.shares, c.cash_in_lieu, c.cash_due_date)
        for c in Conversion.objects.all()
    }
    shown = {
        r.note.pk: (r.principal, r.interest, r.note_amount, r.price, r.shares, r.cash_in_lieu,
                    r.cash_due_date)
        for r in previews[0].rows
    }
    assert stored == shown and len(stored) == 2


def test_a_refused_preview_comes_back_on_the_form(client, finance_user, series, note):
    client.force_login(finance_user)
    data = _offering_post(series, gross_proceeds="5000000.00")
    data["idempotency_key"] = "key-3"
    page = client.post(reverse("offerings:preview"), data)
    text = _text(page.content)
    assert "Not recorded." in text
    assert "Sales: The sales total 5,110,000.00 but the offering's gross proceeds are" in text
    assert Offering.objects.count() == 0


def test_a_three_million_preview_opens_the_window(client, finance_user, series, note):
    client.force_login(finance_user)
    data = _offering_post(series, gross_proceeds="3000000.00",
                          sales=[{"shares": 1_000_000, "price_per_share": "3.00"}])
    data["idempotency_key"] = "key-4"
    text = _text(client.post(reverse("offerings:preview"), data).content)
    assert "$3 Million Qualified Offering (§5.1)" in text
    assert "from 2007-07-20 through 2008-01-20 (§5.1)" in text
    assert "each of the 1 note outstanding by 2007-07-30 (§6.1)" in text


def test_an_event_preview_without_a_price_in_effect_waits(client, finance_user, series, note):
    client.force_login(finance_user)
    page = client.post(reverse("offerings:event-preview"), {
        "issuer": series.issuer_id, "kind": "merger", "effective_date": "2007-07-20",
        "voting_power_pct": "", "description": "", "idempotency_key": "key-5",
    })
    text = _text(page.content)
    assert "Automatic conversion — Change of control (§5.2(i))" in text
    assert "none yet" in text and "awaiting price" in text
    assert "275,068.49" in text
    assert not ConversionTrigger.objects.exists()


def test_previews_are_finance_only(client, auditor_user, holder_user, series):
    for url in (reverse("offerings:preview"), reverse("offerings:event-preview")):
        client.logout()
        assert client.post(url, {}).url.startswith("/login/")
        client.force_login(auditor_user)
        assert client.post(url, {}).status_code == 403
        client.force_login(holder_user[0])
        assert client.post(url, {}).url == reverse("portal-home")


# --- Cash in lieu (§7) ------------------------------------------------------------------------


def test_cash_in_lieu_is_recorded_from_the_notes_page_and_shown_paid(
    client, finance_user, example_pipe, note
):
    client.force_login(finance_user)
    conversion = Conversion.objects.get(note=note)
    note_page = client.get(reverse("note-detail", args=[note.pk])).content.decode()
    section = _text(re.search(r'<section class="card" id="conversion".*?</section>', note_page,
                              re.S).group(0))
    assert "USD 0.83, due 2007-07-30 — Overdue" in section
    key = re.search(r'name="cash-idempotency_key" value="([^"]+)"', note_page).group(1)
    data = {"cash-paid_on": "2007-07-27", "cash-amount": "0.83", "cash-method": "check",
            "cash-reference": "CHK 2001", "cash-idempotency_key": key,
            "next": reverse("note-detail", args=[note.pk])}
    url = reverse("offerings:cash-in-lieu", args=[conversion.pk])
    done = client.post(url, data)
    assert done.status_code == 302 and done.url == reverse("note-detail", args=[note.pk])
    client.post(url, data)  # the same form again: once
    assert CashInLieuPayment.objects.count() == 1
    conversions = _text(client.get(reverse("offerings:conversions")).content)
    assert "USD 0.83 2007-07-30 Paid" in conversions


def test_cash_in_lieu_refusals_say_why_with_the_clause(client, finance_user, example_pipe, note):
    client.force_login(finance_user)
    conversion = Conversion.objects.get(note=note)
    url = reverse("offerings:cash-in-lieu", args=[conversion.pk])
    page = client.post(url, {"cash-paid_on": "2007-07-27", "cash-amount": "5.00",
                             "cash-method": "check", "cash-idempotency_key": "k-cash-1"})
    text = _text(page.content)
    assert "Amount : §7: the cash in lieu of this conversion is 0.83 and 0.00 is already paid;" \
           " at most 0.83 can be paid." in text
    assert "Cash in lieu not recorded" in text
    page = client.post(url, {"cash-paid_on": "2007-07-01", "cash-amount": "0.83",
                             "cash-method": "check", "cash-idempotency_key": "k-cash-2"})
    assert "The note converted on 2007-07-20; pay on or after it." in _text(page.content)
    assert not CashInLieuPayment.objects.exists()


def test_late_cash_in_lieu_shows_late(client, auditor_user, example_pipe, note):
    conversion = Conversion.objects.get(note=note)
    cash_in_lieu_payment_record(conversion=conversion, paid_on=date(2007, 8, 10),
                                amount=D("0.83"), method="check")
    client.force_login(auditor_user)
    assert "Paid late" in _text(client.get(reverse("offerings:conversions")).content)
    page = client.get(reverse("offerings:cash-in-lieu", args=[conversion.pk]))
    assert page.status_code == 200 and "Record cash paid" not in page.content.decode()
    assert client.post(reverse("offerings:cash-in-lieu", args=[conversion.pk]), {}).status_code \
        == 403


def test_the_conversions_page_stays_at_a_fixed_query_count(
    client, finance_user, example_pipe, series, django_assert_max_num_queries
):
    client.force_login(finance_user)
    # Session, user, groups; count; conversions with notes, holders, series, offerings
    # and events; their §6.2 obligations; their cash payments; the series filter.
    with django_assert_max_num_queries(8):
        client.get(reverse("offerings:conversions"))


# --- What-if ----------------------------------------------------------------------------------


def _row_counts():
    with connection.cursor() as cursor:
        counts = {}
        for model in (Conversion, Payment, PaymentAllocation, Offering, CashInLieuPayment,
                      ConversionTrigger):
            cursor.execute(f"SELECT count(*) FROM {model._meta.db_table}")
            counts[model.__name__] = cursor.fetchone()[0]
        return counts


def test_what_if_at_a_price_shows_each_holder_and_writes_nothing(
    client, auditor_user, series, note, other_note
):
    client.force_login(auditor_user)
    before = _row_counts()
    page = client.get(reverse("offerings:what-if"), {
        "day": "2007-07-20", "price": "2.412451", "series": series.pk, "shares_before": "10000000",
    })
    assert page.status_code == 200
    content = page.content.decode()
    row = _text(re.search(rf'<tr id="preview-note-{note.pk}">.*?</tr>', content, re.S).group(0))
    assert "275,068.49 2.412451 114,020 0.83" in row
    text = _text(content)
    assert "Fully diluted" in text and "Shares outstanding before 10,000,000" in text
    assert _row_counts() == before


def test_what_if_derives_the_price_from_sales(client, finance_user, series, note):
    client.force_login(finance_user)
    page = client.get(reverse("offerings:what-if"), {
        "day": "2007-07-20",
        "sales": "150,000 @ 2.00\n200,000 @ 2.50\n100,000 @ 3.10\n1,000,000 @ 4.00",
    })
    text = _text(page.content)
    assert "At 2.412451 on 2007-07-20" in text
    assert "114,020" in text
    assert "Fully diluted" not in text  # no shares outstanding given: only the shares added
    assert "Shares the conversions add 114,020" in text


def test_what_if_refusals(client, finance_user, series, note):
    client.force_login(finance_user)
    url = reverse("offerings:what-if")
    assert "Enter a Conversion Price, or the sales that set one." in _text(
        client.get(url, {"day": "2007-07-20"}).content)
    assert "is not “shares @ price per share”" in _text(
        client.get(url, {"day": "2007-07-20", "sales": "lots"}).content)
    assert "fewer than the 1,000,000.00 that sets the Conversion Price (§5.1)" in _text(
        client.get(url, {"day": "2007-07-20", "sales": "1000 @ 2.00"}).content)


def test_what_if_permissions(client, holder_user):
    url = reverse("offerings:what-if")
    assert client.get(url).url.startswith("/login/")
    client.force_login(holder_user[0])
    assert client.get(url).url == reverse("portal-home")

"""The conversions table: seven columns that fit a 1366 px screen, and each note's own working."""

import html
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from offerings import services
from offerings.models import Conversion
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

CONVERSIONS = reverse("offerings:conversions")
EXAMPLE_SALES = [
    {"shares": 150_000, "price_per_share": D("2.00")},
    {"shares": 200_000, "price_per_share": D("2.50")},
    {"shares": 100_000, "price_per_share": D("3.10")},
    {"shares": 1_000_000, "price_per_share": D("4.00")},
]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture
def converted(committed):
    series = SeriesFactory(name="ATS 2006 Notes")
    note = NoteFactory(series=series, principal=D("250000.00"), issue_date=date(2006, 7, 20))
    offering = committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5110000.00"), sales=EXAMPLE_SALES,
    )
    return Conversion.objects.get(note=note), offering


def test_the_table_has_seven_columns_with_what_belongs_together(client, finance_user,
                                                                converted):
    client.force_login(finance_user)
    content = client.get(CONVERSIONS).content.decode()
    head = re.search(r"<thead>(.*?)</thead>", content, re.S).group(1)
    assert [_text(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)] == [
        "Note Holder · series",
        "Converted on Trigger",
        "Conversion Price",
        "Principal + interest = Note Amount",
        "Shares",
        "Cash in lieu due (§7)",
        "Status §6.2 notice due",
    ]
    conversion, _ = converted
    row = re.search(rf'<tr id="conversion-{conversion.pk}">(.*?)</tr>', content, re.S).group(1)
    assert len(re.findall(r"<td[ >]", row)) == 7


def test_each_row_shows_the_notes_own_arithmetic_not_the_offerings(client, auditor_user,
                                                                  converted):
    conversion, offering = converted
    client.force_login(auditor_user)
    content = client.get(CONVERSIONS).content.decode()
    working = re.search(rf'<tr class="price-source" id="working-{conversion.pk}">(.*?)</tr>',
                        content, re.S).group(1)
    assert _text(working) == (
        "275,068.49 ÷ 2.412451 = 114,020.34… → 114,020 shares; "
        "275,068.49 − 114,020 × 2.412451 = 0.82698 → 0.83 cash in lieu (§7)"
    )
    # The offering's derivation of its price lives on the offering's page, once.
    assert offering.price_computation not in _text(content)
    assert (conversion.shares, conversion.cash_in_lieu) == (114020, D("0.83"))


def test_a_determined_price_shows_its_working_and_who_set_it(client, finance_user, committed):
    series = SeriesFactory()
    note = NoteFactory(series=series, principal=D("250000.00"), issue_date=date(2006, 7, 20))
    committed(services.event_record, issuer=series.issuer, kind="merger",
              effective_date=date(2007, 7, 20))
    conversion = Conversion.objects.get(note=note)
    client.force_login(finance_user)
    awaiting = client.get(CONVERSIONS).content.decode()
    assert "÷" not in _text(
        re.search(rf'id="working-{conversion.pk}">(.*?)</tr>', awaiting, re.S).group(1)
    )
    services.conversion_price_determine(
        conversion=conversion, price=D("2.500000"), source="Board resolution of 2007-08-01",
        determined_by=finance_user,
    )
    content = client.get(CONVERSIONS).content.decode()
    working = _text(re.search(rf'id="working-{conversion.pk}">(.*?)</tr>', content,
                              re.S).group(1))
    assert working.startswith(
        "275,068.49 ÷ 2.500000 = 110,027.39… → 110,027 shares;"
        " 275,068.49 − 110,027 × 2.500000 = 0.99 → 0.99 cash in lieu (§7)"
        " Price determined "
    )
    assert working.endswith(": Board resolution of 2007-08-01")

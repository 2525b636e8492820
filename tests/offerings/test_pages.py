"""Staff pages for offerings, events, conversions and elections, through the real services.

The contract example throughout: a USD 250,000 note issued 2006-07-20 in a
default series (10%, ACT/365F), and the example PIPE closing 2007-07-20 —
150,000 @ 2.00, 200,000 @ 2.50, 100,000 @ 3.10, 1,000,000 @ 4.00, gross
5,110,000.00. Its first $1,000,000 is 300,000 + 500,000 + 200,000 of the
third sale, buying 150,000 + 200,000 + 64,516.129… shares: price =
1,000,000 ÷ 414,516.129… = 2.412451. The note converts automatically
(§5.2(iii)): interest 25,068.49, Note Amount 275,068.49, 114,020 shares, cash
in lieu 0.83 due 2007-07-30.
"""

import html
import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from notes.models import NoteStatus
from offerings import services
from offerings.models import (
    Conversion,
    ConversionStatus,
    ConversionTrigger,
    CorporateEvent,
    Election,
    Offering,
)
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db


def keyed_post(client, url, data=None, **extra):
    """POST a money-fact form as the browser does: with the one-time key it was rendered with."""
    data = dict(data or {})
    prefixes = {m.group(1) for k in data if (m := re.match(r"(price-\d+-)", k))}
    for prefix in prefixes or {""}:
        data.setdefault(f"{prefix}idempotency_key", str(uuid.uuid4()))
    return client.post(url, data, **extra)
D = Decimal

EXAMPLE_SALES = [
    {"shares": 150_000, "price_per_share": D("2.00")},
    {"shares": 200_000, "price_per_share": D("2.50")},
    {"shares": 100_000, "price_per_share": D("3.10")},
    {"shares": 1_000_000, "price_per_share": D("4.00")},
]
LIST = reverse("offerings:list")
CONVERSIONS = reverse("offerings:conversions")


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _row(page, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', page.content.decode(), re.S)
    assert match, f"no row {row_id}"
    return _text(match.group(1))


def _page_text(page) -> str:
    return _text(page.content.decode())


def _terms(page) -> dict[str, str]:
    content = page.content.decode()
    return {
        _text(dt): _text(dd)
        for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", content, re.S)
    }


@pytest.fixture
def series():
    return SeriesFactory(name="ATS 2006 Notes")


@pytest.fixture
def note(series):
    return NoteFactory(
        series=series, number="ATS06-001", principal=D("250000.00"),
        issue_date=date(2006, 7, 20), holder=HolderFactory(name="Margaret A. Keller"),
    )


@pytest.fixture
def example_pipe(committed, series, note):
    return committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5110000.00"), sales=EXAMPLE_SALES,
        description="2007 PIPE",
    )


@pytest.fixture
def three_million_pipe(committed, series, note):
    """A $3M Qualified Offering: a voluntary window 2007-01-10 through 2007-07-10."""
    return committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )


@pytest.fixture
def merger(committed, series, note):
    """A merger with no qualifying offering before it: the conversion awaits a price."""
    return committed(
        services.event_record, issuer=series.issuer, kind="merger",
        effective_date=date(2007, 7, 20),
    )


def _offering_post(series, *, sales=EXAMPLE_SALES, extra_rows=6, **overrides):
    data = {
        "issuer": series.issuer_id,
        "kind": "pipe",
        "closing_date": "2007-07-20",
        "gross_proceeds": "5110000.00",
        "currency": "USD",
        "description": "2007 PIPE",
        "shares_per_unit": "",
        "warrants_per_unit": "",
        "share_allocation": "",
        "allocation_source": "",
        "allocation_reference": "",
        "sales-TOTAL_FORMS": str(len(sales) + extra_rows),
        "sales-INITIAL_FORMS": "0",
        "sales-MIN_NUM_FORMS": "0",
        "sales-MAX_NUM_FORMS": "500",
    }
    for i, sale in enumerate(sales):
        for key, value in sale.items():  # a {} row stays blank
            data[f"sales-{i}-{key}"] = str(value)
    data.update(overrides)
    return data


# --- Reading: the offerings page, an offering, the conversions ---------------------------


@pytest.mark.parametrize("role", ["finance_user", "auditor_user"])
def test_offerings_page_shows_the_example_pipe(client, request, example_pipe, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(LIST)
    assert page.status_code == 200
    row = _row(page, f"offering-{example_pipe.pk}")
    assert "2007-07-20" in row
    assert "USD 5,110,000.00" in row
    assert "2.412451" in row
    assert "Automatic conversion (§5.2)" in row
    assert "Done" in row and "ATS 2006 Notes: 1 note converted" in row
    content = page.content.decode()
    finance = role == "finance_user"
    assert ("Record an offering" in content) is finance
    assert ("Record a corporate event" in content) is finance
    assert ('name="sales-TOTAL_FORMS"' in content) is finance
    assert 'href="/offerings/"' in content  # the nav link


def test_offerings_page_explains_a_missing_price(client, auditor_user, committed, series, note):
    units = committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5000000.00"),
        sales=[{"units": 1_000_000, "unit_price": D("5.00")}],
        units={"shares_per_unit": 1, "warrants_per_unit": 1},
    )
    client.force_login(auditor_user)
    row = _row(client.get(LIST), f"offering-{units.pk}")
    assert "(units)" in row
    assert "None: The offering was sold in units without a recorded allocation" in row


@pytest.mark.parametrize("role", ["finance_user", "auditor_user"])
def test_offering_detail_shows_sales_price_working_and_the_conversion(
    client, request, example_pipe, note, role
):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("offerings:detail", args=[example_pipe.pk]))
    assert page.status_code == 200
    assert [_row(page, f"sale-{i}") for i in range(1, 5)] == [
        "1 150,000 2.00 — — USD 300,000.00",
        "2 200,000 2.50 — — USD 500,000.00",
        "3 100,000 3.10 — — USD 310,000.00",
        "4 1,000,000 4.00 — — USD 4,000,000.00",
    ]
    content = _page_text(page)
    assert example_pipe.price_computation in content
    assert "= 2.412451 (§5.1)" in content
    terms = _terms(page)
    assert terms["Conversion Price"] == "USD 2.412451 per share"
    assert terms["Gross proceeds"] == "USD 5,110,000.00"
    assert terms["$3M Qualified Offering (§5.1)"] == "Yes"
    assert terms["Automatic conversion (§5.2)"] == "Yes"
    conversion = Conversion.objects.get(note=note)
    row = _row(page, f"conversion-{conversion.pk}")
    assert row == (
        "ATS06-001 Margaret A. Keller ATS 2006 Notes 2007-07-20 $5M Qualified Offering "
        f"(§5.2(iii)) — offering #{example_pipe.pk} 2.412451 USD 250,000.00 USD 25,068.49 "
        "USD 275,068.49 114,020 USD 0.83 2007-07-30 Overdue"
        # Finance may record the cash in lieu still owed (§7); Auditors see its state only.
        + (" Record cash paid…" if role == "finance_user" else "")
        + " Done 2007-07-30"
    )


def test_offering_detail_shows_the_voluntary_window_and_section_6_1_notices(
    client, finance_user, three_million_pipe, note
):
    client.force_login(finance_user)
    page = client.get(reverse("offerings:detail", args=[three_million_pipe.pk]))
    terms = _terms(page)
    assert terms["$3M Qualified Offering (§5.1)"] == "Yes"
    assert terms["Automatic conversion (§5.2)"] == "No"
    assert terms["Voluntary window (§5.1)"] == "2007-01-10 through 2007-07-10"
    obligation = three_million_pipe.obligations.get(note=note)
    row = _row(page, f"obligation-{obligation.pk}")
    assert row == "ATS06-001 Margaret A. Keller 2007-01-20 Outstanding Record Notice of Election…"
    assert reverse("offerings:election", args=[note.pk]) in page.content.decode()


def test_auditor_sees_no_election_link_or_allocation_form(
    client, auditor_user, three_million_pipe, note
):
    client.force_login(auditor_user)
    content = client.get(reverse("offerings:detail", args=[three_million_pipe.pk])).content
    assert b"Record Notice of Election" not in content
    assert b"Record allocation" not in content


@pytest.mark.parametrize("role", ["finance_user", "auditor_user"])
def test_conversions_page_lists_and_filters(client, request, example_pipe, merger, role):
    # The merger converted nothing: the PIPE already converted the only note.
    other_series = SeriesFactory(name="Other series")
    other = NoteFactory(series=other_series, number="OTH-1", issue_date=date(2006, 7, 20))
    client.force_login(request.getfixturevalue(role))
    page = client.get(CONVERSIONS)
    assert page.status_code == 200
    assert "2.412451" in page.content.decode()
    assert "1 conversion." in _page_text(page)
    assert client.get(CONVERSIONS, {"status": "awaiting_price"}).content.decode().count(
        '<tr id="conversion-'
    ) == 0
    by_series = client.get(CONVERSIONS, {"series": other.series_id})
    assert '<tr id="conversion-' not in by_series.content.decode()
    assert "No conversion matches these filters." in _page_text(by_series)


def test_conversions_filter_swaps_the_table_via_htmx(client, auditor_user, example_pipe):
    client.force_login(auditor_user)
    fragment = client.get(CONVERSIONS, {"status": "done"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="conversion-table">')
    assert "<html" not in body
    assert "114,020" in body
    assert "HX-Request" in fragment["Vary"]


def test_conversions_page_query_count_does_not_grow_with_rows(
    client, finance_user, committed, series, django_assert_max_num_queries
):
    def notes(count):
        for _ in range(count):
            NoteFactory(series=series, issue_date=date(2006, 7, 20))

    client.force_login(finance_user)
    notes(2)
    committed(services.event_record, issuer=series.issuer, kind="merger",
              effective_date=date(2007, 7, 20))
    # Session, user, groups; count, conversions with notes, holders, series, offerings
    # and events; their §6.2 obligations; their cash paid in lieu (§7); the series
    # filter's choices.
    with django_assert_max_num_queries(8):
        client.get(CONVERSIONS)
    other = SeriesFactory(issuer=series.issuer, name="Second series")
    for _ in range(10):
        NoteFactory(series=other, issue_date=date(2006, 7, 20))
    committed(services.offering_record, issuer=series.issuer, kind="pipe",
              closing_date=date(2007, 8, 1), gross_proceeds=D("5110000.00"),
              sales=EXAMPLE_SALES)
    assert Conversion.objects.count() == 12
    with django_assert_max_num_queries(8):
        page = client.get(CONVERSIONS)
    # Every row shows, awaiting ones with their price form.
    assert page.content.decode().count('<tr id="conversion-') == 12
    assert page.content.decode().count('class="price-determination"') == 2


def test_offerings_page_query_count_does_not_grow_with_rows(
    client, finance_user, committed, series, note, django_assert_max_num_queries
):
    def record(count, closing):
        for i in range(count):
            # Identical on purpose (rows, not realism): each one a confirmed duplicate.
            committed(services.offering_record, issuer=series.issuer, kind="pipe",
                      closing_date=closing, gross_proceeds=D("3000000.00"),
                      sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
                      confirm_duplicate=True)
            first = committed(services.event_record, issuer=series.issuer,
                              kind="voting_power_transfer", effective_date=closing,
                              voting_power_pct=D("10"))
            committed(services.event_record, issuer=series.issuer,
                      kind="voting_power_transfer", effective_date=closing,
                      voting_power_pct=D("10"), related_events=[first])

    client.force_login(finance_user)
    record(1, date(2007, 1, 10))
    # Session, user, groups; offerings (+ their issuers' series); events (+ related
    # events); the forms' issuer (×2) and related-event choices.
    with django_assert_max_num_queries(10):
        client.get(LIST)
    record(4, date(2007, 2, 10))
    with django_assert_max_num_queries(10):
        page = client.get(LIST)
    assert page.content.decode().count('<tr id="offering-') == 5
    assert page.content.decode().count('<tr id="event-') == 10


# --- Recording an offering or an event ----------------------------------------------------


def test_finance_records_the_example_pipe_and_it_converts_the_note(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = keyed_post(client, reverse("offerings:record"), _offering_post(series))
    offering = Offering.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("offerings:detail", args=[offering.pk])
    assert offering.conversion_price == D("2.412451")
    assert offering.recorded_by == finance_user
    assert list(offering.sales.values_list("sequence", "shares")) == [
        (1, 150_000), (2, 200_000), (3, 100_000), (4, 1_000_000)
    ]
    conversion = Conversion.objects.get(note=note)
    assert (conversion.note_amount, conversion.shares, conversion.cash_in_lieu) == (
        D("275068.49"), 114020, D("0.83"))
    assert conversion.cash_due_date == date(2007, 7, 30)
    page = client.get(response.url)
    assert "Recorded the PIPE (private investment in a public entity) closing 2007-07-20" in (
        _page_text(page))


def test_sales_not_adding_up_are_refused_on_the_form_and_nothing_is_recorded(
    client, finance_user, series, note
):
    client.force_login(finance_user)
    page = keyed_post(client,
        reverse("offerings:record"), _offering_post(series, gross_proceeds="5000000.00")
    )
    assert page.status_code == 200
    text = _page_text(page)
    assert ("The sales total 5,110,000.00 but the offering's gross proceeds are 5,000,000.00; "
            "they must be equal.") in text
    # What was typed comes back, so nothing has to be entered again.
    assert 'name="sales-3-shares" value="1000000"' in page.content.decode()
    assert Offering.objects.count() == 0
    assert ConversionTrigger.objects.count() == 0


def test_a_closing_before_the_notes_existed_is_refused_on_its_field(
    client, finance_user, series, note
):
    client.force_login(finance_user)
    page = keyed_post(client,
        reverse("offerings:record"), _offering_post(series, closing_date="2006-07-01")
    )
    content = page.content.decode()
    assert "2006-07-01 is before the issuer&#x27;s first note was issued (2006-07-20)" in content
    assert Offering.objects.count() == 0


def test_a_half_filled_sale_row_is_refused_before_the_service(client, finance_user, series):
    client.force_login(finance_user)
    data = _offering_post(series, **{"sales-0-price_per_share": ""})
    page = keyed_post(client, reverse("offerings:record"), data)
    assert "Give both the shares and the price per share." in _page_text(page)
    assert Offering.objects.count() == 0


def test_more_sale_rows_keeps_what_was_typed_without_recording(client, finance_user, series):
    client.force_login(finance_user)
    data = _offering_post(series, extra_rows=0, more_rows="1")
    page = keyed_post(client, reverse("offerings:record"), data)
    content = page.content.decode()
    assert 'name="sales-TOTAL_FORMS" value="10"' in content  # 4 typed + 6 blank
    assert 'name="sales-3-price_per_share" value="4.00"' in content
    assert 'name="gross_proceeds" value="5110000.00"' in content
    assert "errorlist" not in content
    assert Offering.objects.count() == 0
    fragment = keyed_post(client, reverse("offerings:record"), data, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert body.lstrip().startswith('<section class="card" id="record-offering">')
    assert 'name="sales-TOTAL_FORMS" value="10"' in body
    again = keyed_post(client, reverse("offerings:record"), _offering_post(series, more_rows="1"))
    assert 'name="sales-TOTAL_FORMS" value="16"' in again.content.decode()  # 10 + 6


def test_an_offering_entered_after_more_rows_records_its_sales_in_order(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    # After "More sale rows" the typed rows come back as initial forms, with a blank
    # row between two sales: the blank is skipped and the order kept.
    sales = [*EXAMPLE_SALES[:2], {}, *EXAMPLE_SALES[2:]]
    data = _offering_post(series, sales=sales, **{"sales-INITIAL_FORMS": "5"})
    client.force_login(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = keyed_post(client, reverse("offerings:record"), data)
    assert response.status_code == 302
    offering = Offering.objects.get()
    assert list(offering.sales.values_list("shares", flat=True)) == [
        150_000, 200_000, 100_000, 1_000_000]
    assert offering.conversion_price == D("2.412451")


def test_finance_records_a_units_offering_then_its_allocation(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    data = _offering_post(
        series, sales=[{"units": 1_000_000, "unit_price": "5.00"}], gross_proceeds="5000000.00",
        shares_per_unit="1", warrants_per_unit="1",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = keyed_post(client, reverse("offerings:record"), data)
    offering = Offering.objects.get()
    assert offering.conversion_price is None
    conversion = Conversion.objects.get(note=note)
    assert conversion.status == ConversionStatus.AWAITING_PRICE

    detail = client.get(response.url)
    assert "Record allocation" in detail.content.decode()
    assert "No Conversion Price: The offering was sold in units" in _page_text(detail)

    bad = keyed_post(client, reverse("offerings:allocation", args=[offering.pk]),
                      {"share_allocation": "1.5", "source": "board_determination"})
    assert "A fraction greater than 0, at most 1." in _page_text(bad)
    offering.refresh_from_db()
    assert offering.share_allocation is None

    done = keyed_post(client,
        reverse("offerings:allocation", args=[offering.pk]),
        {"share_allocation": "0.8", "source": "board_determination",
         "reference": "Board resolution 2007-08-01"},
    )
    assert done.status_code == 302
    offering.refresh_from_db()
    # $4.00 of each $5.00 unit buys its one share: 1,000,000 ÷ 250,000 = 4.000000.
    assert offering.conversion_price == D("4.000000")
    conversion.refresh_from_db()
    assert (conversion.status, conversion.conversion_price) == ("done", D("4.000000"))
    after = client.get(done.url)
    assert "the Conversion Price is 4.000000" in _page_text(after)
    assert "Record allocation" not in after.content.decode()
    assert _terms(after)["Share allocation (§5.1)"] == (
        "0.8 of the unit price — Board determination (Board resolution 2007-08-01)")

    again = keyed_post(client, reverse("offerings:allocation", args=[offering.pk]),
                        {"share_allocation": "0.5", "source": "offering_documents"},
                        follow=True)
    assert "An allocation is already recorded for this offering." in _page_text(again)
    offering.refresh_from_db()
    assert offering.share_allocation == D("0.8")


def test_finance_records_a_related_voting_transfer_that_converts(
    client, finance_user, series, note, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    first = services.event_record(issuer=series.issuer, kind="voting_power_transfer",
                                  effective_date=date(2007, 3, 1), voting_power_pct=D("30"))
    page = client.get(LIST)
    assert f'<option value="{first.pk}">' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = keyed_post(client, reverse("offerings:event-record"), {
            "issuer": series.issuer_id, "kind": "voting_power_transfer",
            "effective_date": "2007-05-01", "voting_power_pct": "25",
            "related_events": [first.pk], "description": "Second block",
        })
    second = CorporateEvent.objects.get(description="Second block")
    assert response.status_code == 302
    assert response.url == f"{LIST}#event-{second.pk}"
    conversion = Conversion.objects.get(note=note)
    assert (conversion.event, conversion.status) == (second, ConversionStatus.AWAITING_PRICE)
    row = _row(client.get(LIST), f"event-{second.pk}")
    assert "Transfer of voting power 2007-05-01 25% " in row
    assert f"#{first.pk} (30% on 2007-03-01)" in row
    assert "1 note converted (change of control)" in row


def test_an_event_before_the_notes_existed_is_refused_on_the_form(
    client, finance_user, series, note
):
    client.force_login(finance_user)
    page = keyed_post(client, reverse("offerings:event-record"), {
        "issuer": series.issuer_id, "kind": "merger", "effective_date": "2006-01-01",
    })
    assert page.status_code == 200
    assert "before the issuer&#x27;s first note was issued (2006-07-20)" in page.content.decode()
    assert CorporateEvent.objects.count() == 0


# --- Price determination -----------------------------------------------------------------


def test_a_price_determination_completes_a_merger_conversion(
    client, finance_user, merger, note
):
    conversion = Conversion.objects.get(note=note)
    assert conversion.status == ConversionStatus.AWAITING_PRICE
    client.force_login(finance_user)
    page = client.get(CONVERSIONS)
    row = _row(page, f"conversion-{conversion.pk}")
    assert "— USD 250,000.00 USD 25,068.49 USD 275,068.49 — — — Awaiting price" in row
    assert f'name="price-{conversion.pk}-price"' in page.content.decode()
    url = reverse("offerings:price-determination", args=[conversion.pk])

    refused = keyed_post(client, url, {f"price-{conversion.pk}-price": "0",
                                f"price-{conversion.pk}-source": "Board"})
    assert "A positive price with at most 6 decimal places." in _page_text(refused)
    conversion.refresh_from_db()
    assert conversion.status == ConversionStatus.AWAITING_PRICE

    done = keyed_post(client, url + "?status=awaiting_price", {
        f"price-{conversion.pk}-price": "2.500000",
        f"price-{conversion.pk}-source": "Board resolution of 2007-08-01",
    })
    assert done.status_code == 302
    assert done.url == f"{CONVERSIONS}?status=awaiting_price#conversion-{conversion.pk}"
    conversion.refresh_from_db()
    # 275,068.49 ÷ 2.5 = 110,027.396 → 110,027 shares; 0.396 × 2.5 = 0.99 in cash.
    assert (conversion.status, conversion.shares, conversion.cash_in_lieu) == (
        "done", 110027, D("0.99"))
    assert conversion.price_determined_by == finance_user
    page = client.get(CONVERSIONS)
    assert "Note ATS06-001 converted at 2.500000: 110,027 shares" in _page_text(page)
    assert 'class="price-determination"' not in page.content.decode()

    conflict = keyed_post(client, url, {f"price-{conversion.pk}-price": "3",
                                 f"price-{conversion.pk}-source": "again"}, follow=True)
    assert "its price cannot change" in _page_text(conflict)
    conversion.refresh_from_db()
    assert conversion.conversion_price == D("2.500000")


# --- Notice of Election -------------------------------------------------------------------


def _election(offering, received_on="2007-07-10", **overrides):
    data = {
        "offering": offering.pk,
        "received_on": received_on,
        "certificate_names": "Margaret A. Keller",
        "address": "1 Main St, Santa Rosa, CA 95403",
        "tax_id": "512-44-6781",
    }
    data.update(overrides)
    return data


def test_election_form_offers_only_qualified_offerings_of_the_issuer(
    client, finance_user, committed, series, note, three_million_pipe
):
    small = committed(services.offering_record, issuer=series.issuer, kind="pipe",
                      closing_date=date(2007, 2, 1), gross_proceeds=D("2000000.00"),
                      sales=[{"shares": 1_000_000, "price_per_share": D("2.00")}])
    elsewhere = committed(services.offering_record, issuer=SeriesFactory().issuer, kind="pipe",
                          closing_date=date(2007, 2, 1), gross_proceeds=D("3000000.00"),
                          sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}])
    client.force_login(finance_user)
    content = client.get(reverse("offerings:election", args=[note.pk])).content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', content)
    assert [int(pk) for pk, _ in options] == [three_million_pipe.pk]
    assert "window 2007-01-10 through 2007-07-10, Conversion Price 3.000000" in options[0][1]
    assert str(small.pk) not in dict(options) and str(elsewhere.pk) not in dict(options)
    assert 'type="password"' in content  # the tax ID field never echoes


def test_election_inside_the_window_converts_and_returns_to_the_note(
    client, finance_user, three_million_pipe, note
):
    client.force_login(finance_user)
    response = keyed_post(client,
        reverse("offerings:election", args=[note.pk]), _election(three_million_pipe)
    )
    assert response.status_code == 302
    assert response.url == reverse("note-detail", args=[note.pk])
    conversion = Conversion.objects.get(note=note)
    assert (conversion.trigger, conversion.conversion_date, conversion.conversion_price) == (
        "voluntary", date(2007, 7, 10), D("3.000000"))
    election = Election.objects.get()
    assert (election.recorded_by, election.tax_id_masked) == (finance_user, "***-**-6781")
    note.refresh_from_db()
    assert note.status == NoteStatus.CONVERTED
    page = client.get(response.url)
    assert "Recorded the Notice of Election received 2007-07-10: Note ATS06-001 converted at " \
        "3.000000" in _page_text(page)
    assert "512-44-6781" not in page.content.decode()


@pytest.mark.parametrize("received", ["2007-01-09", "2007-07-11"])
def test_election_outside_the_window_is_refused_inline(
    client, finance_user, three_million_pipe, note, received
):
    client.force_login(finance_user)
    page = keyed_post(client,
        reverse("offerings:election", args=[note.pk]), _election(three_million_pipe, received)
    )
    assert page.status_code == 200
    text = _page_text(page)
    assert (f"The election was received on {received}, outside the voluntary conversion "
            "window of 2007-01-10 through 2007-07-10") in text
    assert "512-44-6781" not in page.content.decode()  # not echoed back
    assert not Conversion.objects.exists() and not Election.objects.exists()


def test_election_for_a_converted_note_is_refused_inline(
    client, finance_user, three_million_pipe, note
):
    services.election_record(note=note, offering=three_million_pipe,
                             received_on=date(2007, 2, 1), certificate_names="M",
                             address="A", tax_id="1")
    client.force_login(finance_user)
    page = client.get(reverse("offerings:election", args=[note.pk]))
    assert "No election can be recorded: Note ATS06-001 is converted" in _page_text(page)
    assert "Record the Notice of Election" not in page.content.decode()
    refused = keyed_post(client,
        reverse("offerings:election", args=[note.pk]), _election(three_million_pipe)
    )
    assert "Note ATS06-001 is converted; only an outstanding or accelerated note can be " \
        "converted (§5.1)." in _page_text(refused)
    assert Election.objects.count() == 1


# --- Auditors: pages yes, forms no, every POST 403 ----------------------------------------


def test_auditor_sees_pages_without_forms(client, auditor_user, merger, note,
                                          three_million_pipe):
    client.force_login(auditor_user)
    for url in [LIST, CONVERSIONS, reverse("offerings:election", args=[note.pk]),
                reverse("offerings:detail", args=[three_million_pipe.pk])]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'method="post"' not in page.content.decode().replace(
            'method="post" action="/logout/"', ""), url


def test_every_auditor_post_is_403_and_changes_nothing(
    client, auditor_user, committed, series, note, merger, django_capture_on_commit_callbacks
):
    units = committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"units": 1_000_000, "unit_price": D("3.00")}],
        units={"shares_per_unit": 1, "warrants_per_unit": 1},
    )
    conversion = Conversion.objects.get(note=note)
    before = (Offering.objects.count(), CorporateEvent.objects.count(),
              Election.objects.count())
    client.force_login(auditor_user)
    posts = [
        (reverse("offerings:record"), _offering_post(series)),
        (reverse("offerings:record"), _offering_post(series, more_rows="1")),
        (reverse("offerings:event-record"),
         {"issuer": series.issuer_id, "kind": "merger", "effective_date": "2007-09-01"}),
        (reverse("offerings:allocation", args=[units.pk]),
         {"share_allocation": "0.8", "source": "board_determination"}),
        (reverse("offerings:price-determination", args=[conversion.pk]),
         {f"price-{conversion.pk}-price": "2.5", f"price-{conversion.pk}-source": "Board"}),
        (reverse("offerings:election", args=[note.pk]), _election(units)),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for url, data in posts:
            assert keyed_post(client, url, data).status_code == 403, url
    assert (Offering.objects.count(), CorporateEvent.objects.count(),
            Election.objects.count()) == before
    units.refresh_from_db()
    conversion.refresh_from_db()
    assert units.share_allocation is None
    assert conversion.status == ConversionStatus.AWAITING_PRICE


def test_holders_and_anonymous_visitors_do_not_get_the_pages(client, holder_user):
    assert client.get(LIST).status_code == 302  # to the login page
    client.force_login(holder_user[0])
    assert client.get(LIST).url == reverse("portal-home")
    assert keyed_post(client, reverse("offerings:record"), {}).url == reverse("portal-home")


def test_note_page_links_finance_to_the_election_form(client, finance_user, auditor_user):
    from tests.factories import NoteFactory

    note = NoteFactory()
    client.force_login(finance_user)
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert f"/offerings/notes/{note.pk}/election/" in page
    client.force_login(auditor_user)
    assert "/election/" not in client.get(f"/notes/{note.pk}/").content.decode()

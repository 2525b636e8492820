"""Journeys in real headless Chromium: consents to an amendment (§9), and a four-eyes approval."""

from datetime import date
from decimal import Decimal as D

import pytest

from amendments.models import Amendment
from approvals.models import PendingAction
from offerings import services as offerings
from offerings.models import Conversion
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second_finance_user(db):
    from core.permissions import FINANCE_GROUP
    from tests.conftest import _user

    return _user("frank", FINANCE_GROUP)


def test_propose_an_amendment_and_record_consents_until_it_takes_effect(
    login, finance_user, live_server
):
    series = SeriesFactory(name="10% Notes, July 2006")
    holders = [HolderFactory(name=name) for name in ("Ann Able", "Ben Baker", "Cara Cole")]
    for holder, principal in zip(holders, ("400000.00", "350000.00", "250000.00"), strict=True):
        NoteFactory(series=series, holder=holder, principal=D(principal),
                    issue_date=date(2006, 7, 20))
    page = login(finance_user.username)
    page.goto(f"{live_server.url}/series/{series.pk}/")
    page.get_by_role("link", name="Amendments and waivers (§9)").click()
    page.wait_for_load_state()
    form = page.locator("#propose")
    form.get_by_label("Title").fill("Notices also by e-mail")
    form.get_by_label("Company's written consent dated").fill("2007-05-29")
    form.get_by_role("button", name="Propose").click()
    page.wait_for_load_state()
    assert "Proposed" in page.inner_text("body")
    amendment = Amendment.objects.get()

    for holder, day in (("Cara Cole", "2007-06-04"), ("Ben Baker", "2007-06-11")):
        consent = page.locator("#holder-consent")
        consent.get_by_label("Holder").select_option(label=holder)
        consent.get_by_label("Written consent dated").fill(day)
        consent.get_by_role("button", name="Record consent").click()
        page.wait_for_load_state()
    body = page.inner_text("body")
    assert "It took effect on 2007-06-11" in body
    table = page.locator("table.consents").inner_text()
    assert "25.00%" in table and "60.00%" in table
    assert "passed 50% on 2007-06-11" in table
    amendment.refresh_from_db()
    assert amendment.effective_on == date(2007, 6, 11)


def test_a_five_million_pipe_is_approved_by_a_second_finance_user(
    login, finance_user, second_finance_user, live_server, settings
):
    settings.NOTEDESK_FOUR_EYES = True
    series = SeriesFactory()
    note = NoteFactory(series=series, issue_date=date(2006, 7, 20))
    offering = offerings.offering_record(
        issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
        gross_proceeds=D("5000000.00"),
        sales=[{"shares": 500_000, "price_per_share": D("2.00")},
               {"shares": 1_000_000, "price_per_share": D("4.00")}],
        recorded_by=finance_user,
    )
    action = PendingAction.objects.get()
    page = login(second_finance_user.username)
    page.goto(f"{live_server.url}/")
    panel = page.locator("#pending-actions")
    assert f"Offering #{offering.pk}" in panel.inner_text()
    panel.get_by_role("link", name="Review").click()
    page.wait_for_load_state()
    assert not Conversion.objects.exists()
    page.get_by_role("button", name="Approve and carry out").click()
    page.wait_for_load_state()
    assert "Approved; it took effect" in page.inner_text("body")
    action.refresh_from_db()
    assert action.status == "approved"
    assert Conversion.objects.filter(note=note).count() == 1

"""The finance desk's main journeys, in real headless Chromium at 1366 px."""

from datetime import date
from decimal import Decimal

import pytest

from notes.models import Payment
from notes.services import servicing
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


@pytest.fixture
def note(django_capture_on_commit_callbacks):
    # $250,000 issued 2006-07-20: July 821.92 due 2006-08-15.
    note = NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))
    servicing.statements_generate(
        id_from=note.pk, id_to=note.pk, as_of=date(2006, 9, 1), run_id=None
    )
    return note


def test_record_a_payment_and_see_the_statement_paid(login, finance_user, note, live_server):
    page = login(finance_user.username)
    page.goto(f"{live_server.url}/notes/{note.pk}/?as_of=2006-08-20")
    july = page.locator("#statement-2006-07")
    assert "Past due" in july.inner_text() or "Open" in july.inner_text()
    form = page.locator("#record-payment")
    form.get_by_label("Paid on").fill("2006-08-14")
    form.get_by_label("Amount").fill("821.92")
    form.locator("input[name=reference]").fill("CHK 1001")
    form.get_by_role("button", name="Preview payment").click()
    page.wait_for_load_state()
    # The preview shows where the money goes before anything is recorded.
    assert "821.92" in page.inner_text("body")
    assert Payment.objects.filter(note=note).count() == 0
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_load_state()
    assert "Recorded interest payment of USD 821.92" in page.inner_text("body")
    page.goto(f"{live_server.url}/notes/{note.pk}/?as_of=2006-08-20")
    assert "Paid" in page.locator("#statement-2006-07").inner_text()
    assert Payment.objects.filter(note=note).count() == 1
    # Back to the preview and confirm it again: the same one-time key, recorded once.
    confirm = page.get_by_role("button", name="Record payment")
    for _ in range(3):
        page.go_back()
        page.wait_for_load_state()
        if confirm.count():
            break
    confirm.click()
    page.wait_for_load_state()
    body = page.inner_text("body")
    assert "already recorded" in body or "This looks like payment" in body
    assert Payment.objects.filter(note=note).count() == 1


def test_a_servicing_run_shows_its_progress_until_done(login, finance_user, note, live_server):
    page = login(finance_user.username)
    page.goto(f"{live_server.url}/servicing/")
    page.get_by_label("As of").fill("2006-10-01")
    page.get_by_role("button", name="Start run").click()
    page.wait_for_load_state()
    page.wait_for_selector("text=Done", timeout=20_000)
    body = page.inner_text("body")
    assert "Done" in body and "100%" in body


def test_find_a_note_by_its_holder(login, finance_user, note, live_server):
    from tests.factories import NoteFactory

    NoteFactory(number="OTHER-9", principal=D("1000.00"), issue_date=date(2006, 7, 21))
    page = login(finance_user.username)
    page.goto(f"{live_server.url}/notes/")
    search = page.get_by_role("search", name="Find notes")
    search.locator("input[name=q]").fill(note.holder.name)
    search.get_by_role("button", name="Find").click()
    page.wait_for_load_state()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "ATS06-001" in rows.first.inner_text()
    page.get_by_role("link", name="ATS06-001").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/notes/{note.pk}/")
    assert "Note ATS06-001" in page.inner_text("h1")


def test_a_5m_pipe_previewed_confirmed_converts_and_its_notices_follow(
    login, finance_user, note, live_server
):
    from offerings.models import Conversion

    page = login(finance_user.username)
    page.goto(f"{live_server.url}/offerings/")
    form = page.locator("#record-offering form")
    form.get_by_label("Issuer").select_option(label=note.series.issuer.name)
    form.get_by_label("Kind").select_option(value="pipe")
    form.get_by_label("Closing date").fill("2007-07-20")
    form.get_by_label("Gross proceeds").fill("5110000.00")
    sales = [("150000", "2.00"), ("200000", "2.50"), ("100000", "3.10"), ("1000000", "4.00")]
    for i, (shares, price) in enumerate(sales):
        form.locator(f"input[name=sales-{i}-shares]").fill(shares)
        form.locator(f"input[name=sales-{i}-price_per_share]").fill(price)
    form.get_by_role("button", name="Preview offering").click()
    page.wait_for_load_state()
    preview = page.inner_text("body")
    # Every conversion it will make, before anything is recorded (§5.2, §7).
    assert "2.412451" in preview and "114,020" in preview and "275,068.49" in preview
    assert not Conversion.objects.exists()
    page.get_by_role("button", name="Record offering and convert these notes").click()
    page.wait_for_load_state()
    conversion = Conversion.objects.get(note=note)
    assert (conversion.shares, str(conversion.cash_in_lieu)) == (114020, "0.83")
    page.goto(f"{live_server.url}/offerings/conversions/")
    assert "114,020" in page.inner_text("body")
    # The §6.2 notice is due within 10 days: the deadline calendar says so.
    page.goto(f"{live_server.url}/deadlines/?kind=conversion_notice")
    assert "Notice of automatic conversion (§6.2)" in page.inner_text("body")


def test_download_the_months_journal_and_open_it(login, finance_user, note, live_server):
    import csv
    import io

    from notes.services.payments import payment_record

    payment_record(note=note, paid_on=date(2006, 8, 14), amount=D("821.92"),
                   applies_to="interest")
    page = login(finance_user.username)
    page.goto(f"{live_server.url}/reports/?month=2006-08")
    form = page.get_by_role("form", name="Download the accrual journal")
    form.get_by_role("button", name="Download CSV").click()
    page.wait_for_load_state()
    # The export runs as a job; its page shows the progress, then the file.
    link = page.get_by_role("link", name="Download the file")
    link.wait_for(timeout=30_000)
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), encoding="utf-8") as opened:
        rows = list(csv.DictReader(io.StringIO(opened.read())))
    debit = sum(D(r["debit"] or "0") for r in rows)
    credit = sum(D(r["credit"] or "0") for r in rows)
    assert debit == credit > 0
    # August 2006's interest: 250,000.00 × 0.1 × 31/365 = 2,123.29, and July's paid in cash.
    expense = [r for r in rows if r["account"].lower().startswith("interest expense")]
    assert sum(D(r["debit"]) for r in expense) == D("2123.29")
    assert any(D(r["credit"] or "0") == D("821.92") for r in rows)

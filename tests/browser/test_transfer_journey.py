"""A transfer (§10) in real headless Chromium: notice with copies, approval, the chain."""

from datetime import date
from decimal import Decimal

import pytest

from notes.models import Note, Transfer
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_record_a_notice_of_transfer_approve_it_and_see_the_chain(
    login, finance_user, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    note = NoteFactory(number="ATS06-004", principal=Decimal("500000.00"),
                       issue_date=date(2006, 7, 21))
    seller = note.holder
    buyer = HolderFactory(name="Thomas J. Brennan")
    notice = tmp_path / "notice.pdf"
    notice.write_bytes(PDF)
    opinion = tmp_path / "opinion.pdf"
    opinion.write_bytes(PDF)

    page = login(finance_user.username)
    page.goto(f"{live_server.url}/notes/{note.pk}/")
    page.get_by_role("link", name="Record a holder's notice of transfer…").click()
    page.get_by_label("Transferee (a holder on the register)").select_option(label=buyer.name)
    page.get_by_label("Holder's written notice received on").fill("2007-02-20")
    page.get_by_label("Copy of the notice").set_input_files(str(notice))
    page.get_by_label("Opinion of the holder's counsel received on").fill("2007-02-26")
    page.get_by_label("Copy of the opinion").set_input_files(str(opinion))
    page.get_by_role("button", name="Record the notice").click()
    page.wait_for_load_state()
    assert "awaits a decision" in page.content()

    page.get_by_label("Approve").check()
    page.get_by_label("Effective date (approval)").fill("2007-03-01")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    assert f"{buyer.name} is the registered holder of {note} from 2007-03-01" in page.content()
    assert Note.objects.get(pk=note.pk).holder == buyer
    assert Transfer.objects.get().legend_required is True

    page.get_by_role("link", name=str(note)).first.click()
    page.wait_for_load_state()
    chain = page.locator("#chain")
    rows = chain.locator("tbody tr")
    assert rows.count() == 2
    assert seller.name in rows.nth(0).inner_text() and "2007-02-28" in rows.nth(0).inner_text()
    assert buyer.name in rows.nth(1).inner_text() and "Bears the legend" in rows.nth(1).inner_text()
    history = page.locator("#changes")
    assert "Holder" in history.inner_text() and finance_user.username in history.inner_text()
    page.screenshot(path=str(tmp_path / "chain.png"), full_page=True)

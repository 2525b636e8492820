"""A holder reads a note's payments and downloads a notice, in real Chromium — and on a phone."""

import io
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS
from tests.portal.conftest import _build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    built = _build_world(django_capture_on_commit_callbacks)
    for user in (built.user_a, built.user_b):
        user.set_password("pw")
        user.save()
    return built


def test_a_holder_reads_a_notes_payments_and_downloads_a_notice(login, world, live_server):
    page = login(world.user_a.username)
    assert page.url.endswith("/portal/")
    page.get_by_role("link", name=f"Note {world.note_a.number}", exact=True).click()
    page.wait_for_load_state()
    payments = page.locator("#payments")
    payment = payments.locator("tbody tr").first
    text = payment.inner_text()
    assert "USD 1,000.00" in text and "CHK-A-1" in text and "Interest" in text
    statement = world.note_a.statements.order_by("period_start").first()
    assert f"{statement.period_start:%B %Y}" in text  # how it was allocated
    notices = page.locator("#notices tbody tr")
    assert notices.count() >= 1
    with page.expect_download() as download_info:
        notices.first.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert world.note_a.number in text and world.holder_b.name not in text


def test_the_portal_fits_a_phone_screen(browser, world, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(world.user_a.username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in [("home", "/portal/"), ("note", f"/portal/notes/{world.note_a.pk}/")]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state()
        page.screenshot(path=str(ARTIFACTS / f"portal-phone-{name}.png"), full_page=True)
        # Nothing wider than the screen: no sideways scrolling.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
    # The payments table stacks into labelled rows.
    label = page.locator("#payments tbody tr td[data-label='Amount']").first
    expect(label).to_be_visible()
    assert page.locator("#payments thead").is_hidden()
    assert page.get_by_role("link", name="Notice of Election (Exhibit A), pre-filled — PDF")
    assert timezone.localdate().isoformat() in page.inner_text("body")
    context.close()

"""A holder's person accepts an invitation on a phone, sets a password and sees the notes;
Finance invites from the holder page. Real headless Chromium. Screenshots of each step go to
test-artifacts/ (kept out of git) for a person to look at."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Invitation
from accounts.services import totp_device_pending
from tests.accounts.conftest import link_in_mail, totp_code
from tests.browser.conftest import ARTIFACTS
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"holder-access-{name}.png"), full_page=True)


def test_finance_invites_and_the_person_sets_a_password_on_a_phone_and_sees_the_notes(
    browser, login, finance_user, live_server
):
    holder = HolderFactory(name="Lone Star Capital LP", kind="entity")
    NoteFactory(holder=holder, number="LSC-001", principal=Decimal("250000.00"),
                issue_date=date(2006, 7, 20))
    mail.outbox = []

    page = login(finance_user.username)
    page.goto(f"{live_server.url}/holders/{holder.pk}/")
    page.get_by_role("link", name="Invite a person").click()
    page.get_by_label("E-mail address").fill("treasurer@lonestar.example")
    page.get_by_label("First name").fill("Tess")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state()
    people = page.locator("#people")
    assert "Tess Reyes" in people.inner_text()
    assert "Invitation pending" in people.inner_text()
    _shot(page, "1-holder-page")
    assert Invitation.objects.count() == 1
    link = link_in_mail(mail.outbox[0])

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        person = phone.new_page()
        person.set_default_timeout(15_000)
        person.goto(f"{live_server.url}{link}")
        expect(person.locator("main")).to_contain_text("Lone Star Capital LP")
        _shot(person, "2-set-password")
        person.get_by_label("New password", exact=True).fill("Granite-Lantern-42")
        person.get_by_label("New password confirmation").fill("Granite-Lantern-42")
        person.get_by_role("button", name="Set my password").click()
        person.wait_for_load_state()
        body = person.inner_text("body")
        assert "Your password is set" in body
        assert "LSC-001" in body
        # Nothing is wider than the phone's screen.
        assert person.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(person, "3-my-notes")
        person.get_by_role("link", name="Account & security").click()
        person.wait_for_load_state()
        expect(person.locator("main")).to_contain_text("Two-step sign-in")
        _shot(person, "4-account")
        # The link is spent.
        person.goto(f"{live_server.url}{link}")
        expect(person.locator("main")).to_contain_text("already been used")
        # Two-step sign-in, optional for holders: set up from the QR code...
        person.goto(f"{live_server.url}/account/")
        person.get_by_role("link", name="Set up two-step sign-in").click()
        expect(person.locator("figure.qr svg")).to_be_visible()
        _shot(person, "5-set-up-two-step")
        user = get_user_model().objects.get(username="treasurer@lonestar.example")
        device = totp_device_pending(user)
        person.get_by_label("Six-digit code from your authenticator app").fill(totp_code(device))
        person.get_by_role("button", name="Turn on two-step sign-in").click()
        person.wait_for_load_state()
        expect(person.locator("ul.codes li")).to_have_count(10)
        _shot(person, "6-recovery-codes")
        # ...then asked for at the next sign-in.
        person.get_by_role("button", name="Log out").click()
        person.goto(f"{live_server.url}/login/")
        person.get_by_label("Username").fill("treasurer@lonestar.example")
        person.get_by_label("Password").fill("Granite-Lantern-42")
        person.get_by_role("button", name="Log in").click()
        person.wait_for_load_state()
        expect(person.locator("main")).to_contain_text("Two-step sign-in")
        _shot(person, "7-code-at-sign-in")
        device.refresh_from_db()
        person.get_by_label("Six-digit code from your authenticator app").fill(
            totp_code(device, 1))
        person.get_by_role("button", name="Continue").click()
        person.wait_for_load_state()
        expect(person.locator("main")).to_contain_text("LSC-001")
    finally:
        phone.close()

    page.goto(f"{live_server.url}/holders/{holder.pk}/")
    assert "Has access" in page.locator("#people").inner_text()

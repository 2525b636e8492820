"""Two-step sign-in: enrolment with a QR code, the code at sign-in, recovery codes, staff rule."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import totp_device_pending
from tests.accounts.conftest import enrol, totp_code

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _log_in(client, username, password="pw"):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_holder_sets_up_an_app_from_the_qr_code_and_gets_recovery_codes_once(
    client, holder_user
):
    user, _ = holder_user
    client.force_login(user)
    security = _text(client.get(reverse("accounts:security")))
    assert "Off" in security and "Set up two-step sign-in" in security
    page = client.get(reverse("accounts:totp-enrol"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    body = page.content.decode()
    # The QR code is an SVG made on the server; no script or image from elsewhere.
    assert "<svg" in body and "<?xml" not in body
    assert "https://" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", "")
    device = totp_device_pending(user)
    assert not device.confirmed
    secret_shown = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', body).group(1)
    import base64
    assert base64.b32encode(device.bin_key).decode().rstrip("=") == secret_shown.replace(" ", "")

    wrong = client.post(reverse("accounts:totp-enrol"), {"code": "000000"
                        if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "does not match" in _text(wrong)
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(reverse("accounts:totp-enrol"), {"code": totp_code(device)})
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) \
        == set(codes)
    # Shown once: the account page counts them and never shows them again.
    again = client.get(reverse("accounts:security")).content.decode()
    assert "10" in again and not any(c in again for c in codes)
    # This session gave the code at enrolment: it carries on.
    assert client.get(reverse("portal-home")).status_code == 200


def test_with_an_app_set_up_sign_in_asks_for_the_code(client, holder_user):
    user, _ = holder_user
    device, _ = enrol(user)
    response = _log_in(client, "margaret")
    assert response.status_code == 302
    home = client.get(reverse("portal-home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:verify"))
    # Every other page too, until the code is given.
    assert client.get(reverse("accounts:security")).url.startswith(reverse("accounts:verify"))

    wrong = client.post(reverse("accounts:verify"), {"code": "123456"
                        if totp_code(device, 1) != "123456" else "654321", "next": "/portal/"})
    assert wrong.status_code == 200 and "does not match" in _text(wrong)
    assert client.get(reverse("portal-home")).status_code == 302

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    right = client.post(reverse("accounts:verify"),
                        {"code": totp_code(device, 1), "next": "/portal/"})
    assert right.status_code == 302 and right.url == "/portal/"
    assert client.get(reverse("portal-home")).status_code == 200


def test_repeated_wrong_codes_are_slowed(client, holder_user):
    user, _ = holder_user
    device, _ = enrol(user)
    _log_in(client, "margaret")
    for _ in range(3):
        client.post(reverse("accounts:verify"), {"code": "000000"})
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    # While slowed, even the right code is refused.
    refused = client.post(reverse("accounts:verify"), {"code": totp_code(device, 1)})
    assert refused.status_code == 200
    assert client.get(reverse("portal-home")).status_code == 302


def test_a_recovery_code_signs_in_once(client, holder_user):
    user, _ = holder_user
    _, codes = enrol(user)
    _log_in(client, "margaret")
    page = client.get(reverse("accounts:verify"))
    assert "Use a recovery code" in _text(page)
    recovery = client.get(reverse("accounts:verify-recovery"))
    assert "Recovery code" in _text(recovery)
    ok = client.post(reverse("accounts:verify-recovery"), {"code": codes[0]}, follow=True)
    assert "9 left" in _text(ok)
    assert client.get(reverse("portal-home")).status_code == 200
    client.logout()
    _log_in(client, "margaret")
    refused = client.post(reverse("accounts:verify-recovery"), {"code": codes[0]})
    assert refused.status_code == 200 and "used already" in _text(refused)
    assert client.get(reverse("portal-home")).status_code == 302


def test_a_holder_without_an_app_signs_in_with_the_password_alone(client, holder_user, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True
    _log_in(client, "margaret")
    assert client.get(reverse("portal-home")).status_code == 200


def test_staff_without_an_app_are_sent_to_set_one_up_when_required(
    client, finance_user, settings
):
    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True
    _log_in(client, "fiona")
    for url in (reverse("home"), reverse("holders:list"), "/api/v1/notes/"):
        refused = client.get(url)
        assert refused.status_code == 302 and refused.url == reverse("accounts:totp-enrol")
    page = client.get(reverse("accounts:totp-enrol"))
    assert "Staff sign in with a second factor" in _text(page)
    device = totp_device_pending(finance_user)
    client.post(reverse("accounts:totp-enrol"), {"code": totp_code(device)})
    assert client.get(reverse("holders:list")).status_code == 200
    # And cannot turn it off while it is required.
    client.post(reverse("accounts:two-step-off"))
    assert TOTPDevice.objects.filter(user=finance_user, confirmed=True).exists()


def test_staff_with_the_requirement_off_sign_in_with_the_password(client, finance_user):
    _log_in(client, "fiona")
    assert client.get(reverse("holders:list")).status_code == 200


def test_a_half_signed_in_login_cannot_replace_its_app(client, holder_user):
    user, _ = holder_user
    enrol(user)
    _log_in(client, "margaret")
    response = client.get(reverse("accounts:totp-enrol"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_holder_may_turn_it_off(client, holder_user):
    user, _ = holder_user
    client.force_login(user)
    device = totp_device_pending(user)
    client.post(reverse("accounts:totp-enrol"), {"code": totp_code(device)})
    response = client.post(reverse("accounts:two-step-off"), follow=True)
    assert "is off" in _text(response)
    assert not TOTPDevice.objects.filter(user=user).exists()
    client.logout()
    _log_in(client, "margaret")
    assert client.get(reverse("portal-home")).status_code == 200


def test_new_recovery_codes_replace_the_old(client, holder_user):
    user, _ = holder_user
    client.force_login(user)
    device = totp_device_pending(user)
    first = client.post(reverse("accounts:totp-enrol"), {"code": totp_code(device)})
    old = re.findall(r"<li><code>(\w+)</code></li>", first.content.decode())
    fresh = client.post(reverse("accounts:recovery-codes"))
    new = re.findall(r"<li><code>(\w+)</code></li>", fresh.content.decode())
    assert len(new) == 10 and not set(old) & set(new)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)

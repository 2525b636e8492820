import re

import pytest
from django.core import mail
from django_otp.oath import TOTP

from accounts.services import holder_person_invite, totp_device_pending, totp_enrol_confirm

LINK = re.compile(r"https?://\S+/account/invitation/(\S+)/")


def invite(holder, email, by, **names):
    """Invite through the service as the page does; returns (invitation, link path)."""
    sent = holder_person_invite(
        holder=holder, email=email, invited_by=by,
        link_for=lambda token: f"http://testserver/account/invitation/{token}/", **names,
    )
    return sent.invitation, sent.link.removeprefix("http://testserver")


def link_in_mail(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return f"/account/invitation/{match.group(1)}/"


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user):
    """Set up an authenticator app for `user`; returns (device, recovery codes)."""
    device = totp_device_pending(user)
    codes = totp_enrol_confirm(user=user, device=device, code=totp_code(device))
    device.refresh_from_db()
    return device, codes


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox

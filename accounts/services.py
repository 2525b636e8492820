"""Writes of the accounts app: inviting a holder's people, removing them, the second factor.

Each service runs in one transaction and leaves its audit rows (django-pghistory)
in the same transaction; e-mail goes out only once the transaction has committed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Invitation, WithdrawnReason
from core.permissions import is_finance, is_staff_reader
from holders.models import Holder, HolderLogin
from holders.services import holder_login_link

logger = logging.getLogger(__name__)

# The device names django-otp stores: one authenticator app and one set of recovery codes.
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def token_digest(token: str) -> str:
    """The stored form of an invitation token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class InvitationSent:
    invitation: Invitation
    # The link as e-mailed; only the caller that sent it ever sees the token.
    link: str


class InvitationRefused(Exception):
    """An invitation link that cannot be used, with the words to show the person."""

    def __init__(self, message: str, *, status: int = 410):
        super().__init__(message)
        self.message = message
        self.status = status


def _finance_only(user) -> None:
    if not is_finance(user):
        raise PermissionDenied("Only Finance staff may invite people or remove their access.")


@transaction.atomic
def holder_person_invite(
    *,
    holder: Holder,
    email: str,
    first_name: str = "",
    last_name: str = "",
    invited_by,
    link_for,
) -> InvitationSent:
    """Invite a person to sign in to the portal for `holder`, by e-mail.

    The person's login is their e-mail address. It is made inactive, with no
    password, and linked to the holder; the e-mail's one-time link lets them set
    a password. Inviting someone again (their link lost or expired) withdraws
    the earlier link.

    Args:
        link_for: makes the absolute link from a token (the view knows the host).

    Raises:
        PermissionDenied: `invited_by` is not Finance.
        ValidationError: a bad e-mail; the address is a staff login's, or already
            signs in for another holder, or already has access to this one.
    """
    _finance_only(invited_by)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter the person's e-mail address."}) from None
    User = get_user_model()
    username = email.lower()
    user = User.objects.select_for_update().filter(username__iexact=username).first()
    if user is None:
        user = User(username=username, email=email, first_name=first_name, last_name=last_name,
                    is_active=False)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    else:
        if is_staff_reader(user) or user.is_staff:
            raise ValidationError(
                {"email": f"{email} is a staff login; staff cannot be a holder's portal login."}
            )
        other = HolderLogin.objects.filter(user=user).exclude(holder=holder).first()
        if other is not None:
            raise ValidationError(
                {"email": f"{email} already signs in for another holder; a login sees one "
                          "holder's notes. Use another address for this holder."}
            )
        if user.is_active and user.has_usable_password():
            raise ValidationError(
                {"email": f"{email} already has access to {holder.name}'s notes. If they "
                          "forgot their password, they can reset it from the login page."}
            )
        user.email = email
        user.first_name = first_name or user.first_name
        user.last_name = last_name or user.last_name
        user.save(update_fields=["email", "first_name", "last_name"])
    holder_login_link(holder=holder, user=user)
    now = timezone.now()
    Invitation.objects.filter(
        user=user, accepted_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=now, withdrawn_reason=WithdrawnReason.REINVITED)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        holder=holder,
        user=user,
        email=email,
        token_digest=token_digest(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.HOLDER_INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    link = link_for(token)
    transaction.on_commit(lambda: _invitation_mail(invitation, link))
    logger.info(
        "Invited %s to the portal of holder %s (by %s)", email, holder.pk, invited_by.username
    )
    return InvitationSent(invitation=invitation, link=link)


def _invitation_mail(invitation: Invitation, link: str) -> None:
    context = {
        "invitation": invitation,
        "link": link,
        "valid_days": settings.HOLDER_INVITATION_VALID_DAYS,
    }
    send_mail(
        subject=f"Your access to {invitation.holder.name}'s notes on NoteDesk",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_for_token(token: str, *, for_update: bool = False) -> Invitation:
    """The invitation a link's token belongs to, if it can still be used.

    Raises:
        InvitationRefused: no such link, or one used, withdrawn or expired.
    """
    invitations = Invitation.objects.select_related("holder", "user")
    if for_update:
        invitations = invitations.select_for_update()
    invitation = invitations.filter(token_digest=token_digest(token or "")).first()
    if invitation is None:
        raise InvitationRefused(
            "This invitation link is not valid. Check that the whole link from the e-mail "
            "was opened, or ask the issuer's finance team for a new invitation.",
            status=404,
        )
    if invitation.accepted_at is not None:
        raise InvitationRefused(
            "This invitation link has already been used to set a password. Log in with "
            "your e-mail address and that password, or reset your password from the "
            "login page."
        )
    if invitation.withdrawn_reason == WithdrawnReason.REINVITED:
        raise InvitationRefused(
            "A newer invitation was sent to you after this one, so this link no longer "
            "works. Use the link in the latest e-mail."
        )
    if invitation.withdrawn_at is not None:
        raise InvitationRefused(
            "This invitation was withdrawn. Ask the issuer's finance team if you should "
            "have access."
        )
    if invitation.is_expired():
        expired = timezone.localtime(invitation.expires_at)
        raise InvitationRefused(
            f"This invitation link expired on {expired:%Y-%m-%d at %H:%M}. Ask the issuer's "
            "finance team to invite you again."
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str):
    """Spend an invitation link: the person's password is set and their login opened.

    The password has passed Django's validators in the form. Returns the user.

    Raises:
        InvitationRefused: the link cannot be used (see `invitation_for_token`).
    """
    invitation = invitation_for_token(token, for_update=True)
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    logger.info("Invitation %s accepted by %s", invitation.pk, user.username)
    return user


@transaction.atomic
def holder_person_remove(*, login: HolderLogin, removed_by) -> None:
    """End a person's access to a holder's portal, and every session they have open.

    Their login is closed (inactive, no password) and unlinked from the holder; their
    open invitation, if any, is withdrawn; their second-factor devices go. They can
    be invited again later, as anyone can.

    Raises:
        PermissionDenied: `removed_by` is not Finance.
    """
    _finance_only(removed_by)
    login = HolderLogin.objects.select_for_update().select_related("user").get(pk=login.pk)
    user = login.user
    Invitation.objects.filter(
        user=user, accepted_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now(), withdrawn_reason=WithdrawnReason.REMOVED)
    login.delete()
    user.is_active = False
    # A new password hash also fails every session's stored hash on its next request.
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user_sessions_end(user)
    logger.info("Removed %s's portal access (by %s)", user.username, removed_by.username)


def user_sessions_end(user) -> int:
    """Delete every open session of `user` now; returns how many there were."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


# The second factor ------------------------------------------------------------------


def totp_device_pending(user) -> TOTPDevice:
    """The authenticator app being set up (unconfirmed), made on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_enrol_confirm(*, user, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the app with a code it shows; returns the new recovery codes (shown once).

    Raises:
        ValidationError: the code does not match (or too many wrong codes just now).
    """
    # Verified outside the confirming transaction so that a wrong code's throttle count
    # (django-otp slows repeated failures) is kept, not rolled back with the refusal.
    device = TOTPDevice.objects.get(pk=device.pk, user=user, confirmed=False)
    if not _device_verify(device, (code or "").replace(" ", "")):
        raise ValidationError(
            {"code": "That code does not match. Check that the phone's time is right and "
                     "type the six digits the app shows now."}
        )
    return _totp_confirm(user=user, device=device)


@transaction.atomic
def _totp_confirm(*, user, device: TOTPDevice) -> list[str]:
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_renew(user=user)


def _device_verify(device, code: str) -> bool:
    allowed, _ = device.verify_is_allowed()
    return bool(allowed) and device.verify_token((code or "").replace(" ", ""))


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """New recovery codes for `user` (each works once); the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    device.confirmed = True
    device.save()
    return codes


@transaction.atomic
def two_factor_remove(*, user) -> None:
    """Turn off the second factor. Refused for staff while it is required.

    Raises:
        ValidationError: the setting requires it for this user.
    """
    if settings.TWO_FACTOR_REQUIRED_FOR_STAFF and (is_staff_reader(user) or user.is_staff):
        raise ValidationError(
            "Staff sign in with a second factor: it cannot be turned off. Set up a new "
            "authenticator app instead if you changed phones."
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def second_factor_check(*, user, code: str, recovery: bool):
    """The device that accepts `code` (an app code, or a recovery code), or None."""
    code = (code or "").strip().replace(" ", "").replace("-", "")
    if not code:
        return None
    model = StaticDevice if recovery else TOTPDevice
    for device in model.objects.filter(user=user, confirmed=True):
        # Each check saves its own throttle count (or spends the recovery code).
        with transaction.atomic():
            locked = model.objects.select_for_update().get(pk=device.pk)
            verified = _device_verify(locked, code)
        if verified:
            return locked
    return None

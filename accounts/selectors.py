"""Reads of the accounts app: who signs in for a holder, and how they came to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Invitation
from holders.models import Holder, HolderLogin


@dataclass(frozen=True)
class PersonAccess:
    """One person who signs in (or is invited to) for a holder, as the holder page shows it."""

    login: HolderLogin
    state: str  # "active", "pending" or "expired"
    invited_at: datetime | None
    invited_by: str
    accepted_at: datetime | None
    expires_at: datetime | None
    two_factor: bool

    @property
    def name(self) -> str:
        user = self.login.user
        return user.get_full_name() or user.get_username()

    @property
    def email(self) -> str:
        return self.login.user.email

    @property
    def username(self) -> str:
        return self.login.user.get_username()


def holder_people(holder: Holder) -> list[PersonAccess]:
    """Everyone linked to `holder`, with their latest invitation: in three queries."""
    logins = list(
        HolderLogin.objects.filter(holder=holder).select_related("user").order_by("id")
    )
    user_ids = [login.user_id for login in logins]
    latest: dict[int, Invitation] = {}
    accepted: dict[int, Invitation] = {}
    for inv in (
        Invitation.objects.filter(holder=holder, user_id__in=user_ids)
        .select_related("invited_by")
        .order_by("created_at", "id")
    ):
        latest[inv.user_id] = inv
        if inv.accepted_at is not None:
            accepted[inv.user_id] = inv
    with_app = set(
        TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    now = timezone.now()
    people = []
    for login in logins:
        user = login.user
        inv = latest.get(user.pk)
        done = accepted.get(user.pk)
        if user.is_active and user.has_usable_password():
            state = "active"
        elif inv is not None and inv.accepted_at is None and inv.withdrawn_at is None:
            state = "expired" if inv.is_expired(now) else "pending"
        else:
            state = "expired"
        people.append(
            PersonAccess(
                login=login,
                state=state,
                invited_at=inv.created_at if inv else None,
                invited_by=inv.invited_by.get_username() if inv else "",
                accepted_at=done.accepted_at if done else None,
                expires_at=inv.expires_at if inv and state != "active" else None,
                two_factor=user.pk in with_app,
            )
        )
    return people

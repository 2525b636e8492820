"""Sign-in rules applied to every request.

- `SessionTimeoutMiddleware`: a session ends after `SESSION_IDLE_TIMEOUT_MINUTES`
  without a request, and `SESSION_ABSOLUTE_TIMEOUT_HOURS` after sign-in whatever
  happens. Times are kept in the session (set at sign-in by `accounts.receivers`).
- `TwoFactorMiddleware`: a login with a second factor set up gives it before any
  page; staff must set one up first when `TWO_FACTOR_REQUIRED_FOR_STAFF` is on.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from core.permissions import is_staff_reader

LOGIN_AT = "notedesk_login_at"
SEEN_AT = "notedesk_seen_at"
# A request within this many seconds of the last recorded one does not rewrite the
# session just to move the idle clock.
SEEN_RESOLUTION = 30


def now() -> float:
    """The clock the timeouts read (tests move it)."""
    return time.time()


def session_times_start(session) -> None:
    session[LOGIN_AT] = session[SEEN_AT] = int(now())


# What the session's login must still do before any page: give its second factor
# ("verify"), set one up ("enrol": staff, when required) or nothing (""). Worked out at
# sign-in and kept in the session, so an ordinary request costs no query for it; the
# set-up and turn-off pages update it.
TWO_FACTOR_STEP = "notedesk_two_factor_step"


def two_factor_step(user) -> str:
    if user_has_device(user):
        return "verify"
    if two_factor_required(user):
        return "enrol"
    return ""


def two_factor_step_store(session, user) -> None:
    session[TWO_FACTOR_STEP] = two_factor_step(user)


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._expired(request.session)
            if expired:
                logout(request)
                messages.info(request, expired)
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('login')}?{query}")
            seen = request.session.get(SEEN_AT, 0)
            if now() - seen >= SEEN_RESOLUTION:
                request.session[SEEN_AT] = int(now())
        return self.get_response(request)

    @staticmethod
    def _expired(session) -> str:
        t = now()
        login_at = session.get(LOGIN_AT)
        if login_at is None:
            # A session from before timeouts were kept: it starts counting now.
            session_times_start(session)
            return ""
        idle = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
        absolute = settings.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600
        if t - login_at >= absolute:
            return (
                f"You were signed out {settings.SESSION_ABSOLUTE_TIMEOUT_HOURS} hours after "
                "signing in. Please log in again."
            )
        if t - session.get(SEEN_AT, login_at) >= idle:
            return (
                f"You were signed out after {settings.SESSION_IDLE_TIMEOUT_MINUTES} minutes "
                "without activity. Please log in again."
            )
        return ""


# Paths a half-signed-in login may reach: the second-factor pages, logging out, and
# the static files those pages use.
def _open_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:verify"),
        reverse("accounts:verify-recovery"),
        reverse("accounts:totp-enrol"),
        reverse("logout"),
        "/" + settings.STATIC_URL.lstrip("/"),
        "/favicon.ico",
    )


def two_factor_required(user) -> bool:
    """Whether `user` must have a second factor (staff, when the setting is on)."""
    return bool(
        settings.TWO_FACTOR_REQUIRED_FOR_STAFF
        and user.is_authenticated
        and (user.is_staff or is_staff_reader(user))
    )


class TwoFactorMiddleware:
    """After OTPMiddleware: `request.user.is_verified()` says whether a factor was given."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            step = request.session.get(TWO_FACTOR_STEP)
            if step is None:
                # A session from before the second factor was kept: worked out once now.
                step = two_factor_step(user)
                request.session[TWO_FACTOR_STEP] = step
            path = request.path
            if step and not path.startswith(_open_paths()):
                if step == "verify":
                    return redirect(f"{reverse('accounts:verify')}?{urlencode({'next': path})}")
                if step == "enrol":
                    # The set-up page says why.
                    return redirect("accounts:totp-enrol")
        return self.get_response(request)

"""Signing in: lockouts that name no one, a new session key, idle and absolute limits,
password reset that tells nobody which logins exist, and production's cookie flags."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts import middleware

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _log_in(client, username, password="pw", ip="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _without_csrf(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)


# --- Lockouts (django-axes) ------------------------------------------------------------


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_the_lockout_reads_the_same_for_a_real_and_a_made_up_username(finance_user):
    pages = []
    for username in ("fiona", "nobody-by-this-name"):
        client = Client()
        for _ in range(2):
            assert _log_in(client, username, "wrong").status_code == 200
        # The third failure locks the pair out.
        locked = _log_in(client, username, "wrong")
        assert locked.status_code == 429
        pages.append(_without_csrf(locked.content.decode()))
    assert pages[0] == pages[1]
    assert "fiona" not in pages[0] and "nobody-by-this-name" not in pages[1]
    assert "Too many attempts" in pages[0]
    # Locked out even with the right password, from that address.
    assert _log_in(Client(), "fiona", "pw").status_code == 429


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_one_address_locks_out_one_username_not_everyone_behind_it(finance_user,
                                                                   auditor_user):
    for _ in range(3):
        _log_in(Client(), "fiona", "wrong", ip="198.51.100.20")
    assert _log_in(Client(), "fiona", "pw", ip="198.51.100.20").status_code == 429
    # A colleague behind the same office address signs in...
    assert _log_in(Client(), "arthur", "pw", ip="198.51.100.20").status_code == 302
    # ...and so does Fiona from elsewhere.
    assert _log_in(Client(), "fiona", "pw", ip="192.0.2.55").status_code == 302


# --- Sessions --------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_key(client, finance_user):
    client.get(reverse("login"))
    session = client.session
    session["before"] = "anonymous"
    session.save()
    before = session.session_key
    assert _log_in(client, "fiona").status_code == 302
    after = client.session.session_key
    assert after and after != before
    # The anonymous session's key no longer signs anyone in.
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=before).exists()


START = middleware.now()


def _move_clock(monkeypatch, seconds):
    """The timeouts' clock, `seconds` after the real time the tests module was loaded."""
    monkeypatch.setattr(middleware, "now", lambda: START + seconds)


def test_an_idle_session_ends(client, finance_user, monkeypatch, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    _move_clock(monkeypatch, 0)
    _log_in(client, "fiona")
    assert client.get(reverse("holders:list")).status_code == 200
    _move_clock(monkeypatch, 29 * 60)
    assert client.get(reverse("holders:list")).status_code == 200
    # 29 minutes later again: 58 since sign-in, but only 29 idle.
    _move_clock(monkeypatch, 58 * 60)
    assert client.get(reverse("holders:list")).status_code == 200
    _move_clock(monkeypatch, 58 * 60 + 30 * 60)
    response = client.get(reverse("holders:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    page = client.get(response.url)
    assert "after 30 minutes without activity" in _text(page)
    assert client.get(reverse("holders:list")).status_code == 302


def test_a_session_ends_at_the_absolute_limit_however_busy(client, finance_user, monkeypatch,
                                                           settings):
    settings.SESSION_ABSOLUTE_TIMEOUT_HOURS = 12
    _move_clock(monkeypatch, 0)
    _log_in(client, "fiona")
    minutes = 0
    while minutes < 12 * 60 - 20:
        minutes += 20
        _move_clock(monkeypatch, minutes * 60)
        assert client.get(reverse("holders:list")).status_code == 200, minutes
    _move_clock(monkeypatch, 12 * 3600)
    response = client.get(reverse("holders:list"))
    assert response.status_code == 302
    assert "12 hours after signing in" in _text(client.get(response.url))


def test_the_session_cookie_does_not_outlive_the_absolute_limit(settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


# --- Password reset ------------------------------------------------------------------------


@pytest.fixture
def margaret(holder_user):
    user, _ = holder_user
    user.email = "margaret@example.com"
    user.save()
    return user


def _reset(client, given):
    return client.post(reverse("accounts:password-reset"), {"email": given})


@pytest.mark.parametrize("known", ["margaret@example.com", "MARGARET@example.com", "margaret"])
def test_password_reset_answers_the_same_whether_or_not_the_login_exists(margaret, known):
    mail.outbox = []
    real = _reset(Client(), known)
    made_up = _reset(Client(), "nobody@example.com")
    made_up_name = _reset(Client(), "nobody")
    assert real.status_code == made_up.status_code == made_up_name.status_code == 302
    assert real.url == made_up.url == made_up_name.url == reverse("accounts:password-reset-sent")
    sent_page = [_without_csrf(Client().get(r.url).content.decode())
                 for r in (real, made_up)]
    assert sent_page[0] == sent_page[1]
    # Only the real login gets an e-mail, at the address on file.
    assert [m.to for m in mail.outbox] == [["margaret@example.com"]]


def test_the_reset_link_sets_a_new_password_once(client, margaret):
    mail.outbox = []
    _reset(client, "margaret")
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in _text(form)
    done = client.post(form.redirect_chain[-1][0],
                       {"new_password1": "Quartz-Harbor-81", "new_password2": "Quartz-Harbor-81"})
    assert done.status_code == 302
    margaret.refresh_from_db()
    assert margaret.check_password("Quartz-Harbor-81")
    again = Client().get(link, follow=True)
    assert "cannot be used" in _text(again)


def test_no_reset_mail_for_a_pending_invitation_or_a_closed_login(finance_user,
                                                                  django_user_model):
    closed = django_user_model.objects.create_user("closed", "closed@example.com", "pw",
                                                   is_active=False)
    pending = django_user_model.objects.create_user("pending", "pending@example.com")
    pending.set_unusable_password()
    pending.save()
    mail.outbox = []
    for given in (closed.email, pending.email):
        assert _reset(Client(), given).status_code == 302
    assert mail.outbox == []


def test_the_login_page_links_to_the_reset(client):
    page = client.get(reverse("login"))
    assert reverse("accounts:password-reset") in page.content.decode()


# --- Production settings -------------------------------------------------------------------


def test_production_cookies_are_secure_http_only_and_same_site():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_SALT"}}
    env.update(SECRET_KEY="k" * 50, FIELD_ENCRYPTION_SALT="salt")
    env.pop("TWO_FACTOR_REQUIRED_FOR_STAFF", None)
    env["DATABASE_URL"] = env.get("DATABASE_URL") or "postgres://u@127.0.0.1:5432/x"
    script = (
        "import config.settings.production as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.CSRF_COOKIE_SAMESITE, "
        "s.TWO_FACTOR_REQUIRED_FOR_STAFF, s.SESSION_IDLE_TIMEOUT_MINUTES, "
        "s.SESSION_ABSOLUTE_TIMEOUT_HOURS, s.AXES_LOCKOUT_PARAMETERS)"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True", "True", "Lax", "True", "True", "Lax", "True", "30", "12",
        "[['username',", "'ip_address']]",
    ]


def test_local_settings_leave_the_staff_second_factor_off_for_the_demo():
    env = {**os.environ}
    env.pop("TWO_FACTOR_REQUIRED_FOR_STAFF", None)
    result = subprocess.run(
        [sys.executable, "-c",
         "import config.settings.local as s; print(s.TWO_FACTOR_REQUIRED_FOR_STAFF)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"

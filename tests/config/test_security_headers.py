"""Every response carries the security headers: staff pages, portal, login, API, admin, probes."""

import pytest
from django.test import override_settings

from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = [p.strip() for p in header.split(";") if p.strip()]
    return {p.split(" ", 1)[0]: (p.split(" ", 1) + [""])[1] for p in parts}


def _assert_secure(response, style_src="'self'"):
    for name, value in EXPECTED.items():
        assert response.get(name) == value, (name, response.get(name))
    csp = _csp_directives(response)
    # No inline script or style may run, and no one may frame the page.
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == style_src
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "geolocation=()", "microphone=()", "payment=()"):
        assert feature in policy


def test_staff_pages_carry_the_security_headers(client, finance_user):
    note = NoteFactory()
    client.force_login(finance_user)
    for url in ["/", "/register/", f"/notes/{note.pk}/", "/operations/failed-jobs/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_secure(response)


def test_the_portal_carries_them(client, holder_user):
    user, holder = holder_user
    NoteFactory(holder=holder)
    client.force_login(user)
    response = client.get("/portal/")
    assert response.status_code == 200
    _assert_secure(response)


def test_login_logout_redirect_and_refusals_carry_them(client, holder_user):
    _assert_secure(client.get("/login/"))
    redirect = client.get("/register/")
    assert redirect.status_code == 302
    _assert_secure(redirect)
    _assert_secure(client.get("/no-such-page/"))
    user, _holder = holder_user
    client.force_login(user)
    refused = client.get("/operations/failed-jobs/")
    assert refused.status_code == 302  # a holder is sent to the portal
    _assert_secure(refused)


def test_the_api_and_its_docs_carry_them(finance_api, api):
    _assert_secure(finance_api.get("/api/v1/notes/"))
    _assert_secure(api().get("/api/v1/notes/"))  # 401/403 without a token
    # The docs page lets through Swagger UI's one <style> element by its hash, nothing else.
    from config.urls import SWAGGER_UI_STYLE_HASH

    _assert_secure(finance_api.get("/api/v1/docs/"), style_src=f"'self' {SWAGGER_UI_STYLE_HASH}")


def test_admin_carries_them(client, admin_user):
    client.force_login(admin_user)
    for url in ["/admin/", "/admin/core/deadletter/", "/admin/holders/holder/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_secure(response)


def test_probes_carry_them(client):
    _assert_secure(client.get("/healthz"))
    _assert_secure(client.get("/readyz"))


def test_hsts_is_sent_over_https_when_production_turns_it_on(client):
    with override_settings(
        SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_HSTS_PRELOAD=True,
    ):
        response = client.get("/login/", secure=True)
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        # Never over plain HTTP (a browser ignores it there, and it would be wrong).
        assert "Strict-Transport-Security" not in client.get("/login/")


def test_production_settings_turn_hsts_on():
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 50,
        FIELD_ENCRYPTION_SALT="a-salt",
    )
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES'], s.SECURE_REDIRECT_EXEMPT]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    hsts, ssl_redirect, directives, exempt = json.loads(result.stdout.strip().splitlines()[-1])
    assert hsts > 0
    assert ssl_redirect is True
    assert directives["upgrade-insecure-requests"] is True
    assert directives["script-src"] == ["'self'"]
    assert exempt == ["^healthz$", "^readyz$"]


def test_probes_answer_over_plain_http_when_https_is_enforced(client):
    exempt = [r"^healthz$", r"^readyz$"]  # production's SECURE_REDIRECT_EXEMPT, above
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=exempt):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/login/").status_code == 301  # everything else goes to HTTPS

"""403, 404 and 500 pages in the product's layout, and the favicon."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LAYOUT = 'class="topbar"'


def _home_link(response, url):
    return f'<a href="{url}">Back to NoteDesk</a>' in response.content.decode()


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_auditor_refused_a_write_gets_the_403_page(client, auditor_user, settings, debug):
    settings.DEBUG = debug
    client.force_login(auditor_user)
    response = client.post(reverse("note-payment-record", args=[1]), {})
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403.html", "base.html"]
    body = response.content.decode()
    assert LAYOUT in body and "Only Finance staff may change records" in body
    assert _home_link(response, reverse("home"))


def test_a_refused_csrf_post_gets_the_403_page_even_in_debug(auditor_user, settings):
    settings.DEBUG = True
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    body = response.content.decode()
    assert LAYOUT in body and "Not allowed" in body
    assert "Reload the page and try again" in body
    assert "CSRF verification failed" not in body  # Django's developer page


def test_the_portal_404_page_is_in_the_layout_with_a_way_home(client, holder_user):
    user, _ = holder_user
    client.force_login(user)
    response = client.get(reverse("portal-note", args=[999_999]))
    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    assert LAYOUT in response.content.decode()
    assert _home_link(response, reverse("portal-home"))


def test_a_staff_404_page_links_to_the_register(client, finance_user):
    client.force_login(finance_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert _home_link(response, reverse("home"))


@pytest.mark.urls("tests.config.urls_failing")
def test_a_server_error_gets_the_500_page_in_the_layout(client, finance_user):
    client.force_login(finance_user)
    client.raise_request_exception = False
    response = client.get("/failing/")
    assert response.status_code == 500
    body = response.content.decode()
    assert LAYOUT in body and "Something went wrong" in body
    assert "a bug, on purpose" not in body
    assert '<a href="/">Back to NoteDesk</a>' in body


def test_every_page_links_the_favicon(client):
    response = client.get(reverse("login"))
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in (
        response.content.decode()
    )
    assert finders.find("favicon.svg")


def test_favicon_ico_points_at_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"

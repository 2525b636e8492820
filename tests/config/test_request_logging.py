"""A refused request (4xx) is one log line, without a traceback; a 500 keeps its traceback."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def _request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_permission_denied_page_logs_one_line_without_traceback(
    client, django_user_model, caplog
):
    client.force_login(django_user_model.objects.create_user("nobody", password="pw"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/").status_code == 403
    [record] = _request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "GET / 403 user=nobody"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_404_logs_one_line_naming_the_anonymous_visitor(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/no-such-page/").status_code == 404
    [record] = _request_records(caplog)
    assert record.getMessage() == "GET /no-such-page/ 404 user=-"


def test_an_api_refusal_logs_the_token_user(auditor_api, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = auditor_api.post("/api/v1/issuers/", {"name": "X"}, format="json")
    assert response.status_code == 403
    [record] = _request_records(caplog)
    assert record.getMessage() == "POST /api/v1/issuers/ 403 user=arthur"
    assert record.exc_info is None


def test_an_api_404_logs_one_line(finance_api, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert finance_api.get("/api/v1/notes/999999/").status_code == 404
    [record] = _request_records(caplog)
    assert record.getMessage() == "GET /api/v1/notes/999999/ 404 user=fiona"


@pytest.mark.urls("tests.config.urls_failing")
def test_a_server_error_keeps_its_traceback(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/failing/").status_code == 500
    [record] = _request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "RuntimeError: a bug, on purpose" in caplog.text

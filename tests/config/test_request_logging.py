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


# --- JSON lines with the request id -------------------------------------------------

import json  # noqa: E402

from config.log_filters import JsonLineFormatter, LogContextFilter  # noqa: E402


@pytest.fixture
def json_lines():
    """The lines the console handler would write: the production formatter and filter."""
    formatter, context = JsonLineFormatter(), LogContextFilter()
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(formatter.format(record))

    handler = Capture(level=logging.DEBUG)
    handler.addFilter(context)
    root = logging.getLogger()
    root.addHandler(handler)
    yield lines
    root.removeHandler(handler)


def _records(lines, logger_name):
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    return [p for p in parsed if p["logger"] == logger_name]


def test_a_request_logs_a_json_line_with_a_generated_request_id(client, json_lines):
    response = client.get("/login/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    [line] = _records(json_lines, "notedesk.request")
    assert line["request_id"] == request_id
    assert line["message"] == "GET /login/ 200"
    assert line["status"] == 200 and line["method"] == "GET" and line["path"] == "/login/"
    assert line["level"] == "INFO"
    assert "time" in line and "duration_ms" in line


def test_a_well_formed_incoming_request_id_is_kept_and_echoed(client, json_lines):
    response = client.get("/login/", headers={"X-Request-ID": "lb-4f2a.9c:01"})
    assert response["X-Request-ID"] == "lb-4f2a.9c:01"
    [line] = _records(json_lines, "notedesk.request")
    assert line["request_id"] == "lb-4f2a.9c:01"


@pytest.mark.parametrize(
    "incoming", ["", "has space", "new\nline", "x" * 129, "<script>", "ü-nicode"]
)
def test_a_malformed_incoming_request_id_is_replaced(client, json_lines, incoming):
    response = client.get("/login/", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32
    [line] = _records(json_lines, "notedesk.request")
    assert line["request_id"] == response["X-Request-ID"]


def test_a_refusal_logged_by_django_carries_the_same_request_id(client, json_lines):
    response = client.get("/no-such-page/", headers={"X-Request-ID": "req-404"})
    assert response.status_code == 404
    [refusal] = _records(json_lines, "django.request")
    assert refusal["request_id"] == "req-404"
    assert refusal["message"] == "GET /no-such-page/ 404 user=-"
    assert "request" not in refusal  # Django's request object is not dumped


@pytest.mark.urls("tests.config.urls_failing")
def test_a_server_error_line_is_json_with_its_traceback(client, json_lines):
    client.raise_request_exception = False
    client.get("/failing/", headers={"X-Request-ID": "req-500"})
    [error] = _records(json_lines, "django.request")
    assert error["level"] == "ERROR"
    assert error["request_id"] == "req-500"
    assert "RuntimeError: a bug, on purpose" in error["exc_info"]


def test_no_id_is_written_outside_a_request(json_lines):
    logging.getLogger("notedesk.test").warning("outside")
    [line] = _records(json_lines, "notedesk.test")
    assert line["message"] == "outside"
    assert "request_id" not in line and "task_id" not in line

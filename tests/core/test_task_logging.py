"""A task's log lines carry its task id and the run it works for, as JSON."""

import json
import logging
from datetime import date
from types import SimpleNamespace

import pytest

from core import task_signals
from core.logcontext import log_context, log_context_scope
from core.queue import enqueue
from notes.services import servicing
from tests.config.test_request_logging import json_lines  # noqa: F401 - the fixture
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db


def _lines(lines, message):
    return [p for p in (json.loads(line) for line in lines) if p["message"] == message]


@pytest.fixture
def logging_statements(monkeypatch):
    original = servicing.statements_generate

    def generate_and_log(**kwargs):
        logging.getLogger("notes.services.servicing").info("generating statements")
        return original(**kwargs)

    monkeypatch.setattr(servicing, "statements_generate", generate_and_log)


def test_a_servicing_chunk_logs_its_task_id_and_servicing_run(
    json_lines, logging_statements, django_capture_on_commit_callbacks  # noqa: F811
):
    NoteFactory(issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        run = servicing.servicing_run_start(as_of=date(2006, 9, 1), trigger="manual")
    run.refresh_from_db()
    assert run.chunks_done == 1

    [line] = _lines(json_lines, "generating statements")
    assert line["servicing_run_id"] == run.pk
    assert line["task_name"] == "notes.tasks.servicing_chunk_task"
    assert len(line["task_id"]) == 36  # the Celery task id (a UUID)


def test_a_task_run_in_a_request_keeps_the_request_id_beside_its_own(
    json_lines, logging_statements, django_capture_on_commit_callbacks  # noqa: F811
):
    NoteFactory(issue_date=date(2006, 7, 20))
    with log_context_scope(request_id="req-7"):
        with django_capture_on_commit_callbacks(execute=True):
            run = servicing.servicing_run_start(as_of=date(2006, 9, 1), trigger="manual")
        assert log_context() == {"request_id": "req-7"}  # the task's ids left with it
    [line] = _lines(json_lines, "generating statements")
    assert line["request_id"] == "req-7"
    assert line["servicing_run_id"] == run.pk
    assert "task_id" in line


def test_the_task_ids_are_gone_after_the_task(json_lines):  # noqa: F811
    enqueue("offerings.tasks.conversion_triggers_relay_task")
    logging.getLogger("notedesk.test").info("after the task")
    [line] = _lines(json_lines, "after the task")
    assert "task_id" not in line and "task_name" not in line


def test_a_task_sent_through_the_broker_carries_the_request_id_in_a_header():
    headers = {}
    with log_context_scope(request_id="req-9"):
        task_signals._carry_request_id(headers=headers)
    assert headers == {task_signals.REQUEST_ID_HEADER: "req-9"}

    # The worker, in its own context, takes it from the message.
    task = SimpleNamespace(name="notes.tasks.servicing_chunk_task",
                           request=SimpleNamespace(**headers, headers=None))
    task_signals._bind_task(task_id="t-1", task=task)
    try:
        assert log_context() == {
            "request_id": "req-9", "task_id": "t-1",
            "task_name": "notes.tasks.servicing_chunk_task",
        }
    finally:
        task_signals._unbind_task(task_id="t-1")
    assert log_context() == {}

"""Services enqueue tasks by name (core.queue), so they never import their task modules."""

import pytest
from celery.exceptions import NotRegistered

from core.queue import enqueue


def test_a_registered_task_runs_by_name_in_process(db):
    from notes.models import RunStatus, ServicingRun

    # The daily task takes no arguments and starts a run as of today (eager in tests).
    result = enqueue("notes.tasks.servicing_daily_task")
    run = ServicingRun.objects.get(pk=result.get())
    assert run.trigger == "schedule" and run.status == RunStatus.DONE


def test_an_unknown_task_name_is_refused():
    with pytest.raises(NotRegistered):
        enqueue("notes.tasks.no_such_task")

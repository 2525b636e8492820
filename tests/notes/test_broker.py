"""The servicing cycle through a real Redis broker and a real Celery worker."""

import time
from datetime import date

from config.celery_app import app
from notes.models import InterestStatement, RunStatus, ServicingRun
from notes.services import servicing
from tests.factories import NoteFactory, SeriesFactory


def _wait_done(run_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ServicingRun.objects.get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish: {run.status} {run.progress} {run.error}")


def test_chunks_travel_through_redis_to_a_worker(redis_worker, settings):
    settings.SERVICING_CHUNK_SIZE = 3
    series = SeriesFactory()
    for day in range(1, 8):
        NoteFactory(series=series, issue_date=date(2006, 7, day))
    run = servicing.servicing_run_start(as_of=date(2006, 9, 1))
    assert run.chunks_total == 3
    done = _wait_done(run.pk)
    assert (done.chunks_done, done.statements_created) == (3, 14)
    assert InterestStatement.objects.count() == 14
    # The same chunks delivered again (a duplicate message) change nothing.
    servicing.servicing_run_dispatch(run_id=run.pk)
    for chunk in done.chunks.all():
        app.send_task("notes.tasks.servicing_chunk_task", args=[chunk.pk])
    time.sleep(1)
    done.refresh_from_db()
    assert (done.chunks_done, done.statements_created) == (3, 14)
    assert InterestStatement.objects.count() == 14

"""The notice job makes every notice due exactly once: repeated, concurrent, or killed half-way."""

import importlib
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.db import connection, connections
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from notices.models import Notice, NoticeChunk, NoticeKind, NoticeRun, RunStatus
from notices.services import job, making
from notices.tasks import notices_daily_task
from offerings import services as offerings
from tests.factories import NoteFactory, SeriesFactory
from tests.notices.conftest import PIPE_SALES

D = Decimal


def _convert_series(committed, count: int, **note_fields):
    """`count` notes of one series, converted by a $5M Qualified Offering on 2007-07-20."""
    series = SeriesFactory()
    for _ in range(count):
        NoteFactory(series=series, issue_date=date(2006, 7, 20), **note_fields)
    committed(
        offerings.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5110000.00"), sales=PIPE_SALES,
    )
    return series


def _stored_files(media: Path) -> set[str]:
    return {p.relative_to(media).as_posix() for p in media.rglob("*.pdf")}


@pytest.mark.django_db
def test_running_the_job_twice_makes_each_notice_once(committed, run_notices, settings, _media):
    settings.NOTICE_CHUNK_SIZE = 3
    _convert_series(committed, 4)
    first = run_notices(date(2007, 7, 21))
    # 4 §6.2 notices and 4 cash-in-lieu notices, in chunks of 3.
    assert (first.status, first.chunks_total, first.notices_created) == (RunStatus.DONE, 3, 8)
    assert first.progress == "3/3"
    second = run_notices(date(2007, 7, 21))
    assert (second.status, second.notices_planned, second.notices_created) == (RunStatus.DONE, 0, 0)
    assert Notice.objects.count() == 8
    assert Notice.objects.filter(kind=NoticeKind.AUTOMATIC_CONVERSION).count() == 4
    # Every stored PDF belongs to a notice, and every notice has its PDF.
    assert _stored_files(_media) == {n.document.name for n in Notice.objects.all()}


@pytest.mark.django_db
def test_a_chunk_delivered_twice_runs_once(committed, run_notices):
    _convert_series(committed, 2)
    with mock.patch.object(job, "notice_run_dispatch"):
        run = committed(job.notice_run_start, as_of=date(2007, 7, 21))
    chunk = run.chunks.get()
    assert job.notice_chunk_process(chunk_id=chunk.pk) == 4
    assert job.notice_chunk_process(chunk_id=chunk.pk) == 0
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.notices_created) == (RunStatus.DONE, 1, 4)


@pytest.mark.django_db
def test_a_chunk_killed_half_way_leaves_nothing_and_a_rerun_completes(
    committed, settings, _media
):
    settings.NOTICE_CHUNK_SIZE = 100
    _convert_series(committed, 3)
    with mock.patch.object(job, "notice_run_dispatch"):
        run = committed(job.notice_run_start, as_of=date(2007, 7, 21))
    chunk = run.chunks.get()
    real = making.letter_pdf
    calls = []

    def dies_on_the_fourth(draft):
        calls.append(draft.purpose_key)
        if len(calls) == 4:
            raise RuntimeError("worker lost")
        return real(draft)

    with mock.patch.object(making, "letter_pdf", dies_on_the_fourth), pytest.raises(
        RuntimeError
    ):
        job.notice_chunk_process(chunk_id=chunk.pk)
    # Nothing half-written: no row, no file, the chunk not done, the failure on the run.
    assert Notice.objects.count() == 0
    assert _stored_files(_media) == set()
    chunk.refresh_from_db()
    run.refresh_from_db()
    assert (chunk.done, chunk.attempts) == (False, 1)
    assert run.status == RunStatus.FAILED and "worker lost" in run.error

    assert job.notice_run_dispatch(run_id=run.pk) == 1
    run.refresh_from_db()
    assert (run.status, run.notices_created, run.error) == (RunStatus.DONE, 6, "")
    assert Notice.objects.count() == 6
    assert _stored_files(_media) == {n.document.name for n in Notice.objects.all()}


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_each_notice_once(committed, settings, _media):
    settings.NOTICE_CHUNK_SIZE = 2
    _convert_series(committed, 5)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            job.notice_run_start(as_of=date(2007, 7, 21))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Notice.objects.count() == 10
    assert Notice.objects.values("purpose_key").distinct().count() == 10
    runs = NoticeRun.objects.all()
    assert all(r.status == RunStatus.DONE for r in runs)
    assert sum(r.notices_created for r in runs) == 10
    # The letters of the run that lost a race were removed from storage.
    assert _stored_files(_media) == {n.document.name for n in Notice.objects.all()}


@pytest.mark.django_db(transaction=True)
def test_the_same_chunk_processed_by_two_workers_at_once_counts_once(committed):
    _convert_series(committed, 2)
    with mock.patch.object(job, "notice_run_dispatch"):
        run = job.notice_run_start(as_of=date(2007, 7, 21))
    chunk = run.chunks.get()
    results = []

    def work():
        results.append(job.notice_chunk_process(chunk_id=chunk.pk))
        connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 4]
    assert Notice.objects.count() == 4


@pytest.mark.django_db
def test_one_notes_statements_stay_in_one_chunk():
    due = [("interest_statement", i, 1) for i in range(5)] + [("interest_statement", 9, 2)]
    chunks = job._chunks(due, 2)
    assert [len(c) for c in chunks] == [5, 1]


@pytest.mark.django_db
def test_the_daily_job_is_scheduled_and_resumes_what_was_left(committed, settings):
    # The data migration's schedule (run again here: a transactional test elsewhere in
    # this worker may have flushed the row the migration wrote).
    schedule = importlib.import_module("notices.migrations.0002_daily_notice_schedule")
    schedule.create_schedule(django_apps, None)
    schedule.create_schedule(django_apps, None)
    task = PeriodicTask.objects.get(name="Daily notice job")
    assert task.crontab.hour == "2"
    assert task.task == "notices.tasks.notices_daily_task" and task.enabled
    _convert_series(committed, 1)
    today = timezone.localdate()
    with mock.patch.object(job, "notice_run_dispatch"):
        stuck = job.notice_run_start(as_of=today)
        earlier = job.notice_run_start(as_of=date(2007, 7, 21))
    for run in (stuck, earlier):
        NoticeRun.objects.filter(pk=run.pk).update(created_at=run.created_at - timedelta(hours=1))
    with mock.patch.object(job, "notice_run_start") as start:
        notices_daily_task()
    start.assert_called_once()
    # Today's run is finished; an earlier day's is closed, its letters left to today's.
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.DONE
    assert NoticeChunk.objects.filter(run=stuck, done=True).count() == 1
    earlier.refresh_from_db()
    assert earlier.status == RunStatus.FAILED and "earlier day" in earlier.error

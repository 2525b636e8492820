"""The database connection cut in the middle of a chunk (what a PostgreSQL restart does to it).

The quick version of `bench/faults.py --only postgres`, which restarts a
private PostgreSQL cluster: here the chunk's own server session is terminated
(``pg_terminate_backend``) while the chunk works, so the failure happens at
the same point in the code. The chunk is rolled back whole, the failure is
recorded on the run through a new connection, and a re-dispatch completes it.
"""

from datetime import date
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.models import Count
from django.utils import timezone

from notes.models import InterestStatement, RunStatus, ServicingChunk
from notes.services import servicing
from notices.models import Notice, NoticeChunk, NoticeRun
from notices.services import job
from tests.factories import NoteFactory, SeriesFactory


def _cut_the_connection(*args, **kwargs):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@pytest.mark.django_db(transaction=True)
def test_a_servicing_chunk_cut_off_keeps_nothing_records_the_failure_and_reruns(settings):
    settings.SERVICING_CHUNK_SIZE = 2
    series = SeriesFactory()
    for day in (3, 10, 17, 24):
        NoteFactory(series=series, issue_date=date(2006, 7, day))
    with mock.patch.object(servicing, "servicing_run_dispatch"):
        run = servicing.servicing_run_start(as_of=date(2006, 10, 1))
    first, second = ServicingChunk.objects.filter(run=run).order_by("index")

    original = servicing.past_due_count  # after the statements are written, before commit
    with (
        mock.patch.object(servicing, "past_due_count", side_effect=_cut_the_connection),
        pytest.raises(OperationalError),
    ):
        servicing.servicing_chunk_process(chunk_id=first.pk)
    assert servicing.past_due_count is original

    run.refresh_from_db()
    first.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "terminating connection" in run.error
    assert (first.done, first.attempts) == (False, 1)
    assert not InterestStatement.objects.exists()  # the chunk's statements went with it

    servicing.servicing_run_dispatch(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.error) == (RunStatus.DONE, 2, "")
    assert InterestStatement.objects.count() == run.statements_created == 4 * 3
    assert not InterestStatement.objects.values("note", "period_start").annotate(
        n=Count("id")).filter(n__gt=1)
    second.refresh_from_db()
    assert second.done


@pytest.mark.django_db(transaction=True)
def test_a_notice_chunk_cut_off_keeps_no_letter_and_no_file_and_reruns(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    series = SeriesFactory()
    NoteFactory(series=series, issue_date=date(2006, 7, 20))
    servicing.servicing_run_start(as_of=date(2006, 9, 1))  # two statements, run in-process
    with mock.patch.object(job, "notice_run_dispatch"):
        run = job.notice_run_start(as_of=timezone.localdate())
    chunk = NoticeChunk.objects.get(run=run)

    real_store = job.notices_store

    def store_then_cut(drafts, **kwargs):
        real_store(drafts, **kwargs)  # the letters' PDFs are written and their rows inserted
        _cut_the_connection()

    with (
        mock.patch.object(job, "notices_store", side_effect=store_then_cut),
        pytest.raises(OperationalError),
    ):
        job.notice_chunk_process(chunk_id=chunk.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "terminating connection" in run.error
    assert not Notice.objects.exists()
    assert not list(tmp_path.rglob("*.pdf")), "no PDF outlives its rolled-back letter"

    job.notice_run_dispatch(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert Notice.objects.count() == run.notices_created == 2
    assert len(list(tmp_path.rglob("*.pdf"))) == 2
    assert NoticeRun.objects.get(pk=run.pk).chunks_done == 1

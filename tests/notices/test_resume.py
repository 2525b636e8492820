"""A notice run left unfinished is resumed the same day only: letters bear the day they are made."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from notes.models import RunStatus
from notices.models import NoticeChunk, NoticeRun
from notices.services import job

pytestmark = pytest.mark.django_db


def _stuck_run(as_of):
    run = NoticeRun.objects.create(as_of=as_of, status=RunStatus.RUNNING, chunks_total=1)
    NoticeChunk.objects.create(run=run, index=0, items=[])
    NoticeRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=2))
    return run


def test_an_earlier_days_run_is_closed_not_resumed_and_todays_is_resumed():
    today = timezone.localdate()
    yesterday = _stuck_run(today - timedelta(days=1))
    todays = _stuck_run(today)
    with mock.patch.object(job, "notice_run_dispatch", return_value=1) as dispatch:
        assert job.notice_runs_resume() == 1
    dispatch.assert_called_once_with(run_id=todays.pk)
    yesterday.refresh_from_db()
    assert yesterday.status == RunStatus.FAILED
    assert "earlier day" in yesterday.error

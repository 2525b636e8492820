"""Redis stopped while a $5M PIPE is recorded, and again while its notices are sent.

A private redis-server (no persistence: a stop loses what it held) and a real
``celery -A config worker`` process. The offering and its conversion trigger
are written in one transaction (the outbox, offerings/services/outbox.py), so
an outage at record time leaves the trigger pending, never lost; the relay
sends it once Redis is back. Likewise a notice run whose queued chunks vanish
with Redis is finished by the resume of today's runs. Each note converts once
(§5.2) and each conversion gets one §6.2 notice.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bench.faultkit import CeleryWorker, broker, wait_until
from notes.models import Note, NoteStatus
from notices.models import Notice, NoticeKind, NoticeRun, RunStatus
from notices.services.job import notice_run_start, notice_runs_resume
from offerings.models import Conversion, ConversionTrigger, TriggerStatus
from offerings.services import conversion_triggers_relay
from tests.factories import NoteFactory, SeriesFactory

NOTES = 3
PIPE = {
    "kind": "pipe", "closing_date": "2007-07-20", "gross_proceeds": "5000000.00",
    "sales": [{"shares": 500000, "price_per_share": "2.00"},
              {"shares": 1000000, "price_per_share": "4.00"}],
}


@pytest.mark.django_db(transaction=True)
def test_redis_down_while_a_5m_pipe_is_recorded_converts_and_notifies_once(
    private_redis, test_database_url, finance_api, tmp_path
):
    series = SeriesFactory()
    notes = [NoteFactory(series=series, principal=Decimal("100000.00"),
                         issue_date=date(2006, 7, 20)) for _ in range(NOTES)]
    worker = CeleryWorker(database_url=test_database_url, broker_url=private_redis.url,
                          settings="config.settings.test", log_path=str(tmp_path / "worker.log"))
    try:
        with broker(private_redis.url) as app:
            worker.start()
            private_redis.stop()
            response = finance_api.post("/api/v1/offerings/", {"issuer": series.issuer_id, **PIPE},
                                        format="json", HTTP_IDEMPOTENCY_KEY="pipe-2007")
            # Recorded: the outage only delays the conversion.
            assert response.status_code == 201, response.json()
            trigger = ConversionTrigger.objects.get(offering_id=response.json()["id"])
            assert trigger.status == TriggerStatus.PENDING
            assert trigger.last_error, "the failed send is recorded on the trigger"
            assert not Conversion.objects.exists()
            # The same request sent again while Redis is down records nothing new.
            again = finance_api.post("/api/v1/offerings/", {"issuer": series.issuer_id, **PIPE},
                                     format="json", HTTP_IDEMPOTENCY_KEY="pipe-2007")
            assert again.headers.get("Idempotent-Replayed") == "true"
            assert ConversionTrigger.objects.count() == 1

            private_redis.start()
            worker.stop()
            worker.start()  # a worker reconnects by itself; a fresh one keeps the test short
            assert conversion_triggers_relay(older_than=timedelta(0)) == 1
            wait_until(lambda: ConversionTrigger.objects.get(pk=trigger.pk).status
                       == TriggerStatus.DONE, 60, "the trigger to be carried out", interval=0.2)
            # Sent again (a relay racing the worker, a duplicate message): nothing more.
            for _ in range(2):
                app.send_task("offerings.tasks.conversion_trigger_task", args=[trigger.pk])
            assert conversion_triggers_relay(older_than=timedelta(0)) == 0

            # The §6.2 notices: Redis is lost with the run's chunks still queued.
            worker.stop()
            run = notice_run_start(as_of=timezone.localdate())
            assert run.chunks_total >= 1
            private_redis.stop()
            private_redis.start()
            NoticeRun.objects.filter(pk=run.pk).update(
                created_at=timezone.now() - timedelta(minutes=20))
            assert NoticeRun.objects.get(pk=run.pk).chunks_done == 0
            worker.start()
            assert notice_runs_resume(older_than=timedelta(minutes=15)) >= 1
            wait_until(lambda: NoticeRun.objects.get(pk=run.pk).status == RunStatus.DONE, 120,
                       "the notice run to finish", interval=0.3)
            # A second run the same day finds nothing left to make.
            second = notice_run_start(as_of=timezone.localdate())
            wait_until(lambda: NoticeRun.objects.get(pk=second.pk).status == RunStatus.DONE, 60,
                       "the second notice run", interval=0.3)
    finally:
        worker.stop()

    conversions = list(Conversion.objects.all())
    assert len(conversions) == NOTES
    assert sorted(c.note_id for c in conversions) == sorted(n.pk for n in notes)
    assert set(Note.objects.values_list("status", flat=True)) == {NoteStatus.CONVERTED}
    notices = Notice.objects.filter(kind=NoticeKind.AUTOMATIC_CONVERSION)
    assert sorted(notices.values_list("conversion_id", flat=True)) == sorted(
        c.pk for c in conversions)
    assert Notice.objects.values("purpose_key").distinct().count() == Notice.objects.count()
    assert NoticeRun.objects.get(pk=second.pk).notices_created == 0
    trigger.refresh_from_db()
    assert trigger.attempts == 1
    print(f"conversions {len(conversions)} for {NOTES} notes; §6.2 notices {notices.count()};"
          f" duplicates found: 0")

"""A real Celery worker SIGKILLed mid-run: each note gets each month's statement once (§2).

The quick version of `bench/faults.py`'s first scenario: a few hundred notes,
a private Redis, ``celery -A config worker`` in its own process, killed
outright (SIGKILL to its process group) a few times while it works through a
servicing run's chunks, and started again. A chunk lost with the worker stays
undone (its transaction rolled back with the dropped connection, its message
unacknowledged); the daily cycle's resume re-sends it, as it does in production.
"""

import random
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bench.faultkit import CeleryWorker, broker, statements_check, transactions_open, wait_until
from bench.month_end import notes_copy, register_base
from notes.models import RunStatus, ServicingChunk, ServicingRun
from notes.services import servicing

AS_OF = date(2025, 7, 1)
NOTES = 300
KILLS = 3


def _chunks_done(run_id):
    return ServicingChunk.objects.filter(run_id=run_id, done=True).count()


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_run_three_times_states_each_month_once(
    private_redis, test_database_url, settings, tmp_path
):
    settings.SERVICING_CHUNK_SIZE = 10
    series, holders = register_base("ACT/365F", Decimal("0.10"))
    # Two years of statements each (July 2023 to June 2025): chunks long enough to kill.
    notes_copy(series, holders, NOTES, date(2023, 7, 1), seed=7, prefix="FK")
    worker = CeleryWorker(database_url=test_database_url, broker_url=private_redis.url,
                          settings="config.settings.test", log_path=str(tmp_path / "worker.log"))
    rng = random.Random(20250701)
    kills = mid_transaction = 0
    try:
        with broker(private_redis.url):
            run = servicing.servicing_run_start(as_of=AS_OF)  # the chunks go to Redis
            assert run.chunks_total == NOTES // 10
            worker.start()
            for _ in range(KILLS):
                # Let this worker finish a chunk, then kill it at a random moment — while
                # chunks are still queued (the undone ones beyond those killed workers held).
                before = _chunks_done(run.pk)
                wait_until(lambda before=before: _chunks_done(run.pk) > before
                           or run.chunks_total - _chunks_done(run.pk) <= kills, 60,
                           "the worker to finish a chunk")
                time.sleep(rng.uniform(0, 0.2))
                if run.chunks_total - _chunks_done(run.pk) <= kills:
                    break
                mid_transaction += transactions_open() > 0
                worker.kill()
                kills += 1
                worker.start()
            # A message the killed worker held is not re-delivered until Redis's
            # visibility timeout; the daily cycle re-sends the chunks left undone.
            wait_until(lambda: ServicingChunk.objects.filter(run_id=run.pk, done=False).count()
                       <= kills, 60, "the queued chunks to be processed", interval=0.2)
            servicing.servicing_runs_resume(older_than=timedelta(0))
            wait_until(lambda: ServicingRun.objects.get(pk=run.pk).status == RunStatus.DONE,
                       60, "the run to finish", interval=0.2)
    finally:
        worker.stop()

    assert kills >= 2, f"the run finished before the worker could be killed twice ({kills})"
    run.refresh_from_db()
    assert (run.chunks_done, run.chunks_total) == (NOTES // 10, NOTES // 10)
    check = statements_check(AS_OF)
    assert check["duplicates"] == 0
    assert (check["missing"], check["unexpected"], check["wrong"]) == (0, 0, 0)
    assert check["statements"] == check["expected"] == NOTES * 24
    assert check["total"] == check["expected_total"]
    assert run.statements_created == check["statements"]
    print(f"kills: {kills} ({mid_transaction} inside a chunk's transaction); statements"
          f" {check['statements']}; duplicates found: {check['duplicates']}; totals equal:"
          f" {'yes' if check['equal'] else 'no'} ({check['total']})")

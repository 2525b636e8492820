"""Celery tasks: thin — they take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notes.services import servicing
from notes.services.corrections import statements_reconcile_recent
from notes.services.cycle import servicing_cycle_start


# A chunk is done once (its row is locked and marked done in the same transaction as
# its statements, which are unique per note and month): safe to run again, so it is
# acknowledged only when finished and re-queued if its worker dies.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def servicing_chunk_task(chunk_id: int) -> int:
    return servicing.servicing_chunk_process(chunk_id=chunk_id)


# Scheduled daily; one lost with its worker is made good by the next day's, which
# catches up every month and resumes unfinished runs. Not re-run on redelivery.
@shared_task(soft_time_limit=300, time_limit=360)
def servicing_daily_task() -> int:
    """The daily cycle as of the issuer's today; also finishes what was left behind:
    runs a lost worker did not finish, conversion triggers a broker outage kept pending,
    and statements a payment recorded mid-run could not correct."""
    servicing.servicing_runs_resume()
    statements_reconcile_recent()
    run = servicing_cycle_start(as_of=timezone.localdate(), trigger="schedule")
    return run.pk

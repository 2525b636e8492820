"""Celery tasks: thin — they take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notes.services import servicing
from notes.services.corrections import statements_reconcile_recent
from notes.services.cycle import servicing_cycle_start


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def servicing_chunk_task(chunk_id: int) -> int:
    return servicing.servicing_chunk_process(chunk_id=chunk_id)


@shared_task
def servicing_daily_task() -> int:
    """The daily cycle as of the issuer's today; also finishes what was left behind:
    runs a lost worker did not finish, conversion triggers a broker outage kept pending,
    and statements a payment recorded mid-run could not correct."""
    servicing.servicing_runs_resume()
    statements_reconcile_recent()
    run = servicing_cycle_start(as_of=timezone.localdate(), trigger="schedule")
    return run.pk

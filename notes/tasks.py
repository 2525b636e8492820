"""Celery tasks: thin — they take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notes.services import servicing


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def servicing_chunk_task(chunk_id: int) -> int:
    return servicing.servicing_chunk_process(chunk_id=chunk_id)


@shared_task
def servicing_daily_task() -> int:
    """The daily cycle as of the issuer's today; also finishes what was left behind:
    runs a lost worker did not finish, conversion triggers a broker outage kept pending."""
    from offerings.services import conversion_triggers_process_pending

    conversion_triggers_process_pending()
    servicing.servicing_runs_resume()
    run = servicing.servicing_run_start(as_of=timezone.localdate(), trigger="schedule")
    return run.pk

"""Celery tasks for notices: thin — they take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notices.services import email, job


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notice_chunk_task(chunk_id: int) -> int:
    return job.notice_chunk_process(chunk_id=chunk_id)


@shared_task(acks_late=True)
def notice_emails_task(notice_ids: list[int]) -> int:
    return email.notice_emails_send(notice_ids=notice_ids)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def transfer_refusal_notice_task(transfer_id: int) -> int:
    return len(job.transfer_refusal_notice_make(transfer_id=transfer_id))


@shared_task
def notices_daily_task() -> int:
    """The notice job as of the issuer's today; also finishes what was left behind:
    runs a lost worker did not finish, and courtesy copies a failed send left unsent."""
    job.notice_runs_resume()
    email.notice_emails_catch_up()
    return job.notice_run_start(as_of=timezone.localdate(), trigger="schedule").pk

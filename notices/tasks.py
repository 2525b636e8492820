"""Celery tasks for notices: thin — they take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notices.services import email, job


# Each notice has a unique purpose key and the chunk is marked done with its notices:
# safe to run again, so acknowledged when finished and re-queued if its worker dies.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def notice_chunk_task(chunk_id: int) -> int:
    return job.notice_chunk_process(chunk_id=chunk_id)


# Sending an e-mail is not undone by a rollback: a worker lost between the SMTP send
# and the commit would send it again on redelivery. So it is acknowledged on receipt;
# a copy left unsent is sent by the daily notice job's catch-up (last 3 days).
@shared_task(acks_late=False, soft_time_limit=300, time_limit=360)
def notice_emails_task(notice_ids: list[int]) -> int:
    return email.notice_emails_send(notice_ids=notice_ids)


# The letter has a unique purpose: a redelivered or retried task makes it once.
@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=True,
    max_retries=5, soft_time_limit=300, time_limit=360,
)
def transfer_refusal_notice_task(transfer_id: int) -> int:
    return len(job.transfer_refusal_notice_make(transfer_id=transfer_id))


# Scheduled daily; a lost one is made good by the next day's (it resumes unfinished runs).
@shared_task(soft_time_limit=300, time_limit=360)
def notices_daily_task() -> int:
    """The notice job as of the issuer's today; also finishes what was left behind:
    runs a lost worker did not finish, and courtesy copies a failed send left unsent."""
    job.notice_runs_resume()
    email.notice_emails_catch_up()
    return job.notice_run_start(as_of=timezone.localdate(), trigger="schedule").pk

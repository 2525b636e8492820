"""Celery tasks for conversions: thin — they take ids and call one service."""

from celery import shared_task

from offerings.services.outbox import conversion_trigger_process, conversion_triggers_relay


# A trigger is carried out once (row lock, status DONE, one conversion per note): safe to
# run again, so acknowledged when finished and re-queued if its worker dies.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=900,
    time_limit=960,
)
def conversion_trigger_task(trigger_id: int) -> str:
    return conversion_trigger_process(trigger_id=trigger_id)


# Every minute: a lost one is replaced by the next.
@shared_task(soft_time_limit=50, time_limit=55)
def conversion_triggers_relay_task() -> int:
    """Every minute: re-send the triggers still pending (the outbox relay)."""
    return conversion_triggers_relay()

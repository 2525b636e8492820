"""Celery tasks for conversions: thin — they take ids and call one service."""

from celery import shared_task

from offerings.services.outbox import conversion_trigger_process, conversion_triggers_relay


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def conversion_trigger_task(trigger_id: int) -> str:
    return conversion_trigger_process(trigger_id=trigger_id)


@shared_task
def conversion_triggers_relay_task() -> int:
    """Every minute: re-send the triggers still pending (the outbox relay)."""
    return conversion_triggers_relay()

"""A task that fails its last try leaves exactly one dead letter; Finance resolves it."""

import time

import pytest
from celery import shared_task
from django.db import DatabaseError, transaction

from core.models import DeadLetter, DeadLetterResolution

ATTEMPTS = []


@shared_task(
    name="tests.always_fails",
    autoretry_for=(Exception,),
    max_retries=2,
    default_retry_delay=0,
    retry_backoff=False,
    soft_time_limit=30,
    time_limit=40,
)
def always_fails(chunk_id):
    ATTEMPTS.append(chunk_id)
    raise ValueError(f"chunk {chunk_id} cannot be processed")


@shared_task(name="tests.fails_once_without_retries", soft_time_limit=30, time_limit=40)
def fails_without_retries(export_id):
    raise RuntimeError("the disk is full")


@pytest.fixture(autouse=True)
def _reset_attempts():
    ATTEMPTS.clear()


@pytest.fixture
def failures_not_raised():
    """In-process, as a worker would: a failure is the task's outcome, not the caller's error
    (the project runs eager tasks with failures propagated, which stops at the first retry)."""
    from celery import current_app

    current_app.conf.task_eager_propagates = False
    yield
    current_app.conf.task_eager_propagates = True


@pytest.mark.django_db
def test_a_task_that_always_fails_ends_in_exactly_one_dead_letter(failures_not_raised):
    # In-process, retries included (a worker does the same through the broker: below).
    result = always_fails.apply(args=[41], throw=False)
    assert result.failed()
    assert ATTEMPTS == [41, 41, 41]  # the first try and both retries
    [letter] = DeadLetter.objects.all()
    assert letter.task_name == "tests.always_fails"
    assert letter.args == [41]
    assert letter.kwargs == {}
    assert letter.exception == "ValueError: chunk 41 cannot be processed"
    assert "always_fails" in letter.traceback and "Traceback" in letter.traceback
    assert letter.retries == 2
    assert len(letter.task_id) == 36
    assert letter.failed_at is not None


@pytest.mark.django_db
def test_a_task_without_retries_leaves_one_on_its_first_failure(failures_not_raised):
    assert fails_without_retries.apply(kwargs={"export_id": 7}, throw=False).failed()
    [letter] = DeadLetter.objects.all()
    assert letter.kwargs == {"export_id": 7}
    assert letter.retries == 0
    assert letter.exception == "RuntimeError: the disk is full"


@pytest.mark.django_db
def test_a_task_that_succeeds_leaves_none():
    from core.queue import enqueue

    enqueue("offerings.tasks.conversion_triggers_relay_task")
    assert not DeadLetter.objects.exists()


@pytest.mark.django_db
def test_the_same_failure_reported_twice_is_one_dead_letter():
    from core.dead_letters import dead_letter_record

    for _ in range(2):
        dead_letter_record(
            task_id="same-id", task_name="x", args=[1], kwargs={},
            exception=ValueError("boom"), traceback="tb",
        )
    assert DeadLetter.objects.count() == 1


@pytest.mark.django_db
def test_a_dead_letter_and_its_resolutions_cannot_be_edited(finance_user):
    from core.dead_letters import dead_letter_record, dead_letter_resolve

    letter = dead_letter_record(
        task_id="t", task_name="x", args=[], kwargs={}, exception=ValueError("e"), traceback=""
    )
    resolution = dead_letter_resolve(dead_letter=letter, user=finance_user, note="Re-ran it.")
    with pytest.raises(DatabaseError), transaction.atomic():
        DeadLetter.objects.filter(pk=letter.pk).update(exception="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        DeadLetterResolution.objects.filter(pk=resolution.pk).update(note="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        DeadLetterResolution.objects.filter(pk=resolution.pk).delete()
    assert DeadLetterResolution.objects.get().note == "Re-ran it."


def test_through_the_broker_the_retries_end_in_exactly_one_dead_letter(redis_worker):
    result = always_fails.delay(42)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not DeadLetter.objects.exists():
        time.sleep(0.2)
    time.sleep(1.0)  # anything still retrying would have written by now
    [letter] = DeadLetter.objects.all()
    assert letter.task_id == result.id
    assert letter.retries == 2
    assert ATTEMPTS == [42, 42, 42]

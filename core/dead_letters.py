"""Dead letters: background tasks that failed their last try, and what staff did about them.

`dead_letter_record` is called by the `task_failure` signal (`core.task_signals`),
which Celery sends once a task has failed for good: after its last retry for a
task that retries, at once for one that does not. One record per task id, so
a failure reported twice (a redelivered message, a signal sent from two
places) is still one record. Finance appends resolutions; nothing is edited.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from core.models import DeadLetter, DeadLetterResolution

logger = logging.getLogger(__name__)

NOTE_MAX = 2000


def _jsonable(value):
    """The task's arguments as JSON; anything JSON cannot hold is kept as its repr."""
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except (TypeError, ValueError):
        return repr(value)


def dead_letter_record(
    *,
    task_id: str,
    task_name: str,
    args,
    kwargs,
    exception: BaseException,
    traceback: str,
    retries: int = 0,
    request_id: str = "",
) -> DeadLetter:
    """Keep one record of a task that failed for good (the first report of it wins)."""
    letter, created = DeadLetter.objects.get_or_create(
        task_id=task_id,
        defaults={
            "task_name": task_name,
            "args": _jsonable(list(args or [])),
            "kwargs": _jsonable(dict(kwargs or {})),
            "exception": f"{type(exception).__name__}: {exception}"[:10_000],
            "traceback": traceback[-50_000:],
            "retries": retries,
            "request_id": request_id or "",
            "failed_at": timezone.now(),
        },
    )
    if created:
        logger.error(
            "task %s %s failed for good: %s", task_name, task_id, letter.exception,
            extra={"dead_letter_id": letter.pk},
        )
    return letter


def dead_letter_resolve(*, dead_letter: DeadLetter, user, note: str) -> DeadLetterResolution:
    """Append what was done about a failed task. Refused without a note."""
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": "Say what was done about this failed job (re-run, fixed the data, …)."}
        )
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"Keep the note to {NOTE_MAX:,} characters."})
    with transaction.atomic():
        return DeadLetterResolution.objects.create(
            dead_letter=dead_letter, resolved_by=user, note=note
        )


def dead_letters_with_state() -> QuerySet[DeadLetter]:
    """Every dead letter, newest first, with `is_resolved`."""
    resolved = DeadLetterResolution.objects.filter(dead_letter=OuterRef("pk"))
    return DeadLetter.objects.annotate(is_resolved=Exists(resolved)).order_by(
        "-failed_at", "-id"
    )

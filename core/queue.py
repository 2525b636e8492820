"""Enqueue background work by task name, so services never import their task modules.

Layers point one way: tasks call services, services never import tasks. A
service that hands work to a worker names the task instead; Celery looks it up
among the registered tasks (autodiscovered from each app's ``tasks.py``). With
``CELERY_TASK_ALWAYS_EAGER`` (no broker configured, and the test suite) the
task runs in the calling process, exactly as ``.delay`` would run it.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args, **kwargs):
    """Send the registered task ``task_name`` with these arguments; returns its AsyncResult.

    Raises:
        KeyError: no task of that name is registered.
    """
    if task_name not in current_app.tasks:
        # The apps' task modules are discovered on first use, not at start-up.
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name].delay(*args, **kwargs)


def chunks_enqueue(chunks, task_name: str, *, what: str) -> int:
    """Send every chunk of a run not done yet to `task_name`, by index (in order when eager).

    A chunk whose sending (or, in-process, whose work) fails is logged and left
    for a re-dispatch; the others go on. Returns how many were sent.

    Args:
        chunks: the run's chunks (a queryset with `done` and `index`).
        task_name: the registered task that processes one chunk by id.
        what: how the log names a chunk ("servicing chunk").
    """
    pending = list(chunks.filter(done=False).order_by("index").values_list("pk", flat=True))
    for chunk_id in pending:
        try:
            enqueue(task_name, chunk_id)
        except Exception:
            logger.exception("%s %s failed", what, chunk_id)
    return len(pending)


def failure_record(record, *, what: str) -> bool:
    """Write down that a chunk failed, even when the failure was the database going away.

    A chunk's work is one transaction: when it fails, nothing of it is kept. If
    the failure was the connection itself (the database restarted), that
    connection is dropped first so the record goes through a new one; if the
    database is still down, the run is left as it was — running, which the
    daily resume re-sends like a failed one. Returns whether it was recorded.

    Args:
        record: writes the failure (e.g. marks the run failed with the error).
        what: how the log names the chunk.
    """
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()
    try:
        record()
    except DatabaseError as exc:
        logger.warning("%s: the failure could not be recorded (%s); left to the resume", what, exc)
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        return False
    return True

"""Enqueue background work by task name, so services never import their task modules.

Layers point one way: tasks call services, services never import tasks. A
service that hands work to a worker names the task instead; Celery looks it up
among the registered tasks (autodiscovered from each app's ``tasks.py``). With
``CELERY_TASK_ALWAYS_EAGER`` (no broker configured, and the test suite) the
task runs in the calling process, exactly as ``.delay`` would run it.
"""

from __future__ import annotations

from celery import current_app


def enqueue(task_name: str, *args, **kwargs):
    """Send the registered task ``task_name`` with these arguments; returns its AsyncResult.

    Raises:
        KeyError: no task of that name is registered.
    """
    if task_name not in current_app.tasks:
        # The apps' task modules are discovered on first use, not at start-up.
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name].delay(*args, **kwargs)

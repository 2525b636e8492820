"""Celery application for NoteDesk.

Tasks are thin: they take ids, re-fetch, and call one service. Without
`REDIS_URL` the tasks run eagerly in the calling process, so a laptop with no
broker still gets every job done (see `CELERY_TASK_ALWAYS_EAGER`).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("notedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

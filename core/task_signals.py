"""Celery signal receivers every task gets: log context, and a dead letter on final failure.

Connected in `CoreConfig.ready`. Nothing here knows any app's tasks.

- Before a task runs, its id and name are bound to the log context (with the
  request id of the request that sent it, carried in a message header), so
  every line it logs says which task wrote it; the service it calls binds the
  run it works for.
- When a task fails for good, `task_failure` writes its dead letter. Celery
  sends that signal only after the task's last retry (a retry is `task_retry`),
  and for a task without retries on its first failure.
"""

from __future__ import annotations

import logging

from celery import signals

from core.logcontext import log_context, log_context_end, log_context_start

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "notedesk_request_id"
_tokens: dict[str, object] = {}


@signals.before_task_publish.connect
def _carry_request_id(sender=None, headers=None, **_):
    request_id = log_context().get("request_id")
    if request_id and headers is not None and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


@signals.task_prerun.connect
def _bind_task(sender=None, task_id=None, task=None, **_):
    inherited = log_context()  # a task run in-process keeps its request's id
    request_id = inherited.get("request_id") or _header(task, REQUEST_ID_HEADER)
    _tokens[task_id] = log_context_start(
        request_id=request_id, task_id=task_id, task_name=getattr(task, "name", None)
    )


@signals.task_postrun.connect
def _unbind_task(sender=None, task_id=None, **_):
    log_context_end(_tokens.pop(task_id, None))


@signals.task_failure.connect
def _dead_letter(sender=None, task_id=None, exception=None, args=None, kwargs=None,
                 einfo=None, **_):
    from core.dead_letters import dead_letter_record  # models are ready by the first task

    request = getattr(sender, "request", None)
    try:
        dead_letter_record(
            task_id=task_id or "",
            task_name=getattr(sender, "name", "?"),
            args=args,
            kwargs=kwargs,
            exception=exception,
            traceback=str(einfo.traceback) if einfo is not None else "",
            retries=getattr(request, "retries", 0) or 0,
            request_id=str(log_context().get("request_id") or ""),
        )
    except Exception:
        logger.exception("could not record the dead letter of task %s", task_id)


def _header(task, name: str):
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, name, None)
    if value is None and isinstance(getattr(request, "headers", None), dict):
        value = request.headers.get(name)
    return value

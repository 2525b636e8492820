"""The request id: accepted from a well-formed `X-Request-ID`, else made; echoed and logged.

Every log line written while the request is served carries it (see
`core.logcontext`), the response echoes it in `X-Request-ID`, and a Celery
task sent from the request carries it too, so one id follows a click from the
proxy's access log to the worker that did the work. The request itself is
logged once, when it is answered: method, path, status, user and duration.
"""

from __future__ import annotations

import logging
import time

from django.core.signals import request_finished
from django.dispatch import receiver

from core.logcontext import log_context_end, log_context_start, request_id_accept

HEADER = "X-Request-ID"
logger = logging.getLogger("notedesk.request")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_accept(request.headers.get(HEADER))
        request.request_id = request_id
        started = time.monotonic()
        # Kept until the request is finished (not only until this returns): Django logs
        # a refused request (django.request) after the middleware has answered.
        log_context_start(request_id=request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "user": _username(request),
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


@receiver(request_finished)
def _request_context_end(**_):
    log_context_end()


def _username(request) -> str:
    user = getattr(request, "user", None)
    try:
        if user is None or not user.is_authenticated:
            return "-"
        return user.get_username()
    except Exception:  # noqa: BLE001 - a log line must never raise
        return "?"

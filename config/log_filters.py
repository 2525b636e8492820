"""Logging filters referenced from `LOGGING` in the settings."""

from __future__ import annotations

import logging


class RefusedRequestFilter(logging.Filter):
    """One line per refused request (4xx): method, path, status and user; no traceback.

    Django logs a 403 raised as `PermissionDenied` with the exception's traceback,
    and a 404 or a DRF refusal as a bare "Not Found: /path". A refusal is the
    product working as designed, so the log says who asked for what and stops
    there. 5xx records pass through untouched, traceback included.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if status is None or not 400 <= status < 500 or request is None:
            return True
        record.msg = "%s %s %s user=%s"
        record.args = (request.method, request.path, status, _username(request))
        record.exc_info = None
        record.exc_text = None
        return True


def _username(request) -> str:
    try:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return "-"
        return user.get_username()
    except Exception:  # noqa: BLE001 - a log line must never raise
        return "?"

"""Logging filters and the JSON formatter referenced from `LOGGING` in the settings."""

from __future__ import annotations

import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from core.logcontext import log_context

# Ids every record carries (None outside a request or task), in this order.
CONTEXT_FIELDS = (
    "request_id",
    "task_id",
    "task_name",
    "servicing_run_id",
    "conversion_trigger_id",
    "notice_run_id",
    "report_export_id",
)


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


class LogContextFilter(logging.Filter):
    """Copy the current request's and task's ids (`core.logcontext`) onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        bound = log_context()
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, bound.get(name))
        for name, value in bound.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, the ids, any `extra`.

    Ids that are not set (a log line outside any request or task) are left
    out; the request object Django attaches to its records is not written
    (its path and status are already in the message).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")  # ISO 8601 in UTC
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        for name in CONTEXT_FIELDS:
            if log_data.get(name) is None:
                log_data.pop(name, None)


def _username(request) -> str:
    try:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return "-"
        return user.get_username()
    except Exception:  # noqa: BLE001 - a log line must never raise
        return "?"

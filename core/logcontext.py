"""What every log line of the current request or task carries: its ids.

The request id (from a well-formed ``X-Request-ID`` header, else made here)
is set by ``config.request_id.RequestIdMiddleware``; a Celery task's id and
name by the task signals in ``core.apps``; the run a task is working for
(servicing run, conversion trigger, notice run, export) by the service that
loads it, with ``log_context_bind``. ``config.log_filters.LogContextFilter``
copies them onto each log record, and the JSON formatter writes them out.

Context variables, so two requests or tasks in threads never see each other's.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from contextlib import contextmanager

_context: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar(
    "notedesk_log_context", default=None
)

# Letters, digits and . _ : - only, up to 128: an id from a proxy or a client is
# echoed into logs and headers, so anything else is replaced by our own.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_accept(value: str | None) -> str:
    """An incoming request id if it is well-formed, else a new one (32 hex digits)."""
    if value and _WELL_FORMED.fullmatch(value):
        return value
    return uuid.uuid4().hex


def log_context() -> dict[str, object]:
    """The ids bound so far in this request or task (a copy)."""
    return dict(_context.get() or {})


def log_context_bind(**ids: object) -> None:
    """Add ids to every later log line of this request or task (None values are ignored)."""
    current = dict(_context.get() or {})
    current.update({k: v for k, v in ids.items() if v is not None})
    _context.set(current)


@contextmanager
def log_context_scope(**ids: object):
    """A fresh context for one request or task: these ids, and whatever is bound inside."""
    token = _context.set({k: v for k, v in ids.items() if v is not None})
    try:
        yield
    finally:
        _context.reset(token)


def log_context_start(**ids: object) -> contextvars.Token:
    """Start a fresh context (for signal pairs that cannot use a `with`); see `log_context_end`."""
    return _context.set({k: v for k, v in ids.items() if v is not None})


def log_context_end(token: contextvars.Token | None = None) -> None:
    if token is not None:
        try:
            _context.reset(token)
            return
        except ValueError:  # set in another context (a different thread's signal)
            pass
    _context.set(None)

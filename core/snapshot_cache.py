"""Figures read from the database, cached for exactly as long as the database is unchanged.

A PostgreSQL snapshot (``pg_current_snapshot()``: the oldest transaction still
running, the next transaction id, and those running in between) decides which
rows a statement sees, and nothing else does: two statements that take the
same snapshot on the same database see the same data. A figure computed from
the database can therefore be cached under the snapshot taken just before it
was computed:

- Any commit that writes changes every later snapshot (the writer had a
  transaction id, running until then: either it was listed as running, or it
  was at or above the next id), so no request after a write finds a figure
  cached before it. There is no list of tables to keep complete, and no
  invalidation to forget.
- The figure was computed after its key was taken, so it is never older than
  the key says; at worst a request that took the same snapshot gets a figure
  that also counts a transaction that committed a moment later.
- A transaction that has written itself (it has a transaction id) sees its own
  uncommitted rows, which its snapshot does not show: there nothing is read
  from or written to the cache.

The key also names the server (host, port, database, and the time the server
started, so a restored or replaced cluster whose transaction ids start again
never meets an old key) and what the caller computes (``name``, ``version``
and the arguments). Any write anywhere in the database — a session touched, a
payment recorded — changes the snapshot, so the cache helps where reads come
much more often than writes; it costs one small query when they do not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

T = TypeVar("T")

# Long enough to serve a busy page between two writes; an entry whose snapshot has gone
# is never asked for again and only waits to be evicted.
TIMEOUT_SECONDS = 600
_MISSING = object()


def database_snapshot() -> str | None:
    """What this connection sees now, as text; None inside a transaction that has written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NOT NULL,"
            " pg_postmaster_start_time()"
        )
        snapshot, writing, started = cursor.fetchone()
    if writing:
        return None
    db = connection.settings_dict
    return f"{db['HOST']}:{db['PORT']}/{db['NAME']}@{started.isoformat()}#{snapshot}"


def snapshot_cached(name: str, version: int, args: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave under the same database snapshot.

    Args:
        name: what is computed (one name per function).
        version: bumped whenever what `compute` gives for the same data changes.
        args: everything else the figure depends on (filters, the day), as reprs.
        compute: reads the database and returns a picklable value.
    """
    snapshot = database_snapshot()
    if snapshot is None:
        return compute()
    key = "snapshot:" + hashlib.sha256(repr((name, version, args, snapshot)).encode()).hexdigest()
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, TIMEOUT_SECONDS)
    return value

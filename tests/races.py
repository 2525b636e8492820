"""Two real connections racing on the test database: for the rules a trigger keeps under
concurrency (a check and a deletion meeting, each waiting on the other's lock)."""

from __future__ import annotations

import threading
import time

import psycopg
from django.db import connection

from tests.dburl import database_url_for

REPEATABLE_READ = psycopg.IsolationLevel.REPEATABLE_READ


def race_connect(isolation=None) -> psycopg.Connection:
    """A connection of its own to the test database (also on the embedded server)."""
    conn = psycopg.connect(database_url_for(connection.settings_dict["NAME"]))
    if isolation:
        conn.isolation_level = isolation
    return conn


def waiting_for_lock(pid, timeout=30.0) -> None:
    """Wait until the backend `pid` waits for a lock (the other's advisory or row lock)."""
    deadline = time.monotonic() + timeout
    with race_connect() as watcher:
        watcher.autocommit = True
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()
            if waiting and waiting[0] == "Lock":
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")


def in_thread(work) -> tuple[threading.Thread, dict]:
    """Run work() in a thread; returns (thread, box) where box gets 'ok' or 'error'."""
    box: dict = {}

    def run():
        try:
            work()
            box["ok"] = True
        except Exception as exc:  # the outcome is asserted by the test
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box

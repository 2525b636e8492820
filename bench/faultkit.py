"""Real processes to break on purpose: a private Redis, a private PostgreSQL, a Celery worker.

Used by `bench/faults.py` and by the quick fault tests in `tests/faults/`. Each
server runs under a temporary directory on a port of its own, so stopping it
touches nothing else on the machine; each process is ended by its own id.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on now (for servers the test suite starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")


class RedisServer:
    """A redis-server of our own, without persistence: a restart loses what it held."""

    def __init__(self, port: int):
        if port_in_use(port):
            raise RuntimeError(f"port {port} is in use; choose another for the private Redis")
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="notedesk-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_in_use(self.port), 10, f"redis on {self.port}")
        return self

    def stop(self) -> None:
        """Kill it outright (SIGKILL): whatever it held in memory is gone."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        wait_until(lambda: not port_in_use(self.port), 10, f"redis on {self.port} to stop")

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    located = shutil.which(name)
    if not located:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server binaries")
    return located


class PostgresCluster:
    """A PostgreSQL cluster of our own (initdb into a temporary directory, trust auth).

    initdb and the server refuse to run as root, so as root they run as the
    ``postgres`` system user, which owns the directory.
    """

    def __init__(self, port: int, max_connections: int = 150):
        if port_in_use(port):
            raise RuntimeError(f"port {port} is in use; choose another for the private PostgreSQL")
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="notedesk-pg-")
        self.data = os.path.join(self.dir, "data")
        self.max_connections = max_connections
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=self.dir)

    def init(self) -> PostgresCluster:
        self._run(_pg_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")
        return self.start()

    def _ctl(self, action: str, *extra: str) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir}"
                   f" -c max_connections={self.max_connections} -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off")
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"),
                  "-o", options, "-w", "-t", "60", action, *extra)

    def start(self) -> PostgresCluster:
        self._ctl("start")
        return self

    def restart(self) -> None:
        """What an operator's restart does: every connection is cut, in-flight work rolled back."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._ctl("stop", "-m", "immediate")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class CeleryWorker:
    """``celery -A config worker`` as production runs it, in its own process group.

    ``kill()`` sends SIGKILL to the whole group (the main process and its pool
    child): no warm shutdown, no chance to acknowledge or reject anything.
    """

    def __init__(self, *, database_url: str, broker_url: str, settings: str,
                 queue: str = "celery", log_path: str | None = None, extra_env=None):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings,
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url,
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
            **(extra_env or {}),
        }
        self.queue = queue
        self.log_path = log_path or tempfile.mkstemp(prefix="notedesk-worker-", suffix=".log")[1]
        self.process: subprocess.Popen | None = None
        self.started = 0

    def start(self, timeout: float = 60) -> CeleryWorker:
        log = open(self.log_path, "a")  # noqa: SIM115 - the child writes to it
        log.write(f"--- worker start {self.started + 1}\n")
        log.flush()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
             "-c", "1", "-Q", self.queue, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"faults-{os.getpid()}-{self.started}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        self.started += 1
        marker = f"--- worker start {self.started}\n"

        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited ({self.process.returncode}); see "
                                   f"{self.log_path}")
            text = Path(self.log_path).read_text()
            return " ready." in text[text.rfind(marker):]

        wait_until(ready, timeout, "the Celery worker to be ready", interval=0.1)
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), as an operator stops a worker."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


# --- what the register must hold afterwards -------------------------------------------------


def expected_statements(as_of) -> dict[tuple[int, object], object]:
    """``{(note id, period start): amount}`` the domain core gives for every note, as of a day.

    Straight from `notes.domain` (the periods of §2 and each period's interest,
    rounded once), note by note: nothing of the servicing run's own fast path.
    Notes without principal payments (as the fault scenarios load them).
    """
    from django.db import connection

    from notes.domain.interest import effective_rate, period_interest, principal_timeline
    from notes.domain.periods import statement_periods

    expected = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.id, n.issue_date, n.principal, s.stated_rate, s.max_lawful_rate,"
            " s.day_count, s.interest_due_day FROM notes_note n"
            " JOIN notes_noteseries s ON s.id = n.series_id ORDER BY n.id"
        )
        for note_id, issued, principal, stated, lawful, day_count, due_day in cursor.fetchall():
            rate = effective_rate(stated, lawful)[0]
            timeline = principal_timeline(issued, principal)
            for period in statement_periods(issue_date=issued, as_of=as_of, due_day=due_day):
                amount = period_interest(timeline, rate, day_count, period.start, period.end)
                if amount:
                    expected[note_id, period.start] = amount
    return expected


def statements_check(as_of) -> dict:
    """Compare the statements in the register with the domain core's.

    Returns:
        statements, expected, duplicates (note and period stated more than
        once), missing, unexpected, wrong amounts, the two totals, and equal.
    """
    from django.db import connection

    expected = expected_statements(as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM notes_intereststatement WHERE corrects_id IS NULL"
            " GROUP BY note_id, period_start HAVING count(*) > 1) d"
        )
        duplicates = cursor.fetchone()[0]
        cursor.execute(
            "SELECT note_id, period_start, amount FROM notes_intereststatement"
            " WHERE corrects_id IS NULL"
        )
        stated = {(note, start): amount for note, start, amount in cursor.fetchall()}
    missing = len(expected.keys() - stated.keys())
    unexpected = len(stated.keys() - expected.keys())
    wrong = sum(1 for key in expected.keys() & stated.keys() if expected[key] != stated[key])
    total, expected_total = sum(stated.values()), sum(expected.values())
    return {
        "statements": len(stated), "expected": len(expected), "duplicates": duplicates,
        "missing": missing, "unexpected": unexpected, "wrong": wrong,
        "total": total, "expected_total": expected_total,
        "equal": not (duplicates or missing or unexpected or wrong) and total == expected_total,
    }


def transactions_open(exclude_pid: int | None = None) -> int:
    """Connections to this database in the middle of a transaction (a worker's chunk)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            " AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


class broker:
    """Point this process's Celery app at a real broker (tasks are sent, not run here)."""

    def __init__(self, url: str):
        self.url = url

    def _reset_pools(self, app) -> None:
        from kombu import pools

        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        amqp = app.__dict__.get("amqp")
        if amqp is not None:
            amqp._producer_pool = None
        # kombu keeps producer pools by connection in a registry of its own: a pool closed
        # earlier (a worker stopped) would be handed out again for the same broker.
        pools.reset()

    def __enter__(self):
        from config.celery_app import app

        self.app = app
        self.saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
        self._reset_pools(app)
        app.conf.update(task_always_eager=False, broker_url=self.url)
        return app

    def __exit__(self, *exc):
        self._reset_pools(self.app)
        self.app.conf.update(**self.saved)
        return False

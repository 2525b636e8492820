"""Scale benchmark: the month end of a large register with 1 and with 2 Celery workers.

Run on demand, never by the test suite::

    REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/scale.py [--notes N] [--keep]

It works in a scratch database (``notedesk_bench_scale``, or ``--database
NAME``) on the server of ``DATABASE_URL``, dropped, recreated and migrated at
the start and dropped at the end unless ``--keep``; the chunks go through the
real broker at ``REDIS_URL`` (its database is emptied first: give the bench a
Redis database of its own).

Scenario (as in ``month_end.py``, as of 1 July 2025):

- N notes (default 1,000,000) issued in May 2025, loaded with COPY; a set-up
  run as of 1 June (by the workers) states May; 90% of those statements are
  paid and 2% of the notes get a principal payment in June.
- **The month end** as of 1 July (N June statements), first with one worker,
  then — its statements removed (scratch only) — with two. Each worker is a
  ``celery worker --concurrency 1 -Q celery`` subprocess (the servicing
  chunks go to the default queue), with its own log.
- Printed for each: the time from the run's start to its last chunk, the
  speedup, the chunks each worker ran (counted from its log's "succeeded"
  lines) with their median and slowest time, and each worker's peak memory
  (VmHWM of its processes, from /proc). Both runs must write the same
  statements (digest).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.month_end import (  # noqa: E402 - the path above first
    DEFAULT_SERVER,
    machine,
    notes_copy,
    payments_add,
    register_base,
    scratch_database_create,
    scratch_database_drop,
    statements_digest,
    statements_forget,
)

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = "notedesk_bench_scale"
QUEUE = "celery"  # servicing chunks are not routed: they go to Celery's default queue
SUCCEEDED = re.compile(
    r"Task notes\.tasks\.servicing_chunk_task\[[^\]]+\] succeeded in ([0-9.]+)s"
)


def django_setup(database_url: str, redis_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["DEBUG"] = "false"
    os.environ["NOTICES_AFTER_SERVICING"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    assert not settings.CELERY_TASK_ALWAYS_EAGER, "the chunks must go through the broker"


def broker_empty(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


# --- workers ------------------------------------------------------------------------------


def peak_rss(pid: int) -> int | None:
    """The peak resident memory of a process (VmHWM, bytes), None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def chunk_seconds(log: str) -> list[float]:
    """The time of each servicing chunk a worker's log says it finished."""
    return [float(m.group(1)) for m in SUCCEEDED.finditer(log)]


class Worker:
    """A `celery worker --concurrency 1` subprocess with its own log file."""

    def __init__(self, name: str, logdir: str, env: dict[str, str]):
        self.name = name
        self.log = Path(logdir) / f"{name}.log"
        # The project's logging writes the worker's lines (JSON, one a line) to its
        # standard error, not to celery's --logfile: both streams go to the log.
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker",
                    "--concurrency", "1", "-Q", QUEUE, "-n", f"{name}@%h",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "-l", "info",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def pids(self) -> list[int]:
        """The worker's main process and its children (the pool process runs the tasks)."""
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids += [int(pid) for pid in children.read_text().split()]
        except OSError:
            pass
        return pids

    def peak_memory(self) -> dict[int, int]:
        """Peak resident memory (VmHWM, bytes) of each of its processes so far."""
        peaks = {pid: peak_rss(pid) for pid in self.pids()}
        return {pid: peak for pid, peak in peaks.items() if peak is not None}

    def ready(self) -> bool:
        return self.log.exists() and "ready." in self.log.read_text()

    def chunk_seconds(self) -> list[float]:
        return chunk_seconds(self.log.read_text()) if self.log.exists() else []

    def stop(self) -> None:
        self.process.terminate()  # warm shutdown: finishes the task at hand
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def workers_start(count: int, logdir: str, tag: str, env: dict[str, str]) -> list[Worker]:
    workers = [Worker(f"{tag}-w{i + 1}", logdir, env) for i in range(count)]
    deadline = time.monotonic() + 120
    while not all(worker.ready() for worker in workers):
        if time.monotonic() > deadline:
            sys.exit(f"workers did not start; see {logdir}")
        for worker in workers:
            if worker.process.poll() is not None:
                sys.exit(f"worker {worker.name} exited; see {worker.log}")
        time.sleep(0.5)
    return workers


def run_through_workers(as_of: date, trigger: str, workers: list[Worker]):
    """Start a run and wait for its last chunk; returns (run, seconds)."""
    from notes.models import RunStatus, ServicingRun
    from notes.services.servicing import servicing_run_start

    start = time.perf_counter()
    run = servicing_run_start(as_of=as_of, trigger=trigger)
    while True:
        status = ServicingRun.objects.filter(pk=run.pk).values_list("status", flat=True)[0]
        if status == RunStatus.DONE:
            break
        if status == RunStatus.FAILED:
            sys.exit(f"run {run.pk} failed: {ServicingRun.objects.get(pk=run.pk).error}")
        for worker in workers:
            if worker.process.poll() is not None:
                sys.exit(f"worker {worker.name} exited; see {worker.log}")
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    run.refresh_from_db()
    return run, seconds


def measured(as_of: date, count: int, logdir: str, env: dict[str, str]):
    """The month end with `count` workers: (run, seconds, [(worker, chunks, peak bytes)])."""
    workers = workers_start(count, logdir, f"month-end-{count}", env)
    try:
        run, seconds = run_through_workers(as_of, f"bench-{count}-workers", workers)
        time.sleep(0.5)  # the last "succeeded" line
        report = [
            (worker.name, worker.chunk_seconds(), max(worker.peak_memory().values(), default=0))
            for worker in workers
        ]
    finally:
        for worker in workers:
            worker.stop()
    return run, seconds, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to time (default 1,2)")
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database", default=SCRATCH_DB,
                        help=f"scratch database name (default {SCRATCH_DB}, dropped first)")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.workers.split(",")]
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit("set REDIS_URL to a Redis database of the bench's own (it is emptied)")

    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    url = scratch_database_create(server, args.database)
    django_setup(url, redis_url)
    broker_empty(redis_url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    logdir = tempfile.mkdtemp(prefix="notedesk-scale-")
    try:
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        n = args.notes
        print(f"NoteDesk scale bench — {machine()}, Python {platform.python_version()},"
              f" PostgreSQL {server_version}, chunk size {settings.SERVICING_CHUNK_SIZE},"
              f" {n:,} notes, worker logs in {logdir}", flush=True)

        series, holders = register_base("ACT/365F", Decimal("0.10"))
        started = time.perf_counter()
        notes_copy(series, holders, n, date(2025, 5, 1), args.seed, "SC")
        print(f"  load {n:,} notes (COPY): {time.perf_counter() - started:.1f} s", flush=True)

        workers = workers_start(max(counts), logdir, "setup", env)
        try:
            setup, setup_seconds = run_through_workers(date(2025, 6, 1), "bench-setup", workers)
        finally:
            for worker in workers:
                worker.stop()
        if setup.statements_created != n:
            sys.exit(f"set-up run issued {setup.statements_created} statements, not {n}")
        print(f"  set-up run as of 2025-06-01 ({max(counts)} workers): {setup_seconds:.1f} s",
              flush=True)
        started = time.perf_counter()
        payments_add(interest_paid_on=date(2025, 6, 15), principal_month=date(2025, 6, 1))
        print(f"  payments: {time.perf_counter() - started:.1f} s", flush=True)

        results, digest = [], None
        for count in counts:
            if results:
                statements_forget(results[-1][1].pk)
            broker_empty(redis_url)
            run, seconds, report = measured(date(2025, 7, 1), count, logdir, env)
            if run.statements_created != n:
                sys.exit(f"the run with {count} workers issued {run.statements_created}, not {n}")
            run_digest, _ = statements_digest(run.pk)
            if digest is not None and run_digest != digest:
                sys.exit(f"the run with {count} workers wrote different statements")
            digest = run_digest
            results.append((count, run, seconds, report))
            print(f"  month end with {count} worker(s): {seconds:.1f} s", flush=True)

        print()
        print(f"Month end as of 2025-07-01: {n:,} notes, {results[0][1].chunks_total} chunks"
              f" of {settings.SERVICING_CHUNK_SIZE}; digest {digest}")
        base = results[0][2]
        for count, run, seconds, report in results:
            print(f"  {count} worker(s): {seconds:.1f} s, {n / seconds:,.0f} statements/s,"
                  f" speedup {base / seconds:.2f}; past due {run.past_due_statements:,}")
            for name, chunks, peak in report:
                median = statistics.median(chunks) if chunks else 0
                slowest = max(chunks, default=0)
                print(f"    {name}: {len(chunks)} chunks, median {median:.2f} s,"
                      f" slowest {slowest:.2f} s per chunk; peak RSS {peak / 2**20:.0f} MiB")
    finally:
        if args.keep:
            print(f"\nkept the scratch database: {url}")
        else:
            scratch_database_drop(server, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())

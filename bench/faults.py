"""Fault evidence: real workers killed, Redis and PostgreSQL stopped, requests raced.

Run on demand, never by the test suite (the suite has quick versions in
``tests/faults/``)::

    .venv/bin/python bench/faults.py                   # every scenario
    .venv/bin/python bench/faults.py --only kills --kills 5 --notes 2000

Each scenario prints its figures; the last lines sum them up and the exit
status is 1 if any invariant was broken. The scenarios:

``kills``
    A month-end servicing run of ``--notes`` (10,000) notes — issued in May
    2025 with their May statement, the June statement issued by a run as of
    1 July 2025, as in ``bench/month_end.py`` — split into chunks of
    ``--chunk-size`` (100) and carried out by ``celery -A config worker``
    processes through a private Redis. The worker is SIGKILLed (its whole
    process group) ``--kills`` (20) times at random moments (seeded), and
    started again each time; then it is left to finish, and the chunks a
    killed worker held are re-sent as the daily cycle's resume does. Every
    note and month must have exactly one statement, with the amount the
    domain core (``notes/domain``) computes note by note.
``redis``
    Redis killed while a $5M PIPE (§5.2(iii)) is recorded, started again;
    the conversion trigger written with the offering (the outbox) is relayed;
    then Redis is killed again right after a notice run queued its chunks,
    and today's run is resumed. Each note converts once and each conversion
    gets one §6.2 notice.
``postgres``
    A private PostgreSQL cluster (initdb into a temporary directory) is
    restarted in the middle of a servicing run and in the middle of a notice
    run. At the restart the chunk in flight is rolled back whole (no chunk
    half-written: each chunk's notes have all of its statements or none, each
    notice chunk all of its letters or none, no PDF left without its letter),
    the run is marked failed or left running — both resumable — and it then
    completes.
``payments``
    On the private cluster: 100 identical payment requests with one
    Idempotency-Key from 100 threads at once record one payment; 100
    different payments on one note at once never pay more than is owed (§4).

Servers: Redis on ``--redis-port`` (6390), PostgreSQL on ``--pg-port``
(5490), both private and removed at the end. The kills and redis scenarios
work in a scratch database (``notedesk_bench_faults`` on the server of
``DATABASE_URL``), dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faultkit import (  # noqa: E402
    CeleryWorker,
    PostgresCluster,
    RedisServer,
    statements_check,
    transactions_open,
    wait_until,
)
from bench.month_end import (  # noqa: E402
    DEFAULT_SERVER,
    _with_database,
    notes_copy,
    register_base,
    register_empty,
    scratch_database_create,
)

SCRATCH_DB = "notedesk_bench_faults"
AS_OF = date(2025, 7, 1)
SETTINGS = "config.settings.local"


def django_setup(database_url: str, redis_url: str, media_root: str) -> None:
    """Django for this process: the given database, tasks sent to Redis (not run here)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE=SETTINGS, DATABASE_URL=database_url, REDIS_URL=redis_url,
        DEBUG="false", LOG_LEVEL=os.environ.get("LOG_LEVEL", "ERROR"), MEDIA_ROOT=media_root,
        NOTICES_AFTER_SERVICING="false",
    )
    import django

    django.setup()
    from django.conf import settings

    assert not settings.CELERY_TASK_ALWAYS_EAGER, "tasks must go to the workers"


def worker_for(database_url: str, redis_url: str, media_root: str, log: str) -> CeleryWorker:
    return CeleryWorker(database_url=database_url, broker_url=redis_url, settings=SETTINGS,
                        log_path=log, extra_env={"MEDIA_ROOT": media_root,
                                                 "NOTICES_AFTER_SERVICING": "false"})


def undone(run_id: int) -> int:
    from notes.models import ServicingChunk

    return ServicingChunk.objects.filter(run_id=run_id, done=False).count()


def run_status(model, run_id: int) -> str:
    return model.objects.get(pk=run_id).status


# --- kills ----------------------------------------------------------------------------------


def scenario_kills(args, redis: RedisServer, database_url: str, media: str, log: str) -> bool:
    from django.conf import settings

    from notes.models import RunStatus, ServicingRun
    from notes.services.servicing import servicing_run_start, servicing_runs_resume

    settings.SERVICING_CHUNK_SIZE = args.chunk_size
    series, holders = register_base("ACT/365F", Decimal("0.10"))
    notes_copy(series, holders, args.notes, date(2025, 5, 1), args.seed, "FK")
    worker = worker_for(database_url, redis.url, media, log).start()
    rng = random.Random(args.seed)
    try:
        setup = servicing_run_start(as_of=date(2025, 6, 1), trigger="bench-setup")
        wait_until(lambda: run_status(ServicingRun, setup.pk) == RunStatus.DONE, 600,
                   "the set-up run")
        run = servicing_run_start(as_of=AS_OF, trigger="bench-faults")
        print(f"  month-end run {run.pk} as of {AS_OF}: {args.notes:,} notes in"
              f" {run.chunks_total} chunks of {args.chunk_size}")
        kills = in_transaction = 0
        started = time.perf_counter()
        while kills < args.kills and undone(run.pk):
            time.sleep(rng.uniform(0.05, args.max_delay))
            in_transaction += transactions_open() > 0
            worker.kill()
            kills += 1
            worker.start()
        lost = undone(run.pk)
        # Let the queue drain, then re-send what killed workers held (the daily resume).
        previous, still = -1, undone(run.pk)
        while still and still != previous:
            previous = still
            time.sleep(3)
            still = undone(run.pk)
        resent = servicing_runs_resume(older_than=timedelta(0)) if still else 0
        wait_until(lambda: run_status(ServicingRun, run.pk) == RunStatus.DONE, 600,
                   "the month-end run to finish", interval=0.5)
        seconds = time.perf_counter() - started
    finally:
        worker.stop()
    run.refresh_from_db()
    check = statements_check(AS_OF)
    print(f"  kills: {kills} (SIGKILL to the worker's process group; {in_transaction} inside a"
          f" chunk's transaction); chunks undone when the kills stopped: {lost}; held by a killed"
          f" worker and re-sent by the resume: {resent}; run {run.status} {run.progress} in"
          f" {seconds:.0f} s")
    print(f"  statements: {check['statements']:,} (domain core: {check['expected']:,});"
          f" duplicates found: {check['duplicates']}; missing {check['missing']},"
          f" unexpected {check['unexpected']}, wrong amount {check['wrong']}")
    print(f"  totals equal: {'yes' if check['equal'] else 'NO'}"
          f" ({check['total']:,} stated, {check['expected_total']:,} by the domain core)")
    RESULTS["kills"] = kills
    RESULTS["duplicates found"] = check["duplicates"]
    RESULTS["totals equal"] = "yes" if check["equal"] else "no"
    return check["equal"] and run.status == RunStatus.DONE and kills == args.kills


# --- redis ----------------------------------------------------------------------------------


def scenario_redis(args, redis: RedisServer, database_url: str, media: str, log: str) -> bool:
    from django.utils import timezone

    from holders.services import holder_create
    from notes.models import Note, NoteStatus
    from notes.services import issuer_create, note_create, series_create
    from notices.models import Notice, NoticeKind, NoticeRun
    from notices.models import RunStatus as NoticeStatus
    from notices.services.job import notice_run_start, notice_runs_resume
    from offerings.models import Conversion, ConversionTrigger, TriggerStatus
    from offerings.services import conversion_triggers_relay, offering_record

    issuer = issuer_create(name="Outage Corp.", principal_office_address="1 Main St",
                           state_of_incorporation="Delaware")
    series = series_create(issuer=issuer, name="Outage 2006", agreement_date=date(2006, 7, 14))
    holder = holder_create(name="Margaret A. Keller", kind="person", tax_id="123-45-6789",
                           address={"line1": "1 Main St", "city": "Santa Rosa", "region": "CA",
                                    "postal_code": "95403", "country": "US"},
                           address_effective_from=date(2006, 1, 1))
    for i in range(args.pipe_notes):
        note_create(series=series, holder=holder, principal=Decimal(25_000 + 1_000 * i),
                    issue_date=date(2006, 7, 20))
    worker = worker_for(database_url, redis.url, media, log).start()
    try:
        redis.stop()
        started = time.perf_counter()
        offering = offering_record(
            issuer=issuer, kind="pipe", closing_date=date(2007, 7, 20),
            gross_proceeds=Decimal("5000000.00"),
            sales=[{"shares": 500_000, "price_per_share": Decimal("2.00")},
                   {"shares": 1_000_000, "price_per_share": Decimal("4.00")}],
        )
        record_seconds = time.perf_counter() - started
        trigger = ConversionTrigger.objects.get(offering=offering)
        pending = trigger.status == TriggerStatus.PENDING and not Conversion.objects.exists()
        print(f"  Redis down: the $5M PIPE recorded in {record_seconds:.1f} s; its trigger"
              f" {trigger.status} ({trigger.last_error[:60]}…), conversions: "
              f"{Conversion.objects.count()}")
        redis.start()
        worker.stop()
        worker.start()
        relayed = conversion_triggers_relay(older_than=timedelta(0))
        wait_until(lambda: ConversionTrigger.objects.get(pk=trigger.pk).status
                   == TriggerStatus.DONE, 300, "the conversion", interval=0.3)
        again = conversion_triggers_relay(older_than=timedelta(0))
        worker.stop()
        run = notice_run_start(as_of=timezone.localdate())
        redis.stop()  # the queued chunks are lost with it
        redis.start()
        NoticeRun.objects.filter(pk=run.pk).update(
            created_at=timezone.now() - timedelta(minutes=20))
        worker.start()
        resumed = notice_runs_resume()
        wait_until(lambda: run_status(NoticeRun, run.pk) == NoticeStatus.DONE, 600,
                   "the notice run", interval=0.5)
        second = notice_run_start(as_of=timezone.localdate())
        wait_until(lambda: run_status(NoticeRun, second.pk) == NoticeStatus.DONE, 300,
                   "the second notice run", interval=0.5)
        second.refresh_from_db()
    finally:
        worker.stop()
    trigger.refresh_from_db()
    conversions = Conversion.objects.count()
    per_note = Conversion.objects.values("note").distinct().count()
    notices = Notice.objects.filter(kind=NoticeKind.AUTOMATIC_CONVERSION)
    per_conversion = notices.values("conversion").distinct().count()
    converted = Note.objects.filter(series=series, status=NoteStatus.CONVERTED).count()
    duplicates = (conversions - per_note) + (notices.count() - per_conversion)
    ok = (pending and conversions == per_note == converted == args.pipe_notes
          and notices.count() == per_conversion == conversions and duplicates == 0
          and second.notices_created == 0 and trigger.attempts == 1)
    print(f"  Redis back: relayed {relayed} trigger (then {again}); carried out"
          f" {trigger.attempts} time(s): {conversions} conversions of {args.pipe_notes} notes")
    print(f"  notice run after Redis lost its queue: {resumed} chunk(s) re-sent;"
          f" §6.2 notices {notices.count()} for {conversions} conversions; a second run made"
          f" {second.notices_created}; duplicates found: {duplicates}")
    RESULTS["redis outage"] = "each conversion and §6.2 notice once" if ok else "BROKEN"
    return ok


# --- postgres -------------------------------------------------------------------------------


def _chunks_whole() -> tuple[int, int]:
    """(chunks with all of their statements or none, chunks half-written)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.done, count(DISTINCT n.id) AS notes,
                   count(DISTINCT s.note_id) AS stated
            FROM notes_servicingchunk c
            JOIN notes_note n ON n.id BETWEEN c.id_from AND c.id_to
            LEFT JOIN notes_intereststatement s ON s.note_id = n.id
                 AND s.servicing_run_id = c.run_id
            GROUP BY c.id, c.done
            """
        )
        rows = cursor.fetchall()
    whole = sum(1 for done, notes, stated in rows if stated == (notes if done else 0))
    return whole, len(rows) - whole


def _notice_chunks_whole(media: str) -> tuple[int, int, int]:
    """(notice chunks whole, half-written, PDFs without their letter).

    A chunk is whole when it is done and each of its statements has its letter,
    or not done and none has.
    """
    from notices.models import Notice, NoticeChunk

    half = whole = 0
    for chunk in NoticeChunk.objects.all():
        statements = [pk for kind, pk in chunk.items if kind == "interest_statement"]
        made = Notice.objects.filter(statement_id__in=statements, corrects__isnull=True).count()
        if made == (len(statements) if chunk.done else 0):
            whole += 1
        else:
            half += 1
    files = {str(p.relative_to(media)) for p in Path(media).rglob("*.pdf")}
    names = set(Notice.objects.values_list("document", flat=True))
    return whole, half, len(files - names)


def scenario_postgres(args, cluster: PostgresCluster, redis: RedisServer, media: str,
                      log: str) -> bool:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from notes.models import RunStatus, ServicingRun
    from notes.services.servicing import servicing_run_start, servicing_runs_resume
    from notices.models import Notice, NoticeRun
    from notices.models import RunStatus as NoticeStatus
    from notices.services.job import notice_run_start, notice_runs_resume

    database_url = cluster.url("notedesk_faults")
    settings.SERVICING_CHUNK_SIZE = args.chunk_size
    settings.NOTICE_CHUNK_SIZE = 10
    series, holders = register_base("ACT/365F", Decimal("0.10"))
    notes_copy(series, holders, args.pg_notes, date(2025, 1, 1), args.seed, "PG")
    worker = worker_for(database_url, redis.url, media, log).start()
    ok = True
    try:
        run = servicing_run_start(as_of=AS_OF, trigger="bench-faults")
        wait_until(lambda: transactions_open() > 0 and undone(run.pk) < run.chunks_total, 120,
                   "a chunk in flight", interval=0.02)
        connection.close()
        cluster.restart()
        whole, half = _chunks_whole()
        status = run_status(ServicingRun, run.pk)
        done_at_restart = run.chunks_total - undone(run.pk)
        print(f"  servicing run {run.pk}: PostgreSQL restarted with chunk(s) in flight;"
              f" right after: run {status}, {done_at_restart}/{run.chunks_total} chunks done,"
              f" {whole} whole, {half} half-written")
        ok &= half == 0 and status in (RunStatus.RUNNING, RunStatus.FAILED, RunStatus.DONE)
        try:
            wait_until(lambda: run_status(ServicingRun, run.pk) == RunStatus.DONE, 90,
                       "the worker's retries", interval=0.5)
            how = "the worker's retry finished it"
        except TimeoutError:
            servicing_runs_resume(older_than=timedelta(0))
            wait_until(lambda: run_status(ServicingRun, run.pk) == RunStatus.DONE, 300,
                       "the resumed run", interval=0.5)
            how = "resumed"
        check = statements_check(AS_OF)
        print(f"  then: run done ({how}); statements {check['statements']:,}; duplicates found:"
              f" {check['duplicates']}; totals equal: {'yes' if check['equal'] else 'NO'}")
        ok &= check["equal"]

        register_empty()  # a small register for letters: PDFs take their time
        notes_copy(series, holders, args.pg_letters, date(2025, 4, 1), args.seed, "PL")
        servicing = servicing_run_start(as_of=AS_OF, trigger="bench-letters")
        wait_until(lambda: run_status(ServicingRun, servicing.pk) == RunStatus.DONE, 300,
                   "the letters' statements")
        notices = notice_run_start(as_of=timezone.localdate())
        wait_until(lambda: transactions_open() > 0 and NoticeRun.objects.get(
            pk=notices.pk).chunks_done >= 1, 300, "a notice chunk in flight", interval=0.05)
        connection.close()
        cluster.restart()
        whole, half, orphans = _notice_chunks_whole(media)
        status = run_status(NoticeRun, notices.pk)
        print(f"  notice run {notices.pk} ({notices.notices_planned} letters in"
              f" {notices.chunks_total} chunks): PostgreSQL restarted mid-chunk; right after:"
              f" run {status}, {NoticeRun.objects.get(pk=notices.pk).chunks_done} chunks done,"
              f" {half} half-written, {orphans} PDF(s) of the chunk in flight not yet removed")
        ok &= half == 0
        try:
            wait_until(lambda: run_status(NoticeRun, notices.pk) == NoticeStatus.DONE, 120,
                       "the worker's retries", interval=0.5)
            how = "the worker's retry finished it"
        except TimeoutError:
            NoticeRun.objects.filter(pk=notices.pk).update(
                created_at=timezone.now() - timedelta(minutes=20))
            notice_runs_resume()
            wait_until(lambda: run_status(NoticeRun, notices.pk) == NoticeStatus.DONE, 600,
                       "the resumed notice run", interval=0.5)
            how = "resumed"
        made = Notice.objects.filter(run_id=notices.pk).count()
        keys = Notice.objects.values("purpose_key").distinct().count()
        _, half_after, orphans_after = _notice_chunks_whole(media)
        print(f"  then: notice run done ({how}); letters {made} of {notices.notices_planned};"
              f" duplicates found: {Notice.objects.count() - keys}; half-written chunks"
              f" {half_after}; PDFs without a letter {orphans_after}")
        ok &= (made == notices.notices_planned and keys == Notice.objects.count()
               and half_after == 0 and orphans_after == 0)
    finally:
        worker.stop()
    RESULTS["postgres restart"] = "failed cleanly, then completed" if ok else "BROKEN"
    return ok


# --- payments -------------------------------------------------------------------------------


def scenario_payments(args) -> bool:
    from django.db import connections
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from core.permissions import FINANCE_GROUP, roles_ensure
    from holders.services import holder_create
    from notes.models import Payment
    from notes.services import issuer_create, note_create, series_create
    from notes.services.payments import payment_plan

    roles_ensure()
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("faults-finance", password="x")  # noqa: S106
    user.groups.add(Group.objects.get(name=FINANCE_GROUP))
    token = Token.objects.create(user=user).key
    issuer = issuer_create(name="Race Corp.", principal_office_address="1 Main St",
                           state_of_incorporation="Delaware")
    series = series_create(issuer=issuer, name="Race 2006", agreement_date=date(2006, 7, 14))
    holder = holder_create(name="Race Holder", kind="person", tax_id="123-45-6789")

    def race(bodies, key_of):
        answers = [None] * len(bodies)
        barrier = threading.Barrier(len(bodies))

        def send(i):
            try:
                client = APIClient(SERVER_NAME="localhost")
                client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
                barrier.wait()
                response = client.post("/api/v1/payments/", bodies[i], format="json",
                                       HTTP_IDEMPOTENCY_KEY=key_of(i))
                answers[i] = response.status_code
            finally:
                connections.close_all()

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    note = note_create(series=series, holder=holder, principal=Decimal("250000.00"),
                       issue_date=date(2006, 7, 20))
    body = {"note": note.pk, "paid_on": "2007-01-20", "amount": "2000.00",
            "applies_to": "interest", "method": "wire", "reference": "FED-77"}
    answers = race([body] * args.requests, lambda i: "one-key")
    one = Payment.objects.filter(note=note).count()
    print(f"  {args.requests} identical payments with one Idempotency-Key at once:"
          f" {answers.count(201)} × 201, {answers.count(200)} × 200 (replayed),"
          f" other {len(answers) - answers.count(201) - answers.count(200)};"
          f" payments recorded: {one}")
    ok = one == 1 and answers.count(201) == 1 and answers.count(200) == args.requests - 1

    for kind in ("interest", "principal"):
        note = note_create(series=series, holder=holder, principal=Decimal("10000.00"),
                           issue_date=date(2006, 7, 20))
        plan = payment_plan(note=note, paid_on=date(2007, 1, 20), amount=Decimal("0.01"),
                            applies_to=kind, holder_consent_reference="consent")
        owed = plan.interest_unpaid if kind == "interest" else plan.outstanding_principal
        amounts = [(owed / 25 + Decimal(i) / 100).quantize(Decimal("0.01"))
                   for i in range(args.requests)]
        bodies = [{"note": note.pk, "paid_on": "2007-01-20", "amount": str(a),
                   "applies_to": kind, "method": "check", "reference": f"CHK-{i}",
                   "holder_consent_reference": "Holder's consent on file"}
                  for i, a in enumerate(amounts)]
        answers = race(bodies, lambda i, kind=kind: f"{kind}-{i}")
        paid = sum((p.amount.amount for p in Payment.objects.filter(note=note)), Decimal(0))
        accepted = answers.count(201)
        refused_ok = all(amounts[i] > owed - paid for i, s in enumerate(answers) if s != 201)
        print(f"  {args.requests} different {kind} payments on one note at once: {accepted}"
              f" recorded, {answers.count(400)} refused; paid {paid:,} of {owed:,} owed;"
              f" over-payment: {'none' if paid <= owed else 'YES'}; every refusal was for more"
              f" than was left: {'yes' if refused_ok else 'NO'}")
        ok &= paid <= owed and refused_ok and accepted + answers.count(400) == args.requests
    RESULTS["concurrent payments"] = "one payment per key, never over owed" if ok else "BROKEN"
    return ok


# --- orchestration --------------------------------------------------------------------------

RESULTS: dict[str, object] = {}


def child(args) -> int:
    """One scenario in this process (its own Django, pointed at its own servers)."""
    media = args.media
    log = os.path.join(media, f"worker-{args.child}.log")
    redis = _Restartable(args)
    django_setup(args.database_url, redis.url, media)
    import logging

    logging.disable(logging.WARNING)  # one line per refused request is noise here
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.child == "kills":
        ok = scenario_kills(args, redis, args.database_url, media, log)
    elif args.child == "redis":
        ok = scenario_redis(args, redis, args.database_url, media, log)
    elif args.child == "postgres":
        ok = scenario_postgres(args, _Cluster(args), redis, media, log)
    else:
        ok = scenario_payments(args)
    for key, value in RESULTS.items():
        print(f"RESULT {key}: {value}")
    return 0 if ok else 1


class _Restartable:
    """The parent's Redis, stopped and started by this child through the parent."""

    def __init__(self, args):
        self.port = args.redis_port
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.control = args.control

    def _ask(self, what):
        Path(self.control).write_text(what)
        wait_until(lambda: Path(self.control).read_text() == "ok", 30, f"Redis to {what}")

    def stop(self):
        self._ask("stop")

    def start(self):
        self._ask("start")


class _Cluster:
    """The parent's PostgreSQL cluster, restarted by this child through the parent."""

    def __init__(self, args):
        self.control = args.control

    def restart(self):
        Path(self.control).write_text("restart")
        wait_until(lambda: Path(self.control).read_text() == "ok", 120, "PostgreSQL to restart")

    def url(self, database):
        return os.environ["DATABASE_URL"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["kills", "redis", "postgres", "payments"],
                        action="append", help="run only these scenarios (repeatable)")
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--max-delay", type=float, default=1.5,
                        help="the longest wait, in seconds, before each kill")
    parser.add_argument("--pipe-notes", type=int, default=20)
    parser.add_argument("--pg-notes", type=int, default=3000)
    parser.add_argument("--pg-letters", type=int, default=40)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--pg-port", type=int, default=5490)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    parser.add_argument("--control", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    scenarios = args.only or ["kills", "redis", "postgres", "payments"]
    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    media = tempfile.mkdtemp(prefix="notedesk-faults-media-")
    redis = RedisServer(args.redis_port).start()
    cluster = None
    results, failed = {}, []
    try:
        if {"postgres", "payments"} & set(scenarios):
            cluster = PostgresCluster(args.pg_port, max_connections=args.requests + 50).init()
            subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U",
                            "postgres", "notedesk_faults"], check=True)
        for name in scenarios:
            if name in ("postgres", "payments"):
                url = cluster.url("notedesk_faults")
            else:
                url = scratch_database_create(server, SCRATCH_DB)
            print(f"\n== {name} ==", flush=True)
            control = os.path.join(media, f"control-{name}")
            Path(control).write_text("")
            scenario_media = os.path.join(media, name)  # each scenario's letters apart
            os.makedirs(scenario_media)
            cmd = [sys.executable, __file__, "--child", name, "--database-url", url,
                   "--media", scenario_media, "--control", control,
                   *[a for a in (argv if argv is not None else sys.argv[1:])
                     if a != "--keep"]]
            process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
            output = []

            def read(process=process, output=output):
                for line in process.stdout:
                    if line.startswith("RESULT "):
                        output.append(line)
                    else:
                        print(line, end="", flush=True)

            reader = threading.Thread(target=read)
            reader.start()
            while process.poll() is None:
                request = Path(control).read_text()
                if request == "stop":
                    redis.stop()
                elif request == "start":
                    redis.start()
                elif request == "restart":
                    cluster.restart()
                if request in ("stop", "start", "restart"):
                    Path(control).write_text("ok")
                time.sleep(0.05)
            reader.join()
            for line in output:
                if line.startswith("RESULT "):
                    key, _, value = line[7:].strip().partition(": ")
                    results[key] = value
            if process.returncode:
                failed.append(name)
            if name not in ("postgres", "payments") and not args.keep:
                scratch_database_drop_quiet(server)
    finally:
        redis.close()
        if cluster:
            cluster.close()
    print("\n== summary ==")
    for key, value in results.items():
        print(f"{key}: {value}")
    print(f"scenarios failed: {', '.join(failed) if failed else 'none'}")
    return 1 if failed else 0


def scratch_database_drop_quiet(server: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())

"""Month-end benchmark: how fast the servicing run writes a month of statements.

Run on demand, never by the test suite::

    .venv/bin/python bench/month_end.py [--notes N] [--catchup-notes M] [--keep]

It works in a scratch database (``notedesk_bench``, or ``--database NAME``, on
the server of ``DATABASE_URL``, else ``postgres://postgres@127.0.0.1:5432``),
dropped, recreated and migrated at the start and dropped at the end unless
``--keep``. Tasks run in-process (``REDIS_URL`` is unset).

Scenario (a steady-state month end; as of 1 July 2025 by default):

- N notes (default 100,000) of one series (10%, ACT/365F) issued on every day
  of May 2025 (``--history-months H``: H + 1 months before), principal
  1,000.00-2,000,000.00, seeded so that every run loads the same register;
  loaded with COPY.
- Set-up: a run as of 1 June issues each note's H statements (the first one
  partial). Every statement of 90% of the notes is then paid (payment and
  allocation, in SQL), and 2% of the notes get a principal payment (with the
  holder's consent) in June, so their June period has two balances.
- **The month end**: a run as of 1 July must issue exactly N statements, one
  full June statement per note, on top of that history — reading each note's
  latest statement and counting the past-due ones, as it does every month.
- References, with the same rows (read back): a COPY into
  ``notes_intereststatement`` itself (its indexes, checks and note trigger), and
  a plain COPY into ``bench_copy``, a constraint-free ``LIKE`` of it. The
  target is month end / plain COPY ≤ 3. The letters a finished run makes due
  are the notice job's work, not timed here (``NOTICES_AFTER_SERVICING`` off).
- ``--schema-costs``: the same rows COPYed into bare copies of the table with
  one index, constraint or trigger each (kept, dropped and replaced ones),
  interleaved, to show what each costs per row.
- Each of the three is timed ``--repeat`` times (default 3), interleaved, and
  the medians are shown: the machine's load moves the figures a lot.
- Catch-up: after emptying the register, M notes (default 10,000) issued on
  every day of July 2023 with no statements; one run as of 1 July 2025 issues
  24 statements each (July 2023-June 2025). Its time per statement is
  compared with the month end's (target ≤ 2×).

A digest (md5 over every field of the month-end statements, in note order)
is printed so a change to the generation can be shown to keep every figure
and explanation identical: the register is seeded, so ids and amounts are the
same from run to run.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import platform
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
SCRATCH_DB = "notedesk_bench"
HOLDERS = 200


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def scratch_database_create(server_url: str, name: str) -> str:
    """Drop and recreate the scratch database; return its URL."""
    import psycopg

    if "bench" not in name:
        sys.exit(f"refusing: the scratch database name must contain 'bench', not {name!r}")
    current = urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/")
    if current == name:
        sys.exit(f"refusing: DATABASE_URL already names {name!r}; the bench drops it")
    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_database(server_url, name)


def scratch_database_drop(server_url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    # The letters a finished run makes due are the notice job's work, not the month end's.
    os.environ["NOTICES_AFTER_SERVICING"] = "false"
    # As in production: with DEBUG on, Django's cursor wrapper keeps every query's text.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # The eager broker stub ("memory://") warns about its missing hostname.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)

    assert settings.CELERY_TASK_ALWAYS_EAGER, "tasks must run in-process"
    assert settings.DATABASES["default"]["NAME"] == urlsplit(database_url).path.lstrip("/")


@contextmanager
def timer():
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def first_of_month(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


# --- the register -------------------------------------------------------------------------


def register_base(day_count: str, rate: Decimal):
    from holders.services import holder_create
    from notes.services import issuer_create, series_create

    issuer = issuer_create(
        name="Bench Holdings, Inc.",
        principal_office_address="1 Bench Way\nSanta Rosa, CA 95403",
        state_of_incorporation="Delaware",
    )
    series = series_create(
        issuer=issuer,
        name="Bench Series",
        agreement_date=date(2020, 1, 1),
        stated_rate=rate,
        day_count=day_count,
    )
    holders = [
        holder_create(
            name=f"Bench Holder {i}", kind="person", email=f"h{i}@example.com",
            tax_id=f"000-00-{i:04d}",
        ).pk
        for i in range(HOLDERS)
    ]
    return series, holders


def notes_copy(series, holders: list[int], count: int, month: date, seed: int, prefix: str) -> None:
    """COPY `count` notes issued on the days of `month`, with seeded principal amounts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from notes.domain.periods import maturity_date

    rng = random.Random(seed)
    next_month = first_of_month(month.replace(day=28) + timedelta(days=4), 0)
    days_in_month = (next_month - month).days
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # Skip the audit trigger (and the FK checks) for the load: each audited
        # row runs PL/pgSQL exception blocks, and every caught exception scans the
        # transaction's pending deferred FK events, so one big load is quadratic
        # (10k notes 1.5 s, 40k 19 s, 100k over 2 minutes).
        cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.copy(
            "COPY notes_note (number, principal_currency, principal, issue_date, maturity_date,"
            " status, created_at, holder_id, series_id) FROM STDIN"
        ) as copy:
            for i in range(count):
                issue = month + timedelta(days=i % days_in_month)
                principal = Decimal(rng.randrange(100_000, 200_000_001)).scaleb(-2)
                copy.write_row(
                    (
                        f"{prefix}-{i + 1:07d}",
                        series.currency,
                        principal,
                        issue,
                        maturity_date(issue, series.term_months),
                        "outstanding",
                        now,
                        holders[i % len(holders)],
                        series.pk,
                    )
                )
        cursor.execute("ANALYZE notes_note")


def payments_add(interest_paid_on: date, principal_month: date) -> tuple[int, int]:
    """Pay every statement of 90% of the notes on a day; prepay principal on 2% of notes.

    Returns:
        (interest payments, principal payments); each interest payment is
        allocated to its statement's period.
    """
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO notes_payment (note_id, paid_on, amount, amount_currency, applies_to,
                method, reference, mailed_to, holder_consent_reference, reason,
                idempotency_key, request_fingerprint, created_at)
            SELECT note_id, %s, amount, amount_currency, 'interest', 'check', 'bench', '', '',
                   '', 'bench-interest-' || note_id || '-' || period_start, '', now()
            FROM notes_intereststatement WHERE note_id %% 10 <> 0 AND amount > 0
            """,
            [interest_paid_on],
        )
        interest = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO notes_paymentallocation (payment_id, note_id, period_start, paid_on, amount)
            SELECT p.id, p.note_id, s.period_start, p.paid_on, p.amount
            FROM notes_payment p JOIN notes_intereststatement s ON s.note_id = p.note_id
                AND p.idempotency_key = 'bench-interest-' || s.note_id || '-' || s.period_start
            WHERE p.applies_to = 'interest'
            """
        )
        cursor.execute(
            """
            INSERT INTO notes_payment (note_id, paid_on, amount, amount_currency, applies_to,
                method, reference, mailed_to, holder_consent_reference, reason,
                idempotency_key, request_fingerprint, created_at)
            SELECT id, %s::date + (id %% 28)::int, round(principal / 4, 2), principal_currency,
                   'principal', 'wire', 'bench', '', 'bench consent on file', '',
                   'bench-principal-' || id, '', now()
            FROM notes_note WHERE id %% 50 = 7
            """,
            [principal_month],
        )
        principal = cursor.rowcount
        cursor.execute("ANALYZE notes_payment; ANALYZE notes_paymentallocation")
        cursor.execute("ANALYZE notes_intereststatement")
    return interest, principal


def register_empty() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notes_paymentallocation, notes_payment, notes_intereststatement,"
            " notes_servicingchunk, notes_note RESTART IDENTITY CASCADE"
        )


# --- the runs -----------------------------------------------------------------------------


def servicing_run(as_of: date, trigger: str, profile: str | None = None):
    from notes.models import RunStatus
    from notes.services.servicing import servicing_run_start

    profiler = cProfile.Profile() if profile else None
    with timer() as elapsed:
        if profiler:
            profiler.enable()
        run = servicing_run_start(as_of=as_of, trigger=trigger)
        if profiler:
            profiler.disable()
    if profiler:
        profiler.dump_stats(profile)
    run.refresh_from_db()
    if run.status != RunStatus.DONE:
        sys.exit(f"run {run.pk} as of {as_of} ended {run.status}: {run.error}")
    return run, elapsed["seconds"]


def statements_count(run_id: int) -> int:
    from notes.models import InterestStatement

    return InterestStatement.objects.filter(servicing_run_id=run_id).count()


def statements_digest(run_id: int) -> tuple[str, Decimal]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT md5(string_agg(concat_ws('|', note_id, period_start, period_end, due_date,
                                            days, amount, amount_currency, rate, day_count,
                                            calculation), E'\n'
                                  ORDER BY note_id, period_start)),
                   sum(amount)
            FROM notes_intereststatement WHERE servicing_run_id = %s
            """,
            [run_id],
        )
        return cursor.fetchone()


STATEMENT_COLUMNS = (
    "note_id, period_start, period_end, due_date, days, amount, amount_currency, rate,"
    " day_count, calculation, servicing_run_id, created_at"
)


def statements_rows(run_id: int) -> list[tuple]:
    """A run's statements as rows of STATEMENT_COLUMNS, to COPY elsewhere."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {STATEMENT_COLUMNS} FROM notes_intereststatement"
            " WHERE servicing_run_id = %s ORDER BY note_id, period_start",
            [run_id],
        )
        return cursor.fetchall()


def copy_timed(table: str, rows: list[tuple]) -> float:
    """Seconds to COPY the rows into a table and commit (deferred checks and triggers included)."""
    from django.db import connection, transaction

    with (
        timer() as elapsed,
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({STATEMENT_COLUMNS}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    return elapsed["seconds"]


def copy_reference(rows: list[tuple]) -> tuple[int, float]:
    """COPY the rows into ``bench_copy``, a constraint-free copy of the statements table.

    Returns:
        (rows in the table, seconds)
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_copy (LIKE notes_intereststatement"
            " INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        cursor.execute("TRUNCATE bench_copy")
    seconds = copy_timed("bench_copy", rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_copy")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy")
    return copied, seconds


# Each index, constraint and trigger of the statements table, alone on a bare copy
# of it; "kept" ones are in the schema (notes/migrations/0010_…, 0013_…, 0015_…), "dropped"
# and "replaced" ones were.
SCHEMA_PARTS = [
    ("primary key (id)", "kept",
     "ALTER TABLE {t} ADD PRIMARY KEY (id)"),
    ("unique (note_id, period_start, 0 | id)", "kept",
     "CREATE UNIQUE INDEX ON {t} (note_id, period_start,"
     " (CASE WHEN corrects_id IS NULL THEN 0 ELSE id END))"),
    ("index (corrects_id) where set", "kept",
     "CREATE INDEX ON {t} (corrects_id) WHERE corrects_id IS NOT NULL"),
    ("trigger statement_note_exists (per INSERT)", "kept",
     "CREATE TRIGGER {t}_note_exists AFTER INSERT ON {t} REFERENCING NEW TABLE AS"
     " new_statements FOR EACH STATEMENT EXECUTE FUNCTION {note_exists}()"),
    ("trigger statement_corrects_exists (adjustments)", "kept",
     "CREATE CONSTRAINT TRIGGER {t}_corrects_exists AFTER INSERT ON {t}"
     " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.corrects_id IS NOT NULL)"
     " EXECUTE FUNCTION {corrects_exists}()"),
    ("FK corrects_id -> itself (per row)", "replaced",
     "ALTER TABLE {t} ADD FOREIGN KEY (corrects_id) REFERENCES notes_intereststatement (id)"
     " DEFERRABLE INITIALLY DEFERRED"),
    ("FK note_id -> notes_note (per row)", "replaced",
     "ALTER TABLE {t} ADD FOREIGN KEY (note_id) REFERENCES notes_note (id)"
     " DEFERRABLE INITIALLY DEFERRED"),
    ("FK servicing_run_id -> notes_servicingrun", "dropped",
     "ALTER TABLE {t} ADD FOREIGN KEY (servicing_run_id) REFERENCES notes_servicingrun (id)"
     " DEFERRABLE INITIALLY DEFERRED"),
    ("4 CHECK constraints", "kept",
     "ALTER TABLE {t} ADD CHECK (days >= 0),"
     " ADD CHECK (corrects_id IS NULL OR NOT reason = ''),"
     " ADD CHECK (amount >= 0 AND corrects_id IS NULL"
     " OR corrects_id IS NOT NULL AND NOT amount = 0),"
     " ADD CHECK (period_end >= period_start AND due_date > period_end)"),
    ("unique (note_id, period_start) where original", "dropped",
     "CREATE UNIQUE INDEX ON {t} (note_id, period_start) WHERE corrects_id IS NULL"),
    ("index (note_id)", "dropped", "CREATE INDEX ON {t} (note_id)"),
    ("index (servicing_run_id)", "dropped", "CREATE INDEX ON {t} (servicing_run_id)"),
    ("index (corrects_id)", "dropped", "CREATE INDEX ON {t} (corrects_id)"),
]


def schema_costs(rows: list[tuple], repeat: int) -> list[tuple[str, str, float, float]]:
    """Seconds to COPY the rows into a bare copy of the table with each part alone.

    Every part gets its own table; the tables are filled in turn (interleaved),
    `repeat` times, and emptied between attempts.

    Returns:
        [(part, kept/dropped, median seconds, median seconds of the bare table)]
    """
    from django.db import connection

    tables = ["bench_part_bare"] + [f"bench_part_{i}" for i in range(len(SCHEMA_PARTS))]
    with connection.cursor() as cursor:
        # The function of the table's own trigger, so the copy runs the same check.
        cursor.execute(
            "SELECT tgfoid::regproc::text FROM pg_trigger"
            " WHERE tgrelid = 'notes_intereststatement'::regclass"
            " AND tgname LIKE 'pgtrigger_statement_note_exists_%'"
        )
        note_exists = cursor.fetchone()[0]
        cursor.execute(
            "SELECT tgfoid::regproc::text FROM pg_trigger"
            " WHERE tgrelid = 'notes_intereststatement'::regclass"
            " AND tgname LIKE 'pgtrigger_statement_corrects_exists_%'"
        )
        corrects_exists = cursor.fetchone()[0]
        for i, table in enumerate(tables):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} (LIKE notes_intereststatement"
                " INCLUDING DEFAULTS INCLUDING IDENTITY)"
            )
            if i:
                cursor.execute(SCHEMA_PARTS[i - 1][2].format(
                    t=table, note_exists=note_exists, corrects_exists=corrects_exists
                ))
    seconds = {table: [] for table in tables}
    for _ in range(repeat):
        for table in tables:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table}")
            seconds[table].append(copy_timed(table, rows))
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE {table}")
    bare = statistics.median(seconds["bench_part_bare"])
    return [
        (name, status, statistics.median(seconds[f"bench_part_{i}"]), bare)
        for i, (name, status, _) in enumerate(SCHEMA_PARTS)
    ]


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores{memory}"


def statements_forget(run_id: int) -> None:
    """Remove a run's statements so the same month can be generated again (scratch only).

    Statements are append-only (a trigger refuses DELETE); the bench bypasses
    it with ``session_replication_role = replica`` in its own database.
    """
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM notes_intereststatement WHERE servicing_run_id = %s", [run_id])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notes_intereststatement")


# --- the report ---------------------------------------------------------------------------


def row(label: str, notes, statements, seconds, per_second="") -> str:
    def fmt(value):
        if value == "" or value is None:
            return ""
        if isinstance(value, float):
            return f"{value:,.2f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    return (
        f"  {label:<44}{fmt(notes):>10}{fmt(statements):>12}{fmt(seconds):>10}"
        f"{fmt(round(per_second) if isinstance(per_second, float) else per_second):>11}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000, help="notes for the month end")
    parser.add_argument("--catchup-notes", type=int, default=10_000, help="0 to skip")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 7, 1),
                        help="the month-end run date, a 1st of a month (default 2025-07-01)")
    parser.add_argument("--history-months", type=int, default=1,
                        help="statements each note already has before the month end (default 1)")
    parser.add_argument("--day-count", default="ACT/365F")
    parser.add_argument("--rate", type=Decimal, default=Decimal("0.10"))
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--repeat", type=int, default=3,
                        help="time the month end and the COPYs this many times (median)")
    parser.add_argument("--profile", metavar="FILE",
                        help="cProfile the first month-end run into FILE")
    parser.add_argument("--schema-costs", action="store_true",
                        help="also time the COPY into a bare table with each index/constraint")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database", default=SCRATCH_DB,
                        help=f"scratch database name (default {SCRATCH_DB}, dropped first)")
    args = parser.parse_args(argv)
    if args.as_of.day != 1:
        parser.error("--as-of must be the 1st of a month")
    if args.history_months < 1:
        parser.error("--history-months must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    url = scratch_database_create(server, args.database)
    django_setup(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    try:
        with timer() as migrate:
            call_command("migrate", verbosity=0)
        as_of = args.as_of
        period = first_of_month(as_of, 1)  # the month the run must issue
        months = args.history_months
        history = first_of_month(as_of, 1 + months)  # the notes' issue month
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        print(
            f"NoteDesk month-end bench — {machine()}, Python {platform.python_version()},"
            f" PostgreSQL {server_version},"
            f" chunk size {getattr(settings, 'SERVICING_CHUNK_SIZE', 5000)},"
            f" {args.rate} {args.day_count}, scratch database {args.database}"
            f" (migrated in {migrate['seconds']:.1f} s)"
        )

        series, holders = register_base(args.day_count, args.rate)
        n = args.notes
        with timer() as load:
            notes_copy(series, holders, n, history, args.seed, "MB")
        setup_run, setup_seconds = servicing_run(period, "bench-setup")
        if setup_run.statements_created != n * months:
            sys.exit(f"set-up run issued {setup_run.statements_created} statements,"
                     f" not {n * months}")
        interest_paid, principal_paid = payments_add(
            interest_paid_on=date(period.year, period.month, 15), principal_month=period
        )

        # Each attempt: the month end, then the same rows COPYed into the statements
        # table itself (its indexes, checks and note trigger) and into a bare table, so
        # the three figures of an attempt see the same load on the machine.
        times, into_table, bare, ratios = [], [], [], []
        run, digest, rows, first_run_id = None, None, None, None
        for attempt in range(args.repeat):
            if first_run_id is not None:
                statements_forget(first_run_id)  # the rows COPYed back last time
            run, seconds = servicing_run(as_of, "bench", args.profile if not attempt else None)
            created = statements_count(run.pk)
            ok = created == run.statements_created == n
            if not ok:
                sys.exit(f"month-end run {attempt + 1} issued {created} statements, not {n}")
            digest_of_run, total = statements_digest(run.pk)
            if digest is not None and digest_of_run != digest:
                sys.exit(f"repeat {attempt + 1} wrote different statements: {digest_of_run}")
            digest = digest_of_run
            if rows is None:
                rows, first_run_id = statements_rows(run.pk), run.pk
            statements_forget(run.pk)
            into_table.append(copy_timed("notes_intereststatement", rows))
            copied, copy_seconds = copy_reference(rows)
            if copied != n:
                sys.exit(f"COPY wrote {copied} rows, not {n}")
            times.append(seconds)
            bare.append(copy_seconds)
            ratios.append(seconds / copy_seconds)

        print()
        print(
            f"Month end as of {as_of}: {n:,} notes issued in {history:%B %Y} with"
            f" {n * months:,} statements ({interest_paid:,} of them paid), {principal_paid:,}"
            f" principal payments in {period:%B %Y}; {run.chunks_total} chunks"
        )
        print(row("phase", "notes", "statements", "seconds", "notes/s"))
        print(row("load notes (COPY)", n, "", load["seconds"]))
        print(row(f"set-up run as of {period}", n, setup_run.statements_created,
                  setup_seconds, n / setup_seconds))
        label = f" (median of {args.repeat})" if args.repeat > 1 else ""
        seconds, table_seconds, copy_seconds = (
            statistics.median(times), statistics.median(into_table), statistics.median(bare)
        )
        print(row(f"month-end run as of {as_of}{label}", n, created, seconds, n / seconds))
        print(row("  COPY into notes_intereststatement", "", n, table_seconds, n / table_seconds))
        print(row("  COPY into a bare copy of the table", "", n, copy_seconds, n / copy_seconds))
        print(f"  ratio month-end / bare COPY: {statistics.median(ratios):.2f}"
              f" (median of the attempts' ratios; target ≤ 3)")
        if args.repeat > 1:
            for name, values in [("month-end", times), ("COPY into table", into_table),
                                 ("bare COPY", bare), ("ratio", ratios)]:
                print(f"  {name + ':':<17}" + ", ".join(f"{v:.2f}" for v in values))
        print(f"  statements = notes: {'yes' if ok else 'NO'};"
              f" past due as of {as_of}: {run.past_due_statements:,}")
        print(f"  sum of amounts {total:,}; digest {digest}")
        month_end_per_statement = seconds / n
        if args.schema_costs:
            print()
            print(f"Each index, constraint and trigger alone on a bare copy of the table: COPY of"
                  f" the same {n:,} rows, median of {args.repeat}, interleaved")
            print(f"  {'part':<48}{'status':>9}{'seconds':>9}{'+ s':>8}{'+ µs/row':>10}")
            for name, status, part_seconds, bare_seconds in schema_costs(rows, args.repeat):
                extra = part_seconds - bare_seconds
                print(f"  {name:<48}{status:>9}{part_seconds:>9.2f}{extra:>8.2f}"
                      f"{extra / n * 1e6:>10.1f}")
            print(f"  (bare table: {bare_seconds:.2f} s)")
        if args.profile:
            print(f"  profile of the month-end run: {args.profile}")

        m = args.catchup_notes
        if m:
            register_empty()
            catchup_month = first_of_month(as_of, 24)
            notes_copy(series, holders, m, catchup_month, args.seed + 1, "CU")
            catchup, catchup_seconds = servicing_run(as_of, "bench-catchup")
            catchup_created = statements_count(catchup.pk)
            expected = 24 * m
            catchup_digest, _ = statements_digest(catchup.pk)
            print()
            print(f"Catch-up as of {as_of}: {m:,} notes issued in {catchup_month:%B %Y},"
                  f" no statements; 24 months each")
            print(row("phase", "notes", "statements", "seconds", "stmts/s"))
            print(row("catch-up run", m, catchup_created, catchup_seconds,
                      catchup_created / catchup_seconds))
            print(f"  statements = 24 × notes: {'yes' if catchup_created == expected else 'NO'};"
                  f" digest {catchup_digest}")
            catchup_per_statement = catchup_seconds / catchup_created
            print(f"  per statement: catch-up {catchup_per_statement * 1e6:.1f} µs, month end"
                  f" {month_end_per_statement * 1e6:.1f} µs; ratio"
                  f" {catchup_per_statement / month_end_per_statement:.2f} (target ≤ 2)")
            if catchup_created != expected:
                sys.exit(f"catch-up run issued {catchup_created} statements, not {expected}")
    finally:
        if args.keep:
            print(f"\nkept the scratch database: {url}")
        else:
            scratch_database_drop(server, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())

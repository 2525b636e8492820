"""Conversion benchmark: how fast a $5M Qualified Offering converts a whole series.

Run on demand, never by the test suite::

    .venv/bin/python bench/conversion.py [--notes N] [--repeat R] [--against DIR]

The register is built once, in a template database (``<database>_template``,
default ``notedesk_bench_conversion_template``), with tasks in-process:

- N outstanding notes (default 10,000) of one series (10%, ACT/365F), issued
  on the days of June 2024 (COPY);
- a year of statements (June 2024 – May 2025, one servicing run as of
  2025-06-01) and payments: 90% of the first month's interest paid, principal
  prepaid (with consent) on 2% of the notes.

Each attempt then clones the template (``CREATE DATABASE … TEMPLATE``), and in
a fresh process records a $5,110,000 PIPE closing 2025-06-20 (the worked
example's sales, Conversion Price 2.412451), timed until its trigger is done
and every note is converted: Note Amounts from a year of history, conversion
entries with their allocations, shares and cash in lieu, §6.2 obligations,
and each converted note's audit event.

After each attempt the bench prints a **digest** of everything the conversion
wrote (conversions, their payments and allocations, the notes' new status,
obligations, statement corrections and the notes' audit events, without ids
or timestamps): it must be the same before and after a change to the
conversion code, and the same on every attempt.

``--against DIR`` interleaves attempts of another checkout of the product
(e.g. ``git archive <commit> | tar -x -C DIR``) with this one — A, B, A, B… —
so both see the same machine load; the ratio of the medians is the figure to
quote, and the two digests must agree. The other checkout gets a template of
its own (``<database>_against_template``), built by its own migrations from the
same seed, so a change of schema (an index, a constraint) counts on its side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
DEFAULT_DATABASE = "notedesk_bench_conversion"
SALES = [(150_000, "2.00"), (200_000, "2.50"), (100_000, "3.10"), (1_000_000, "4.00")]


def _server() -> str:
    from bench.month_end import DEFAULT_SERVER

    return os.environ.get("DATABASE_URL") or DEFAULT_SERVER


def _admin(sql: str) -> None:
    import psycopg

    from bench.month_end import _with_database

    with psycopg.connect(_with_database(_server(), "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def _drop(name: str) -> None:
    import psycopg

    from bench.month_end import _with_database

    with psycopg.connect(_with_database(_server(), "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _exists(name: str) -> bool:
    import psycopg

    from bench.month_end import _with_database

    with psycopg.connect(_with_database(_server(), "postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() \
            is not None


# --- stage 1: the register, in the template database --------------------------------------


def stage_prepare(template: str, n: int, seed: int) -> dict:
    from datetime import date
    from decimal import Decimal

    from bench.month_end import (
        django_setup,
        notes_copy,
        payments_add,
        register_base,
        scratch_database_create,
        servicing_run,
        timer,
    )

    url = scratch_database_create(_server(), template)
    django_setup(url)
    from django.core.management import call_command
    from django.db import connection, connections

    call_command("migrate", verbosity=0)
    series, holders = register_base("ACT/365F", Decimal("0.10"))
    with timer() as load:
        notes_copy(series, holders, n, date(2024, 6, 1), seed, "CB")
    first_run, first_seconds = servicing_run(date(2024, 7, 1), "bench-first-month")
    interest_paid, principal_paid = payments_add(
        interest_paid_on=date(2024, 7, 15), principal_month=date(2024, 9, 1)
    )
    history_run, history_seconds = servicing_run(date(2025, 6, 1), "bench-history")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    connections.close_all()
    return {
        "notes": n,
        "statements": history_run.statements_created + first_run.statements_created,
        "interest_payments": interest_paid,
        "principal_payments": principal_paid,
        "load_seconds": load["seconds"],
        "history_seconds": history_seconds + first_seconds,
        "server_version": server_version,
    }


# --- stage 2: one conversion, on a clone ------------------------------------------------------

DIGEST_SQL = """
SELECT
  (SELECT md5(coalesce(string_agg(concat_ws('|', c.note_id, c.trigger, c.conversion_date,
          c.currency, c.principal_converted, c.interest_converted, c.note_amount, c.status,
          c.conversion_price, c.price_source, c.shares, c.cash_in_lieu, c.cash_due_date),
          E'\\n' ORDER BY c.note_id), ''))
     FROM offerings_conversion c),
  (SELECT md5(coalesce(string_agg(concat_ws('|', p.note_id, p.paid_on, p.amount,
          p.amount_currency, p.applies_to, p.method, p.reference),
          E'\\n' ORDER BY p.note_id, p.applies_to), ''))
     FROM notes_payment p WHERE p.method = 'conversion'),
  (SELECT md5(coalesce(string_agg(concat_ws('|', a.note_id, a.period_start, a.paid_on,
          a.amount, p.applies_to), E'\\n' ORDER BY a.note_id, a.period_start), ''))
     FROM notes_paymentallocation a JOIN notes_payment p ON p.id = a.payment_id
     WHERE p.method = 'conversion'),
  (SELECT md5(coalesce(string_agg(concat_ws('|', n.id, n.status, n.ended_on),
          E'\\n' ORDER BY n.id), ''))
     FROM notes_note n),
  (SELECT md5(coalesce(string_agg(concat_ws('|', o.kind, o.note_id, o.holder_id,
          c.note_id, o.offering_id IS NULL, o.due_by), E'\\n' ORDER BY o.note_id, o.kind), ''))
     FROM offerings_noticeobligation o LEFT JOIN offerings_conversion c ON c.id = o.conversion_id),
  (SELECT md5(coalesce(string_agg(concat_ws('|', s.note_id, s.period_start, s.amount,
          s.corrects_id IS NULL, s.reason), E'\\n' ORDER BY s.note_id, s.period_start, s.id),
          ''))
     FROM notes_intereststatement s WHERE s.corrects_id IS NOT NULL),
  (SELECT md5(coalesce(string_agg(concat_ws('|', e.pgh_obj_id, e.pgh_label, e.status,
          e.ended_on), E'\\n' ORDER BY e.pgh_obj_id, e.pgh_id), ''))
     FROM notes_noteevent e WHERE e.status = 'converted'),
  (SELECT count(*) FROM offerings_conversion WHERE status = 'done'),
  (SELECT coalesce(sum(note_amount), 0) FROM offerings_conversion),
  (SELECT coalesce(sum(shares), 0) FROM offerings_conversion),
  (SELECT coalesce(sum(cash_in_lieu), 0) FROM offerings_conversion),
  (SELECT count(DISTINCT e.pgh_obj_id) FROM notes_noteevent e
     WHERE e.status = 'converted' AND e.pgh_label = 'update')
"""


def stage_convert(database: str, profile: str | None) -> dict:
    import cProfile
    import hashlib
    from datetime import date
    from decimal import Decimal

    from bench.month_end import _with_database, django_setup, timer

    django_setup(_with_database(_server(), database))
    import pghistory
    from django.db import connection, transaction

    from notes.models import Issuer
    from offerings.models import Conversion, ConversionTrigger, NoticeObligation
    from offerings.services import offering_record

    issuer = Issuer.objects.get()
    # Warm the connection and the ORM's model caches outside the timing, and start
    # Celery's worker side as a worker does once when it starts (its Django fixup
    # runs the system checks then); in-process, the first task would otherwise.
    Conversion.objects.exists()
    from config import celery_app

    celery_app.loader.init_worker()
    profiler = cProfile.Profile() if profile else None
    with timer() as elapsed:
        if profiler:
            profiler.enable()
        # As a Finance user's request would be: the audit context names who acted.
        with pghistory.context(user=None, url="/offerings/new/"), transaction.atomic():
            offering = offering_record(
                issuer=issuer, kind="pipe", closing_date=date(2025, 6, 20),
                gross_proceeds=Decimal("5110000.00"),
                sales=[{"shares": s, "price_per_share": Decimal(p)} for s, p in SALES],
            )
        # In-process mode: the trigger ran at commit; a worker would run it now.
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
    trigger = ConversionTrigger.objects.get(offering=offering)
    obligations = NoticeObligation.objects.filter(kind="automatic_conversion").count()
    sample = Conversion.objects.order_by("note_id").first()
    with connection.cursor() as cursor:
        cursor.execute(DIGEST_SQL)
        parts = cursor.fetchone()
    digests, figures = parts[:7], parts[7:]
    return {
        "seconds": elapsed["seconds"],
        "trigger": trigger.status,
        "outcome": trigger.outcome,
        "price": str(offering.conversion_price),
        "converted": figures[0],
        "note_amounts": str(figures[1]),
        "shares": int(figures[2]),
        "cash_in_lieu": str(figures[3]),
        "audited": figures[4],
        "obligations": obligations,
        "sample": f"Note Amount {sample.note_amount:,} → {sample.shares:,} shares,"
        f" cash in lieu {sample.cash_in_lieu}",
        "digest": hashlib.md5("/".join(digests).encode()).hexdigest(),
    }


# --- the driver -----------------------------------------------------------------------------


def _stage(root: Path, stage: str, *args: str) -> dict:
    """Run a stage in a fresh process, importing the product from `root`."""
    # The letters a servicing run makes are not what is measured here.
    env = dict(os.environ, CONVERSION_BENCH_ROOT=str(root), NOTICES_AFTER_SERVICING="false")
    out = subprocess.run(
        [sys.executable, str(HERE), "--stage", stage, *args],
        env=env, cwd=root, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(*cells) -> str:
    widths = (34, 10, 10, 12)
    return "  ".join(
        f"{c:,.2f}".rjust(w) if isinstance(c, float)
        else f"{c:,}".rjust(w) if isinstance(c, int) else str(c).ljust(w)
        for c, w in zip(cells, widths, strict=False)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=3, help="attempts (per checkout)")
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help="scratch database name (must contain 'bench')")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the template database of an earlier run with --keep")
    parser.add_argument("--keep", action="store_true", help="keep the template database")
    parser.add_argument("--against", metavar="DIR",
                        help="another checkout of the product to interleave with this one")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the first attempt into FILE")
    parser.add_argument("--stage", choices=["prepare", "convert"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    root = Path(os.environ.get("CONVERSION_BENCH_ROOT", ROOT)).resolve()
    sys.path.insert(0, str(root))
    template = f"{args.database}_template"
    if args.stage == "prepare":
        print(json.dumps(stage_prepare(template, args.notes, args.seed)))
        return 0
    if args.stage == "convert":
        print(json.dumps(stage_convert(args.database, args.profile)))
        return 0
    if "bench" not in args.database:
        sys.exit(f"refusing: the scratch database name must contain 'bench': {args.database!r}")

    checkouts = [("this", ROOT)]
    if args.against:
        checkouts.insert(0, ("against", Path(args.against).resolve()))
    # Each checkout's register is migrated by its own code (`<database>_template` for
    # this one, `<database>_against_template` for the other), from the same seed.
    templates = {
        label: f"{args.database}{'_against' if label == 'against' else ''}_template"
        for label, _ in checkouts
    }
    try:
        for label, path in checkouts:
            if args.reuse and _exists(templates[label]):
                print(f"NoteDesk conversion bench — reusing {templates[label]}")
                continue
            database = f"{args.database}_against" if label == "against" else args.database
            setup = _stage(
                path, "prepare", "--notes", str(args.notes), "--seed", str(args.seed),
                "--database", database,
            )
            print(
                f"NoteDesk conversion bench ({label}) — PostgreSQL {setup['server_version']};"
                f" {setup['notes']:,} notes with {setup['statements']:,} statements,"
                f" {setup['interest_payments']:,} interest and"
                f" {setup['principal_payments']:,} principal payments"
                f" (COPY {setup['load_seconds']:.1f} s, a year of statements"
                f" {setup['history_seconds']:.1f} s)"
            )
        results: dict[str, list[dict]] = {label: [] for label, _ in checkouts}
        for attempt in range(args.repeat):
            for label, path in checkouts:
                _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
                _admin(f'CREATE DATABASE "{args.database}" TEMPLATE "{templates[label]}"')
                extra = ["--profile", args.profile] if args.profile and attempt == 0 else []
                result = _stage(path, "convert", "--database", args.database, *extra)
                results[label].append(result)
                print(
                    f"  attempt {attempt + 1} {label:8} {result['seconds']:6.2f} s"
                    f"  {args.notes / result['seconds']:8,.0f} notes/s"
                    f"  digest {result['digest']}  trigger {result['trigger']}"
                )
        print()
        print(_row("code", "notes", "median s", "notes/s"))
        medians = {}
        for label, path in checkouts:
            seconds = statistics.median(r["seconds"] for r in results[label])
            medians[label] = seconds
            print(_row(f"{label} ({path})", args.notes, seconds, args.notes / seconds))
        if args.against:
            print(f"  against / this (median seconds): {medians['against'] / medians['this']:.2f}×")
        last = results["this"][-1]
        print(f"  Conversion Price {last['price']}; conversions done {last['converted']:,};"
              f" §6.2 obligations {last['obligations']:,}; notes with a conversion audit event"
              f" {last['audited']:,}; trigger {last['trigger']}")
        print(f"  Note Amounts {last['note_amounts']}; shares {last['shares']:,};"
              f" cash in lieu {last['cash_in_lieu']}")
        print(f"  first note: {last['sample']}")
        digests = {r["digest"] for rs in results.values() for r in rs}
        print(f"  digest {' ≠ '.join(sorted(digests))}")
        failed = [
            label for label, rs in results.items()
            for r in rs
            if r["trigger"] != "done" or r["converted"] != args.notes
            or r["obligations"] != args.notes or r["audited"] != args.notes
        ]
        if failed:
            sys.exit(f"not every note was converted, obliged and audited: {sorted(set(failed))}")
        if len(digests) != 1:
            sys.exit("the digests differ: the conversions are not the same")
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        if not args.keep:
            for name in templates.values():
                _drop(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Conversion benchmark: how fast a $5M Qualified Offering converts a whole series.

Run on demand, never by the test suite::

    .venv/bin/python bench/conversion.py [--notes N] [--keep]

In the scratch database of ``bench/month_end.py`` (dropped, recreated and
migrated; dropped at the end unless ``--keep``), with tasks in-process:

- N outstanding notes (default 10,000) of one series (10%, ACT/365F), issued
  on the days of June 2024 (COPY);
- a year of statements (June 2024 – May 2025, one servicing run as of
  2025-06-01) and payments: 90% of the first month's interest paid, principal
  prepaid (with consent) on 2% of the notes;
- then a $5,110,000 PIPE closing 2025-06-20 is recorded (the worked example's
  sales, Conversion Price 2.412451) and timed until its trigger is done and
  every note is converted: Note Amounts from a year of history, conversion
  entries with their allocations, shares and cash in lieu, §6.2 obligations.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.month_end import (  # noqa: E402
    DEFAULT_SERVER,
    SCRATCH_DB,
    django_setup,
    notes_copy,
    payments_add,
    register_base,
    row,
    scratch_database_create,
    scratch_database_drop,
    servicing_run,
    timer,
)

SALES = [(150_000, "2.00"), (200_000, "2.50"), (100_000, "3.10"), (1_000_000, "4.00")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the conversion into FILE")
    args = parser.parse_args(argv)

    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    url = scratch_database_create(server, SCRATCH_DB)
    django_setup(url)
    from django.core.management import call_command
    from django.db import connection, transaction

    from offerings.models import Conversion, ConversionTrigger, NoticeObligation
    from offerings.services import offering_record

    try:
        call_command("migrate", verbosity=0)
        n = args.notes
        series, holders = register_base("ACT/365F", Decimal("0.10"))
        with timer() as load:
            notes_copy(series, holders, n, date(2024, 6, 1), args.seed, "CB")
        first_run, first_seconds = servicing_run(date(2024, 7, 1), "bench-first-month")
        interest_paid, principal_paid = payments_add(
            interest_paid_on=date(2024, 7, 15), principal_month=date(2024, 9, 1)
        )
        history_run, history_seconds = servicing_run(date(2025, 6, 1), "bench-history")
        history_run.statements_created += first_run.statements_created
        history_seconds += first_seconds
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        print(
            f"NoteDesk conversion bench — Python {platform.python_version()}, PostgreSQL"
            f" {server_version}; {n:,} notes with {history_run.statements_created:,} statements,"
            f" {interest_paid:,} interest and {principal_paid:,} principal payments"
        )

        import cProfile

        profiler = cProfile.Profile() if args.profile else None
        with timer() as elapsed:
            if profiler:
                profiler.enable()
            with transaction.atomic():
                offering = offering_record(
                    issuer=series.issuer, kind="pipe", closing_date=date(2025, 6, 20),
                    gross_proceeds=Decimal("5110000.00"),
                    sales=[{"shares": s, "price_per_share": Decimal(p)} for s, p in SALES],
                )
            # In-process mode: the trigger ran at commit; a worker would run it now.
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
        trigger = ConversionTrigger.objects.get(offering=offering)
        converted = Conversion.objects.filter(offering=offering, status="done").count()
        obligations = NoticeObligation.objects.filter(kind="automatic_conversion").count()
        ok = trigger.status == "done" and converted == n == obligations
        sample = Conversion.objects.order_by("note_id").first()

        print()
        print(row("phase", "notes", "statements", "seconds", "notes/s"))
        print(row("load notes (COPY)", n, "", load["seconds"]))
        print(row("a year of statements (one run)", n, history_run.statements_created,
                  history_seconds, n / history_seconds))
        print(row("$5.11M PIPE → every note converted", n, "", elapsed["seconds"],
                  n / elapsed["seconds"]))
        print(f"  Conversion Price {offering.conversion_price}; conversions done {converted:,};"
              f" §6.2 obligations {obligations:,}; trigger {trigger.status}")
        print(f"  first note: Note Amount {sample.note_amount:,} → {sample.shares:,} shares,"
              f" cash in lieu {sample.cash_in_lieu}")
        if not ok:
            sys.exit("not every note was converted")
    finally:
        if not args.keep:
            scratch_database_drop(server, SCRATCH_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())

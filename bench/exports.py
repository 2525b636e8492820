"""Reports benchmark: notes outstanding and the month's accrual export at 100,000 notes.

Run on demand, never by the test suite::

    .venv/bin/python bench/exports.py [--notes N] [--history-months H] [--keep]

Works in a scratch database (``notedesk_bench_exports``, or ``--database``) on
the server of ``DATABASE_URL`` (else ``postgres://postgres@127.0.0.1:5432``),
dropped, recreated and migrated at the start, dropped at the end unless
``--keep``. Tasks run in-process.

Scenario: N notes (default 100,000) of one series issued on the days of one
month, H months (default 12) before the month reported (loaded with COPY, as
in ``month_end.py``), 90% of them paid their first month's interest and 2%
a quarter of their principal in the month reported (SQL inserts: no
servicing run, whose letters would take the set-up's time). The reports
derive every figure from those facts, statements or not. Then, timed:

Unless ``--no-stated``, a servicing run as of the month reported first states
the months before it (the reports read those, as a real register's would, and
compute only the month reported); the figures are the same either way.

- ``notes_outstanding_report`` as of the month's last day (every position);
- the dashboard's totals as of that day, first added up and stored, then read
  back (``totals_snapshot_for``);
- the month's accrual journal written as CSV, and as XLSX, by the export job
  (``report_export_process``), with the rows and the debit/credit totals.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.month_end import (  # noqa: E402
    DEFAULT_SERVER,
    django_setup,
    first_of_month,
    notes_copy,
    register_base,
    scratch_database_create,
    scratch_database_drop,
    servicing_run,
)


def payments_insert(first_month_start: date, interest_paid_on: date, principal_month: date):
    """Pay the first month's interest of 90% of the notes; a quarter of principal on 2%."""
    from django.db import connection, transaction

    from notes.domain.interest import period_interest, principal_timeline
    from notes.models import Note

    rows = []
    for pk, principal, issue in Note.objects.values_list("pk", "principal", "issue_date"):
        if pk % 10 == 0:
            continue
        end = first_of_month(first_month_start, -1).replace(day=1)
        end = date.fromordinal(end.toordinal() - 1)
        amount = period_interest(
            principal_timeline(issue, principal), Decimal("0.10"), "ACT/365F", issue, end
        )
        rows.append((pk, issue, amount))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.copy(
            "COPY notes_payment (note_id, paid_on, amount, amount_currency, applies_to, method,"
            " reference, mailed_to, holder_consent_reference, reason, idempotency_key,"
            " request_fingerprint, created_at) FROM STDIN"
        ) as copy:
            for pk, _, amount in rows:
                copy.write_row((pk, interest_paid_on, amount, "USD", "interest", "check",
                                "bench", "", "", "", f"bench-i-{pk}", "", "now"))
        cursor.execute(
            """
            INSERT INTO notes_paymentallocation (payment_id, note_id, period_start, paid_on, amount)
            SELECT p.id, p.note_id, n.issue_date, p.paid_on, p.amount
            FROM notes_payment p JOIN notes_note n ON n.id = p.note_id
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
    return len(rows), principal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--history-months", type=int, default=12)
    parser.add_argument("--month", default="2025-06", help="the month reported, YYYY-MM")
    parser.add_argument("--database", default="notedesk_bench_exports")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--no-stated", dest="stated", action="store_false",
        help="no servicing run first: every month computed from the facts",
    )
    args = parser.parse_args(argv)

    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    # The set-up's servicing run is only there to state months: no letters for them.
    os.environ["NOTICES_AFTER_SERVICING"] = "false"
    url = scratch_database_create(server, args.database)
    django_setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    year, month = (int(x) for x in args.month.split("-"))
    reported = date(year, month, 1)
    issue_month = first_of_month(reported, args.history_months)
    try:
        from django.contrib.auth import get_user_model

        from reports import selectors
        from reports.models import ReportExport
        from reports.services import report_export_process

        t = time.perf_counter()
        series, holders = register_base("ACT/365F", Decimal("0.10"))
        notes_copy(series, holders, args.notes, issue_month, seed=7, prefix="BX")
        interest, principal = payments_insert(
            issue_month, first_of_month(issue_month, -1).replace(day=10), reported
        )
        print(f"register: {args.notes:,} notes issued {issue_month:%Y-%m}, {interest:,} interest"
              f" and {principal:,} principal payments; set up in {time.perf_counter() - t:.1f} s")

        if args.stated:
            # The months that ended before the month reported, stated by a servicing run.
            run, seconds = servicing_run(reported, "bench-stated")
            print(f"servicing run as of {reported}: {run.statements_created:,} statements"
                  f" in {seconds:.1f} s (the reports read those months, not recompute them)")

        last = selectors.month_bounds(year, month)[1]
        t = time.perf_counter()
        report = selectors.notes_outstanding_report(as_of=last, keep_rows=False)
        seconds = time.perf_counter() - t
        totals = report.totals
        print(f"notes outstanding as of {last}: {totals.notes:,} notes in {seconds:.1f} s"
              f" ({totals.notes / seconds:,.0f} notes/s); principal"
              f" {totals.outstanding_principal:,.2f}, accrued unpaid"
              f" {totals.accrued_unpaid_interest:,.2f}, past due {totals.past_due_interest:,.2f}")

        from reports.services import totals_snapshot_for

        for label in ("first view (added up)", "next view (stored)"):
            t = time.perf_counter()
            snapshot = totals_snapshot_for(as_of=last, currency="USD", inline_limit=10**9)
            print(f"dashboard totals, {label}: {snapshot.status} in"
                  f" {time.perf_counter() - t:.3f} s")

        user = get_user_model().objects.create_user("bench")
        for file_format in ("csv", "xlsx"):
            export = ReportExport.objects.create(
                kind="accrual_journal", file_format=file_format, requested_by=user,
                params={"month": args.month, "currency": "USD", "today": "9998-12-31"},
            )
            t = time.perf_counter()
            export = report_export_process(export_id=export.pk)
            seconds = time.perf_counter() - t
            size = export.file.size if export.file else 0
            print(f"accrual journal {args.month} as {file_format}: {export.status},"
                  f" {export.rows:,} lines from {export.progress_total:,} notes in"
                  f" {seconds:.1f} s, {size / 1e6:.1f} MB")
            if file_format == "csv":
                with export.file.open("rb") as f:
                    last_line = f.read().decode("utf-8-sig").strip().splitlines()[-1]
                print(f"  totals row: {last_line}")
        lines = list(selectors.month_journal_other_lines(year=year, month=month))
        print(f"  other entries of the month: {len(lines):,} lines")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            scratch_database_drop(server, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Notes-list benchmark: the /notes/ page's queries at 100,000 notes.

Run on demand, never by the test suite::

    .venv/bin/python bench/notes_list.py [--notes N] [--repeat R] [--explain] [--keep]

It works in a scratch database (``notedesk_bench_list``, or ``--database
NAME``) on the server of ``DATABASE_URL``, dropped, recreated and migrated at
the start and dropped at the end unless ``--keep`` — the set-up of
``bench/month_end.py``, whose helpers it uses.

Register: N notes (default 100,000) issued in May 2025 — nine in ten in one
series, one in ten in a second — held round-robin by 200 holders, principal
1,000.00-2,000,000.00 (seeded). A servicing run as of 1 June 2025 issues each
note's May statement (due 15 June); 90% of them are paid, 2% of the notes get a
principal payment in June, so one note in ten is past due from 16 June. 600
events of default are recorded on 500 notes (§3(ii) steps, §3(iii)
proceedings some of them resolved, payment-default notices).

Each scenario is the list page itself (`notes.views.NoteListView`, rendered)
as Finance would ask for it — the first page, a deep page (a keyset cursor
at row N − 50), a search, each sort (first and deep page), each filter — timed
``--repeat`` times (median) with the page's queries counted and the slowest
one's time shown. ``--explain`` prints the plan of each scenario's page query
and total query (EXPLAIN ANALYZE), which is where the indexes of
``notes/migrations/0009_note_list_indexes.py`` show.
"""

from __future__ import annotations

import argparse
import os
import statistics
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
    payments_add,
    register_base,
    scratch_database_create,
    scratch_database_drop,
    servicing_run,
    timer,
)

SCRATCH_DB = "notedesk_bench_list"


def second_series(series):
    from notes.services import series_create

    return series_create(
        issuer=series.issuer, name="Bench Second Series", agreement_date=date(2021, 1, 1)
    )


def default_events_add() -> int:
    """600 §3 events on 500 notes, straight in SQL (the audit trigger skipped for the load)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO notes_defaultevent (note_id, kind, date, delivery_method,
                deemed_delivered_on, description, created_at)
            SELECT id,
                   CASE id % 5 WHEN 0 THEN 'voluntary_bankruptcy'
                               WHEN 1 THEN 'involuntary_proceeding'
                               WHEN 2 THEN 'receiver_appointment'
                               ELSE 'payment_default_notice' END,
                   DATE '2025-06-20',
                   CASE WHEN id % 5 >= 3 THEN 'personal' ELSE '' END,
                   CASE WHEN id % 5 >= 3 THEN DATE '2025-06-20' END,
                   'bench', now()
            FROM notes_note WHERE id % 200 = 3
            """
        )
        events = cursor.rowcount
        # One proceeding in five resolved within its 60 days.
        cursor.execute(
            """
            INSERT INTO notes_defaultevent (note_id, kind, date, delivery_method, resolves_id,
                description, created_at)
            SELECT note_id, 'resolved', DATE '2025-07-10', '', id, 'bench', now()
            FROM notes_defaultevent
            WHERE kind IN ('involuntary_proceeding', 'receiver_appointment') AND note_id % 3 = 0
            """
        )
        events += cursor.rowcount
        cursor.execute("ANALYZE notes_defaultevent")
    return events


def deep_cursor(sort: str, rows_before: int):
    """The cursor of the row `rows_before` rows into the list in that order."""
    from core.keyset import cursor_encode
    from notes import selectors
    from notes.views import NOTE_SORTS

    field, value_of = NOTE_SORTS[sort.lstrip("-")]
    direction = "-" if sort.startswith("-") else ""
    note = (
        selectors.note_list_annotated()
        .order_by(f"{direction}{field}", f"{direction}id")[rows_before - 1: rows_before]
        .get()
    )
    return cursor_encode(value_of(note), note.pk)


def page_timed(user, params: dict, repeat: int):
    """Render the list page `repeat` times: (median seconds, queries, slowest query seconds)."""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from notes.views import NoteListView

    view = NoteListView.as_view()
    seconds, captured = [], None
    for _ in range(repeat):
        request = RequestFactory().get("/notes/", params)
        request.user = user
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = view(request)
            response.render()
            seconds.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        captured = queries.captured_queries
    slowest = max(float(q["time"]) for q in captured)
    return statistics.median(seconds), len(captured), slowest, captured


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql)
        return "\n".join("      " + row[0] for row in cursor.fetchall())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="renders per scenario (median)")
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--explain", action="store_true", help="print each page's plans")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database", default=SCRATCH_DB)
    args = parser.parse_args(argv)

    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    # The set-up's servicing run is only there to issue statements: no letters for them.
    os.environ["NOTICES_AFTER_SERVICING"] = "false"
    url = scratch_database_create(server, args.database)
    django_setup(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    try:
        with timer() as migrate:
            call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        series, holders = register_base("ACT/365F", Decimal("0.10"))
        other = second_series(series)
        month = date(2025, 5, 1)
        main_count = args.notes - args.notes // 10
        with timer() as load:
            notes_copy(series, holders, main_count, month, args.seed, "NL")
            notes_copy(other, holders, args.notes // 10, month, args.seed + 1, "NS")
            servicing_run(first_of_month(date(2025, 6, 1), 0), "bench-setup")
            payments_add(interest_paid_on=date(2025, 6, 15), principal_month=date(2025, 6, 1))
            events = default_events_add()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        user = get_user_model().objects.create_superuser("bench", "b@example.com", "x")
        print(
            f"NoteDesk notes-list bench — PostgreSQL {version}, {args.notes:,} notes, "
            f"{len(holders)} holders, {events} default events; set-up {load['seconds']:.1f} s "
            f"(migrate {migrate['seconds']:.1f} s); median of {args.repeat} renders"
        )
        holder_id = holders[17]
        deep = args.notes - 50
        scenarios = [
            ("first page (number)", {}),
            (f"deep page (number, row {deep})", {"after": deep_cursor("number", deep)}),
            ("last page", {"page": "last"}),
            ("search 'Bench Holder 17'", {"q": "Bench Holder 17"}),
            ("search note number 'NL-0042'", {"q": "NL-0042"}),
        ]
        for sort in ("holder", "principal", "issue_date", "maturity_date", "status", "-number",
                     "-principal"):
            scenarios.append((f"sort {sort}", {"sort": sort}))
            scenarios.append(
                (f"sort {sort}, deep", {"sort": sort, "after": deep_cursor(sort, deep)})
            )
        scenarios += [
            ("filter series (10%)", {"series": other.pk}),
            ("filter holder", {"holder": holder_id}),
            ("filter status=outstanding", {"status": "outstanding"}),
            ("filter past_due=1", {"past_due": "1"}),
            ("filter in_default=1", {"in_default": "1"}),
            ("past_due=1 & series, sort principal", {"past_due": "1", "series": other.pk,
                                                     "sort": "-principal"}),
        ]
        print(f"\n{'scenario':<42} {'page ms':>9} {'queries':>8} {'slowest q ms':>13}")
        for label, params in scenarios:
            median, count, slowest, captured = page_timed(user, params, args.repeat)
            print(f"{label:<42} {median * 1000:>9.1f} {count:>8} {slowest * 1000:>13.1f}")
            if args.explain:
                for q in captured:
                    sql = q["sql"]
                    if "notes_note" in sql and "LIMIT" in sql or "GROUP BY" in sql:
                        print("    " + sql[:200] + ("…" if len(sql) > 200 else ""))
                        print(explain(sql))
    finally:
        if not args.keep:
            scratch_database_drop(server, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())

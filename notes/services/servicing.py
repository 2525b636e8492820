"""The servicing cycle: monthly statements for every month that has ended (§2).

A run as of day D generates, for every note, the statement of each calendar
month that ended before D and has none yet — catching up as far back as the
issue date — and counts the statements past due on D. It is safe to repeat,
to run twice at once and to kill mid-way:

- at most one statement per note and period is a unique constraint, and
  statements are inserted with ``ON CONFLICT DO NOTHING``;
- the notes are split into chunks by id range; a chunk is one task and one
  transaction (all of its statements or none) and is marked done in that same
  transaction under a row lock, so a duplicate delivery finds it done and a
  chunk lost with its worker is simply run again;
- each chunk reads its notes, principal payments and latest statements in
  three queries and writes its statements in one ``INSERT … SELECT unnest``.

The daily job (Celery beat, editable in admin) starts a run as of the issuer's
today and re-dispatches the chunks of any earlier run left unfinished.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from notes.domain.interest import (
    accrual_explanation,
    effective_rate,
    period_interest,
    principal_timeline,
)
from notes.domain.periods import statement_periods
from notes.models import (
    InterestStatement,
    Note,
    Payment,
    PaymentKind,
    RunStatus,
    ServicingChunk,
    ServicingRun,
)

logger = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)


def chunk_size() -> int:
    return getattr(settings, "SERVICING_CHUNK_SIZE", 5000)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _chunk_bounds(as_of: date, size: int) -> list[tuple[int, int]]:
    """Id ranges of `size` notes each, over the notes with at least one month ended."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT min(id), max(id) FROM (
                SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS bucket
                FROM notes_note WHERE issue_date < %s
            ) numbered GROUP BY bucket ORDER BY bucket
            """,
            [size, _month_start(as_of)],
        )
        return [(low, high) for low, high in cursor.fetchall()]


def servicing_run_start(*, as_of: date, trigger: str = "manual", requested_by=None) -> ServicingRun:
    """Record a run, split it into chunks, and dispatch them once committed."""
    with transaction.atomic():
        run = ServicingRun.objects.create(as_of=as_of, trigger=trigger, requested_by=requested_by)
        bounds = _chunk_bounds(as_of, chunk_size())
        ServicingChunk.objects.bulk_create(
            ServicingChunk(run=run, index=i, id_from=low, id_to=high)
            for i, (low, high) in enumerate(bounds)
        )
        run.chunks_total = len(bounds)
        if not bounds:
            run.status, run.started_at, run.finished_at = (
                RunStatus.DONE,
                timezone.now(),
                timezone.now(),
            )
        run.save(update_fields=["chunks_total", "status", "started_at", "finished_at"])
        transaction.on_commit(lambda: servicing_run_dispatch(run_id=run.pk))
    run.refresh_from_db()
    return run


def servicing_run_dispatch(*, run_id: int) -> int:
    """Send every chunk of a run that is not done to the workers (in order when eager).

    A chunk that fails is recorded on the run (status `failed`, with the
    error) and left for the daily cycle or a re-dispatch; the others go on.
    """
    from notes.tasks import servicing_chunk_task

    pending = list(
        ServicingChunk.objects.filter(run_id=run_id, done=False)
        .order_by("index")
        .values_list("pk", flat=True)
    )
    for chunk_id in pending:
        try:
            servicing_chunk_task.delay(chunk_id)
        except Exception:
            logger.exception("servicing chunk %s of run %s failed", chunk_id, run_id)
    return len(pending)


def servicing_runs_resume(*, older_than: timedelta = timedelta(minutes=15)) -> int:
    """Re-dispatch the chunks of runs left unfinished (a worker died, the broker was down)."""
    stale = ServicingRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.FAILED],
        created_at__lt=timezone.now() - older_than,
    ).values_list("pk", flat=True)
    return sum(servicing_run_dispatch(run_id=run_id) for run_id in stale)


def servicing_chunk_process(*, chunk_id: int) -> int:
    """Generate the statements of one chunk, once. Returns how many were created."""
    try:
        with transaction.atomic():
            chunk = ServicingChunk.objects.select_for_update().get(pk=chunk_id)
            if chunk.done:
                return 0  # a duplicate delivery, or a re-dispatch after it finished
            run = ServicingRun.objects.get(pk=chunk.run_id)
            ServicingRun.objects.filter(pk=run.pk, started_at__isnull=True).update(
                started_at=timezone.now()
            )
            ServicingRun.objects.filter(
                pk=run.pk, status__in=[RunStatus.QUEUED, RunStatus.FAILED]
            ).update(status=RunStatus.RUNNING)
            notes, created = statements_generate(
                id_from=chunk.id_from, id_to=chunk.id_to, as_of=run.as_of, run_id=run.pk
            )
            past_due = past_due_count(id_from=chunk.id_from, id_to=chunk.id_to, as_of=run.as_of)
            chunk.done, chunk.statements_created = True, created
            chunk.attempts = F("attempts") + 1
            chunk.finished_at = timezone.now()
            chunk.save(update_fields=["done", "statements_created", "attempts", "finished_at"])
            ServicingRun.objects.filter(pk=run.pk).update(
                chunks_done=F("chunks_done") + 1,
                notes_count=F("notes_count") + notes,
                statements_created=F("statements_created") + created,
                past_due_statements=F("past_due_statements") + past_due,
            )
            ServicingRun.objects.filter(
                pk=run.pk, chunks_done=F("chunks_total"), status=RunStatus.RUNNING
            ).update(status=RunStatus.DONE, finished_at=timezone.now(), error="")
            return created
    except Exception as exc:
        ServicingChunk.objects.filter(pk=chunk_id).update(attempts=F("attempts") + 1)
        ServicingRun.objects.filter(chunks__pk=chunk_id).update(
            status=RunStatus.FAILED, error=f"chunk {chunk_id}: {exc}"
        )
        raise


def statements_generate(
    *, id_from: int, id_to: int, as_of: date, run_id: int | None
) -> tuple[int, int]:
    """Generate the missing statements of the notes with ids in [id_from, id_to].

    Statements of a note are generated oldest first and a chunk commits all or
    nothing, so a note's statements have no gaps: only months after its latest
    statement need computing.

    Returns:
        (notes examined, statements created)
    """
    notes = list(
        Note.objects.filter(pk__range=(id_from, id_to), issue_date__lt=_month_start(as_of))
        .values_list(
            "pk",
            "issue_date",
            "principal",
            "principal_currency",
            "ended_on",
            "series__stated_rate",
            "series__max_lawful_rate",
            "series__day_count",
            "series__interest_due_day",
        )
        .order_by("pk")
    )
    principal_paid = defaultdict(list)
    for note_id, paid_on, amount in Payment.objects.filter(
        note__pk__range=(id_from, id_to), applies_to=PaymentKind.PRINCIPAL
    ).values_list("note_id", "paid_on", "amount"):
        principal_paid[note_id].append((paid_on, amount))
    latest = dict(
        InterestStatement.objects.filter(note__pk__range=(id_from, id_to))
        .values("note_id")
        .annotate(last_end=Max("period_end"))
        .values_list("note_id", "last_end")
    )
    rows = []
    for (
        note_id,
        issue_date,
        principal,
        currency,
        ended_on,
        stated,
        lawful,
        day_count,
        due_day,
    ) in notes:
        start = latest[note_id] + ONE_DAY if note_id in latest else issue_date
        periods = statement_periods(
            issue_date=start, as_of=as_of, due_day=due_day, end_date=ended_on
        )
        if not periods:
            continue
        rate, _ = effective_rate(stated, lawful)
        timeline = principal_timeline(issue_date, principal, principal_paid.get(note_id, ()))
        for period in periods:
            rows.append(
                (
                    note_id,
                    period.start,
                    period.end,
                    period.due_date,
                    period.days,
                    period_interest(timeline, rate, day_count, period.start, period.end),
                    currency,
                    rate,
                    day_count,
                    accrual_explanation(timeline, rate, day_count, period.start, period.end),
                )
            )
    return len(notes), _statements_insert(rows, run_id)


def _statements_insert(rows: list[tuple], run_id: int | None) -> int:
    if not rows:
        return 0
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO notes_intereststatement
                (note_id, period_start, period_end, due_date, days, amount, amount_currency,
                 rate, day_count, calculation, servicing_run_id, created_at)
            SELECT n, ps, pe, dd, d, a, c, r, dc, calc, %s, now()
            FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::date[], %s::int[],
                        %s::numeric[], %s::text[], %s::numeric[], %s::text[], %s::text[])
                AS t(n, ps, pe, dd, d, a, c, r, dc, calc)
            ON CONFLICT (note_id, period_start) DO NOTHING
            """,
            [run_id, *[list(column) for column in columns]],
        )
        return cursor.rowcount


def past_due_count(*, id_from: int, id_to: int, as_of: date) -> int:
    """Statements of these notes not fully paid by the end of their due date, as of a day."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM notes_intereststatement s
            WHERE s.note_id BETWEEN %s AND %s AND s.due_date < %s
              AND s.amount > COALESCE((
                  SELECT sum(a.amount) FROM notes_paymentallocation a
                  WHERE a.note_id = s.note_id AND a.period_start = s.period_start
                    AND a.paid_on <= %s), 0)
            """,
            [id_from, id_to, as_of, as_of],
        )
        return cursor.fetchone()[0]

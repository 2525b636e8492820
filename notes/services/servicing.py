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
- each chunk reads its notes (with each one's latest statement) and principal
  payments in two queries and streams its statements into one COPY (falling
  back to ``INSERT … ON CONFLICT DO NOTHING`` if another run got there first).

The daily job (Celery beat, editable in admin) starts a run as of the issuer's
today and re-dispatches the chunks of any earlier run left unfinished.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from math import gcd

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.queue import chunks_enqueue, failure_record
from notes.domain.daycount import DayCount, year_fraction
from notes.domain.interest import (
    accrual_end,
    accrual_explanation,
    days_phrase,
    effective_rate,
    fraction_label,
    period_interest,
    principal_timeline,
)
from notes.domain.money import round_cents_ratio
from notes.domain.periods import statement_periods
from notes.models import (
    PaymentKind,
    RunStatus,
    ServicingChunk,
    ServicingRun,
)
from notes.signals import servicing_run_finished

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
    return chunks_enqueue(
        ServicingChunk.objects.filter(run_id=run_id),
        "notes.tasks.servicing_chunk_task",
        what=f"servicing run {run_id}: chunk",
    )


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
            finished = ServicingRun.objects.filter(
                pk=run.pk, chunks_done=F("chunks_total"), status=RunStatus.RUNNING
            ).update(status=RunStatus.DONE, finished_at=timezone.now(), error="")
            if finished:
                run.refresh_from_db()
                servicing_run_finished.send(sender=servicing_chunk_process, run=run)
            return created
    except Exception as exc:

        def record(error=f"chunk {chunk_id}: {exc}"):
            ServicingChunk.objects.filter(pk=chunk_id).update(attempts=F("attempts") + 1)
            ServicingRun.objects.filter(chunks__pk=chunk_id).update(
                status=RunStatus.FAILED, error=error
            )

        failure_record(record, what=f"servicing chunk {chunk_id}")
        raise


def statements_generate(
    *, id_from: int, id_to: int, as_of: date, run_id: int | None
) -> tuple[int, int]:
    """Generate the missing statements of the notes with ids in [id_from, id_to].

    Statements of a note are generated oldest first and a chunk commits all or
    nothing, so a note's statements have no gaps: only months after its latest
    statement need computing.

    Most months have one principal balance throughout. Their statement is
    worked out on integers: balance × rate × year fraction is a ratio of
    integers, rounded once, half-up, to the cent — the amount `period_interest`
    gives — and explained by the one line `accrual_explanation` writes for a
    single balance. A month in which the balance changes goes through
    `period_interest` and `accrual_explanation` themselves. Periods, rates and
    year fractions are shared by the notes of a chunk and worked out once each.
    The statements are streamed to the database as they are computed.

    Returns:
        (notes examined, statements created)
    """
    with connection.cursor() as cursor:
        # The latest statement of a note is the one that starts last (a note's
        # periods never overlap): one index probe per note, however long its history.
        cursor.execute(
            """
            SELECT n.id, n.issue_date, n.principal, n.principal_currency, n.ended_on,
                   s.id, s.stated_rate, s.max_lawful_rate, s.day_count, s.interest_due_day,
                   (SELECT st.period_end FROM notes_intereststatement st
                    WHERE st.note_id = n.id ORDER BY st.period_start DESC LIMIT 1)
            FROM notes_note n JOIN notes_noteseries s ON s.id = n.series_id
            WHERE n.id BETWEEN %s AND %s AND n.issue_date < %s
            ORDER BY n.id
            """,
            [id_from, id_to, _month_start(as_of)],
        )
        notes = cursor.fetchall()
        cursor.execute(
            """
            SELECT note_id, paid_on, amount FROM notes_payment
            WHERE note_id BETWEEN %s AND %s AND applies_to = %s
            """,
            [id_from, id_to, PaymentKind.PRINCIPAL.value],
        )
        principal_paid = defaultdict(list)
        for note_id, paid_on, amount in cursor.fetchall():
            principal_paid[note_id].append((paid_on, amount))

    # What the notes of a chunk share, worked out once: per series and first day,
    # the periods with rate × year fraction as a ratio of integers and the text.
    plans = {}  # (series, first day, end date) -> (rate, text after the value, periods)

    def plan_of(series_id, stated, lawful, day_count, due_day, start, ended_on):
        rate = effective_rate(stated, lawful)[0]
        rate_num, rate_den = rate.as_integer_ratio()
        convention = DayCount(day_count)
        periods = []
        for period in statement_periods(
            issue_date=start, as_of=as_of, due_day=due_day, end_date=ended_on
        ):
            fraction = year_fraction(convention, period.start, period.end)
            label = fraction_label(convention, fraction, period.start, period.end)
            periods.append(
                (
                    period.start,
                    period.end,
                    period.due_date,
                    period.days,
                    rate_num * fraction.numerator,
                    rate_den * fraction.denominator,
                    f" × {rate.normalize():f} × {label}"
                    f" ({period.start:%Y-%m-%d}–{period.end:%Y-%m-%d},"
                    f" {days_phrase(period.days)}) = ",
                )
            )
        plan = plans[series_id, start, ended_on] = (
            rate,
            f"; {convention.value}, days counted inclusively; rounded half-up once to ",
            periods,
        )
        return plan

    def statements():
        for (
            note_id,
            issue_date,
            principal,
            currency,
            ended_on,
            series_id,
            stated,
            lawful,
            day_count,
            due_day,
            latest_end,
        ) in notes:
            start = issue_date if latest_end is None else latest_end + ONE_DAY
            payments = principal_paid.get(note_id)
            if payments or principal < 0:  # a negative principal raises, as it always has
                timeline = principal_timeline(issue_date, principal, payments or ())
                # Nothing accrues once the principal is zero, even while interest is owed.
                ended_on = accrual_end(timeline, ended_on)
            else:
                timeline = None
            plan = plans.get((series_id, start, ended_on))
            if plan is None:
                plan = plan_of(series_id, stated, lawful, day_count, due_day, start, ended_on)
            rate, tail, periods = plan
            if not periods:
                continue
            if timeline is None:
                principal_num, principal_den = principal.as_integer_ratio()
                principal_text = f"{principal:,.2f}"
            for period_start, period_end, due_date, days, k_num, k_den, middle in periods:
                # The balance, if it is the same on every day of the period.
                balance = None
                if timeline is None:
                    if period_start >= issue_date:
                        balance, balance_num, balance_den, balance_text = (
                            principal,
                            principal_num,
                            principal_den,
                            principal_text,
                        )
                else:
                    for step in timeline:
                        if step.effective_from <= period_start:
                            balance = step.balance
                        elif step.effective_from <= period_end:
                            balance = None  # it changes within the period
                            break
                        else:
                            break
                    if balance is not None:
                        balance_num, balance_den = balance.as_integer_ratio()
                        balance_text = f"{balance:,.2f}"
                if balance is None:
                    steps = timeline or principal_timeline(issue_date, principal)
                    amount = period_interest(steps, rate, day_count, period_start, period_end)
                    calculation = accrual_explanation(
                        steps, rate, day_count, period_start, period_end
                    )
                else:
                    # round_cents(accrue(...)) and accrual_explanation(...) for one balance.
                    numerator = balance_num * k_num
                    denominator = balance_den * k_den
                    amount = round_cents_ratio(numerator, denominator)
                    divisor = gcd(numerator, denominator)
                    exact = Decimal(numerator // divisor) / Decimal(denominator // divisor)
                    calculation = f"{balance_text}{middle}{exact:.6f}{tail}{amount:,.2f} (§2)"
                if not amount:
                    continue  # never a statement for 0.00 (a 31st under 30/360)
                yield (
                    note_id,
                    period_start,
                    period_end,
                    due_date,
                    days,
                    amount,
                    currency,
                    rate,
                    day_count,
                    calculation,
                )

    return len(notes), _statements_insert(statements(), run_id)


def _statements_insert(rows: Iterable[tuple], run_id: int | None) -> int:
    """Insert the statements, skipping any whose note and period already have one.

    The rows are COPYed straight into the table as they come, so the database
    stores them while the next ones are computed. Should one of them exist
    already (another run wrote it meanwhile), the COPY is rolled back to its
    savepoint and the rows go through a temporary table and
    ``INSERT … ON CONFLICT DO NOTHING`` instead.
    """
    from psycopg.errors import UniqueViolation

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    written = [first]
    columns = (
        "note_id, period_start, period_end, due_date, days, amount, amount_currency, rate,"
        " day_count, calculation"
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
        try:
            with (
                transaction.atomic(),
                cursor.copy(
                    f"COPY notes_intereststatement ({columns}, servicing_run_id, created_at)"
                    " FROM STDIN (FORMAT BINARY)"
                ) as copy,
            ):
                # Binary: less to format and parse; the types are the table's columns.
                copy.set_types(
                    [
                        "int8",
                        "date",
                        "date",
                        "date",
                        "int2",
                        "numeric",
                        "varchar",
                        "numeric",
                        "varchar",
                        "text",
                        "int8",
                        "timestamptz",
                    ]
                )
                copy.write_row((*first, run_id, now))
                for row in rows:
                    written.append(row)
                    copy.write_row((*row, run_id, now))
            return len(written)
        except UniqueViolation:
            written.extend(rows)  # should the COPY have stopped early
        cursor.execute(
            """
            CREATE TEMPORARY TABLE servicing_statement_rows (
                note_id bigint, period_start date, period_end date, due_date date,
                days smallint, amount numeric(16, 2), amount_currency varchar(3),
                rate numeric(9, 6), day_count varchar(8), calculation text
            ) ON COMMIT DROP
            """
        )
        with cursor.copy(f"COPY servicing_statement_rows ({columns}) FROM STDIN") as copy:
            for row in written:
                copy.write_row(row)
        cursor.execute(
            """
            INSERT INTO notes_intereststatement
                (note_id, period_start, period_end, due_date, days, amount, amount_currency,
                 rate, day_count, calculation, servicing_run_id, created_at)
            SELECT note_id, period_start, period_end, due_date, days, amount, amount_currency,
                   rate, day_count, calculation, %s, %s
            FROM servicing_statement_rows
            ON CONFLICT (note_id, period_start) WHERE corrects_id IS NULL DO NOTHING
            """,
            [run_id, now],
        )
        created = cursor.rowcount
        cursor.execute("DROP TABLE servicing_statement_rows")
        return created


def past_due_count(*, id_from: int, id_to: int, as_of: date) -> int:
    """Periods of these notes with interest stated, due and not paid, as of a day.

    A period's statements are netted as the statement list nets them: a credit
    first takes back what the newest (not yet due) statements asked, then the
    interest allocated to the period pays the rest; what is left of the
    statements whose due date has passed is past due.
    """
    # One pass over both tables per chunk, grouped by (note, period).
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT bool_or(is_statement) AS stated,
                       sum(CASE WHEN is_statement AND amount > 0 AND due_date < %s
                           THEN amount ELSE 0 END) AS due,
                       sum(CASE WHEN is_statement AND amount > 0 AND due_date >= %s
                           THEN amount ELSE 0 END) AS not_due,
                       -sum(CASE WHEN is_statement AND amount < 0
                            THEN amount ELSE 0 END) AS credit,
                       sum(CASE WHEN is_statement THEN 0 ELSE amount END) AS paid
                FROM (
                    SELECT note_id, period_start, amount, due_date, true AS is_statement
                    FROM notes_intereststatement
                    WHERE note_id BETWEEN %s AND %s
                    UNION ALL
                    SELECT note_id, period_start, amount, NULL, false
                    FROM notes_paymentallocation
                    WHERE note_id BETWEEN %s AND %s AND paid_on <= %s
                ) amounts
                GROUP BY note_id, period_start
            ) periods
            WHERE stated AND due - GREATEST(credit - not_due, 0) - paid > 0
            """,
            [as_of, as_of, id_from, id_to, id_from, id_to, as_of],
        )
        return cursor.fetchone()[0]

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
- each chunk states its notes with no principal payment (nearly all) in one
  set-based ``INSERT … SELECT`` (their periods worked out once per chunk by
  the domain core) and COPYs the few others' statements, worked out note by
  note; either falls back to ``INSERT … ON CONFLICT DO NOTHING`` if another
  run got there first.

The daily job (Celery beat, editable in admin) starts a run as of the issuer's
today and re-dispatches the chunks of any earlier run left unfinished.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from math import gcd

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.logcontext import log_context_bind
from core.queue import chunks_enqueue, failure_record
from notes.domain.daycount import DayCount, days_inclusive, year_fraction
from notes.domain.interest import (
    accrual_end,
    days_phrase,
    effective_rate,
    fraction_label,
    principal_timeline,
)
from notes.domain.money import round_cents_ratio
from notes.domain.periods import add_months, statement_periods
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


# Lock the chunk (a second delivery waits here, then finds it done) and, unless it is
# done, mark its run started and running (a failed run runs again); the run's day.
_CHUNK_START = """
    WITH chunk AS (
        SELECT run_id, id_from, id_to, done FROM notes_servicingchunk
        WHERE id = %(chunk)s FOR UPDATE
    ),
    started AS (
        UPDATE notes_servicingrun r
        SET started_at = COALESCE(r.started_at, %(now)s),
            status = CASE WHEN r.status IN (%(queued)s, %(failed)s) THEN %(running)s
                          ELSE r.status END
        FROM chunk
        WHERE r.id = chunk.run_id AND NOT chunk.done
          AND (r.started_at IS NULL
               OR r.status IN (%(queued)s, %(failed)s))
    )
    SELECT chunk.run_id, chunk.id_from, chunk.id_to, chunk.done, r.as_of
    FROM chunk JOIN notes_servicingrun r ON r.id = chunk.run_id
"""

# The chunk done and its figures added to its run's (whose row stays locked until
# commit); returns the run's chunks done and total and its status after that.
_CHUNK_DONE = """
    WITH chunk AS (
        UPDATE notes_servicingchunk
        SET done = true, statements_created = %(created)s, attempts = attempts + 1,
            finished_at = %(now)s
        WHERE id = %(chunk)s
    )
    UPDATE notes_servicingrun
    SET chunks_done = chunks_done + 1,
        notes_count = notes_count + %(notes)s,
        statements_created = statements_created + %(created)s,
        past_due_statements = past_due_statements + %(past_due)s
    WHERE id = %(run)s
    RETURNING chunks_done, chunks_total, status
"""


def servicing_chunk_process(*, chunk_id: int) -> int:
    """Generate the statements of one chunk, once. Returns how many were created.

    The chunk's bookkeeping is two statements in its transaction: one locks the
    chunk row and marks its run started, one marks the chunk done and adds its
    figures to the run's; the last chunk also marks the run done.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _CHUNK_START,
                {
                    "chunk": chunk_id,
                    "now": timezone.now(),
                    "queued": RunStatus.QUEUED.value,
                    "failed": RunStatus.FAILED.value,
                    "running": RunStatus.RUNNING.value,
                },
            )
            found = cursor.fetchone()
            if found is None:
                raise ServicingChunk.DoesNotExist(f"servicing chunk {chunk_id} does not exist")
            run_id, id_from, id_to, done, as_of = found
            log_context_bind(servicing_run_id=run_id)
            if done:
                return 0  # a duplicate delivery, or a re-dispatch after it finished
            notes, created = statements_generate(
                id_from=id_from, id_to=id_to, as_of=as_of, run_id=run_id
            )
            past_due = past_due_count(id_from=id_from, id_to=id_to, as_of=as_of)
            cursor.execute(
                _CHUNK_DONE,
                {
                    "chunk": chunk_id,
                    "run": run_id,
                    "now": timezone.now(),
                    "notes": notes,
                    "created": created,
                    "past_due": past_due,
                },
            )
            chunks_done, chunks_total, status = cursor.fetchone()
            if chunks_done == chunks_total and status == RunStatus.RUNNING and (
                ServicingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
                    status=RunStatus.DONE, finished_at=timezone.now(), error=""
                )
            ):
                run = ServicingRun.objects.get(pk=run_id)
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


_ONE_ORIGINAL = (
    # The arbiter of statement_one_per_note_and_period: one original per note and period.
    "ON CONFLICT (note_id, period_start, (CASE WHEN corrects_id IS NULL THEN 0 ELSE id END))"
    " DO NOTHING"
)

# The notes of a chunk whose principal never changes (no principal payment; a
# principal is positive, note_principal_pos), each with the first day not yet
# stated: the day after its latest statement (the one that starts last) or its
# issue date. `ended_on` is 9999-12-31 for a note that has not ended.
# The latest statement is looked for among the chunk's recent statements first —
# those starting on or after %(recent)s, the first of the month before last: an up
# to date note's latest is last month's or the one before, so one scan of that part
# of the unique index's range finds nearly every note's — and only a note with none
# there (behind, or never stated) is probed alone (one descent of the index). Either
# way it is the note's latest statement: if it has one starting on or after
# %(recent)s, its latest is one of those.
_STEADY_NOTES = """
    SELECT n.id, n.principal, n.principal_currency, n.series_id,
           COALESCE(n.ended_on, DATE '9999-12-31') AS ended_on,
           COALESCE(recent.period_end + 1,
                    (SELECT st.period_end + 1 FROM notes_intereststatement st
                     WHERE st.note_id = n.id ORDER BY st.period_start DESC LIMIT 1),
                    n.issue_date) AS first_day
    FROM notes_note n
    LEFT JOIN (
        SELECT DISTINCT ON (note_id) note_id, period_end FROM notes_intereststatement
        WHERE note_id BETWEEN %(id_from)s AND %(id_to)s AND period_start >= %(recent)s
        ORDER BY note_id, period_start DESC, period_end DESC
    ) recent ON recent.note_id = n.id
    WHERE n.id BETWEEN %(id_from)s AND %(id_to)s AND n.issue_date < %(month_start)s
      AND NOT EXISTS (SELECT 1 FROM notes_payment p
                      WHERE p.note_id = n.id AND p.applies_to = %(principal)s
                        AND p.note_id BETWEEN %(id_from)s AND %(id_to)s)
"""

# The statements of those notes, in one statement: each note joined with the
# periods of its (series, first day, end) — worked out once per chunk by the
# domain core — and its amount and explanation made from integers:
#   balance × rate × year fraction = principal × k_num / k_den exactly, so with
#   N = principal in cents × k_num (an integer) the amount in cents is
#   floor(N / k_den + 1/2) — half-up, once (money.round_cents_ratio) — and the
#   exact value to 6 places is N × 10^4 / k_den rounded half-even, as
#   `accrual_explanation` prints it (2r - k_den + micros mod 2 > 0 is "above half, or
#   half and odd"). tests/notes/services/test_statements_fast_path.py holds
#   both equal to the domain core.
# The integers are bigint when every value the formulas reach fits (the chunk's
# largest principal in cents × k_num × 10^4, checked in Python per chunk:
# `_fits_bigint`), else numeric — the same integers, exact either way (bigint
# division truncates, which is floor for these non-negative values); bigint
# arithmetic is several times cheaper per statement.
_STEADY_TEMPLATE = """
    WITH plan AS (
        SELECT * FROM unnest(
            %(p_series)s::bigint[], %(p_first_day)s::date[], %(p_ended_on)s::date[],
            %(p_start)s::date[], %(p_end)s::date[], %(p_due)s::date[], %(p_days)s::int[],
            %(p_rate)s::numeric[], %(p_k_num)s::numeric[], %(p_k_den)s::numeric[],
            %(p_day_count)s::text[], %(p_middle)s::text[], %(p_tail)s::text[]
        ) AS p(series_id, first_day, ended_on, period_start, period_end, due_date, days,
               rate, k_num, k_den, day_count, middle, tail)
    ),
    figures AS (
        -- OFFSET 0 keeps each step from being folded into the next, where every
        -- use of a column would compute it again.
        SELECT f.*, {div}(2 * n_cents + k_den{by}2 * k_den) AS cents,
               {div}(n_cents * 10000{by}k_den) AS micros
        FROM (
            SELECT n.id AS note_id, n.principal, n.principal_currency, p.period_start,
                   p.period_end, p.due_date, p.days, p.rate, p.day_count, p.middle, p.tail,
                   p.k_den::{integer} AS k_den,
                   (n.principal * 100)::{integer} * p.k_num::{integer} AS n_cents
            FROM servicing_steady_notes n JOIN plan p ON p.series_id = n.series_id
                AND p.first_day = n.first_day AND p.ended_on = n.ended_on
            OFFSET 0
        ) f
        OFFSET 0
    ),
    amounts AS (
        SELECT f.*, cents * 0.01 AS amount,
               micros + CASE WHEN 2 * (n_cents * 10000 - micros * k_den) - k_den
                                  + mod(micros, 2) > 0
                             THEN 1 ELSE 0 END AS micros_even
        FROM figures f
        WHERE cents > 0  -- never a statement for 0.00 (a 31st under 30/360)
        OFFSET 0
    )
    INSERT INTO notes_intereststatement (note_id, period_start, period_end, due_date, days,
        amount, amount_currency, rate, day_count, calculation, servicing_run_id, created_at)
    SELECT note_id, period_start, period_end, due_date, days, amount, principal_currency,
           rate, day_count,
           to_char(principal, 'FM999,999,999,999,990.00') || middle
           || (micros_even * 0.000001)::text
           || tail || to_char(amount, 'FM999,999,999,999,990.00') || ' (§2)',
           %(run_id)s, now()
    FROM amounts
"""

_STEADY_STATEMENTS = {
    True: _STEADY_TEMPLATE.replace("{integer}", "bigint").replace("{div}", "")
    .replace("{by}", ") / ("),
    False: _STEADY_TEMPLATE.replace("{integer}", "numeric").replace("{div}", "div")
    .replace("{by}", ", "),
}

_BIGINT_MAX = 2**63 - 1

_NO_END = date(9999, 12, 31)


def _fits_bigint(largest_cents: int, k_num: int, k_den: int) -> bool:
    """Whether `_STEADY_TEMPLATE`'s integers for these stay within bigint.

    The largest is N × 10^4 (N = principal in cents × k_num); the others are
    at most 2N + k_den and 2 k_den.
    """
    n = largest_cents * k_num
    return max(n * 10000, 2 * n + k_den, 2 * k_den, k_num) <= _BIGINT_MAX


def statements_generate(
    *, id_from: int, id_to: int, as_of: date, run_id: int | None
) -> tuple[int, int]:
    """Generate the missing statements of the notes with ids in [id_from, id_to].

    Statements of a note are generated oldest first and a chunk commits all or
    nothing, so a note's statements have no gaps: only months after its latest
    statement need computing.

    What the notes share is worked out once, by the domain core: per series,
    first day not yet stated and end date, the periods with their due dates,
    rate × year fraction as a ratio of integers, and the explanation's words.
    Then:

    - a note whose principal never changed (nearly all) gets its statements
      from one INSERT … SELECT (`_STEADY_STATEMENTS`): every period has one
      balance, so its amount is principal × a ratio of integers, rounded once,
      half-up, to the cent — the amount `period_interest` gives — explained by
      the one line `accrual_explanation` writes for a single balance;
    - a note with principal payments is worked out in Python — a month with
      one balance as above, a month whose balance changes segment by segment
      as `period_interest` and `accrual_explanation` do it
      (`_changing_balance_statement`) — and its statements are COPYed in.

    Returns:
        (notes examined, statements created)
    """
    # One transaction: all of the notes' statements or none, and the temporary table
    # below lives until its end. Within a caller's transaction no savepoint of its
    # own: a failure here fails the caller's transaction (a chunk's) as a whole.
    with transaction.atomic(savepoint=False):
        return _statements_generate(id_from=id_from, id_to=id_to, as_of=as_of, run_id=run_id)


def _chunk_reads(id_from: int, id_to: int, as_of: date) -> dict:
    """The parameters of a chunk's reads (`_STEADY_NOTES` and the notes with payments)."""
    month_start = _month_start(as_of)
    return {
        "id_from": id_from,
        "id_to": id_to,
        "month_start": month_start,
        "recent": add_months(month_start, -2),
        "principal": PaymentKind.PRINCIPAL.value,
    }


def _statements_generate(*, id_from: int, id_to: int, as_of: date, run_id: int | None):
    bounds = _chunk_reads(id_from, id_to, as_of)
    with connection.cursor() as cursor:
        # Read once (the latest statement of each note), used twice. Dropped
        # at the end: the caller may generate again in the same transaction.
        cursor.execute(
            "CREATE TEMPORARY TABLE servicing_steady_notes ON COMMIT DROP AS" + _STEADY_NOTES,
            bounds,
        )
        cursor.execute(
            """
            SELECT k.series_id, k.first_day, k.ended_on, k.notes, s.stated_rate,
                   s.max_lawful_rate, s.day_count, s.interest_due_day, k.largest
            FROM (SELECT series_id, first_day, ended_on, count(*) AS notes,
                         max(principal) AS largest
                  FROM servicing_steady_notes GROUP BY 1, 2, 3) k
            JOIN notes_noteseries s ON s.id = k.series_id
            """
        )
        keys = cursor.fetchall()
        # The others: the notes with principal payments, each with its payments, found
        # from the chunk's payments (a few) rather than by looking at every note.
        cursor.execute(
            """
            SELECT n.id, n.issue_date, n.principal, n.principal_currency, n.ended_on,
                   s.id, s.stated_rate, s.max_lawful_rate, s.day_count, s.interest_due_day,
                   (SELECT st.period_end FROM notes_intereststatement st
                    WHERE st.note_id = n.id ORDER BY st.period_start DESC LIMIT 1),
                   p.paid_on, p.amounts
            FROM (SELECT note_id, array_agg(paid_on) AS paid_on, array_agg(amount) AS amounts
                  FROM notes_payment
                  WHERE note_id BETWEEN %(id_from)s AND %(id_to)s
                    AND applies_to = %(principal)s
                  GROUP BY note_id) p
            JOIN notes_note n ON n.id = p.note_id
            JOIN notes_noteseries s ON s.id = n.series_id
            WHERE n.issue_date < %(month_start)s
            ORDER BY n.id
            """,
            bounds,
        )
        changing = cursor.fetchall()

    # What the notes of a chunk share, worked out once: per series, first day and
    # end date, the periods with rate × year fraction as a ratio of integers and the text.
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

    created = 0
    columns = {
        name: []
        for name in (
            "p_series", "p_first_day", "p_ended_on", "p_start", "p_end", "p_due", "p_days",
            "p_rate", "p_k_num", "p_k_den", "p_day_count", "p_middle", "p_tail",
        )
    }
    fits_bigint = True
    for series_id, first_day, ended_on, _, stated, lawful, day_count, due_day, largest in keys:
        end = None if ended_on == _NO_END else ended_on
        rate, tail, periods = plan_of(
            series_id, stated, lawful, day_count, due_day, first_day, end
        )
        largest_cents = int(largest * 100)
        for period_start, period_end, due_date, days, k_num, k_den, middle in periods:
            fits_bigint = fits_bigint and _fits_bigint(largest_cents, k_num, k_den)
            for name, value in (
                ("p_series", series_id), ("p_first_day", first_day), ("p_ended_on", ended_on),
                ("p_start", period_start), ("p_end", period_end), ("p_due", due_date),
                ("p_days", days), ("p_rate", rate), ("p_k_num", k_num), ("p_k_den", k_den),
                ("p_day_count", day_count), ("p_middle", middle), ("p_tail", tail),
            ):
                columns[name].append(value)
    if columns["p_start"]:
        created += _steady_statements_insert(
            _STEADY_STATEMENTS[fits_bigint], {**columns, "run_id": run_id}
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE servicing_steady_notes")

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
            paid_on,
            amounts,
        ) in changing:
            start = issue_date if latest_end is None else latest_end + ONE_DAY
            timeline = principal_timeline(issue_date, principal, zip(paid_on, amounts, strict=True))
            # Nothing accrues once the principal is zero, even while interest is owed.
            ended_on = accrual_end(timeline, ended_on)
            plan = plans.get((series_id, start, ended_on))
            if plan is None:
                plan = plan_of(series_id, stated, lawful, day_count, due_day, start, ended_on)
            rate, tail, periods = plan
            for period_start, period_end, due_date, days, k_num, k_den, middle in periods:
                # The balance, if it is the same on every day of the period.
                balance = None
                for step in timeline:
                    if step.effective_from <= period_start:
                        balance = step.balance
                    elif step.effective_from <= period_end:
                        balance = None  # it changes within the period
                        break
                    else:
                        break
                if balance is None:
                    amount, calculation = _changing_balance_statement(
                        timeline, rate, day_count, period_start, period_end, tail
                    )
                else:
                    # round_cents(accrue(...)) and accrual_explanation(...) for one balance.
                    balance_num, balance_den = balance.as_integer_ratio()
                    numerator = balance_num * k_num
                    denominator = balance_den * k_den
                    amount = round_cents_ratio(numerator, denominator)
                    divisor = gcd(numerator, denominator)
                    exact = Decimal(numerator // divisor) / Decimal(denominator // divisor)
                    calculation = (
                        f"{balance:,.2f}{middle}{exact:.6f}{tail}{amount:,.2f} (§2)"
                    )
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

    if changing:
        created += _statements_insert(statements(), run_id)
    return sum(key[3] for key in keys) + len(changing), created


def _changing_balance_statement(
    timeline, rate: Decimal, day_count: str, start: date, end: date, tail: str
) -> tuple[Decimal, str]:
    """`period_interest(...)` and `accrual_explanation(...)` of a month whose balance changes.

    The same segments, year fractions, labels and single half-up rounding as
    the domain core, with the exact interest summed once (the two functions
    each sum it again): balance × year fraction per segment, × rate once — as a
    ratio of integers (equal to the sum of Fractions, so rounded and printed
    alike: `round_cents_ratio` and a Decimal quotient need no lowest terms).
    """
    rate_text = f"{rate.normalize():f}"
    ends = [following.effective_from - ONE_DAY for following in timeline[1:]] + [end]
    numerator, denominator = 0, 1
    parts = []
    for step, step_end in zip(timeline, ends, strict=True):
        seg_start, seg_end = max(start, step.effective_from), min(end, step_end)
        if seg_end < seg_start:
            continue  # accrues nothing (a year fraction of 0)
        fraction_num, fraction_den, text = _segment(day_count, rate_text, seg_start, seg_end)
        balance_num, balance_den = step.balance.as_integer_ratio()
        term_den = balance_den * fraction_den
        numerator = numerator * term_den + balance_num * fraction_num * denominator
        denominator *= term_den
        parts.append(f"{step.balance:,.2f}{text}")
    rate_num, rate_den = rate.as_integer_ratio()
    numerator, denominator = numerator * rate_num, denominator * rate_den
    amount = round_cents_ratio(numerator, denominator)
    value = Decimal(numerator) / Decimal(denominator)
    return amount, f"{' + '.join(parts)} = {value:.6f}{tail}{amount:,.2f} (§2)"


@lru_cache(maxsize=4096)
def _segment(day_count: str, rate_text: str, start: date, end: date) -> tuple[int, int, str]:
    """A segment's year fraction (numerator, denominator) and its words after the balance.

    The same few segments recur across a chunk's notes (a month split on the
    day of a payment), so they are worked out once.
    """
    convention = DayCount(day_count)
    fraction = year_fraction(convention, start, end)
    label = fraction_label(convention, fraction, start, end)
    return (
        fraction.numerator,
        fraction.denominator,
        f" × {rate_text} × {label} ({start:%Y-%m-%d}–{end:%Y-%m-%d},"
        f" {days_phrase(days_inclusive(start, end))})",
    )


def _steady_statements_insert(sql: str, params: dict) -> int:
    """Run `_STEADY_STATEMENTS`; if another run got there first, again, skipping its rows.

    The plain INSERT is the fast path: with ``ON CONFLICT`` every row is first
    looked up in the unique index, then inserted.
    """
    from psycopg.errors import UniqueViolation

    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(sql, params)
                return cursor.rowcount
        except IntegrityError as exc:
            if not isinstance(exc.__cause__, UniqueViolation):
                raise
        cursor.execute(sql + _ONE_ORIGINAL, params)
        return cursor.rowcount


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
            ON CONFLICT (note_id, period_start, (CASE WHEN corrects_id IS NULL THEN 0 ELSE id END))
            DO NOTHING
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
    # Both tables read once per chunk, their rows grouped together by (note,
    # period) — one grouping, no join — in whole cents (amounts are
    # numeric(16, 2), so × 100 is an exact integer and the sums of integers are
    # exact: the same comparison, without a numeric sum per row and aggregate). A
    # row with a due date is a statement's, one without an allocation's; a group
    # with no statement is not a stated period. A period that ends on or after the
    # day before `as_of` is never counted: every statement of it (an adjustment
    # keeps its original's period) is due after its end, so not yet — its rows are
    # left out of the grouping (at a month end, the month just stated).
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT 1
                FROM (
                    SELECT note_id, period_start, due_date, (amount * 100)::bigint AS cents
                    FROM notes_intereststatement
                    WHERE note_id BETWEEN %(id_from)s AND %(id_to)s
                      AND period_end + 1 < %(as_of)s
                    UNION ALL
                    SELECT note_id, period_start, NULL, (amount * 100)::bigint
                    FROM notes_paymentallocation
                    WHERE note_id BETWEEN %(id_from)s AND %(id_to)s AND paid_on <= %(as_of)s
                ) amounts
                GROUP BY note_id, period_start
                HAVING count(due_date) > 0
                   AND COALESCE(sum(cents) FILTER (WHERE cents > 0 AND due_date < %(as_of)s), 0)
                       - GREATEST(
                           -COALESCE(sum(cents) FILTER (WHERE cents < 0
                                                         AND due_date IS NOT NULL), 0)
                           - COALESCE(sum(cents) FILTER (WHERE cents > 0
                                                          AND due_date >= %(as_of)s), 0),
                           0)
                       - COALESCE(sum(cents) FILTER (WHERE due_date IS NULL), 0) > 0
            ) past_due
            """,
            {"as_of": as_of, "id_from": id_from, "id_to": id_to},
        )
        return cursor.fetchone()[0]

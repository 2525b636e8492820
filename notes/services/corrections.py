"""Corrections of months already stated, after a back-dated fact (§2).

A reversal, a principal payment, a conversion or a repayment dated in a month
that already has a statement can change what that month — and every later
stated month — accrues. Statements are append-only, so they are corrected the
way a ledger is: an *adjustment* statement for the difference, in the same
period, pointing at the statement it corrects, saying why, and due on the next
due date. A month that should have no statement at all (the month the note
converted or was repaid in, the month its principal reached zero, and every
month after) gets an adjustment that brings its standing statements to zero.

After `note_statements_correct` each stated period's standing statements add
up to exactly the interest the domain core gives it, and every month that has
ended since the last statement has its own.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from notes.domain.interest import accrual_end, accrual_explanation, period_interest
from notes.domain.periods import next_due_date, statement_periods
from notes.models import InterestStatement, Note, Payment
from notes.selectors import note_facts_get
from notes.services.servicing import statements_generate

ZERO = Decimal("0.00")


def statements_needing_correction(*, note: Note, since: date) -> bool:
    """Whether a fact dated `since` reaches a month this note already has a statement for."""
    return InterestStatement.objects.filter(note=note, period_end__gte=since).exists()


@transaction.atomic
def note_statements_correct(
    *, note: Note, reason: str, today: date | None = None
) -> list[InterestStatement]:
    """Bring the note's statements into line with its ledger, by adjustment only.

    Args:
        note: the note (locked by the caller when a payment or conversion is
            being recorded in the same transaction).
        reason: why, in words the holder and an auditor read on the adjustment.
        today: the issuing day (the issuer's today by default).

    Returns:
        The statements created: adjustments, then any month that had ended
        without a statement (as the servicing cycle would issue it).
    """
    today = today or timezone.localdate()
    note = Note.objects.select_related("series").get(pk=note.pk)
    series = note.series
    facts = note_facts_get(note=note)
    end = accrual_end(facts.timeline, note.ended_on)
    expected = {
        period.start: period
        for period in statement_periods(
            issue_date=note.issue_date, as_of=today, due_day=series.interest_due_day,
            end_date=end,
        )
    }
    originals: dict[date, InterestStatement] = {}
    stated: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for statement in InterestStatement.objects.filter(note=note).order_by("period_start", "id"):
        if statement.corrects_id is None:
            originals[statement.period_start] = statement
        stated[statement.period_start] += statement.amount.amount

    due = next_due_date(today, series.interest_due_day)
    adjustments = []
    for start, original in sorted(originals.items()):
        period = expected.get(start)
        if period is None:
            owed = ZERO
            how = _void_text(note, end)
        else:
            owed = period_interest(
                facts.timeline, facts.rate, series.day_count, period.start, period.end
            )
            how = accrual_explanation(
                facts.timeline, facts.rate, series.day_count, period.start, period.end
            )
        difference = owed - stated[start]
        if not difference:
            continue
        adjustments.append(
            InterestStatement(
                note=note,
                period_start=original.period_start,
                period_end=original.period_end,
                due_date=due,
                days=original.days,
                amount=Money(difference, note.currency),
                rate=facts.rate,
                day_count=series.day_count,
                calculation=(
                    f"The period now accrues: {how}. Stated so far {stated[start]:,.2f};"
                    f" {owed:,.2f} − {stated[start]:,.2f} = {difference:,.2f},"
                    f" due {due:%Y-%m-%d}."
                ),
                corrects=original,
                reason=reason,
            )
        )
    # A month with no statement before the latest one (stated 0.00 then, and so
    # skipped, or never reached): stated now, its interest due on the next due date.
    latest = max(originals, default=None)
    for start, period in sorted(expected.items()):
        if start in originals or latest is None or start > latest:
            continue
        owed = period_interest(
            facts.timeline, facts.rate, series.day_count, period.start, period.end
        )
        if not owed:
            continue
        adjustments.append(
            InterestStatement(
                note=note,
                period_start=period.start,
                period_end=period.end,
                due_date=due,
                days=period.days,
                amount=Money(owed, note.currency),
                rate=facts.rate,
                day_count=series.day_count,
                calculation=accrual_explanation(
                    facts.timeline, facts.rate, series.day_count, period.start, period.end
                ),
                reason=reason,
            )
        )
    created = InterestStatement.objects.bulk_create(adjustments)
    # Months ended since the last statement (a repayment undone) are issued now,
    # exactly as the servicing cycle would issue them.
    _, issued = statements_generate(id_from=note.pk, id_to=note.pk, as_of=today, run_id=None)
    if issued:
        created += list(
            InterestStatement.objects.filter(note=note, corrects__isnull=True)
            .order_by("-period_start")[:issued]
        )
    return created


def _void_text(note: Note, end: date | None) -> str:
    if note.ended_on is not None and end == note.ended_on:
        verb = "converted" if note.status == "converted" else "was fully repaid"
        return (
            f"nothing — the note {verb} on {note.ended_on:%Y-%m-%d}; the interest of that"
            f" month is part of the Note Amount or the payoff, and no later month accrues (§2)"
        )
    return (
        f"nothing — the principal was repaid in full on {end:%Y-%m-%d}; the month it reached"
        f" zero gets no statement and no later month accrues (§2)"
    )


def statements_reconcile_recent(*, days: int = 2) -> int:
    """Correct the notes whose money facts were recorded in the last few days, if needed.

    A payment or reversal recorded while a servicing chunk was stating the same
    note's month cannot see that month's statement (the chunk had not
    committed), so the month can be stated at the old balance with nothing to
    correct it. The daily cycle runs this first: every note with a payment,
    reversal or conversion entry recorded since then is brought into line, by
    adjustment, exactly as the payment would have done.

    Returns:
        How many statements were created.
    """
    since = timezone.now() - timedelta(days=days)
    created = 0
    note_ids = (
        Payment.objects.filter(created_at__gte=since).values_list("note_id", flat=True).distinct()
    )
    for note in Note.objects.filter(pk__in=list(note_ids)).order_by("pk"):
        with transaction.atomic():
            locked = Note.objects.select_for_update().get(pk=note.pk)
            created += len(
                note_statements_correct(
                    note=locked,
                    reason=(
                        "Daily reconciliation: a payment, reversal or conversion recorded while"
                        " this month was being stated changed what it accrues."
                    ),
                )
            )
    return created


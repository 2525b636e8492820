"""Reads of the note register: positions, statements, payments.

A note's figures are always derived from its facts (original principal,
principal payments, interest allocations, the day it ended) by the pure domain
core, so a position never depends on when the servicing job last ran. The
pages (`note_facts_read`) and reports (`notes_facts_read`,
`stated_months_by_note`) take the interest of months already stated from their
statements, which add up to the core's figure for each month (§2 corrections
keep them so), and compute the rest: the same figures, without recomputing
years of months on every page. A conversion reads the same months summed by
the database (`offerings.services.conversions`).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.related_rows import related_rows_may_exist
from core.snapshot_cache import snapshot_cached
from holders.models import Holder
from notes.domain.daycount import ONE_DAY
from notes.domain.defaults import (
    NOTICE_KINDS,
    RESOLVABLE_KINDS,
    DefaultEventFact,
    DefaultEventKind,
    DefaultState,
    PastDue,
    default_state,
)
from notes.domain.interest import accrual_end, effective_rate, principal_timeline
from notes.domain.periods import accrual_months, due_date_for
from notes.domain.position import (
    LAST_POSITION_DAY,
    Allocation,
    InterestLine,
    LineKind,
    Position,
    PositionPoint,
    interest_lines,
    note_position,
    position_history,
)
from notes.models import (
    DefaultEvent,
    InterestStatement,
    Note,
    NoteSeries,
    NoteStatus,
    Payment,
    PaymentAllocation,
    PaymentKind,
    PaymentMethod,
    StopTransferInstruction,
    Transfer,
    TransferDecision,
)
from notes.signals import note_timeline_collecting

ZERO = Decimal("0.00")


def note_list_annotated() -> QuerySet[Note]:
    """Notes with what list pages show, in a fixed number of queries."""
    principal_paid = (
        Payment.objects.filter(note=OuterRef("pk"), applies_to=PaymentKind.PRINCIPAL)
        .order_by()
        .values("note")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Note.objects.select_related("series", "series__issuer", "holder").annotate(
        outstanding_principal_amount=Case(
            When(status="converted", then=Value(ZERO)),
            default=Coalesce("principal", Value(ZERO)) - Coalesce(Subquery(principal_paid), ZERO),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        )
    )


def series_list() -> QuerySet[NoteSeries]:
    return NoteSeries.objects.select_related("issuer").order_by("issuer__name", "agreement_date")


@dataclass(frozen=True)
class NoteFacts:
    """Everything the domain core needs about one note."""

    note: Note
    rate: Decimal
    rate_basis: str
    timeline: tuple
    allocations: tuple[Allocation, ...]
    # (period_start, amount, due_date) of each adjustment statement (§2 corrections)
    adjustments: tuple[tuple[date, Decimal, date], ...] = ()
    # The months read from the note's statements instead of recomputed (see
    # `stated_months`); empty: every month is computed from the facts.
    stated: Mapping[tuple[date, date], Decimal] = field(default_factory=dict)
    # Every statement of the note, oldest period first, when loaded with the facts
    # (`note_facts_read`): the page's statement list and timeline reuse them.
    statements: tuple[InterestStatement, ...] | None = None

    @property
    def accrual_end(self) -> date | None:
        """The last accruing day: conversion, repayment, or the principal reaching zero."""
        return accrual_end(self.timeline, self.note.ended_on)

    def position(self, as_of: date) -> Position:
        series = self.note.series
        return note_position(
            timeline=self.timeline,
            rate=self.rate,
            convention=series.day_count,
            issue_date=self.note.issue_date,
            due_day=series.interest_due_day,
            allocations=self.allocations,
            as_of=as_of,
            end_date=self.accrual_end,
            # A payoff or conversion settles the final month with it; a principal
            # repaid before the interest leaves that month to fall due as any other.
            end_settles_interest=self.note.ended_on == self.accrual_end,
            adjustments=self.adjustments,
            stated=self.stated,
        )

    def interest_lines(self, as_of: date) -> list[InterestLine]:
        return interest_lines(
            timeline=self.timeline,
            rate=self.rate,
            convention=self.note.series.day_count,
            issue_date=self.note.issue_date,
            as_of=as_of,
            end_date=self.accrual_end,
            stated=self.stated,
        )


def principal_paid_by_note(note_ids: list[int]) -> dict[int, list[tuple[date, Decimal]]]:
    """Principal payments and their reversals of many notes, (day, amount) by note (one query).

    The ids go as one array (`= ANY`): an `IN` of 10,000 parameters (a series
    converting) costs more to send and plan than to read.
    """
    principal_paid: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT note_id, paid_on, amount FROM notes_payment"
            " WHERE note_id = ANY(%s) AND applies_to = %s ORDER BY note_id, paid_on, id",
            [list(note_ids), PaymentKind.PRINCIPAL.value],
        )
        for note_id, paid_on, amount in cursor.fetchall():
            principal_paid[note_id].append((paid_on, amount))
    return principal_paid


def money_facts_by_note(
    note_ids: list[int],
) -> tuple[dict[int, list[tuple[date, Decimal]]], dict[int, list[Allocation]]]:
    """Principal payments and interest allocations of many notes (two queries)."""
    principal_paid = principal_paid_by_note(note_ids)
    allocations: dict[int, list[Allocation]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT note_id, period_start, amount, paid_on FROM notes_paymentallocation"
            " WHERE note_id = ANY(%s) ORDER BY note_id, period_start, id",
            [list(note_ids)],
        )
        for note_id, start, amount, paid_on in cursor.fetchall():
            allocations[note_id].append(Allocation(start, amount, paid_on))
    return principal_paid, allocations


def note_facts_get(*, note: Note) -> NoteFacts:
    """Load a note's money facts (three queries)."""
    series = note.series
    rate, basis = effective_rate(series.stated_rate, series.max_lawful_rate)
    principal_paid, allocations = money_facts_by_note([note.pk])
    return NoteFacts(
        note=note,
        rate=rate,
        rate_basis=str(basis),
        timeline=principal_timeline(
            note.issue_date, note.principal.amount, principal_paid.get(note.pk, ())
        ),
        allocations=tuple(allocations.get(note.pk, ())),
        adjustments=tuple(
            InterestStatement.objects.filter(note=note, corrects__isnull=False)
            .order_by("id")
            .values_list("period_start", "amount", "due_date")
        ),
    )


def stated_months(
    rows, *, rate: Decimal, day_count: str, principal_from: date | None
) -> dict[tuple[date, date], Decimal]:
    """What a note's statements state for each month, where they can be read as is.

    A period's standing statements (its original and every adjustment) add up
    to exactly the interest the domain core gives that month: the servicing
    cycle states it with the same function, and every back-dated fact is
    followed by a correction (§2; `notes.services.corrections`). So a page can
    read an ended month's interest instead of recomputing it. A month is left
    to be computed when a statement of it was made at another rate or day
    count, and from the first principal payment (or reversal) on: a principal
    fact recorded while the servicing cycle was stating the same month is only
    corrected by the daily reconciliation, and the page must not show the
    stale figure meanwhile.

    Args:
        rows: ``(period_start, period_end, amount, rate, day_count)`` of each
            of the note's statements.
        rate: the effective rate the note accrues at.
        day_count: the series' convention.
        principal_from: the earliest day of a principal payment or reversal,
            if there is one: months ending on or after it are not read.

    Returns:
        ``(period_start, period_end)`` → the period's standing total.
    """
    sums: dict[tuple[date, date], Decimal] = {}
    other_terms: set[tuple[date, date]] = set()
    for start, end, amount, statement_rate, statement_day_count in rows:
        key = (start, end)
        sums[key] = sums.get(key, ZERO) + amount
        if statement_rate != rate or statement_day_count != day_count:
            other_terms.add(key)
    return {
        key: amount
        for key, amount in sums.items()
        if key not in other_terms and (principal_from is None or key[1] < principal_from)
    }


def note_facts_read(*, note: Note, payments: list[Payment] | None = None) -> NoteFacts:
    """A note's facts for its pages: with its statements, its ended months read, not recomputed.

    Three queries, as `note_facts_get`, or one when the note's `payments` are given
    (all of them, with their allocations, as `note_payments` reads them); the
    position, statement list, interest lines and history it gives are the same
    figures (`stated_months` says why), but a note years old costs the month in
    progress, not every month since issue.
    """
    series = note.series
    rate, basis = effective_rate(series.stated_rate, series.max_lawful_rate)
    if payments is None:
        principal_paid, allocations = money_facts_by_note([note.pk])
        paid = principal_paid.get(note.pk, ())
        note_allocations = tuple(allocations.get(note.pk, ()))
    else:
        paid, note_allocations = _money_facts_of_payments(payments)
    statements = tuple(InterestStatement.objects.filter(note=note).order_by("period_start", "id"))
    return NoteFacts(
        note=note,
        rate=rate,
        rate_basis=str(basis),
        timeline=principal_timeline(note.issue_date, note.principal.amount, paid),
        allocations=note_allocations,
        adjustments=tuple(
            (s.period_start, s.amount.amount, s.due_date)
            for s in sorted(statements, key=lambda s: s.pk)
            if s.corrects_id is not None
        ),
        stated=stated_months(
            (
                (s.period_start, s.period_end, s.amount.amount, s.rate, s.day_count)
                for s in statements
            ),
            rate=rate,
            day_count=series.day_count,
            principal_from=min((day for day, _ in paid), default=None),
        ),
        statements=statements,
    )


def _money_facts_of_payments(
    payments: list[Payment],
) -> tuple[list[tuple[date, Decimal]], tuple[Allocation, ...]]:
    """`money_facts_by_note` of one note, from its payments with their allocations (every
    allocation is of a payment of the same note: the table's key says so)."""
    ordered = sorted(payments, key=lambda p: (p.paid_on, p.pk))
    paid = [
        (p.paid_on, p.amount.amount) for p in ordered if p.applies_to == PaymentKind.PRINCIPAL
    ]
    allocations = sorted(
        (a for p in payments for a in p.allocations.all()), key=lambda a: (a.period_start, a.pk)
    )
    return paid, tuple(Allocation(a.period_start, a.amount, a.paid_on) for a in allocations)


def notes_facts_read(notes: list[Note]) -> dict[int, NoteFacts]:
    """Many notes' facts by id, their ended months read from their statements (four queries).

    The notes come with their series (select_related it). The same figures as
    `note_facts_get` for each (`stated_months` says why); for lists and reports.
    """
    ids = [n.pk for n in notes]
    principal_paid, allocations = money_facts_by_note(ids)
    adjustments: dict[int, list] = defaultdict(list)
    for note_id, start, amount, due in (
        InterestStatement.objects.filter(note_id__in=ids, corrects__isnull=False)
        .order_by("id")
        .values_list("note_id", "period_start", "amount", "due_date")
    ):
        adjustments[note_id].append((start, amount, due))
    rates = {
        n.series_id: effective_rate(n.series.stated_rate, n.series.max_lawful_rate)
        for n in notes
    }
    stated = stated_months_by_note(
        ids,
        principal_paid=principal_paid,
        terms={n.pk: (rates[n.series_id][0], n.series.day_count) for n in notes},
    )
    return {
        n.pk: NoteFacts(
            note=n,
            rate=rates[n.series_id][0],
            rate_basis=str(rates[n.series_id][1]),
            timeline=principal_timeline(
                n.issue_date, n.principal.amount, principal_paid.get(n.pk, ())
            ),
            allocations=tuple(allocations.get(n.pk, ())),
            adjustments=tuple(adjustments.get(n.pk, ())),
            stated=stated.get(n.pk, {}),
        )
        for n in notes
    }


def stated_months_by_note(
    note_ids: list[int], *, principal_paid: Mapping[int, list[tuple[date, Decimal]]],
    terms: Mapping[int, tuple[Decimal, str]],
) -> dict[int, dict[tuple[date, date], Decimal]]:
    """`stated_months` of many notes, in one query summed by the database.

    Args:
        principal_paid: each note's principal payments and reversals
            (`money_facts_by_note`): months from the first on are not read.
        terms: each note's effective rate and day-count convention.
    """
    stated: dict[int, dict[tuple[date, date], Decimal]] = {}
    rows: dict[int, list] = defaultdict(list)
    with connection.cursor() as cursor:
        # One row per note and period: its standing total, and its statements' rate and
        # convention when they all agree (NULL otherwise: then the month is computed).
        cursor.execute(
            """
            SELECT note_id, period_start, period_end, sum(amount),
                   CASE WHEN min(rate) = max(rate) THEN min(rate) END,
                   CASE WHEN min(day_count) = max(day_count) THEN min(day_count) END
            FROM notes_intereststatement
            WHERE note_id = ANY(%s)
            GROUP BY note_id, period_start, period_end
            """,
            [list(note_ids)],
        )
        for note_id, *row in cursor.fetchall():
            rows[note_id].append(row)
    for note_id, note_rows in rows.items():
        rate, day_count = terms[note_id]
        stated[note_id] = stated_months(
            note_rows,
            rate=rate,
            day_count=day_count,
            principal_from=min((day for day, _ in principal_paid.get(note_id, ())), default=None),
        )
    return stated


def note_position_get(*, note: Note, as_of: date) -> Position:
    """The note's position at the end of `as_of` (§2, accrued unpaid interest)."""
    return note_facts_get(note=note).position(as_of)


def statement_list_with_status(
    *,
    note: Note,
    as_of: date,
    allocations: tuple[Allocation, ...] | None = None,
    statements: tuple[InterestStatement, ...] | None = None,
) -> list[InterestStatement]:
    """The note's standing statements, each with `paid_amount` and `status` as of a day.

    A statement — original or adjustment — counts as of a day once its month
    has ended, like the position, whenever it was issued. A period's
    statements are settled in order: credits (negative adjustments) first
    cancel what the period's newest statements asked, then the interest
    allocated to the period on or before `as_of` pays what is left, oldest
    statement first.
    Each is `paid` once settled, `past_due` from the day after its due date,
    `open` before that; a statement wholly cancelled by a credit is
    `superseded`, and a credit itself is `credit`. An original for 0.00 (from
    before the rule that never issues one) is left out.
    """
    if allocations is None:
        allocations = tuple(
            Allocation(start, amount, paid_on)
            for start, amount, paid_on in PaymentAllocation.objects.filter(note=note).values_list(
                "period_start", "amount", "paid_on"
            )
        )
    paid_by_period: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for allocation in allocations:
        if allocation.paid_on <= as_of:
            paid_by_period[allocation.period_start] += allocation.amount
    if statements is None:
        statements = tuple(
            InterestStatement.objects.filter(note=note, period_end__lt=as_of).order_by(
                "period_start", "id"
            )
        )
    statements = [
        s for s in statements if s.period_end < as_of and (s.amount.amount or s.corrects_id)
    ]
    by_period: dict[date, list[InterestStatement]] = defaultdict(list)
    for statement in statements:
        by_period[statement.period_start].append(statement)
    for period_start, rows in by_period.items():
        statement_period_settle(rows, paid_by_period[period_start], as_of)
    # Months settled by converting them into Common Stock are not paid in cash (§5, §7).
    converted = set()
    if note.status == NoteStatus.CONVERTED and note.ended_on and note.ended_on <= as_of:
        converted = set(
            PaymentAllocation.objects.filter(
                note=note, payment__method=PaymentMethod.CONVERSION
            ).values_list("period_start", flat=True)
        )
    for statement in statements:
        statement.settled_by_conversion = (
            statement.status == "paid" and statement.period_start in converted
        )
    return statements


def statement_period_settle(rows: list[InterestStatement], paid: Decimal, as_of: date) -> None:
    """Set `paid_amount` and `status` on one period's statements (oldest first).

    A credit takes back what the period's newest statements asked (a
    correction undoes the latest billing first, so an older amount that fell
    due stays due); the interest paid to the period then pays what is left,
    oldest statement first.
    """
    credit = -sum((r.amount.amount for r in rows if r.amount.amount < 0), ZERO)
    asked = {}
    for row in reversed(rows):
        amount = row.amount.amount
        if amount < 0:
            continue
        cancelled = min(amount, credit)
        credit -= cancelled
        asked[row.pk] = amount - cancelled
    for row in rows:
        if row.amount.amount < 0:
            row.paid_amount, row.status = ZERO, "credit"
            continue
        owed = asked[row.pk]
        row.paid_amount = min(owed, max(paid, ZERO))
        paid -= row.paid_amount
        if not owed:
            row.status = "superseded"
        elif row.paid_amount >= owed:
            row.status = "paid"
        elif as_of > row.due_date:
            row.status = "past_due"
        else:
            row.status = "open"


def payment_list() -> QuerySet[Payment]:
    return Payment.objects.select_related("note", "note__series", "reverses").order_by(
        "-paid_on", "-id"
    )


# --- Reads shared by the staff note page, the holder portal and the API -----------


@dataclass(frozen=True)
class NoteMoney:
    """A note's money as of a day: its position and the statements issued by then."""

    as_of: date
    currency: str
    position: Position
    status: str
    status_label: str
    rate: Decimal
    rate_basis: str
    day_count: str
    statements: list[InterestStatement]
    unstated_lines: list[InterestLine]
    interest_total: Decimal
    interest_paid: Decimal
    accrual_ended_on: date | None
    status_detail: str
    # Set while interest of the final month is owed after the principal was repaid:
    # it falls due like any month's (§2).
    final_due_date: date | None = None

    @property
    def rate_percent(self) -> Decimal:
        return self.rate * 100

    @property
    def statements_total(self) -> Decimal:
        """The standing statements' amounts, adjustments included."""
        return sum((s.amount.amount for s in self.statements), ZERO)

    @property
    def ledger_adds_up(self) -> bool:
        """Statements + the lines not on a statement = all interest accrued (to the cent)."""
        unstated = sum((line.amount for line in self.unstated_lines), ZERO)
        return self.statements_total + unstated == self.interest_total


NOT_YET_ISSUED = "not_issued"


def note_status_on(note: Note, as_of: date) -> str:
    """The note's status at the end of a day: repaid or converted only from that day on."""
    if as_of < note.issue_date:
        return NOT_YET_ISSUED
    if note.ended_on is not None and as_of < note.ended_on:
        return NoteStatus.OUTSTANDING
    return note.status


def note_money_read(*, note: Note, as_of: date, facts: NoteFacts | None = None) -> NoteMoney:
    """Position and statements as of a day, in three queries whatever the note's age
    (one when the note's `facts` are given).

    As of D the statements are those whose month ended before D (the selector's
    rule); the interest of later months is in the accrued figure only.
    """
    facts = facts if facts is not None else note_facts_get(note=note)
    status = note_status_on(note, as_of)
    position = facts.position(as_of)
    statements = statement_list_with_status(
        note=note, as_of=as_of, allocations=facts.allocations, statements=facts.statements
    )
    lines = facts.interest_lines(as_of) if as_of >= note.issue_date else []
    stated_periods = {s.period_start for s in statements}
    end = facts.accrual_end
    detail = ""
    if status in (NoteStatus.OUTSTANDING, NoteStatus.ACCELERATED) and end and end <= as_of:
        detail = (
            f"Principal repaid in full on {end:%Y-%m-%d}; nothing accrues after that day (§2)."
            f" Interest of {position.accrued_unpaid_interest:,.2f} is still owed."
        )
    return NoteMoney(
        as_of=as_of,
        currency=note.currency,
        position=position,
        status=status,
        status_label=(
            "Not yet issued" if status == NOT_YET_ISSUED else NoteStatus(status).label
        ),
        rate=facts.rate,
        rate_basis=facts.rate_basis,
        day_count=note.series.day_count,
        statements=statements,
        # Months not carried by a statement: the final month, the month in
        # progress, and any ended month the servicing cycle has not stated yet.
        unstated_lines=[
            line for line in lines
            if line.kind != LineKind.STATED or line.start not in stated_periods
        ],
        interest_total=sum((line.amount for line in lines), ZERO),
        interest_paid=sum(
            (a.amount for a in facts.allocations if a.paid_on <= as_of), ZERO
        ),
        accrual_ended_on=end,
        status_detail=detail,
        final_due_date=(
            due_date_for(end, note.series.interest_due_day)
            if end and note.ended_on != end
            else None
        ),
    )


def note_payments(note: Note) -> list[Payment]:
    """The note's payments, newest first, with allocations and reversal links (two queries).

    Each payment's ``note`` is the one given (not joined again with its series).
    """
    payments = list(
        Payment.objects.filter(note=note)
        .select_related("reverses", "reversed_by")
        .prefetch_related(
            Prefetch("allocations", PaymentAllocation.objects.order_by("period_start", "id"))
        )
        .order_by("-paid_on", "-id")
    )
    for payment in payments:
        payment.note = note
    return payments


# --- Events of default (§3) ----------------------------------------------------------


@dataclass(frozen=True)
class NoteDefaults:
    """A note's §3 events and its default state as of a day."""

    as_of: date
    events: list[DefaultEvent]
    state: DefaultState

    @property
    def resolvable(self) -> list[DefaultEvent]:
        """Proceedings and appointments not yet resolved: what a `resolved` event may end."""
        resolved = {e.resolves_id for e in self.events if e.resolves_id}
        return [e for e in self.events if e.kind in RESOLVABLE_KINDS and e.pk not in resolved]


def _principal_payments(timeline) -> list[tuple[date, Decimal]]:
    # Each step after the first is the balance from the day after a day's principal payments.
    return [
        (step.effective_from - ONE_DAY, before.balance - step.balance)
        for before, step in zip(timeline, timeline[1:], strict=False)
    ]


def note_default_read(
    *, note: Note, as_of: date, facts: NoteFacts | None = None
) -> NoteDefaults:
    """The note's events of default and its default state at the end of `as_of` (§3).

    One query for a note without events (none when its page loaded the note's
    related rows, `core.related_rows`, and found none); with a payment-default
    notice or an acceleration, the note's money facts too (three more, or none
    when `facts` is given), whatever the number of events.
    """
    if not related_rows_may_exist(note, DefaultEvent):
        events: list[DefaultEvent] = []
    else:
        events = list(
            DefaultEvent.objects.filter(note=note)
            .select_related("recorded_by")
            .order_by("date", "id")
        )
    series = note.series
    domain_events = [
        DefaultEventFact(
            id=e.pk,
            kind=e.kind,
            date=e.date,
            deemed_delivered_on=e.deemed_delivered_on,
            resolves_id=e.resolves_id,
        )
        for e in events
    ]
    past_due: dict[int, PastDue] = {}
    interest_paid: list[tuple[date, Decimal]] = []
    principal_paid: list[tuple[date, Decimal]] = []
    note_amount = None
    if any(e.kind in NOTICE_KINDS and e.date <= as_of for e in events):
        facts = facts or note_facts_get(note=note)
        for e in events:
            if e.kind != DefaultEventKind.PAYMENT_DEFAULT_NOTICE or e.date > as_of:
                continue
            delivered = min(e.deemed_delivered_on or e.date, LAST_POSITION_DAY)
            position = facts.position(delivered)
            past_due[e.pk] = PastDue(
                interest=position.past_due_interest,
                # Principal falls due at maturity (§1) and is past due from the next day.
                principal=(
                    position.outstanding_principal if delivered > note.maturity_date else ZERO
                ),
            )
        interest_paid = [(a.paid_on, a.amount) for a in facts.allocations]
        principal_paid = _principal_payments(facts.timeline)
        note_amount = facts.position(min(as_of, LAST_POSITION_DAY)).note_amount
    state = default_state(
        events=domain_events,
        as_of=as_of,
        cure_days=series.cure_days,
        dismissal_days=series.dismissal_days,
        past_due_at_notice=past_due,
        interest_payments=interest_paid,
        principal_payments=principal_paid,
        note_amount=note_amount,
    )
    return NoteDefaults(as_of=as_of, events=events, state=state)


def holder_consent_payments(holder) -> QuerySet[Payment]:
    """Principal prepayments made with the holder's written consent (§4), newest first."""
    return (
        payment_list()
        .filter(note__holder=holder)
        .exclude(holder_consent_reference="")
        .select_related("reversed_by")
    )


# --- The notes list and its filters (shared with the dashboard) ---------------------

# A note is **past due** on day D when one of its statement periods is not fully
# paid and a statement of that period fell due before D (§2: past due from the
# day after its due date). The period is netted as `statement_list_with_status`
# and the servicing run's `past_due_count` net it: a credit first takes back
# what the period's statements not yet due asked, then the interest allocated
# to the period on or before D pays the rest. Statements and allocations are
# summed per period apart (two hash aggregates) and then joined: one scan of
# each table, no sort.
PAST_DUE_NOTE_IDS_SQL = """
    SELECT s.note_id FROM (
        SELECT note_id, period_start,
               sum(CASE WHEN amount > 0 AND due_date < %s THEN amount ELSE 0 END) AS due,
               sum(CASE WHEN amount > 0 AND due_date >= %s THEN amount ELSE 0 END) AS not_due,
               -sum(CASE WHEN amount < 0 THEN amount ELSE 0 END) AS credit
        FROM notes_intereststatement
        GROUP BY note_id, period_start
    ) s
    LEFT JOIN (
        SELECT note_id, period_start, sum(amount) AS paid
        FROM notes_paymentallocation WHERE paid_on <= %s
        GROUP BY note_id, period_start
    ) a ON a.note_id = s.note_id AND a.period_start = s.period_start
    WHERE s.due > 0 AND s.due - GREATEST(s.credit - s.not_due, 0) - COALESCE(a.paid, 0) > 0
"""

# A note is **in default** on day D (the list's reading of §3, set-based; the
# note page's `note_default_read` is the full one) when it is outstanding or
# accelerated and one of its events says so:
#
# - §3(ii) a voluntary bankruptcy or insolvency step dated on or before D;
# - §3(iii) an involuntary proceeding or receiver appointment commenced on C
#   with C + dismissal_days < D (day 61 on) and no `resolved` event for it
#   dated on or before D (resolved in time: never a default; resolved late:
#   the default ends with the resolution);
# - §3(i) a notice of payment default whose cure deadline (deemed delivery +
#   cure_days) is before D, while the note is still past due on D (above) or
#   past its maturity. The note page checks that exactly what was past due at
#   the notice was paid in the cure period; the list asks whether the note is
#   still behind, which is what the two disagree on only when a note cured its
#   notice and fell behind again without a new notice.
# Constants only: every value is a bound parameter.
IN_DEFAULT_NOTE_IDS_SQL = f"""
    SELECT e.note_id
    FROM notes_defaultevent e
    JOIN notes_note n ON n.id = e.note_id
    JOIN notes_noteseries s ON s.id = n.series_id
    WHERE n.status IN ('outstanding', 'accelerated') AND (
        (e.kind = 'voluntary_bankruptcy' AND e.date <= %s)
        OR (e.kind IN ('involuntary_proceeding', 'receiver_appointment')
            AND e.date + s.dismissal_days < %s
            AND NOT EXISTS (
                SELECT 1 FROM notes_defaultevent r WHERE r.resolves_id = e.id AND r.date <= %s
            ))
        OR (e.kind = 'payment_default_notice'
            AND e.deemed_delivered_on + s.cure_days < %s
            AND (n.maturity_date < %s OR e.note_id IN ({PAST_DUE_NOTE_IDS_SQL})))
    )
"""  # noqa: S608


@dataclass(frozen=True)
class NoteFilter:
    """What the notes list (and the dashboard linking to it) narrows the register by."""

    search: str = ""
    series: int | None = None
    holder: int | None = None
    status: str = ""
    past_due: bool = False
    in_default: bool = False


def note_list_filtered(note_filter: NoteFilter, *, as_of: date) -> QuerySet[Note]:
    """`note_list_annotated` narrowed by a `NoteFilter` as of a day (past due, in default)."""
    notes = note_list_annotated()
    search = note_filter.search.strip()
    if search:
        notes = notes.filter(
            Q(number__icontains=search)
            | Q(holder__name__icontains=search)
            | Q(series__name__icontains=search)
        )
    if note_filter.series:
        notes = notes.filter(series_id=note_filter.series)
    if note_filter.holder:
        notes = notes.filter(holder_id=note_filter.holder)
    if note_filter.status:
        notes = notes.filter(status=note_filter.status)
    # The SQL is constant; the day is a bound parameter.
    if note_filter.past_due:
        notes = notes.filter(pk__in=RawSQL(PAST_DUE_NOTE_IDS_SQL, [as_of] * 3))  # noqa: S611
    if note_filter.in_default:
        notes = notes.filter(pk__in=RawSQL(IN_DEFAULT_NOTE_IDS_SQL, [as_of] * 8))  # noqa: S611
    return notes


@dataclass(frozen=True)
class OutstandingTotal:
    currency: str
    notes: int
    outstanding_principal: Decimal


def outstanding_principal_totals(notes: QuerySet[Note]) -> list[OutstandingTotal]:
    """How many notes, and their outstanding principal, per currency (two queries).

    `notes` is a `note_list_annotated()` queryset, filtered as wanted. The
    figure is the sum of the `outstanding_principal_amount` each row shows —
    principal less principal paid, nothing for a converted note — worked out
    as (principal of the notes not converted) − (principal paid on them), so
    that the database does not run the per-note payment subquery 100,000 times.
    """
    not_converted = Case(
        When(status=NoteStatus.CONVERTED, then=Value(ZERO)),
        default=F("principal"),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )
    issued = {
        row["principal_currency"]: row
        for row in notes.order_by()
        .values("principal_currency")
        .annotate(count=Count("pk"), principal_total=Sum(not_converted))
    }
    paid = dict(
        Payment.objects.filter(
            applies_to=PaymentKind.PRINCIPAL,
            note__in=notes.order_by().exclude(status=NoteStatus.CONVERTED).values("pk"),
        )
        .order_by()
        .values("note__principal_currency")
        .annotate(total=Sum("amount"))
        .values_list("note__principal_currency", "total")
    )
    return [
        OutstandingTotal(
            currency=currency,
            notes=row["count"],
            outstanding_principal=(row["principal_total"] or ZERO) - (paid.get(currency) or ZERO),
        )
        for currency, row in sorted(issued.items())
    ]


# The way `note_list_totals` computes its figures: bumped whenever that changes.
NOTE_LIST_TOTALS_VERSION = 1


def note_list_totals(note_filter: NoteFilter, *, as_of: date) -> list[OutstandingTotal]:
    """`outstanding_principal_totals` of the notes list under a filter as of a day.

    The footer of the notes list: at 100,000 notes its two aggregates are the page's
    dearest queries, and every request of the list asks them again. They are cached
    under the database snapshot (`core.snapshot_cache`): for as long as nothing at all
    is written, and never a moment longer.
    """
    return snapshot_cached(
        "note_list_totals", NOTE_LIST_TOTALS_VERSION, (repr(note_filter), as_of.isoformat()),
        lambda: outstanding_principal_totals(note_list_filtered(note_filter, as_of=as_of)),
    )


# --- The note's history: a chart of its position, a timeline of its facts ----------


def note_position_history(*, facts: NoteFacts, through: date) -> list[PositionPoint]:
    """Principal and accrued unpaid interest from the issue date through a day, for a chart.

    A point at the end of every month, on each payment day and the day before it,
    on the day accrual ended, and on `through`, so every step of the lines shows.
    No query: the note's facts are given.
    """
    note = facts.note
    last = min(through, LAST_POSITION_DAY)
    if last < note.issue_date:
        return []
    days = {note.issue_date, last}
    days.update(end for _, end in accrual_months(issue_date=note.issue_date, through=last))
    changes = [step.effective_from - ONE_DAY for step in facts.timeline[1:]]
    changes += [a.paid_on for a in facts.allocations]
    if facts.accrual_end:
        changes.append(facts.accrual_end)
    for day in changes:
        days.update(d for d in (day - ONE_DAY, day) if note.issue_date <= d <= last)
    series = note.series
    return position_history(
        timeline=facts.timeline,
        rate=facts.rate,
        convention=series.day_count,
        issue_date=note.issue_date,
        allocations=facts.allocations,
        days=sorted(days),
        end_date=facts.accrual_end,
        stated=facts.stated,
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a note, said plainly.

    ``kind`` names the sort of fact (issued, statement, adjustment, paid,
    past_due, payment, reversal, default, transfer, repaid, conversion,
    cash_in_lieu, notice, election); ``anchor`` links to where the page shows the record.
    ``order`` keeps a day's facts in the order they happen (issue first).
    """

    day: date
    kind: str
    title: str
    detail: str = ""
    amount: Decimal | None = None
    currency: str = ""
    anchor: str = ""
    order: int = 50
    # Where the anchored record is shown, when not on this page under ``#anchor``
    # (`timeline_linked`).
    link: str = ""


def _month(day: date) -> str:
    return f"{day:%B %Y}"


def _statement_entries(note: Note, statements, allocations, today: date) -> list[TimelineEntry]:
    currency = note.currency
    entries = []
    by_period: dict[date, list[InterestStatement]] = defaultdict(list)
    for s in statements:
        by_period[s.period_start].append(s)
        amount = s.amount.amount
        if s.corrects_id:
            issued = timezone_localdate(s.created_at)
            entries.append(TimelineEntry(
                day=issued, kind="adjustment",
                title=(
                    f"Adjustment of the {_month(s.period_start)} interest statement"
                    f" ({'credit' if amount < 0 else 'more interest'}), due {s.due_date:%Y-%m-%d}"
                ),
                detail=s.reason, amount=amount, currency=currency, anchor=s.anchor,
                order=30,
            ))
        elif amount:
            entries.append(TimelineEntry(
                day=s.period_end + ONE_DAY, kind="statement",
                title=(
                    f"Interest statement for {_month(s.period_start)} issued, due"
                    f" {s.due_date:%Y-%m-%d} (§2)"
                ),
                detail=f"{s.days} days, {s.period_start:%Y-%m-%d} to {s.period_end:%Y-%m-%d}.",
                amount=amount, currency=currency, anchor=s.anchor,
                order=20,
            ))
    # When each stated month was paid in full, or fell past due (§2): the interest
    # allocated to it, in payment order, against what its statements ask.
    paid_by_period: dict[date, list[tuple[date, Decimal, bool]]] = defaultdict(list)
    for paid_on, period_start, amount, converted in allocations:
        paid_by_period[period_start].append((paid_on, amount, converted))
    for period_start, rows in by_period.items():
        asked = sum((r.amount.amount for r in rows), ZERO)
        if asked <= 0:
            continue
        # Past due counts against the month's own due date (§2), an adjustment's aside.
        due = next((r.due_date for r in rows if not r.corrects_id), rows[0].due_date)
        running, settled_on, by_conversion = ZERO, None, False
        for paid_on, amount, converted in sorted(paid_by_period.get(period_start, [])):
            running += amount
            if running >= asked and settled_on is None:
                settled_on, by_conversion = paid_on, converted
            elif running < asked:
                settled_on = None
        paid_by_due = sum(
            (a for d, a, _ in paid_by_period.get(period_start, []) if d <= due), ZERO
        )
        if paid_by_due < asked and due < today and (settled_on is None or settled_on > due):
            entries.append(TimelineEntry(
                day=due + ONE_DAY, kind="past_due",
                title=f"The {_month(period_start)} interest was not paid by {due:%Y-%m-%d}:"
                      " past due (§2)",
                amount=asked - paid_by_due, currency=currency, order=10,
            ))
        if settled_on is not None:
            entries.append(TimelineEntry(
                day=settled_on, kind="paid",
                title=(
                    f"The {_month(period_start)} interest settled by the conversion (§7)"
                    if by_conversion else f"The {_month(period_start)} interest paid in full"
                ),
                amount=asked, currency=currency, order=70,
            ))
    return entries


def _payment_entries(
    note: Note, payments: list[Payment], *, for_holder: bool = False
) -> list[TimelineEntry]:
    entries = []
    for p in payments:
        if p.method == PaymentMethod.CONVERSION:
            continue  # the conversion's own entry says what was converted
        kind = p.get_applies_to_display().lower()
        if p.reverses_id:
            entries.append(TimelineEntry(
                day=timezone_localdate(p.created_at), kind="reversal",
                title=f"Payment #{p.reverses_id} ({kind}, paid {p.paid_on:%Y-%m-%d}) reversed",
                # The reason is staff's own note: the holder sees that it was reversed.
                detail=(p.reason + " " if p.reason and not for_holder else "")
                + f"The reversal takes effect from {p.paid_on:%Y-%m-%d}, as if it was never made.",
                amount=p.amount.amount, currency=p.amount.currency.code,
                anchor=f"payment-{p.pk}", order=80,
            ))
            continue
        months = ", ".join(
            f"{a.period_start:%Y-%m} ({a.amount:,.2f})" for a in p.allocations.all()
        )
        detail = f"{p.get_method_display()}{', ' + p.reference if p.reference else ''}."
        if months:
            detail += f" Applied to {months}, oldest month first."
        if p.holder_consent_reference:
            detail += f" With the holder's written consent: {p.holder_consent_reference} (§4)."
        entries.append(TimelineEntry(
            day=p.paid_on, kind="payment", title=f"{p.get_applies_to_display()} payment",
            detail=detail, amount=p.amount.amount, currency=p.amount.currency.code,
            anchor=f"payment-{p.pk}", order=60,
        ))
    return entries


def timezone_localdate(moment) -> date:
    return timezone.localtime(moment).date()


def note_timeline(
    *,
    note: Note,
    payments: list[Payment] | None = None,
    default_events: list[DefaultEvent] | None = None,
    today: date | None = None,
    chain: list[Holding] | None = None,
    statements: tuple[InterestStatement, ...] | None = None,
    for_holder: bool = False,
) -> list[TimelineEntry]:
    """Everything that happened to the note, oldest first, in plain words.

    The register's own facts (issue, statements and adjustments, when each month
    was paid or fell past due, payments and reversals, events of default, the
    repayment) are merged by date with those of the apps above it, collected by
    the `note_timeline_collecting` signal (the offerings app: the conversion,
    cash in lieu, elections; the notices app: letters sent and received), so
    this module never imports them.

    With ``for_holder`` it is the holder portal's timeline: only what the holder
    may see — no staff-written reasons or descriptions, no letter not yet sent
    (receivers get ``for_holder`` too).

    Queries: the statements and the payments and events when not given, plus
    each receiver's own (a fixed number, whatever the note's history).
    """
    today = today or timezone.localdate()
    if payments is None:
        payments = note_payments(note)
    if default_events is None:
        default_events = list(DefaultEvent.objects.filter(note=note).order_by("date", "id"))
    currency = note.currency
    chain = note_register_chain(note) if chain is None else chain
    entries = [
        TimelineEntry(
            day=note.issue_date, kind="issued",
            title=f"Issued to {chain[0].holder.name}",
            detail=(
                f"{note.series}. Simple interest at {note.series.effective_rate * 100:g}% a year"
                f" ({note.series.day_count}), paid monthly by the {note.series.interest_due_day}th"
                f" of the next month (§2); principal due {note.maturity_date:%Y-%m-%d} (§1)."
            ),
            amount=note.principal.amount, currency=currency, order=0,
        )
    ]
    if note.maturity_date <= today and (note.ended_on or note.maturity_date) >= note.maturity_date:
        entries.append(TimelineEntry(
            day=note.maturity_date, kind="maturity", title="Maturity: the principal fell due (§1)",
            order=5,
        ))
    if statements is None:
        statements = tuple(
            InterestStatement.objects.filter(note=note).order_by("period_start", "id")
        )
    allocations = [
        (a.paid_on, a.period_start, a.amount, p.method == PaymentMethod.CONVERSION)
        for p in payments
        for a in p.allocations.all()
    ]
    entries += _statement_entries(note, statements, allocations, today)
    entries += _payment_entries(note, payments, for_holder=for_holder)
    for e in default_events:
        delivered = (
            f" Deemed delivered {e.deemed_delivered_on:%Y-%m-%d} (§12)."
            if e.deemed_delivered_on else ""
        )
        entries.append(TimelineEntry(
            day=e.date, kind="default", title=e.get_kind_display(),
            detail=(e.description + " " if e.description and not for_holder else "")
            + delivered,
            anchor=f"default-event-{e.pk}", order=40,
        ))
    for link in chain[1:]:
        t = link.transfer
        legend = (
            "The note bears the restrictive legend."
            if t.legend_required
            else f"Legend not required: {t.legend_counsel_reference}."
        )
        entries.append(TimelineEntry(
            day=link.held_from, kind="transfer",
            title=f"Transferred from {t.transferor.name} to {t.transferee.name} (§10)",
            detail=(
                f"Notice received {t.notice_received_on:%Y-%m-%d}, opinion of counsel "
                f"{t.opinion_received_on:%Y-%m-%d}, approved {t.decided_on:%Y-%m-%d}. {legend}"
            ),
            order=8,
        ))
    if note.status == NoteStatus.REPAID and note.ended_on:
        entries.append(TimelineEntry(
            day=note.ended_on, kind="repaid",
            title="Repaid in full: principal and interest paid; nothing accrues after this day"
                  " (§2)",
            order=90,
        ))
    for _, contributed in note_timeline_collecting.send(
        sender=Note, note=note, for_holder=for_holder
    ):
        entries += contributed or []
    return sorted(entries, key=lambda e: (e.day, e.order))


# --- How much of a note's history its page shows --------------------------------------
#
# A note's page shows its latest statements and timeline entries; the rest are a link
# away, on pages of their own (a note stated for years has hundreds of each).

STATEMENTS_ON_NOTE_PAGE = 12
STATEMENTS_PER_PAGE = 24
TIMELINE_ON_NOTE_PAGE = 20


def statement_links(
    statements: list[InterestStatement], *, shown: list[InterestStatement], statements_url: str
) -> dict[str, str]:
    """Where each statement's row is: ``#row`` when this page shows it (`shown`), else on
    its page of the full list (``statements_url``, `STATEMENTS_PER_PAGE` a page, in the
    order of `statements`). Each shown adjustment gets ``original_link``, the link to the
    statement it adjusts."""
    here = {s.pk for s in shown}
    separator = "&" if "?" in statements_url else "?"
    links = {}
    for index, s in enumerate(statements):
        anchor = s.anchor
        links[anchor] = (
            f"#{anchor}" if s.pk in here
            else f"{statements_url}{separator}page={index // STATEMENTS_PER_PAGE + 1}#{anchor}"
        )
    for s in shown:
        if s.corrects_id:
            s.original_link = links.get(s.month_anchor, f"#{s.month_anchor}")
    return links


def timeline_linked(
    entries: list[TimelineEntry], *, links: Mapping[str, str], note_url: str = ""
) -> list[TimelineEntry]:
    """The entries, each anchored one linked to where its record is: a statement's row from
    `links` (`statement_links`), anything else on the note's page (`note_url`, empty when
    that is this page)."""
    return [
        dataclasses.replace(e, link=links.get(e.anchor) or f"{note_url}#{e.anchor}")
        if e.anchor else e
        for e in entries
    ]


# --- The chain of holders (§10) -------------------------------------------------------
#
# Who held a note on a day is derived from its approved transfers: the holder it
# was issued to until the first transfer's effective date, then each transferee
# from its transfer's effective date. ``Note.holder`` is the registered holder
# today; every record dated D (a payment, a letter, the interest paid in a tax
# year) belongs to the holder registered on D.


@dataclass(frozen=True)
class Holding:
    """One link of the register's chain: who held the note from when to when."""

    holder: Holder
    held_from: date
    held_until: date | None  # the last day held; None while still held
    transfer: Transfer | None  # the transfer that made it the holder (None: issued to)
    legend_required: bool

    def covers(self, day: date) -> bool:
        return self.held_from <= day and (self.held_until is None or day <= self.held_until)


def approved_transfers(note: Note) -> list[Transfer]:
    if not related_rows_may_exist(note, Transfer):
        return []
    return list(
        Transfer.objects.filter(note=note, decision=TransferDecision.APPROVED)
        .select_related("transferor", "transferee")
        .order_by("effective_date", "id")
    )


def note_register_chain(note: Note, transfers: list[Transfer] | None = None) -> list[Holding]:
    """The note's holders in order, each with the days held (one query)."""
    transfers = approved_transfers(note) if transfers is None else transfers
    holder = transfers[0].transferor if transfers else note.holder
    start, via, legend = note.issue_date, None, True
    chain = []
    for t in transfers:
        chain.append(Holding(holder, start, t.effective_date - ONE_DAY, via, legend))
        holder, start, via, legend = t.transferee, t.effective_date, t, t.legend_required
    chain.append(Holding(holder, start, None, via, legend))
    return chain


def note_holder_on(note: Note, day: date) -> Holder:
    """The holder registered on `day` (the first holder before the note's issue)."""
    return note_holders_on([note], day)[note.pk]


def note_holders_on(notes, day: date) -> dict[int, Holder]:
    """Each note's holder registered on `day`, by note id (one query, two with transfers).

    The notes come with their current ``holder`` (select_related it); only notes
    with approved transfers need more.
    """
    notes = list(notes)
    holder_ids = {n.pk: n.holder_id for n in notes}
    found = {n.pk: n.holder for n in notes}
    rows = (
        Transfer.objects.filter(note_id__in=holder_ids, decision=TransferDecision.APPROVED)
        .order_by("note_id", "effective_date", "id")
        .values_list("note_id", "transferor_id", "transferee_id", "effective_date")
    )
    on_day: dict[int, int] = {}
    for note_id, transferor_id, transferee_id, effective in rows:
        on_day.setdefault(note_id, transferor_id)
        if effective <= day:
            on_day[note_id] = transferee_id
    changed = {nid: hid for nid, hid in on_day.items() if hid != holder_ids[nid]}
    if changed:
        holders = Holder.objects.in_bulk(set(changed.values()))
        for note_id, holder_id in changed.items():
            found[note_id] = holders[holder_id]
    return found


def holder_on_expression(note_field: str = "note", day_field: str = "paid_on"):
    """SQL for the holder registered on a row's date (e.g. a payment's value date)."""
    approved = Transfer.objects.filter(
        note=OuterRef(note_field), decision=TransferDecision.APPROVED
    )
    latest = approved.filter(effective_date__lte=OuterRef(day_field)).order_by(
        "-effective_date", "-id"
    )
    first = approved.order_by("effective_date", "id")
    return Coalesce(
        Subquery(latest.values("transferee_id")[:1]),
        Subquery(first.values("transferor_id")[:1]),
        F(f"{note_field}__holder_id"),
        output_field=BigIntegerField(),
    )


def notes_ever_held_by(holder) -> QuerySet[Note]:
    """The notes the holder holds or held: registered now, or party to an approved transfer."""
    party = Transfer.objects.filter(
        note=OuterRef("pk"), decision=TransferDecision.APPROVED
    ).filter(Q(transferor=holder) | Q(transferee=holder))
    return Note.objects.filter(Q(holder=holder) | Exists(party))


def holder_held_periods(note: Note, holder, chain: list[Holding] | None = None) -> list[Holding]:
    """The links of the note's chain (read unless given) where `holder` was the registered
    holder."""
    chain = note_register_chain(note) if chain is None else chain
    return [h for h in chain if h.holder.pk == holder.pk]


def stop_transfer_in_force(note: Note) -> StopTransferInstruction | None:
    if not related_rows_may_exist(note, StopTransferInstruction):
        return None
    return (
        StopTransferInstruction.objects.filter(note=note, lifted_on__isnull=True)
        .order_by("-recorded_on", "-id")
        .first()
    )


def transfer_list() -> QuerySet[Transfer]:
    return Transfer.objects.select_related(
        "note", "note__series", "transferor", "transferee", "decided_by", "recorded_by",
        "notice_document", "opinion_document",
    ).order_by("-created_at", "-id")

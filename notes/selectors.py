"""Reads of the note register: positions, statements, payments.

A note's figures are always derived from its facts (original principal,
principal payments, interest allocations, the day it ended) by the pure domain
core, so a position never depends on when the servicing job last ran.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

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
from notes.domain.periods import due_date_for
from notes.domain.position import (
    LAST_POSITION_DAY,
    Allocation,
    InterestLine,
    LineKind,
    Position,
    interest_lines,
    note_position,
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
)

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
        )

    def interest_lines(self, as_of: date) -> list[InterestLine]:
        return interest_lines(
            timeline=self.timeline,
            rate=self.rate,
            convention=self.note.series.day_count,
            issue_date=self.note.issue_date,
            as_of=as_of,
            end_date=self.accrual_end,
        )


def money_facts_by_note(
    note_ids: list[int],
) -> tuple[dict[int, list[tuple[date, Decimal]]], dict[int, list[Allocation]]]:
    """Principal payments and interest allocations of many notes (two queries)."""
    principal_paid: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for note_id, paid_on, amount in Payment.objects.filter(
        note_id__in=note_ids, applies_to=PaymentKind.PRINCIPAL
    ).values_list("note_id", "paid_on", "amount"):
        principal_paid[note_id].append((paid_on, amount))
    allocations: dict[int, list[Allocation]] = defaultdict(list)
    for note_id, start, amount, paid_on in PaymentAllocation.objects.filter(
        note_id__in=note_ids
    ).values_list("note_id", "period_start", "amount", "paid_on"):
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


def note_position_get(*, note: Note, as_of: date) -> Position:
    """The note's position at the end of `as_of` (§2, accrued unpaid interest)."""
    return note_facts_get(note=note).position(as_of)


def statement_list_with_status(
    *, note: Note, as_of: date, allocations: tuple[Allocation, ...] | None = None
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
    statements = [
        s
        for s in InterestStatement.objects.filter(note=note, period_end__lt=as_of).order_by(
            "period_start", "id"
        )
        if s.amount.amount or s.corrects_id
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


def note_money_read(*, note: Note, as_of: date) -> NoteMoney:
    """Position and statements as of a day, in three queries whatever the note's age.

    As of D the statements are those whose month ended before D (the selector's
    rule); the interest of later months is in the accrued figure only.
    """
    facts = note_facts_get(note=note)
    status = note_status_on(note, as_of)
    position = facts.position(as_of)
    statements = statement_list_with_status(
        note=note, as_of=as_of, allocations=facts.allocations
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
    """The note's payments, newest first, with allocations and reversal links (two queries)."""
    return list(
        payment_list()
        .filter(note=note)
        .select_related("reversed_by")
        .prefetch_related("allocations")
    )


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

    One query for a note without events (none when the note comes annotated
    with `has_default_events`, as the note page's does); with a payment-default
    notice or an acceleration, the note's money facts too (three more, or none
    when `facts` is given), whatever the number of events.
    """
    if note.__dict__.get("has_default_events") is False:
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

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

from notes.domain.interest import effective_rate, principal_timeline
from notes.domain.position import Allocation, Position, note_position
from notes.models import (
    InterestStatement,
    Note,
    NoteSeries,
    NoteStatus,
    Payment,
    PaymentAllocation,
    PaymentKind,
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


def note_outstanding_principal(note: Note) -> Decimal:
    """Original principal less principal repaid (and all of it once converted)."""
    if note.status == "converted":
        return ZERO
    paid = note.payments.filter(applies_to=PaymentKind.PRINCIPAL).aggregate(t=Sum("amount"))["t"]
    return note.principal.amount - (paid or ZERO)


@dataclass(frozen=True)
class NoteFacts:
    """Everything the domain core needs about one note."""

    note: Note
    rate: Decimal
    rate_basis: str
    timeline: tuple
    allocations: tuple[Allocation, ...]

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
            end_date=self.note.ended_on,
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
    """Load a note's money facts (two queries)."""
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
    )


def note_position_get(*, note: Note, as_of: date) -> Position:
    """The note's position at the end of `as_of` (SPEC "Accrued unpaid interest")."""
    return note_facts_get(note=note).position(as_of)


def statement_list_with_status(*, note: Note, as_of: date) -> list[InterestStatement]:
    """The note's statements, each with `paid_amount` and `status` as of a day.

    Status derives from allocations and dates: `paid` once the interest
    allocated to its period on or before `as_of` covers it, `past_due` from the
    day after its due date, `open` before that.
    """
    paid = (
        PaymentAllocation.objects.filter(
            note=note, period_start=OuterRef("period_start"), paid_on__lte=as_of
        )
        .order_by()
        .values("period_start")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    statements = list(
        # A statement exists as of a day once its month has ended.
        InterestStatement.objects.filter(note=note, period_end__lt=as_of)
        .annotate(paid_amount=Coalesce(Subquery(paid), ZERO))
        .order_by("period_start")
    )
    for statement in statements:
        statement.status = statement_status(
            statement, statement.paid_amount, as_of, ended_on=note.ended_on
        )
    return statements


def statement_status(
    statement: InterestStatement, paid_amount: Decimal, as_of: date, ended_on: date | None = None
) -> str:
    """`paid`, `past_due` or `open`; `superseded` for the month the note ended in.

    A statement issued for a month in which the note was later (but with an
    earlier date) converted or repaid should not exist (SPEC: that month's
    interest is part of the Note Amount or the payoff). It cannot be deleted, so
    it is shown as superseded and never counts as past due.
    """
    if ended_on is not None and statement.period_end >= ended_on and as_of >= ended_on:
        return "superseded"
    if paid_amount >= statement.amount.amount:
        return "paid"
    if as_of > statement.due_date:
        return "past_due"
    return "open"


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

    @property
    def rate_percent(self) -> Decimal:
        return self.rate * 100


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
    return NoteMoney(
        as_of=as_of,
        currency=note.currency,
        position=facts.position(as_of),
        status=status,
        status_label=(
            "Not yet issued" if status == NOT_YET_ISSUED else NoteStatus(status).label
        ),
        rate=facts.rate,
        rate_basis=facts.rate_basis,
        day_count=note.series.day_count,
        statements=statement_list_with_status(note=note, as_of=as_of),
    )


def note_payments(note: Note) -> list[Payment]:
    """The note's payments, newest first, with allocations and reversal links (two queries)."""
    return list(
        payment_list()
        .filter(note=note)
        .select_related("reversed_by")
        .prefetch_related("allocations")
    )

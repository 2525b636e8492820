"""The deadline calendar: every contractual clock, derived from the records it comes from.

A deadline is never stored or set by hand. Each one is read off its record —
a statement and the payments allocated to its month, a §6.1 obligation and the
notices sent for it, a default event and what followed it, a conversion and
the cash paid for it, a note and its end — so `met` and `missed` always agree
with the records:

- `interest_due` (§2): a statement's due date (the 15th); met if its month is
  paid by then, missed the day after if not.
- `cure_period` (§3(i)): 10 days after a payment-default notice's deemed
  delivery; met if the default is cured within it, missed if not (an Event of
  Default from the next day).
- `dismissal_window` (§3(iii)): day 60 after an involuntary proceeding or a
  receiver's appointment commenced; met if it is dismissed, stayed or vacated
  by then, missed if not (an Event of Default from day 61).
- `qualified_offering_notice` (§6.1): 10 days after a $3M Qualified Offering
  closed; met if the notice is deposited or delivered by then.
- `conversion_notice` (§6.2): 10 days after an automatic conversion; likewise.
- `voluntary_window` (§5.1): the window's last day (6 months after the
  closing); the holder's option, not an obligation: met once the holder
  elected, or once it has run its course; never missed.
- `cash_in_lieu` (§7): 10 days after a conversion; met if the cash in lieu is
  paid in full by then.
- `maturity` (§1): the maturity date; met if the note was repaid or converted
  by then, missed if it was still outstanding after.

A deadline is `open` until its day has passed and it is not met.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Min, Q

from notes.domain.defaults import DefaultEventKind, cure_deadline_for, last_day_to_resolve
from notes.models import DefaultEvent, Note, NoteStatus
from notes.selectors import note_default_read
from notices.models import Direction
from notices.selectors import obligations_with_state
from offerings.models import Conversion, ConversionKind, ConversionStatus, NoticeObligation
from offerings.services.cash import cash_in_lieu_state
from offerings.services.qualification import voluntary_window


class Kind:
    INTEREST_DUE = "interest_due"
    CURE_PERIOD = "cure_period"
    DISMISSAL_WINDOW = "dismissal_window"
    QUALIFIED_OFFERING_NOTICE = "qualified_offering_notice"
    CONVERSION_NOTICE = "conversion_notice"
    VOLUNTARY_WINDOW = "voluntary_window"
    CASH_IN_LIEU = "cash_in_lieu"
    MATURITY = "maturity"
    ACCELERATED = "accelerated"


KIND_LABELS = {
    Kind.INTEREST_DUE: "Interest due (§2)",
    Kind.CURE_PERIOD: "Cure period after a payment-default notice (§3(i))",
    Kind.DISMISSAL_WINDOW: "60 days to dismiss a proceeding or receiver (§3(iii))",
    Kind.QUALIFIED_OFFERING_NOTICE: "Notice of a $3M Qualified Offering (§6.1)",
    Kind.CONVERSION_NOTICE: "Notice of automatic conversion (§6.2)",
    Kind.VOLUNTARY_WINDOW: "Voluntary conversion window closes (§5.1)",
    Kind.CASH_IN_LIEU: "Cash in lieu of fractional shares (§7)",
    Kind.MATURITY: "Maturity (§1)",
    Kind.ACCELERATED: "Accelerated: principal and interest due at once (§3)",
}
CLAUSES = {
    Kind.INTEREST_DUE: "§2",
    Kind.CURE_PERIOD: "§3(i)",
    Kind.DISMISSAL_WINDOW: "§3(iii)",
    Kind.QUALIFIED_OFFERING_NOTICE: "§6.1",
    Kind.CONVERSION_NOTICE: "§6.2",
    Kind.VOLUNTARY_WINDOW: "§5.1",
    Kind.CASH_IN_LIEU: "§7",
    Kind.MATURITY: "§1",
    Kind.ACCELERATED: "§3",
}
STATES = ("open", "met", "missed")


@dataclass(frozen=True)
class Deadline:
    """One contractual clock and where it stands on a day."""

    kind: str
    due_on: date
    state: str
    note_id: int | None
    note_number: str
    series_id: int | None
    holder: str
    source: str  # the kind of record it comes from
    source_id: int
    description: str

    @property
    def clause(self) -> str:
        return CLAUSES[self.kind]

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def uid(self) -> str:
        return f"{self.kind}-{self.source}-{self.source_id}"


def _state(*, met: bool, due_on: date, as_of: date) -> str:
    if met:
        return "met"
    return "missed" if as_of > due_on else "open"


def deadline_list(
    *,
    as_of: date,
    kinds: Iterable[str] | None = None,
    series_id: int | None = None,
    due_after: date | None = None,
    due_before: date | None = None,
    states: Iterable[str] | None = None,
) -> list[Deadline]:
    """Every deadline matching the filters, as of a day, soonest first.

    Args:
        as_of: the day asked (today for the pages); records after it do not count.
        kinds: only these kinds (all by default).
        series_id: only the notes of this series.
        due_after: only deadlines due on or after this day.
        due_before: only deadlines due on or before this day.
        states: only these states.
    """
    wanted = set(kinds or KIND_LABELS)
    producers = {
        Kind.INTEREST_DUE: _interest_due,
        Kind.QUALIFIED_OFFERING_NOTICE: _obligations,
        Kind.CONVERSION_NOTICE: _obligations,
        Kind.VOLUNTARY_WINDOW: _voluntary_windows,
        Kind.CASH_IN_LIEU: _cash_in_lieu,
        Kind.MATURITY: _maturities,
        Kind.CURE_PERIOD: _default_clocks,
        Kind.DISMISSAL_WINDOW: _default_clocks,
        Kind.ACCELERATED: _default_clocks,
    }
    wanted_states = set(states or STATES)
    # Narrow what the producers read by what the states imply: a missed deadline
    # was due before `as_of`, an open one on or after it (see `_state`).
    producer_after, producer_before = due_after, due_before
    if wanted_states == {"missed"}:
        day_before = as_of - timedelta(days=1)
        producer_before = min(due_before, day_before) if due_before else day_before
    elif wanted_states == {"open"}:
        producer_after = max(due_after, as_of) if due_after else as_of
    deadlines: list[Deadline] = []
    seen = set()
    for kind in wanted:
        producer = producers[kind]
        if producer in seen:
            continue
        seen.add(producer)
        deadlines.extend(
            producer(
                as_of=as_of, series_id=series_id, due_after=producer_after,
                due_before=producer_before,
            )
        )
    return sorted(
        (
            d
            for d in deadlines
            if d.kind in wanted
            and d.state in wanted_states
            and (due_after is None or d.due_on >= due_after)
            and (due_before is None or d.due_on <= due_before)
        ),
        key=lambda d: (d.due_on, d.kind, d.note_number, d.source_id),
    )


def _interest_due(*, as_of, series_id, due_after, due_before) -> list[Deadline]:
    """One per statement (and per adjustment that asks for more): paid by its due date?"""
    where, params = ["s.amount > 0"], []
    if series_id is not None:
        where.append("n.series_id = %s")
        params.append(series_id)
    if due_after is not None:
        where.append("s.due_date >= %s")
        params.append(due_after)
    if due_before is not None:
        where.append("s.due_date <= %s")
        params.append(due_before)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT s.id, s.note_id, n.number, n.series_id, h.name, s.period_start,
                   s.due_date, s.amount, s.amount_currency, s.corrects_id,
                   -- what the month asked by this due date (a credit at once) ...
                   (SELECT coalesce(sum(o.amount), 0) FROM notes_intereststatement o
                    WHERE o.note_id = s.note_id AND o.period_start = s.period_start
                      AND (o.amount < 0 OR o.due_date <= s.due_date)),
                   -- ... and what was paid to it by then
                   (SELECT coalesce(sum(a.amount), 0) FROM notes_paymentallocation a
                    WHERE a.note_id = s.note_id AND a.period_start = s.period_start
                      AND a.paid_on <= s.due_date AND a.paid_on <= %s)
            FROM notes_intereststatement s
            JOIN notes_note n ON n.id = s.note_id
            JOIN holders_holder h ON h.id = n.holder_id
            WHERE {" AND ".join(where)}
            """,  # noqa: S608 - the WHERE parts are constants; values are parameters
            [as_of, *params],
        )
        rows = cursor.fetchall()
    deadlines = []
    for (statement_id, note_id, number, series, holder, period_start, due_on, amount, currency,
         corrects_id, owed, paid) in rows:
        what = "adjustment of" if corrects_id else "statement for"
        deadlines.append(
            Deadline(
                kind=Kind.INTEREST_DUE,
                due_on=due_on,
                state=_state(met=paid >= owed, due_on=due_on, as_of=as_of),
                note_id=note_id,
                note_number=number,
                series_id=series,
                holder=holder,
                source="statement",
                source_id=statement_id,
                description=(
                    f"Interest {what} {period_start:%Y-%m}: {currency} {amount:,.2f}"
                    f" ({currency} {max(owed - paid, Decimal('0')):,.2f} unpaid by {due_on})"
                ),
            )
        )
    return deadlines


def _note_fields(note: Note) -> dict:
    return {
        "note_id": note.pk,
        "note_number": note.number,
        "series_id": note.series_id,
        "holder": note.holder.name,
    }


def _obligations(*, as_of, series_id, due_after, due_before) -> list[Deadline]:
    """§6.1 and §6.2 notices: deposited or delivered by their due date?"""
    obligations = obligations_with_state(
        NoticeObligation.objects.select_related("note", "note__holder", "offering"), as_of=as_of
    )
    if series_id is not None:
        obligations = obligations.filter(note__series_id=series_id)
    if due_after is not None:
        obligations = obligations.filter(due_by__gte=due_after)
    if due_before is not None:
        obligations = obligations.filter(due_by__lte=due_before)
    obligations = obligations.annotate(
        # The first letter mailed or delivered for it, however late: what staff need to
        # know of a missed notice is whether it has gone out since.
        first_sent=Min(
            "notices__sent_on",
            filter=Q(notices__direction=Direction.SENT, notices__sent_on__lte=as_of),
        )
    )
    deadlines = []
    for obligation in obligations:
        six_one = obligation.kind == NoticeObligation.Kind.VOLUNTARY_OFFERING
        what = (
            f"Notice to {obligation.note.holder.name} of the offering closed"
            f" {obligation.offering.closing_date}" if six_one and obligation.offering
            else f"Notice to {obligation.note.holder.name} of the conversion"
        )
        if obligation.first_sent:
            late = " (late)" if obligation.first_sent > obligation.due_by else ""
            what += f"; letter mailed or delivered {obligation.first_sent}{late}"
        elif obligation.state == "missed":
            what += "; no letter sent yet"
        deadlines.append(
            Deadline(
                kind=Kind.QUALIFIED_OFFERING_NOTICE if six_one else Kind.CONVERSION_NOTICE,
                due_on=obligation.due_by,
                state=obligation.state,
                source="obligation",
                source_id=obligation.pk,
                description=what,
                **_note_fields(obligation.note),
            )
        )
    return deadlines


def _voluntary_windows(*, as_of, series_id, due_after, due_before) -> list[Deadline]:
    """A voluntary window per note noticed under §6.1: did the holder elect within it?"""
    obligations = NoticeObligation.objects.filter(
        kind=NoticeObligation.Kind.VOLUNTARY_OFFERING, offering__isnull=False
    ).select_related("note", "note__holder", "note__series", "offering")
    if series_id is not None:
        obligations = obligations.filter(note__series_id=series_id)
    elected = {
        (c.note_id, c.election.offering_id): c.conversion_date
        for c in Conversion.objects.filter(
            trigger=ConversionKind.VOLUNTARY, election__isnull=False
        ).select_related("election")
    }
    deadlines = []
    for obligation in obligations:
        _, last_day = voluntary_window(obligation.offering, obligation.note.series)
        if (due_after and last_day < due_after) or (due_before and last_day > due_before):
            continue
        elected_on = elected.get((obligation.note_id, obligation.offering_id))
        elected_on = elected_on if elected_on is not None and elected_on <= as_of else None
        if elected_on:
            outcome = f": elected {elected_on}"
        elif as_of > last_day:
            outcome = ": closed without an election"
        else:
            outcome = ""
        deadlines.append(
            Deadline(
                kind=Kind.VOLUNTARY_WINDOW,
                due_on=last_day,
                # The holder's option, not an obligation: kept once it is used or has run.
                state="met" if elected_on or as_of > last_day else "open",
                source="obligation",
                source_id=obligation.pk,
                description=(
                    f"Window from the offering closed {obligation.offering.closing_date}"
                    + outcome
                ),
                **_note_fields(obligation.note),
            )
        )
    return deadlines


def _cash_in_lieu(*, as_of, series_id, due_after, due_before) -> list[Deadline]:
    """Cash for the fractional share: paid in full within 10 days of the conversion?"""
    conversions = Conversion.objects.filter(
        status=ConversionStatus.DONE, cash_due_date__isnull=False
    ).select_related("note", "note__holder")
    if series_id is not None:
        conversions = conversions.filter(note__series_id=series_id)
    if due_after is not None:
        conversions = conversions.filter(cash_due_date__gte=due_after)
    if due_before is not None:
        conversions = conversions.filter(cash_due_date__lte=due_before)
    deadlines = []
    for conversion in conversions.prefetch_related("cash_payments"):
        cash = cash_in_lieu_state(conversion)
        paid_on = cash.paid_in_full_on
        deadlines.append(
            Deadline(
                kind=Kind.CASH_IN_LIEU,
                due_on=conversion.cash_due_date,
                state=_state(
                    met=paid_on is not None and paid_on <= min(as_of, conversion.cash_due_date),
                    due_on=conversion.cash_due_date,
                    as_of=as_of,
                ),
                source="conversion",
                source_id=conversion.pk,
                description=(
                    f"{conversion.currency} {cash.due:,.2f} for the fractional share"
                    + (f", paid in full {paid_on}" if paid_on else f", {cash.unpaid:,.2f} unpaid")
                ),
                **_note_fields(conversion.note),
            )
        )
    return deadlines


def _maturities(*, as_of, series_id, due_after, due_before) -> list[Deadline]:
    """The principal falls due: repaid or converted by the maturity date?"""
    notes = Note.objects.select_related("holder").defer("holder__tax_id")
    if series_id is not None:
        notes = notes.filter(series_id=series_id)
    if due_after is not None:
        notes = notes.filter(maturity_date__gte=due_after)
    if due_before is not None:
        notes = notes.filter(maturity_date__lte=due_before)
    deadlines = []
    for note in notes:
        ended = note.status in (NoteStatus.REPAID, NoteStatus.CONVERTED)
        met = ended and note.ended_on <= min(note.maturity_date, as_of)
        deadlines.append(
            Deadline(
                kind=Kind.MATURITY,
                due_on=note.maturity_date,
                state=_state(met=met, due_on=note.maturity_date, as_of=as_of),
                source="note",
                source_id=note.pk,
                description=(
                    f"Principal of {note.currency} {note.principal.amount:,.2f} due"
                    + (f"; {note.get_status_display().lower()} {note.ended_on}" if ended else "")
                ),
                **_note_fields(note),
            )
        )
    return deadlines


def _default_clocks(*, as_of, series_id, due_after, due_before) -> list[Deadline]:
    """§3 clocks: the cure period of a payment-default notice; 60 days to end a proceeding."""
    events = DefaultEvent.objects.filter(
        kind__in=[
            DefaultEventKind.PAYMENT_DEFAULT_NOTICE,
            DefaultEventKind.INVOLUNTARY_PROCEEDING,
            DefaultEventKind.RECEIVER_APPOINTMENT,
            DefaultEventKind.ACCELERATION,
        ],
        date__lte=as_of,
    ).select_related("note", "note__holder", "note__series")
    if series_id is not None:
        events = events.filter(note__series_id=series_id)
    resolved_on = dict(
        DefaultEvent.objects.filter(kind=DefaultEventKind.RESOLVED, date__lte=as_of).values_list(
            "resolves_id", "date"
        )
    )
    states = {}  # one default reading per note
    deadlines = []
    for event in events:
        note, series = event.note, event.note.series
        if event.kind == DefaultEventKind.ACCELERATION:
            # Due at once from the declaration's deemed delivery: met if the note was
            # repaid or converted by then.
            due_on = event.deemed_delivered_on
            if (due_after and due_on < due_after) or (due_before and due_on > due_before):
                continue
            ended = note.status in (NoteStatus.REPAID, NoteStatus.CONVERTED)
            deadlines.append(
                Deadline(
                    kind=Kind.ACCELERATED,
                    due_on=due_on,
                    state=_state(
                        met=ended and note.ended_on <= min(due_on, as_of),
                        due_on=due_on,
                        as_of=as_of,
                    ),
                    source="default_event",
                    source_id=event.pk,
                    description=(
                        f"The holder declared the note due on {event.date}: the Note Amount"
                        " is due at once"
                    ),
                    **_note_fields(note),
                )
            )
            continue
        if event.kind == DefaultEventKind.PAYMENT_DEFAULT_NOTICE:
            kind = Kind.CURE_PERIOD
            due_on = cure_deadline_for(event.deemed_delivered_on, series.cure_days)
            delivery = event.get_delivery_method_display().lower()
            what = f"Cure a payment default noticed {event.date} ({delivery})"
        else:
            kind = Kind.DISMISSAL_WINDOW
            due_on = last_day_to_resolve(event.date, series.dismissal_days)
            what = f"{event.get_kind_display()} on {event.date}: dismiss, stay or vacate"
        if (due_after and due_on < due_after) or (due_before and due_on > due_before):
            continue
        if note.pk not in states:
            states[note.pk] = note_default_read(note=note, as_of=as_of).state
        explanation = next(
            (x for x in states[note.pk].explanation if x.event_id == event.pk), None
        )
        defaulted = (
            explanation is not None
            and explanation.event_of_default_from is not None
            and explanation.event_of_default_from <= as_of
        )
        if kind == Kind.DISMISSAL_WINDOW:
            ended = resolved_on.get(event.pk)
            met = ended is not None and ended <= due_on
        else:
            # Cured: paid in full within the period (the default state says when).
            cured_on = states[note.pk].cured_on
            met = not defaulted and (
                as_of > due_on
                or (cured_on is not None and event.deemed_delivered_on <= cured_on <= as_of)
            )
        deadlines.append(
            Deadline(
                kind=kind,
                due_on=due_on,
                state="missed" if defaulted else _state(met=met, due_on=due_on, as_of=as_of),
                source="default_event",
                source_id=event.pk,
                description=what,
                **_note_fields(note),
            )
        )
    return deadlines

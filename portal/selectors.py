"""Reads for the holder portal: a holder sees only their own records.

Every read here starts from the holder (the login's `Holder`), never from an
id alone: a note, notice or voluntary window that is not the holder's is a 404,
so its existence is not disclosed. What a holder may see is what the Company
has told or would tell the holder in writing — the note's figures, the letters
that went out, the notices the holder gave — and nothing staff keep for
themselves (reversal reasons, event descriptions, who recorded what, letters
not yet sent, other holders' anything).

A note transferred (§10) is seen by each holder of its chain for the days they
held it: the earlier holder keeps its statements, payments and letters up to
the day before the effective date, the new holder sees it from that date; only
the registered holder is offered a Notice of Election.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from core.related_rows import related_rows_load, related_rows_may_exist
from holders.models import Holder, HolderAddress
from holders.selectors import holder_for_user
from notes.domain.conversion import SharesWorking, shares_working
from notes.models import (
    ACTIVE_STATUSES,
    Issuer,
    Note,
    Payment,
    Transfer,
    TransferDecision,
)
from notes.selectors import (
    Holding,
    NoteDefaults,
    NoteFacts,
    NoteMoney,
    TimelineEntry,
    holder_held_periods,
    note_default_read,
    note_facts_read,
    note_money_read,
    note_payments,
    note_register_chain,
    note_timeline,
    notes_ever_held_by,
    notes_facts_read,
)
from notices.models import Direction, Notice
from offerings.domain.qualification import qualifies_automatic, qualifies_voluntary
from offerings.models import Conversion, Offering
from offerings.services.cash import cash_in_lieu_summary
from offerings.services.qualification import series_thresholds, voluntary_window

__all__ = [
    "holder_for_user",
    "holder_note_money",
    "holder_notes",
    "holder_note_get",
    "holder_note_rows",
    "holder_note_read",
    "holder_notice_get",
    "holder_window_get",
]


def holder_notes(holder: Holder) -> QuerySet[Note]:
    """The notes the holder holds now or held before a transfer (§10)."""
    return (
        notes_ever_held_by(holder)
        .select_related("series", "series__issuer", "holder")
        .order_by("issue_date", "number")
    )


def holder_note_get(holder: Holder, pk: int) -> Note:
    """The holder's own note; 404 for any other (its existence is not disclosed)."""
    note = holder_notes(holder).filter(pk=pk).first()
    if note is None:
        raise Http404("No such note among yours.")
    return note


# --- The notes list: each note's figures today --------------------------------------


@dataclass(frozen=True)
class NoteRow:
    note: Note
    money: NoteMoney


def holder_note_rows(holder: Holder, *, as_of: date) -> list[NoteRow]:
    """Each of the holder's notes with its position and statements as of a day."""
    notes = list(holder_notes(holder))
    facts = notes_facts_read(notes)
    transfers: dict[int, list[Transfer]] = defaultdict(list)
    for t in (
        Transfer.objects.filter(note__in=notes, decision=TransferDecision.APPROVED)
        .select_related("transferor", "transferee")
        .order_by("effective_date", "id")
    ):
        transfers[t.note_id].append(t)
    rows = []
    for n in notes:
        held = [
            h for h in note_register_chain(n, transfers[n.pk]) if h.holder.pk == holder.pk
        ]
        money = (
            note_money_read(note=n, as_of=as_of, facts=facts[n.pk])
            if _held_throughout(n, held)
            else holder_note_money(holder=holder, note=n, as_of=as_of, held=held)
        )
        rows.append(NoteRow(note=n, money=money))
    return rows


def _held_throughout(note: Note, held: list[Holding]) -> bool:
    return len(held) == 1 and held[0].held_from <= note.issue_date and held[0].held_until is None


def _overlaps(held: list[Holding], start: date, end: date) -> bool:
    return any(h.held_from <= end and (h.held_until is None or start <= h.held_until) for h in held)


def holder_note_money(
    *, holder: Holder, note: Note, as_of: date, held: list[Holding] | None = None,
    facts: NoteFacts | None = None,
) -> NoteMoney:
    """The note's money as the holder may see it: the periods they held it (§10).

    A holder who transferred the note sees it as of the last day they held it
    (or `as_of` if earlier); every holder sees the statements of the months
    that overlap the days they held it.
    """
    held = holder_held_periods(note, holder) if held is None else held
    if not held:
        raise Note.DoesNotExist(f"{holder} never held {note}.")
    # The note's facts once, its ended months read from its statements (not recomputed).
    facts = note_facts_read(note=note) if facts is None else facts
    money = note_money_read(note=note, as_of=as_of, facts=facts)
    if _held_throughout(note, held):
        return money  # held from issue: everything is theirs
    last = held[-1].held_until
    position = (
        money if last is None or last >= as_of
        else note_money_read(note=note, as_of=last, facts=facts)
    )
    # The statements of the months held, as they stand today; the position on the
    # last day held.
    return dataclasses.replace(
        position,
        statements=[
            s for s in money.statements if _overlaps(held, s.period_start, s.period_end)
        ],
        unstated_lines=[
            line for line in position.unstated_lines if _overlaps(held, line.start, line.end)
        ],
    )


def holder_address(holder: Holder, *, as_of: date) -> HolderAddress | None:
    """The address on the Company's records on `as_of` (§6.2, §12)."""
    return holder.address_on(as_of)


def holder_issuers(holder: Holder) -> list[Issuer]:
    """The issuers of the holder's notes: where the holder's written notices go (§12), each
    with ``mail_days``, the business days after which a mailed notice is deemed delivered
    (a series term; the longest of the holder's series of that issuer)."""
    return list(
        Issuer.objects.filter(series__notes__holder=holder)
        .annotate(mail_days=Max("series__mail_delivery_business_days"))
        .order_by("name")
    )


# --- One note, everything the holder may see -----------------------------------------


@dataclass(frozen=True)
class VoluntaryWindow:
    """A $3 Million Qualified Offering's window open today for the note (§5.1, §6.1)."""

    offering: Offering
    opens: date
    closes: date


@dataclass(frozen=True)
class ConversionRead:
    conversion: Conversion
    cash: dict | None
    working: SharesWorking | None
    cash_payments: list


@dataclass(frozen=True)
class HolderNoteRead:
    note: Note
    money: NoteMoney
    payments: list[Payment]
    notices: list[Notice]
    conversion: ConversionRead | None
    defaults: NoteDefaults | None
    windows: list[VoluntaryWindow]
    timeline: list[TimelineEntry]


def _visible_notices() -> Q:
    # Letters that went out, and notices the Company received; a letter prepared but not
    # yet sent is still the Company's.
    return Q(direction=Direction.RECEIVED) | Q(direction=Direction.SENT, sent_on__isnull=False)


def holder_note_notices(holder: Holder, note: Note) -> list[Notice]:
    """The note's notices that were the holder's, newest first."""
    if not related_rows_may_exist(note, Notice):
        return []
    return list(
        Notice.objects.filter(_visible_notices(), note=note, holder=holder).order_by(
            "-notice_date", "-id"
        )
    )


def holder_notice_get(holder: Holder, pk: int) -> Notice:
    """One of the holder's own notices (the note still theirs); 404 for any other."""
    notice = (
        Notice.objects.filter(
            _visible_notices(), pk=pk, holder=holder, note__in=notes_ever_held_by(holder)
        )
        .select_related("note")
        .first()
    )
    if notice is None:
        raise Http404("No such notice among yours.")
    return notice


def note_conversion_read(note: Note, *, as_of: date) -> ConversionRead | None:
    if not related_rows_may_exist(note, Conversion):
        return None
    conversion = (
        Conversion.objects.filter(note=note)
        .select_related("offering", "event", "price_offering")
        .prefetch_related("cash_payments")
        .first()
    )
    if conversion is None:
        return None
    working = None
    if conversion.conversion_price is not None and conversion.shares is not None:
        working = shares_working(
            note_amount=conversion.note_amount, price=conversion.conversion_price
        )
    return ConversionRead(
        conversion=conversion,
        cash=cash_in_lieu_summary(conversion, as_of),
        working=working,
        cash_payments=sorted(conversion.cash_payments.all(), key=lambda p: (p.paid_on, p.pk)),
    )


def note_open_windows(note: Note, *, as_of: date) -> list[VoluntaryWindow]:
    """The voluntary conversion windows open for the note on `as_of` (§5.1).

    The note must be outstanding or accelerated and issued by then, the offering a
    $3 Million Qualified Offering of its issuer under the series' terms that is not
    also a $5 Million one (that converts every note, §5.2), with `as_of` from its
    closing through the same day six months later (a series term) — the rules
    `offerings.services.elections.election_record` applies on receipt.
    """
    if note.status not in ACTIVE_STATUSES or as_of < note.issue_date:
        return []
    series = note.series
    thresholds = series_thresholds(series)
    windows = []
    for offering in Offering.objects.filter(
        issuer_id=series.issuer_id, closing_date__lte=as_of
    ).order_by("closing_date", "id"):
        gross = offering.gross_proceeds.amount
        if not qualifies_voluntary(offering.kind, gross, thresholds):
            continue
        if qualifies_automatic(offering.kind, gross, thresholds):
            continue
        opens, closes = voluntary_window(offering, series)
        if opens <= as_of <= closes:
            windows.append(VoluntaryWindow(offering=offering, opens=opens, closes=closes))
    return windows


def holder_window_get(holder: Holder, note_pk: int, offering_pk: int, *, as_of: date):
    """(note, window) for a Notice of Election form; 404 unless the note is the holder's
    and that offering's window is open for it today."""
    note = holder_note_get(holder, note_pk)
    if note.holder_id != holder.pk:
        raise Http404("Only the registered holder may elect to convert the note (§5.1).")
    for window in note_open_windows(note, as_of=as_of):
        if window.offering.pk == offering_pk:
            return note, window
    raise Http404("No voluntary conversion window of that offering is open for this note.")


def holder_note_read(holder: Holder, pk: int, *, as_of: date) -> HolderNoteRead:
    """Everything on the holder's note page, as of a day (today on the page).

    The note's chain of holders and its facts (with its statements) are read once and
    shared by the money, the default state and the timeline.
    """
    note = holder_note_get(holder, pk)
    # A read-only page: the tables that hold nothing for the note are not read.
    related_rows_load(note)
    chain = note_register_chain(note)
    held = holder_held_periods(note, holder, chain)
    registered = note.holder_id == holder.pk
    payments = note_payments(note)
    facts = note_facts_read(note=note, payments=payments)
    if not _held_throughout(note, held):
        # A transferred note: the payments of the days this holder held it (§10).
        payments = [p for p in payments if _overlaps(held, p.paid_on, p.paid_on)]
    defaults = note_default_read(note=note, as_of=as_of, facts=facts)
    return HolderNoteRead(
        note=note,
        money=holder_note_money(holder=holder, note=note, as_of=as_of, held=held, facts=facts),
        payments=payments,
        notices=holder_note_notices(holder, note),
        # What happened after a transfer is the new holder's.
        conversion=note_conversion_read(note, as_of=as_of) if registered else None,
        defaults=defaults if defaults.events and registered else None,
        windows=note_open_windows(note, as_of=as_of) if registered else [],
        timeline=[
            entry
            for entry in note_timeline(
                note=note,
                payments=payments,
                default_events=defaults.events,
                today=as_of,
                chain=chain,
                statements=facts.statements,
                for_holder=True,
            )
            # A transferred note: what happened while this holder held it (§10).
            if _held_throughout(note, held) or _overlaps(held, entry.day, entry.day)
        ],
    )

"""Voluntary conversion: the §6.1 notices a window obliges, and Notices of Election (§5.1, §6.1).

A $3 Million Qualified Offering opens a voluntary conversion window from its
closing through the same day six months later (a series term), and obliges
the Company to notify the holder of every note outstanding on the closing date
within ten days of the closing (§6.1). A holder converts by a Notice of
Election (Exhibit A: names for the certificates, address, tax ID); received
inside the window, it converts the note on the day received at that
offering's Conversion Price (§5.1). An election outside the window, for a note
neither outstanding nor accelerated, or under an offering that converts every
note automatically (§5.2), is refused with the reason.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from notes.models import ACTIVE_STATUSES, Note, NoteSeries
from notes.services.payments import NoteStateConflict
from offerings.domain.qualification import qualifies_automatic, qualifies_voluntary
from offerings.models import Conversion, ConversionKind, Election, NoticeObligation, Offering
from offerings.services.conversions import Price, notes_convert, notes_with_payments_after
from offerings.services.dates import refuse_future
from offerings.services.prices import offering_price_for
from offerings.services.qualification import series_thresholds, voluntary_window

ACTIVE = ACTIVE_STATUSES


def voluntary_notices_oblige(series: NoteSeries, offering: Offering) -> int:
    """§6.1: notice to the holder of every note outstanding on the closing date."""
    closing = offering.closing_date
    notes = (
        Note.objects.filter(series=series, issue_date__lte=closing)
        .filter(Q(status__in=ACTIVE) | Q(ended_on__gt=closing))
        .select_related("holder")
        .order_by("pk")
    )
    due_by = closing + timedelta(days=series.notice_days)
    created = NoticeObligation.objects.bulk_create(
        [
            NoticeObligation(
                kind=NoticeObligation.Kind.VOLUNTARY_OFFERING,
                note=n,
                holder=n.holder,
                offering=offering,
                due_by=due_by,
            )
            for n in notes
        ],
        ignore_conflicts=True,
    )
    return len(created)


def election_record(
    *,
    note: Note,
    offering: Offering,
    received_on: date,
    certificate_names: str,
    address: str,
    tax_id: str,
    recorded_by=None,
) -> Conversion:
    """Record a Notice of Election (Exhibit A) and convert the note on the day received.

    Raises:
        ValidationError: the offering is not a $3M Qualified Offering of the
            note's issuer, the election was received outside the window, or
            Exhibit A's fields are missing.
        NoteStateConflict: the note is neither outstanding nor accelerated.
    """
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("series", "holder").get(pk=note.pk)
        series = note.series
        if note.status not in ACTIVE:
            raise NoteStateConflict(
                f"Note {note.number} is {note.get_status_display().lower()}; only an outstanding "
                "or accelerated note can be converted (§5.1)."
            )
        if offering.issuer_id != series.issuer_id:
            raise ValidationError({"offering": "That offering is not by this note's issuer."})
        if not qualifies_voluntary(
            offering.kind, offering.gross_proceeds.amount, series_thresholds(series)
        ):
            raise ValidationError(
                {
                    "offering": (
                        "That offering is not a $3 Million Qualified Offering (a PIPE with gross "
                        f"proceeds of not less than {series.voluntary_threshold:,.2f}, §5.1)."
                    )
                }
            )
        if qualifies_automatic(
            offering.kind, offering.gross_proceeds.amount, series_thresholds(series)
        ):
            raise ValidationError(
                {
                    "offering": (
                        "That offering is a $5 Million Qualified Offering: it converts every"
                        " outstanding note automatically on its closing date (§5.2); no"
                        " election applies."
                    )
                }
            )
        refuse_future(received_on, "received_on", "a Notice of Election")
        opens, closes = voluntary_window(offering, series)
        if not opens <= received_on <= closes:
            raise ValidationError(
                {
                    "received_on": (
                        f"The election was received on {received_on}, outside the"
                        f" voluntary conversion window of {opens} through {closes} (§5.1:"
                        " the option expires six months after the $3 Million Qualified"
                        " Offering)."
                    )
                }
            )
        if received_on < note.issue_date:
            raise ValidationError({"received_on": f"The note was issued on {note.issue_date}."})
        missing = [
            f
            for f, v in [
                ("certificate_names", certificate_names),
                ("address", address),
                ("tax_id", tax_id),
            ]
            if not str(v).strip()
        ]
        if missing:
            raise ValidationError({f: "Exhibit A requires this." for f in missing})
        if notes_with_payments_after([note], received_on):
            raise NoteStateConflict(
                f"A payment dated after {received_on} is recorded on note {note.number}. The"
                " Note Amount is what was outstanding and unpaid on the day the election was"
                " received; reverse the later payment first."
            )
        election = Election.objects.create(
            note=note,
            offering=offering,
            received_on=received_on,
            certificate_names=certificate_names,
            address=address,
            tax_id=tax_id,
            recorded_by=recorded_by,
        )
        value, explanation = offering_price_for(offering, series.price_tranche)
        notes_convert(
            notes=[note],
            conversion_date=received_on,
            kind=ConversionKind.VOLUNTARY,
            price=Price(value, f"Offering {offering.pk}: {explanation}", offering),
            offering=offering,
            election=election,
        )
        return Conversion.objects.get(election=election)

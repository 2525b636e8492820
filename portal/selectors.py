"""Reads for the holder portal: a holder sees only their own records.

A note transferred (§10) is seen by each holder of its chain for the days
they held it: the earlier holder keeps its statements up to the day before the
effective date, the new holder sees it from the effective date.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from django.db.models import QuerySet

from holders.models import Holder
from holders.selectors import holder_for_user
from notes.models import Note
from notes.selectors import (
    NoteMoney,
    holder_held_periods,
    note_facts_read,
    note_money_read,
    notes_ever_held_by,
)

__all__ = ["holder_for_user", "holder_note_money", "holder_notes"]


def holder_notes(holder: Holder) -> QuerySet[Note]:
    """The notes the holder holds now or held before a transfer."""
    return (
        notes_ever_held_by(holder)
        .select_related("series", "series__issuer")
        .order_by("issue_date", "number")
    )


def holder_note_money(*, holder: Holder, note: Note, as_of: date) -> NoteMoney:
    """The note's money as the holder may see it: the periods they held it.

    A holder who transferred the note sees it as of the last day they held it
    (or `as_of` if earlier); every holder sees the statements of the months
    that overlap the days they held it.
    """
    held = holder_held_periods(note, holder)
    if not held:
        raise Note.DoesNotExist(f"{holder} never held {note}.")
    # The note's facts once, its ended months read from its statements (not recomputed).
    facts = note_facts_read(note=note)
    money = note_money_read(note=note, as_of=as_of, facts=facts)
    if len(held) == 1 and held[0].held_from <= note.issue_date and held[0].held_until is None:
        return money  # held from issue: everything is theirs
    last = held[-1].held_until
    position = (
        money if last is None or last >= as_of
        else note_money_read(note=note, as_of=last, facts=facts)
    )

    def overlaps(start: date, end: date) -> bool:
        return any(
            h.held_from <= end and (h.held_until is None or start <= h.held_until) for h in held
        )

    # The statements of the months held, as they stand today; the position on the
    # last day held.
    return dataclasses.replace(
        position,
        statements=[s for s in money.statements if overlaps(s.period_start, s.period_end)],
        unstated_lines=[
            line for line in position.unstated_lines if overlaps(line.start, line.end)
        ],
    )

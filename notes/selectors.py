"""Reads of the note register."""

from __future__ import annotations

from django.db.models import QuerySet

from notes.models import Note, NoteSeries


def note_list_annotated() -> QuerySet[Note]:
    """Notes with what list pages show, in a fixed number of queries."""
    return Note.objects.select_related("series", "series__issuer", "holder")


def series_list() -> QuerySet[NoteSeries]:
    return NoteSeries.objects.select_related("issuer").order_by("issuer__name", "agreement_date")


def note_outstanding_principal(note: Note):
    """Original principal less principal repaid or converted."""
    return note.principal.amount

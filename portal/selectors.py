"""Reads for the holder portal: a holder sees only their own records."""

from __future__ import annotations

from django.db.models import QuerySet

from holders.models import Holder
from holders.selectors import holder_for_user
from notes.models import Note

__all__ = ["holder_for_user", "holder_notes"]


def holder_notes(holder: Holder) -> QuerySet[Note]:
    return (
        Note.objects.filter(holder=holder)
        .select_related("series", "series__issuer")
        .order_by("issue_date", "number")
    )

"""Reads for the holder portal: a holder sees only their own records."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from holders.models import Holder
from notes.models import Note


def holder_for_user(user) -> Holder:
    """The holder a portal login belongs to; 404 for anyone else."""
    holder = getattr(user, "holder", None) if user.is_authenticated else None
    if holder is None:
        raise Http404("No holder is linked to this login.")
    return holder


def holder_notes(holder: Holder) -> QuerySet[Note]:
    return (
        Note.objects.filter(holder=holder)
        .select_related("series", "series__issuer")
        .order_by("issue_date", "number")
    )

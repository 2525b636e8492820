"""Reads of the holder register."""

from __future__ import annotations

from django.http import Http404

from holders.models import Holder


def holder_for_user(user) -> Holder:
    """The holder a portal login belongs to; 404 for anyone else."""
    holder = getattr(user, "holder", None) if user.is_authenticated else None
    if holder is None:
        raise Http404("No holder is linked to this login.")
    return holder

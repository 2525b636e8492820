"""Notices where staff look: on a note's page and an offering's (`{% load notices %}`).

The note and offering templates include these tags; their Python never imports
this app (it sits above them).
"""

from __future__ import annotations

from django import template
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import format_html

from notices import selectors
from notices.models import Notice
from offerings.models import NoticeObligation

register = template.Library()

STATE_LABELS = {"open": "Open", "met": "Met", "missed": "Missed"}


@register.simple_tag
def obligation_badge(state: str) -> str:
    """A §6.1/§6.2 obligation's state as a status badge."""
    return format_html('<span class="status {}">{}</span>', state, STATE_LABELS.get(state, state))


@register.inclusion_tag("notices/_note_notices_lazy.html")
def note_notices(note):
    """The note's notices, loaded into its page by htmx (the page's queries stay its own);
    without JavaScript, a link to them."""
    return {"note": note}


@register.inclusion_tag("notices/_offering_notices.html")
def offering_notices(offering):
    """An offering's §6.1 obligations, each open, met or missed today, with its letters."""
    obligations = (
        selectors.obligations_with_state(
            NoticeObligation.objects.filter(
                offering=offering, kind=NoticeObligation.Kind.VOLUNTARY_OFFERING
            ),
            as_of=timezone.localdate(),
        )
        .select_related("note", "holder")
        .prefetch_related(Prefetch("notices", queryset=Notice.objects.order_by("id")))
        .order_by("note__number", "id")
    )
    return {"obligations": obligations}


@register.inclusion_tag("notices/_holder_notices.html")
def holder_notices(holder):
    """A holder's latest notices, on the holder's page (the holders app is below this one)."""
    notices = selectors.notices_of_holder(holder)
    return {
        "holder": holder,
        "notices": notices,
        "limited": len(notices) >= selectors.HOLDER_NOTICES_SHOWN,
        "shown": selectors.HOLDER_NOTICES_SHOWN,
    }

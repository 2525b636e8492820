"""Reads of notices, and whether each notice the contract requires was given in time.

An obligation to give notice (`offerings.NoticeObligation`: §6.1 within ten
days of the closing of a $3 Million Qualified Offering, §6.2 of an automatic
conversion) is **met** by a letter for it sent — deposited in the mail or
delivered by hand (``sent_on``) — on or before its ``due_by``; a correction
of that letter counts as the letter. Until its due date has passed it is
**open**; after that, without such a letter, it is **missed**, and stays
missed whatever is sent later: a late notice is recorded, but cannot make
the deadline met.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When

from notices.models import Direction, Notice
from offerings.models import NoticeObligation

OBLIGATION_STATES = ("open", "met", "missed")


def _met_in_time(as_of: date):
    return Exists(
        Notice.objects.filter(
            obligation=OuterRef("pk"),
            direction=Direction.SENT,
            sent_on__isnull=False,
            sent_on__lte=OuterRef("due_by"),
        ).filter(sent_on__lte=as_of)
    )


def obligations_with_state(queryset: QuerySet | None = None, *, as_of: date) -> QuerySet:
    """Obligations annotated with ``state`` (open, met, missed) as of a day."""
    queryset = NoticeObligation.objects.all() if queryset is None else queryset
    return queryset.annotate(
        state=Case(
            When(_met_in_time(as_of), then=Value("met")),
            When(due_by__lt=as_of, then=Value("missed")),
            default=Value("open"),
            output_field=CharField(),
        )
    )


def obligation_state(obligation: NoticeObligation, as_of: date) -> str:
    """``open``, ``met`` or ``missed`` as of a day (see the module docstring)."""
    met = Notice.objects.filter(
        obligation=obligation,
        direction=Direction.SENT,
        sent_on__isnull=False,
        sent_on__lte=min(obligation.due_by, as_of),
    ).exists()
    if met:
        return "met"
    return "missed" if as_of > obligation.due_by else "open"


def obligations_of_state(state: str, *, as_of: date) -> QuerySet:
    """The obligations in one state as of a day, soonest due first."""
    return (
        obligations_with_state(as_of=as_of)
        .filter(state=state)
        .select_related("note", "holder", "offering", "conversion")
        .order_by("due_by", "id")
    )


def notice_list() -> QuerySet[Notice]:
    """Notices with what lists show, newest first."""
    return Notice.objects.select_related(
        "note", "note__series", "holder", "obligation", "deposit"
    ).order_by("-notice_date", "-id")


def notices_filter(
    queryset: QuerySet[Notice],
    *,
    note: int | None = None,
    kind: str | None = None,
    series: int | None = None,
    state: str | None = None,
    today: date | None = None,
) -> QuerySet[Notice]:
    """Narrow a notice list: by note, kind, note series, and delivery state.

    States: ``unsent`` (a letter not yet deposited or delivered), ``sent``
    (on its way, not yet deemed delivered), ``delivered`` (deemed delivered by
    today) and ``received`` (a notice the Company received).
    """
    if note:
        queryset = queryset.filter(note_id=note)
    if kind:
        queryset = queryset.filter(kind=kind)
    if series:
        queryset = queryset.filter(note__series_id=series)
    if state == "unsent":
        queryset = queryset.filter(direction=Direction.SENT, sent_on__isnull=True)
    elif state == "sent":
        queryset = queryset.filter(direction=Direction.SENT, sent_on__isnull=False).filter(
            Q(deemed_delivered_on__isnull=True) | Q(deemed_delivered_on__gt=today)
        )
    elif state == "delivered":
        queryset = queryset.filter(direction=Direction.SENT, deemed_delivered_on__lte=today)
    elif state == "received":
        queryset = queryset.filter(direction=Direction.RECEIVED)
    return queryset


NOTICE_STATES = ("unsent", "sent", "delivered", "received")


def notices_of_note(note) -> list[Notice]:
    return list(
        Notice.objects.filter(note=note).select_related("obligation", "deposit").order_by(
            "notice_date", "id"
        )
    )


HOLDER_NOTICES_SHOWN = 50


def notices_of_holder(holder, *, limit: int = HOLDER_NOTICES_SHOWN) -> list[Notice]:
    """The holder's latest notices, sent and received, newest first (at most `limit`)."""
    return list(notice_list().filter(holder=holder)[:limit])

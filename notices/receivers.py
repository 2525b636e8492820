"""What the notices app adds when the register asks (see notes.signals)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.related_rows import related_rows_may_exist
from notes.selectors import TimelineEntry
from notices.models import Direction, Notice
from notices.services.job import notice_run_start


def note_timeline_entries(
    sender, *, note, for_holder: bool = False, **kwargs
) -> list[TimelineEntry]:
    """The note's letters, sent and received, for its timeline (one query).

    For the holder (``for_holder``), only letters that went out and notices received:
    a letter prepared but not yet sent is the Company's draft.
    """
    entries = []
    if not related_rows_may_exist(note, Notice):
        return entries
    for notice in Notice.objects.filter(note=note).order_by("notice_date", "id"):
        if for_holder and notice.direction == Direction.SENT and not notice.sent_on:
            continue
        label = notice.get_kind_display()
        if notice.direction == Direction.RECEIVED:
            day = notice.received_on or notice.notice_date
            title = f"Received: {label}"
            detail = ""
        elif notice.sent_on:
            day = notice.sent_on
            how = notice.get_delivery_method_display().lower() or "sent"
            title = f"Sent: {label}, by {how}"
            detail = (
                f"Deemed delivered {notice.deemed_delivered_on:%Y-%m-%d} (§12)."
                if notice.deemed_delivered_on else ""
            )
        else:
            day = notice.notice_date
            title = f"Prepared, not yet sent: {label}"
            detail = ""
        if notice.corrects_id:
            detail = (detail + " " if detail else "") + f"Corrects notice #{notice.corrects_id}."
        entries.append(TimelineEntry(
            day=day, kind="notice", title=title, detail=detail, anchor="notices", order=95,
        ))
    return entries


def notices_after_servicing(sender, *, run, **kwargs) -> None:
    """Once a servicing run has finished, make the notices now due (its statements first).

    The letters are dated today, whatever day the run was as of; made once the
    run's last chunk commits, by the notice job (NOTICES_AFTER_SERVICING).
    """
    if not settings.NOTICES_AFTER_SERVICING:
        return
    transaction.on_commit(
        lambda: notice_run_start(as_of=timezone.localdate(), trigger="servicing")
    )

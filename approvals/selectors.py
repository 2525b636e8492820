"""Reads of pending actions: what awaits approval, and what concerns one record."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from approvals.models import ActionStatus, PendingAction


def pending_action_list() -> QuerySet[PendingAction]:
    return PendingAction.objects.select_related("requested_by", "decided_by", "subject_type")


def pending_actions_open() -> QuerySet[PendingAction]:
    return pending_action_list().filter(status=ActionStatus.PENDING).order_by("requested_at", "id")


def pending_actions_touching(*, note_id: int | None = None, offering_id: int | None = None):
    """Open actions whose request names a note or an offering (`payload["note"]`, …).

    The apps that open actions put the note and the offering they concern in
    the payload, so the note page and the offering page find them without this
    app knowing either model.
    """
    condition = Q()
    if note_id is not None:
        condition |= Q(payload__note=note_id)
    if offering_id is not None:
        condition |= Q(payload__offering=offering_id)
    if not condition:
        return []
    return list(pending_actions_open().filter(condition))

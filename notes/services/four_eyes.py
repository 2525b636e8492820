"""Four eyes on an acceleration (§3), the register's one irreversible action.

With four eyes on (`NOTEDESK_FOUR_EYES`), a declaration of acceleration is
checked exactly as it would be recorded — the note outstanding, an Event of
Default existing on its date — and held as a pending action; the event is
recorded, and the note becomes accelerated, only when a second Finance user
approves it. Checked again then: a note repaid or converted meanwhile is
refused and the action stays pending until withdrawn. Every other event of §3
is recorded at once.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse

from approvals.models import ActionKind
from approvals.registry import effect_register
from approvals.services import ApprovalConflict, four_eyes_required, pending_action_open
from notes.models import DefaultEvent, DefaultEventKind, Note, NoteStatus
from notes.services.defaults import (
    _check_acceleration,
    _check_fields,
    default_event_record,
)
from notes.services.payments import NoteStateConflict


def default_event_request(
    *,
    note: Note,
    kind: str,
    date: date,
    delivery_method: str = "",
    resolves=None,
    description: str = "",
    recorded_by=None,
    needs_approval: bool | None = None,
):
    """Record an event of §3 — or, for an acceleration under four eyes, hold it for approval.

    Returns:
        The `DefaultEvent` recorded, or the pending action.

    Raises:
        As `default_event_record`; ApprovalConflict: an acceleration of the
        note already awaits approval.
    """
    if needs_approval is None:
        needs_approval = four_eyes_required()
    if kind != DefaultEventKind.ACCELERATION or not needs_approval:
        return default_event_record(
            note=note, kind=kind, date=date, delivery_method=delivery_method,
            resolves=resolves, description=description, recorded_by=recorded_by,
        )
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("series").get(pk=note.pk)
        if note.status in (NoteStatus.REPAID, NoteStatus.CONVERTED):
            raise NoteStateConflict(
                f"Note {note.number} is {note.get_status_display().lower()} since "
                f"{note.ended_on}; no event of default can be recorded on it."
            )
        _check_fields(note, kind, date, delivery_method, description)
        _check_acceleration(note, date)
        method = dict(DefaultEvent._meta.get_field("delivery_method").choices).get(
            delivery_method, delivery_method
        )
        return pending_action_open(
            kind=ActionKind.ACCELERATION,
            subject=note,
            summary=(
                f"Declare note {note.number} ({note.holder}) due and payable at once, "
                f"declaration of {date} ({method}) (§3)."
            ),
            payload={
                "note": note.pk,
                "date": date.isoformat(),
                "delivery_method": delivery_method,
                "description": description.strip(),
            },
            location=reverse("note-detail", args=[note.pk]),
            requested_by=recorded_by,
        )


def acceleration_carry_out(action, user) -> str:
    """Approved: record the declaration as the maker asked; the note becomes accelerated."""
    payload = action.payload
    try:
        event = default_event_record(
            note=action.subject,
            kind=DefaultEventKind.ACCELERATION,
            date=date.fromisoformat(payload["date"]),
            delivery_method=payload.get("delivery_method", ""),
            description=payload.get("description", ""),
            recorded_by=action.requested_by or user,
        )
    except NoteStateConflict as exc:
        raise ApprovalConflict(str(exc)) from exc
    return f"Acceleration recorded (event #{event.pk}): note {event.note.number} is accelerated."


def four_eyes_effects_register() -> None:
    effect_register(ActionKind.ACCELERATION, approve=acceleration_carry_out)

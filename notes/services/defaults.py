"""Recording the events of §3: notices, proceedings, their resolution, acceleration.

- Every event is a fact that has happened: none dated after today, none before
  the note was issued, none on a note already repaid or converted (its
  obligations are over, §7).
- A payment-default notice and a declaration of acceleration are written
  notices (§12): delivered personally (deemed delivered that day) or by mail
  (deemed delivered the series' number of business days after deposit). The
  deemed delivery is fixed when the event is recorded.
- A payment-default notice needs a payment in default: something past due on
  the day it is given (§3(i)).
- `resolved` ends one involuntary proceeding or appointment of the note
  (§3(iii)), once, on or after the day it began.
- Acceleration is the Holder's decision: the product records it only while an
  Event of Default exists on its date (§3 "so long as such condition exists"),
  and only on an outstanding note. The note becomes `accelerated`: its
  principal and accrued interest are due at once, principal may be paid
  without consent (§4), and it still converts on an automatic trigger (§5.2).

One event at a time per note: the note's row is locked, as payments do.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notes.domain.calendar import deemed_delivery
from notes.domain.defaults import NOTICE_KINDS, RESOLVABLE_KINDS
from notes.models import (
    DefaultEvent,
    DefaultEventKind,
    Note,
    NoteStatus,
    NoticeDelivery,
)
from notes.selectors import note_default_read, note_facts_get
from notes.services.payments import NoteStateConflict

DESCRIPTION_MAX_LENGTH = 2000


class DefaultEventRefused(ValidationError):
    """The event cannot be recorded as asked; nothing was recorded."""


def default_event_record(
    *,
    note: Note,
    kind: str,
    date: date,
    delivery_method: str = "",
    resolves: DefaultEvent | int | None = None,
    description: str = "",
    recorded_by=None,
) -> DefaultEvent:
    """Record an event of §3 on a note.

    Args:
        date: a notice's personal receipt or mail deposit; a proceeding's or
            appointment's commencement; a resolution's dismissal, stay or
            vacatur; a declaration's delivery or deposit.
        delivery_method: ``personal`` or ``mail``, for the two written notices.
        resolves: the proceeding or appointment a ``resolved`` event ends.

    Raises:
        DefaultEventRefused: a field is missing or wrong, the date is in the
            future or before issue, the resolution does not fit, or there is
            no Event of Default to accelerate on.
        NoteStateConflict: the note is repaid or converted, or already
            accelerated (a second acceleration).
    """
    with transaction.atomic():
        # One event at a time per note: the acceleration check reads, then writes.
        note = Note.objects.select_for_update().select_related("series").get(pk=note.pk)
        if note.status in (NoteStatus.REPAID, NoteStatus.CONVERTED):
            raise NoteStateConflict(
                f"Note {note.number} is {note.get_status_display().lower()} since "
                f"{note.ended_on}; no event of default can be recorded on it."
            )
        _check_fields(note, kind, date, delivery_method, description)
        resolved_event = None
        if kind == DefaultEventKind.RESOLVED:
            resolved_event = _check_resolution(note, date, resolves)
        elif resolves is not None:
            raise DefaultEventRefused(
                {"resolves": "Only a `resolved` event names a proceeding or appointment."}
            )
        if kind == DefaultEventKind.PAYMENT_DEFAULT_NOTICE:
            _check_payment_in_default(note, date)
        if kind == DefaultEventKind.ACCELERATION:
            _check_acceleration(note, date)
        deemed = None
        if kind in NOTICE_KINDS:
            deemed = deemed_delivery(
                method=delivery_method,
                sent_on=date,
                received_on=date,
                mail_business_days=note.series.mail_delivery_business_days,
            )
        event = DefaultEvent(
            note=note,
            kind=kind,
            date=date,
            delivery_method=delivery_method,
            deemed_delivered_on=deemed,
            resolves=resolved_event,
            description=description.strip(),
            recorded_by=recorded_by,
        )
        event.full_clean()
        event.save()
        if kind == DefaultEventKind.ACCELERATION:
            note.status = NoteStatus.ACCELERATED
            note.save(update_fields=["status"])
        return event


def _check_fields(note: Note, kind: str, day: date, delivery_method: str, description: str):
    errors: dict[str, str] = {}
    if kind not in DefaultEventKind.values:
        errors["kind"] = "Choose one of: " + ", ".join(DefaultEventKind.values) + "."
    today = timezone.localdate()
    if day > today:
        errors["date"] = f"{day} is after today ({today}); an event is recorded once it happened."
    elif day < note.issue_date:
        errors["date"] = f"The note was issued on {note.issue_date}; {day} is before that."
    if kind in NOTICE_KINDS:
        if delivery_method not in NoticeDelivery.values:
            errors["delivery_method"] = (
                "A written notice is delivered personally or by United States mail (§12): "
                "choose personal or mail."
            )
    elif delivery_method:
        errors["delivery_method"] = (
            "Only a notice of payment default or a declaration of acceleration has a "
            "delivery method; leave it blank."
        )
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = f"At most {DESCRIPTION_MAX_LENGTH} characters."
    if errors:
        raise DefaultEventRefused(errors)


def _check_resolution(note: Note, day: date, resolves) -> DefaultEvent:
    if resolves is None:
        raise DefaultEventRefused(
            {"resolves": "Name the proceeding or appointment that was dismissed, stayed or "
                         "vacated (§3(iii))."}
        )
    resolves_id = resolves.pk if isinstance(resolves, DefaultEvent) else resolves
    target = DefaultEvent.objects.filter(pk=resolves_id, note=note).first()
    if target is None:
        raise DefaultEventRefused({"resolves": f"Note {note.number} has no event #{resolves_id}."})
    if target.kind not in RESOLVABLE_KINDS:
        raise DefaultEventRefused(
            {"resolves": f"Event #{target.pk} is a {target.get_kind_display().lower()}; only an "
                         f"involuntary proceeding or a receiver's appointment is resolved "
                         f"(§3(iii))."}
        )
    if day < target.date:
        raise DefaultEventRefused(
            {"date": f"Event #{target.pk} began on {target.date}; it cannot be resolved before "
                     f"that."}
        )
    earlier = target.resolutions.first()
    if earlier is not None:
        raise DefaultEventRefused(
            {"resolves": f"Event #{target.pk} was already resolved on {earlier.date} "
                         f"(event #{earlier.pk})."}
        )
    return target


def _check_payment_in_default(note: Note, day: date) -> None:
    position = note_facts_get(note=note).position(day)
    past_due = position.past_due_interest
    if day > note.maturity_date:
        past_due += position.outstanding_principal
    if past_due <= 0:
        raise DefaultEventRefused(
            {"kind": f"Nothing was past due on note {note.number} on {day}: a notice under "
                     f"§3(i) is of a default in payment, and there was none to give notice of."}
        )


def _check_acceleration(note: Note, day: date) -> None:
    if note.status != NoteStatus.OUTSTANDING:
        earlier = note.default_events.filter(kind=DefaultEventKind.ACCELERATION).first()
        since = f" by the declaration of {earlier.date}" if earlier else ""
        raise NoteStateConflict(
            f"Note {note.number} is already {note.get_status_display().lower()}{since}; "
            f"only an outstanding note can be accelerated."
        )
    state = note_default_read(note=note, as_of=day).state
    if state.event_of_default_since is None:
        pending = " ".join(
            e.text for e in state.explanation if e.kind != DefaultEventKind.ACCELERATION
        )
        raise DefaultEventRefused(
            {"kind": (
                f"No Event of Default exists on {day}: §3 lets the Holder declare the note due "
                f"only so long as an Event of Default exists."
                + (f" {pending}" if pending else " No event of default is recorded on the note.")
            )}
        )

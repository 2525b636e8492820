"""Transfers of a note (§10) and stop-transfer instructions.

§10: before any disposition of the note the holder gives the Company written
notice of it with an opinion of the holder's counsel that it may be made
without registration; the Company tells the holder it may proceed, or that the
opinion is not reasonably satisfactory. Here:

- ``transfer_request`` records the notice and the opinion (their dates, and
  copies of the documents) for a note still outstanding;
- ``transfer_approve`` makes the transferee the registered holder from the
  effective date — the register keeps the whole chain, derived from the
  approved transfers in order (``notes.selectors.note_register_chain``) — and
  records whether the legend stays: it does unless the issuer's counsel said
  it is not required;
- ``transfer_refuse`` records why; the letter to the holder is made once the
  refusal is committed (the notice job, ``notices.tasks``, kind
  ``transfer_refusal``);
- a stop-transfer instruction in force refuses every approval with its reason
  until it is lifted.

Nothing is dated after today, and a decision is recorded once (the database
refuses any other change: ``notes.models.Transfer``).
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.queue import enqueue
from notes import selectors
from notes.models import (
    ACTIVE_STATUSES,
    Document,
    Note,
    StopTransferInstruction,
    Transfer,
    TransferDecision,
)
from notes.services.payments import NoteStateConflict

# The document kinds accepted, by their first bytes (the upload's name and declared
# type are not trusted).
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def document_max_bytes() -> int:
    return getattr(settings, "REGISTER_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)


def document_content_type(head: bytes) -> str | None:
    """The content type of a PDF, PNG or JPEG by its first bytes; None for anything else."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def document_store(*, upload, field: str, uploaded_by=None) -> Document:
    """Check and store an uploaded document once, with its SHA-256, size and type.

    Raises:
        ValidationError: on `field`: empty, too large, or not a PDF, PNG or JPEG.
    """
    limit = document_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {field: f"The file is {upload.size:,} bytes; at most {limit:,} bytes are accepted."}
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if not data:
        raise ValidationError({field: "The file is empty."})
    if len(data) > limit:
        raise ValidationError({field: f"The file is larger than {limit:,} bytes."})
    content_type = document_content_type(data[:16])
    if content_type is None:
        raise ValidationError(
            {field: "Upload the document as a PDF, PNG or JPEG file (a scan or photo is fine)."}
        )
    digest = hashlib.sha256(data).hexdigest()
    name = (getattr(upload, "name", "") or "document")[-200:]
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]
    # Named by its digest: the same bytes are stored once, and a file left behind by a
    # refused request is simply reused when the corrected request brings it again.
    path = f"register/{digest[:2]}/{digest}.{extension}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(data))
    document = Document(
        file=path,
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=uploaded_by,
    )
    document.save()
    return document


def _day_check(errors: dict, field: str, day: date, note: Note, label: str) -> None:
    today = timezone.localdate()
    if day > today:
        errors[field] = f"{label} ({day}) is after today; nothing is recorded ahead of its date."
    elif day < note.issue_date:
        errors[field] = f"{label} ({day}) is before the note was issued ({note.issue_date})."


@transaction.atomic
def transfer_request(
    *,
    note: Note,
    transferee,
    notice_received_on: date,
    opinion_received_on: date,
    manner: str = "",
    notice_document: Document | None = None,
    opinion_document: Document | None = None,
    recorded_by=None,
) -> Transfer:
    """Record a holder's written notice of a transfer and the opinion of counsel (§10).

    Raises:
        ValidationError: a date after today or before issue; the transferee is
            already the registered holder.
        NoteStateConflict: the note was repaid or converted, or a request for it
            is already awaiting a decision.
    """
    note = Note.objects.select_for_update().select_related("holder").get(pk=note.pk)
    if note.status not in ACTIVE_STATUSES:
        raise NoteStateConflict(
            f"{note} is {note.get_status_display().lower()}; only an outstanding note is "
            "transferred (§10)."
        )
    pending = Transfer.objects.filter(note=note, decision=TransferDecision.PENDING).first()
    if pending is not None:
        raise NoteStateConflict(
            f"A transfer of {note} to {pending.transferee} is already awaiting a decision "
            f"(#{pending.pk}); approve or refuse it first."
        )
    errors: dict[str, str] = {}
    if transferee.pk == note.holder_id:
        errors["transferee"] = f"{transferee} is already the registered holder of {note}."
    _day_check(errors, "notice_received_on", notice_received_on, note, "The notice's receipt")
    _day_check(errors, "opinion_received_on", opinion_received_on, note, "The opinion's receipt")
    if errors:
        raise ValidationError(errors)
    transfer = Transfer(
        note=note,
        transferor=note.holder,
        transferee=transferee,
        manner=manner,
        notice_received_on=notice_received_on,
        notice_document=notice_document,
        opinion_received_on=opinion_received_on,
        opinion_document=opinion_document,
        recorded_by=recorded_by,
    )
    transfer.full_clean(exclude=["note", "transferor", "transferee"])
    transfer.save()
    return transfer


def _pending_locked(transfer: Transfer) -> tuple[Transfer, Note]:
    note = Note.objects.select_for_update().get(pk=transfer.note_id)
    transfer = Transfer.objects.select_for_update().select_related(
        "transferor", "transferee"
    ).get(pk=transfer.pk)
    if transfer.decision != TransferDecision.PENDING:
        raise NoteStateConflict(
            f"This transfer was already {transfer.get_decision_display().lower()} on "
            f"{transfer.decided_on}; a decision is recorded once."
        )
    return transfer, note


@transaction.atomic
def transfer_approve(
    *,
    transfer: Transfer,
    effective_date: date,
    decided_on: date | None = None,
    legend_required: bool = True,
    legend_counsel_reference: str = "",
    decided_by=None,
) -> Transfer:
    """Approve a transfer: the transferee is the registered holder from `effective_date`.

    Raises:
        ValidationError: the effective date before the notice or the opinion was
            received (§10: notice "prior thereto"), not after the last transfer,
            or after today; the legend dropped without the issuer's counsel.
        NoteStateConflict: decided already; a stop-transfer instruction is in
            force; the note ended; the transferor is no longer the holder.
    """
    transfer, note = _pending_locked(transfer)
    today = timezone.localdate()
    decided_on = decided_on or today
    stop = selectors.stop_transfer_in_force(note)
    if stop is not None:
        raise NoteStateConflict(
            f"A stop-transfer instruction is in force on {note} since {stop.recorded_on}: "
            f"{stop.reason} The transfer cannot be approved until it is lifted (§10)."
        )
    if note.status not in ACTIVE_STATUSES:
        raise NoteStateConflict(
            f"{note} is {note.get_status_display().lower()}; it can no longer be transferred."
        )
    if note.holder_id != transfer.transferor_id:
        raise NoteStateConflict(
            f"{transfer.transferor} is no longer the registered holder of {note}."
        )
    errors: dict[str, str] = {}
    received = max(transfer.notice_received_on, transfer.opinion_received_on)
    last = (
        Transfer.objects.filter(note=note, decision=TransferDecision.APPROVED)
        .order_by("-effective_date")
        .values_list("effective_date", flat=True)
        .first()
    )
    if effective_date > today:
        errors["effective_date"] = (
            f"The effective date {effective_date} is after today; approve the transfer on or "
            "after the day it takes effect."
        )
    elif effective_date < received:
        errors["effective_date"] = (
            f"The effective date {effective_date} is before the holder's notice and the "
            f"opinion of counsel were both received ({received}); §10 requires them first."
        )
    elif last is not None and effective_date <= last:
        errors["effective_date"] = (
            f"The effective date must be after the last transfer of {note}, effective {last}."
        )
    if decided_on > today or decided_on < transfer.notice_received_on:
        errors["decided_on"] = (
            f"The decision date {decided_on} must fall between the notice's receipt "
            f"({transfer.notice_received_on}) and today."
        )
    legend_counsel_reference = legend_counsel_reference.strip()
    if not legend_required and not legend_counsel_reference:
        errors["legend_counsel_reference"] = (
            "The legend stays unless the issuer's counsel said it is not required (§10): "
            "name that opinion."
        )
    if errors:
        raise ValidationError(errors)
    transfer.decision = TransferDecision.APPROVED
    transfer.decided_on = decided_on
    transfer.decided_by = decided_by
    transfer.effective_date = effective_date
    transfer.legend_required = legend_required
    transfer.legend_counsel_reference = "" if legend_required else legend_counsel_reference
    transfer.save()
    note.holder_id = transfer.transferee_id
    note.save(update_fields=["holder"])
    return transfer


@transaction.atomic
def transfer_refuse(
    *, transfer: Transfer, reason: str, decided_on: date | None = None, decided_by=None
) -> Transfer:
    """Refuse a transfer with the reason; the holder is notified in writing (§10).

    Raises:
        ValidationError: no reason; a decision date outside receipt..today.
        NoteStateConflict: decided already.
    """
    transfer, _note = _pending_locked(transfer)
    today = timezone.localdate()
    decided_on = decided_on or today
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Say why the transfer is refused; the holder is told (§10)."
    if decided_on > today or decided_on < transfer.notice_received_on:
        errors["decided_on"] = (
            f"The decision date {decided_on} must fall between the notice's receipt "
            f"({transfer.notice_received_on}) and today."
        )
    if errors:
        raise ValidationError(errors)
    transfer.decision = TransferDecision.REFUSED
    transfer.decided_on = decided_on
    transfer.decided_by = decided_by
    transfer.decision_reason = reason.strip()
    transfer.save()
    transfer_id = transfer.pk
    transaction.on_commit(
        lambda: enqueue("notices.tasks.transfer_refusal_notice_task", transfer_id), robust=True
    )
    return transfer


@transaction.atomic
def transfer_record(
    *,
    note: Note,
    transferee,
    notice_received_on: date,
    opinion_received_on: date,
    decision: str = "",
    effective_date: date | None = None,
    reason: str = "",
    decided_on: date | None = None,
    legend_required: bool = True,
    legend_counsel_reference: str = "",
    manner: str = "",
    notice_document: Document | None = None,
    opinion_document: Document | None = None,
    recorded_by=None,
) -> Transfer:
    """A request and, when `decision` is given, its decision, in one transaction (the API)."""
    errors: dict[str, str] = {}
    if decision == TransferDecision.APPROVED and effective_date is None:
        errors["effective_date"] = "An approved transfer needs its effective date."
    if decision == TransferDecision.REFUSED and effective_date is not None:
        errors["effective_date"] = "A refused transfer has no effective date."
    if errors:
        raise ValidationError(errors)
    transfer = transfer_request(
        note=note,
        transferee=transferee,
        notice_received_on=notice_received_on,
        opinion_received_on=opinion_received_on,
        manner=manner,
        notice_document=notice_document,
        opinion_document=opinion_document,
        recorded_by=recorded_by,
    )
    if decision == TransferDecision.APPROVED:
        return transfer_approve(
            transfer=transfer,
            effective_date=effective_date,
            decided_on=decided_on,
            legend_required=legend_required,
            legend_counsel_reference=legend_counsel_reference,
            decided_by=recorded_by,
        )
    if decision == TransferDecision.REFUSED:
        return transfer_refuse(
            transfer=transfer, reason=reason, decided_on=decided_on, decided_by=recorded_by
        )
    return transfer


@transaction.atomic
def stop_transfer_record(
    *, note: Note, reason: str, recorded_on: date | None = None, recorded_by=None
) -> StopTransferInstruction:
    """Record a stop-transfer instruction on a note (§10).

    Raises:
        ValidationError: no reason; a date after today or before issue.
        NoteStateConflict: one is already in force.
    """
    note = Note.objects.select_for_update().get(pk=note.pk)
    recorded_on = recorded_on or timezone.localdate()
    current = selectors.stop_transfer_in_force(note)
    if current is not None:
        raise NoteStateConflict(
            f"A stop-transfer instruction is already in force on {note} since "
            f"{current.recorded_on}."
        )
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Say why transfers are stopped."
    _day_check(errors, "recorded_on", recorded_on, note, "The instruction's date")
    if errors:
        raise ValidationError(errors)
    return StopTransferInstruction.objects.create(
        note=note, reason=reason.strip(), recorded_on=recorded_on, recorded_by=recorded_by
    )


@transaction.atomic
def stop_transfer_lift(
    *, instruction: StopTransferInstruction, reason: str, lifted_on: date | None = None,
    lifted_by=None,
) -> StopTransferInstruction:
    """Lift a stop-transfer instruction, once, with the reason.

    Raises:
        ValidationError: no reason; a date before the instruction or after today.
        NoteStateConflict: lifted already.
    """
    instruction = StopTransferInstruction.objects.select_for_update().get(pk=instruction.pk)
    if instruction.lifted_on is not None:
        raise NoteStateConflict(f"This instruction was already lifted on {instruction.lifted_on}.")
    lifted_on = lifted_on or timezone.localdate()
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["lift_reason"] = "Say why the instruction is lifted."
    if lifted_on > timezone.localdate() or lifted_on < instruction.recorded_on:
        errors["lifted_on"] = (
            f"The lift must fall between the instruction ({instruction.recorded_on}) and today."
        )
    if errors:
        raise ValidationError(errors)
    instruction.lifted_on = lifted_on
    instruction.lift_reason = reason.strip()
    instruction.lifted_by = lifted_by
    instruction.save(update_fields=["lifted_on", "lift_reason", "lifted_by"])
    return instruction

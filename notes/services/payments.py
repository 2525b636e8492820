"""Payments to holders (§2, §4): interest oldest-first, principal only as the contract allows.

- Accrued interest may be paid at any time (§4), but never more than the
  interest accrued and unpaid through the payment day; it applies to the
  oldest unpaid month first.
- Principal may not be prepaid before maturity without the holder's consent
  (§4); from maturity, or once the note is accelerated, no consent is needed.
- Principal and accrued interest fully paid → the note is `repaid` and stops
  accruing after that day.
- Payments are append-only; a correction is a reversing payment that carries
  the original's value date. A repeated Idempotency-Key returns the first
  payment; the same key with a different request is refused.
- A likely duplicate under a new key — the same note, day, amount and
  (non-empty) reference as a payment standing — is recorded only once
  confirmed: a Back button or a second tab must not pay a holder twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from djmoney.money import Money

from core.fingerprints import fingerprint_matches
from core.fingerprints import request_fingerprint as keyed_fingerprint
from core.idempotency import IdempotencyConflict, LikelyDuplicate
from notes.domain.defaults import DefaultEventKind
from notes.domain.position import InterestOverpaymentError, allocate_interest, open_interest_months
from notes.models import (
    ACTIVE_STATUSES,
    DefaultEvent,
    Note,
    NoteStatus,
    Payment,
    PaymentAllocation,
    PaymentKind,
    PaymentMethod,
)
from notes.selectors import note_facts_get, note_holder_on
from notes.services.corrections import note_statements_correct, statements_needing_correction
from notes.signals import payment_reversing


class PaymentRefused(ValidationError):
    """The payment is not allowed as asked; nothing was recorded."""


class NoteStateConflict(Exception):
    """The note's state forbids the action (API: 409)."""


CASH_METHODS = (PaymentMethod.CHECK, PaymentMethod.WIRE, PaymentMethod.ACH)


def latest_payment_date(note_id: int) -> date | None:
    """The value date of the note's latest payment still standing (not reversed)."""
    return Payment.objects.filter(
        note_id=note_id, reverses__isnull=True, reversed_by__isnull=True
    ).aggregate(latest=Max("paid_on"))["latest"]


def request_fingerprint(data: dict) -> str:
    """A keyed digest of a payment request, to tell a replay from a reuse of its key."""
    return keyed_fingerprint(data)


IDEMPOTENCY_KEY_MAX_LENGTH = Payment._meta.get_field("idempotency_key").max_length


def _replayed(idempotency_key: str | None, request: dict) -> Payment | None:
    if not idempotency_key:
        return None
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if not fingerprint_matches(existing.request_fingerprint, request):
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different payment request."
        )
    return existing


def payment_record(
    *,
    note: Note,
    paid_on: date,
    amount: Decimal,
    applies_to: str,
    method: str = PaymentMethod.CHECK,
    reference: str = "",
    holder_consent_reference: str = "",
    idempotency_key: str | None = None,
    confirm_duplicate: bool = False,
    recorded_by=None,
) -> Payment:
    """Record a payment on a note.

    Args:
        confirm_duplicate: record it even though a standing payment on the note
            has the same day, amount and reference — or, with no reference, the
            same day, amount and kind (the user has seen it).

    Raises:
        PaymentRefused: a non-positive amount, a date before issue, interest
            above what is accrued and unpaid, principal above what is
            outstanding, or a prepayment without the holder's consent (§4).
        NoteStateConflict: the note is already repaid or converted.
        IdempotencyConflict: the key was used for another request.
        LikelyDuplicate: the same day, amount and reference as a standing
            payment, unless `confirm_duplicate`.
    """
    if idempotency_key and len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise PaymentRefused(
            {
                "idempotency_key": (
                    f"Idempotency-Key must be at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
                )
            }
        )
    request = {
        "note": note.pk,
        "paid_on": paid_on,
        "amount": Decimal(amount).quantize(Decimal("0.01")),
        "applies_to": applies_to,
        "method": method,
        "reference": reference,
        "holder_consent_reference": holder_consent_reference,
    }
    fingerprint = request_fingerprint(request)
    replay = _replayed(idempotency_key, request)
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            return _payment_record_locked(
                note_id=note.pk,
                paid_on=paid_on,
                amount=Decimal(amount),
                applies_to=applies_to,
                method=method,
                reference=reference,
                holder_consent_reference=holder_consent_reference,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                confirm_duplicate=confirm_duplicate,
                recorded_by=recorded_by,
            )
    except IntegrityError:
        # Two requests with one key raced: the loser returns the winner's payment.
        replay = _replayed(idempotency_key, request)
        if replay is None:
            raise
        return replay


def _payment_record_locked(
    *,
    note_id,
    paid_on,
    amount,
    applies_to,
    method,
    reference,
    holder_consent_reference,
    idempotency_key,
    fingerprint,
    confirm_duplicate,
    recorded_by,
) -> Payment:
    # One payment at a time per note: the allocation reads then writes.
    note = Note.objects.select_for_update().select_related("series", "holder").get(pk=note_id)
    _payment_checks(
        note=note, paid_on=paid_on, amount=amount, applies_to=applies_to, method=method
    )
    if not confirm_duplicate:
        # Under the note's row lock, so two tabs submitting at once see each other.
        earlier = payment_likely_duplicate(
            note=note, paid_on=paid_on, amount=amount, reference=reference, applies_to=applies_to
        )
        if earlier is not None:
            instrument = (
                f"reference {earlier.reference!r}" if earlier.reference else "with no reference"
            )
            raise LikelyDuplicate(
                f"This looks like payment #{earlier.pk}: {earlier.amount.currency} "
                f"{earlier.amount.amount:,.2f} paid {earlier.paid_on}, {instrument}, already"
                f" recorded. Confirm to record a second one.",
                earlier=earlier,
            )
    allocations = _payment_effect(
        note=note,
        paid_on=paid_on,
        amount=amount,
        applies_to=applies_to,
        holder_consent_reference=holder_consent_reference,
    ).allocations
    today = timezone.localdate()

    # Paid to the holder registered on the payment day (§10: a transfer changes the
    # registered holder from its effective date), at that holder's address then.
    address = note_holder_on(note, paid_on).address_on(paid_on)
    payment = Payment(
        note=note,
        paid_on=paid_on,
        amount=Money(amount, note.currency),
        applies_to=applies_to,
        method=method,
        reference=reference,
        holder_consent_reference=holder_consent_reference,
        mailed_to="\n".join(address.lines()) if address else "",
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
        recorded_by=recorded_by,
    )
    payment.full_clean(exclude=["idempotency_key"])
    payment.save()
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(
            payment=payment, note=note, period_start=start, paid_on=paid_on, amount=part
        )
        for start, part in allocations
    )
    note_status_refresh(note=note, on=paid_on)
    if applies_to == PaymentKind.PRINCIPAL and statements_needing_correction(
        note=note, since=paid_on
    ):
        note_statements_correct(
            note=note,
            reason=(
                f"A principal payment of {amount:,.2f} dated {paid_on} (payment #{payment.pk})"
                f" was recorded on {today} after the months it changes had been stated;"
                f" the balance is lower from {paid_on + timedelta(days=1)}."
            ),
        )
    return payment


@dataclass(frozen=True)
class PaymentPlan:
    """What a payment would do, exactly as `payment_record` would record it (§2, §4).

    Attributes:
        open_months: ``(period_start, open amount)`` of each month with interest
            accrued and unpaid on the payment day, before the payment.
        allocations: ``(period_start, amount)`` of the months an interest
            payment pays, oldest first (empty for principal).
        outstanding_principal: the principal outstanding on the payment day,
            before the payment.
        consent_needed: a principal payment before maturity on a note not
            accelerated: the holder's written consent is required (§4).
    """

    note: Note
    paid_on: date
    amount: Decimal
    applies_to: str
    open_months: list[tuple[date, Decimal]]
    allocations: list[tuple[date, Decimal]]
    outstanding_principal: Decimal
    consent_needed: bool

    @property
    def interest_unpaid(self) -> Decimal:
        return sum((amount for _, amount in self.open_months), Decimal("0.00"))

    @property
    def interest_unpaid_after(self) -> Decimal:
        paid = self.amount if self.applies_to == PaymentKind.INTEREST else Decimal("0.00")
        return self.interest_unpaid - paid

    @property
    def principal_after(self) -> Decimal:
        paid = self.amount if self.applies_to == PaymentKind.PRINCIPAL else Decimal("0.00")
        return self.outstanding_principal - paid


def payment_plan(
    *,
    note: Note,
    paid_on: date,
    amount: Decimal,
    applies_to: str,
    method: str = PaymentMethod.CHECK,
    holder_consent_reference: str = "",
) -> PaymentPlan:
    """What recording this payment would do, without writing anything (the form's preview).

    The same checks and the same allocation (`open_interest_months`,
    `allocate_interest`) as `payment_record`, so the months a preview shows are
    the months the payment is then recorded against. A likely duplicate is not
    a refusal here: see `payment_likely_duplicate`.

    Raises:
        PaymentRefused, NoteStateConflict: as `payment_record` would.
    """
    amount = Decimal(amount)
    _payment_checks(note=note, paid_on=paid_on, amount=amount, applies_to=applies_to,
                    method=method)
    return _payment_effect(
        note=note,
        paid_on=paid_on,
        amount=amount,
        applies_to=applies_to,
        holder_consent_reference=holder_consent_reference,
    )


def _payment_checks(*, note: Note, paid_on: date, amount: Decimal, applies_to: str,
                    method: str) -> None:
    """The refusals that do not depend on the note's figures (state, amount, dates, order)."""
    if note.status not in ACTIVE_STATUSES:
        raise NoteStateConflict(
            f"Note {note.number} is {note.get_status_display().lower()}"
            f" since {note.ended_on}; no further payments can be recorded."
        )
    if amount <= 0:
        raise PaymentRefused({"amount": "A payment must be greater than zero."})
    if amount != amount.quantize(Decimal("0.01")):
        raise PaymentRefused({"amount": "A payment is in whole cents."})
    if paid_on < note.issue_date:
        raise PaymentRefused({"paid_on": f"The note was issued on {note.issue_date}."})
    today = timezone.localdate()
    if paid_on > today:
        raise PaymentRefused(
            {
                "paid_on": (
                    f"{paid_on} is after today ({today}); a payment is recorded once it is made."
                )
            }
        )
    if applies_to not in PaymentKind.values:
        raise PaymentRefused({"applies_to": "Choose interest or principal."})
    if method not in CASH_METHODS:
        raise PaymentRefused({"method": "Payments are made by check, wire or ACH."})
    latest = latest_payment_date(note.pk)
    if latest is not None and paid_on < latest:
        # Allocation (oldest month first) and the principal balance are read as of
        # the payment day; an entry dated before one already recorded would make
        # both wrong, so the ledger is kept in date order.
        raise PaymentRefused(
            {
                "paid_on": (
                    f"A payment dated {latest} is already recorded on this note; payments are "
                    f"recorded in date order. Reverse the later payment first to record one "
                    f"dated {paid_on}."
                )
            }
        )


def _payment_effect(
    *, note: Note, paid_on: date, amount: Decimal, applies_to: str,
    holder_consent_reference: str,
) -> PaymentPlan:
    """The months an interest payment pays, or the §4 rule for principal (refusals raised)."""
    facts = note_facts_get(note=note)
    series = note.series
    open_months = open_interest_months(
        timeline=facts.timeline,
        rate=facts.rate,
        convention=series.day_count,
        issue_date=note.issue_date,
        allocations=facts.allocations,
        as_of=paid_on,
        end_date=facts.accrual_end,
    )
    outstanding = facts.position(paid_on).outstanding_principal
    allocations: list[tuple[date, Decimal]] = []
    consent_needed = False
    if applies_to == PaymentKind.INTEREST:
        try:
            allocations = allocate_interest(open_months=open_months, amount=amount)
        except InterestOverpaymentError as exc:
            raise PaymentRefused({"amount": str(exc)}) from exc
    else:
        if amount > outstanding:
            raise PaymentRefused(
                {"amount": f"Only {outstanding:,.2f} of principal is outstanding on {paid_on}."}
            )
        consent_needed = (
            paid_on < note.maturity_date and note.status != NoteStatus.ACCELERATED
        )
        if consent_needed and not holder_consent_reference.strip():
            raise PaymentRefused(
                {
                    "holder_consent_reference": (
                        f"§4: the Company may not prepay principal before the due date "
                        f"({note.maturity_date}) without the consent of the Holder. Record the "
                        f"holder's written consent to pay principal on {paid_on}."
                    )
                }
            )
    return PaymentPlan(
        note=note,
        paid_on=paid_on,
        amount=amount,
        applies_to=applies_to,
        open_months=open_months,
        allocations=allocations,
        outstanding_principal=outstanding,
        consent_needed=consent_needed,
    )


def payment_likely_duplicate(
    *, note: Note, paid_on: date, amount: Decimal, reference: str, applies_to: str
) -> Payment | None:
    """The standing payment a new one would repeat: same day, amount and reference.

    Without a reference (nothing to tell two checks apart), the same day, amount
    and kind of payment, also without a reference, is as likely a repeat.
    """
    same = Payment.objects.filter(
        note=note,
        paid_on=paid_on,
        amount=Money(amount, note.currency),
        reverses__isnull=True,
        reversed_by__isnull=True,
    )
    if reference.strip():
        same = same.filter(reference__iexact=reference.strip())
    else:
        same = same.filter(reference="", applies_to=applies_to)
    return (
        same.select_related("recorded_by")
        .order_by("id")
        .first()
    )


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, recorded_by=None) -> Payment:
    """Reverse a payment: an entry of the opposite sign, same value date, same months.

    Raises:
        PaymentRefused: the payment is itself a reversal, or already reversed.
    """
    note = Note.objects.select_for_update().get(pk=payment.note_id)
    original = Payment.objects.select_for_update().get(pk=payment.pk)
    if original.reverses_id is not None:
        raise PaymentRefused("A reversal cannot itself be reversed; record a new payment.")
    if Payment.objects.filter(reverses=original).exists():
        raise PaymentRefused("This payment has already been reversed.")
    if not reason.strip():
        raise PaymentRefused({"reason": "Say why the payment is reversed."})
    if note.status == NoteStatus.CONVERTED:
        raise NoteStateConflict("The note has been converted; its payments are final.")
    payment_reversing.send(sender=payment_reverse, payment=original, note=note)
    reversal = Payment.objects.create(
        note=note,
        paid_on=original.paid_on,
        amount=-original.amount,
        applies_to=original.applies_to,
        method=PaymentMethod.REVERSAL,
        reference=original.reference,
        mailed_to=original.mailed_to,
        holder_consent_reference=original.holder_consent_reference,
        reverses=original,
        reason=reason,
        recorded_by=recorded_by,
    )
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(
            payment=reversal,
            note=note,
            period_start=a.period_start,
            paid_on=a.paid_on,
            amount=-a.amount,
        )
        for a in original.allocations.all()
    )
    note_status_refresh(note=note, on=original.paid_on)
    # What the reversal changed in months already stated, for the user to see why. The
    # adjustment's reason is read by the holder too: it names the payment, not the
    # staff's own words (those stay with the reversal).
    reversal.corrections = note_statements_correct(
        note=note,
        reason=(
            f"Payment #{original.pk} ({original.get_applies_to_display().lower()},"
            f" {original.amount.amount:,.2f} on {original.paid_on}) was reversed on"
            f" {timezone.localdate()}."
        ),
    )
    return reversal


def note_status_refresh(*, note: Note, on: date) -> Note:
    """Set `repaid` once principal and accrued interest are fully paid; undo it if reversed."""
    if note.status == NoteStatus.CONVERTED:
        return note
    position = note_facts_get(note=note).position(note.ended_on or on)
    fully_paid = position.outstanding_principal == 0 and position.accrued_unpaid_interest == 0
    if fully_paid and note.status != NoteStatus.REPAID:
        note.status, note.ended_on = NoteStatus.REPAID, on
        note.save(update_fields=["status", "ended_on"])
    elif not fully_paid and note.status == NoteStatus.REPAID:
        # Owed again: accelerated if the holder had declared acceleration (§3).
        accelerated = DefaultEvent.objects.filter(
            note=note, kind=DefaultEventKind.ACCELERATION
        ).exists()
        note.status = NoteStatus.ACCELERATED if accelerated else NoteStatus.OUTSTANDING
        note.ended_on = None
        note.save(update_fields=["status", "ended_on"])
    return note

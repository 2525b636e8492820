"""Four eyes on the offerings' irreversible actions (approvals app).

- An **automatic-conversion trigger** — an offering or corporate event that
  converts a series on its own (a $5 Million Qualified Offering, an
  underwritten public offering over $5,000,000, a change of control, §5.2) —
  is recorded with its trigger held (``awaiting_approval``): the offering and
  its Conversion Price are on the register, but nothing converts until a
  second Finance user approves; approving releases the trigger to the outbox,
  withdrawing marks it ``withdrawn`` and it never converts anything.
- A **price determination** (§5.1, a conversion waiting for its price) is
  checked as it would be recorded and held with its figures; approving
  records it.

The effects are registered with the approvals app in ``OfferingsConfig.ready``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from approvals.models import ActionKind
from approvals.registry import effect_register
from approvals.services import ApprovalConflict, four_eyes_required, pending_action_open
from notes.models import NoteSeries
from notes.services.payments import NoteStateConflict
from offerings.domain.qualification import change_of_control_triggers, qualifies_automatic
from offerings.models import Conversion, ConversionStatus, ConversionTrigger, TriggerStatus
from offerings.services.outbox import conversion_trigger_enqueue
from offerings.services.prices import conversion_price_determine
from offerings.services.qualification import series_thresholds


def automatic_series(trigger: ConversionTrigger) -> list[NoteSeries]:
    """The issuer's series its offering or event would convert automatically (§5.2)."""
    offering, event = trigger.offering, trigger.event
    issuer = (offering or event).issuer
    series = list(NoteSeries.objects.filter(issuer=issuer).order_by("pk"))
    if offering is not None:
        gross = offering.gross_proceeds.amount
        return [
            s for s in series if qualifies_automatic(offering.kind, gross, series_thresholds(s))
        ]
    related = [e.voting_power_pct for e in event.related_events.all()]
    return [
        s
        for s in series
        if change_of_control_triggers(
            event.kind,
            voting_power_pct=event.voting_power_pct,
            related_pcts=related,
            thresholds=series_thresholds(s),
        )
    ]


def trigger_send_or_hold(
    trigger: ConversionTrigger, *, needs_approval: bool | None, recorded_by
):
    """Hand the trigger to the outbox, or hold it for approval when it converts automatically.

    Args:
        needs_approval: None follows the setting (`NOTEDESK_FOUR_EYES`); False
            sends it at once (the demo register's history).

    Returns:
        The pending action when held, else None.
    """
    if needs_approval is None:
        needs_approval = four_eyes_required()
    converts = automatic_series(trigger) if needs_approval else []
    if not converts:
        transaction.on_commit(lambda: conversion_trigger_enqueue(trigger_id=trigger.pk))
        return None
    trigger.status = TriggerStatus.AWAITING_APPROVAL
    trigger.save(update_fields=["status"])
    offering, event = trigger.offering, trigger.event
    subject = offering or event
    names = ", ".join(s.name for s in converts)
    if offering is not None:
        kind = "PIPE" if offering.kind == "pipe" else "underwritten public offering"
        what = (
            f"Offering #{offering.pk} ({kind}, closing "
            f"{offering.closing_date}, gross proceeds {offering.gross_proceeds.currency} "
            f"{offering.gross_proceeds.amount:,.2f})"
        )
        location = reverse("offerings:detail", args=[offering.pk])
        payload = {"offering": offering.pk, "closing_date": offering.closing_date.isoformat()}
    else:
        what = f"Corporate event #{event.pk} ({event.get_kind_display()}, {event.effective_date})"
        location = reverse("offerings:list")
        payload = {"event": event.pk, "effective_date": event.effective_date.isoformat()}
    payload["series"] = [s.pk for s in converts]
    return pending_action_open(
        kind=ActionKind.CONVERSION_TRIGGER,
        subject=subject,
        summary=f"{what} converts every outstanding note of {names} automatically (§5.2).",
        payload=payload,
        location=location,
        requested_by=recorded_by,
    )


def _held_trigger(action) -> ConversionTrigger:
    subject = action.subject
    lookup = {"offering": subject} if "offering" in action.payload else {"event": subject}
    return ConversionTrigger.objects.select_for_update().get(**lookup)


def trigger_release(action, user) -> str:
    """Approved: the trigger goes to the outbox and converts, once, after commit."""
    trigger = _held_trigger(action)
    if trigger.status != TriggerStatus.AWAITING_APPROVAL:
        raise ApprovalConflict(f"The trigger is {trigger.get_status_display().lower()}.")
    trigger.status = TriggerStatus.PENDING
    trigger.save(update_fields=["status"])
    transaction.on_commit(lambda: conversion_trigger_enqueue(trigger_id=trigger.pk))
    day = trigger.offering.closing_date if trigger.offering else trigger.event.effective_date
    return (
        f"Trigger released: the outstanding notes convert as of {day} (§5.2); the outcome "
        "shows on the offering or event."
    )


def trigger_withdraw(action, user) -> None:
    trigger = _held_trigger(action)
    trigger.status = TriggerStatus.WITHDRAWN
    trigger.outcome = "Withdrawn before approval: nothing converted."
    trigger.save(update_fields=["status", "outcome"])


def price_determination_request(
    *, conversion: Conversion, price: Decimal, source: str, determined_by=None,
    needs_approval: bool | None = None,
):
    """Determine a waiting conversion's price, or hold the determination for approval.

    Returns:
        The completed conversion, or the pending action (four eyes).

    Raises:
        ValidationError, NoteStateConflict: as `conversion_price_determine`;
        ApprovalConflict: a determination of this conversion already awaits approval.
    """
    if needs_approval is None:
        needs_approval = four_eyes_required()
    if not needs_approval:
        with transaction.atomic():
            return conversion_price_determine(
                conversion=conversion, price=price, source=source, determined_by=determined_by
            )
    with transaction.atomic():
        conversion = (
            Conversion.objects.select_for_update().select_related("note").get(pk=conversion.pk)
        )
        if conversion.status != ConversionStatus.AWAITING_PRICE:
            raise NoteStateConflict(
                f"The conversion of {conversion.note} is done at {conversion.conversion_price}; "
                "its price cannot change."
            )
        price = Decimal(price)
        if price <= 0 or price != price.quantize(Decimal("0.000001")):
            raise ValidationError({"price": "A positive price with at most 6 decimal places."})
        if not source.strip():
            raise ValidationError({"source": "Record where the price comes from."})
        return pending_action_open(
            kind=ActionKind.PRICE_DETERMINATION,
            subject=conversion,
            summary=(
                f"Conversion of {conversion.note} on {conversion.conversion_date} at "
                f"{price:.6f} per share ({source.strip()}): sets its shares and cash in lieu (§7)."
            ),
            payload={
                "price": f"{price:.6f}",
                "source": source.strip(),
                "note": conversion.note_id,
                "offering": conversion.offering_id,
                "conversion": conversion.pk,
            },
            location=reverse("note-detail", args=[conversion.note_id]),
            requested_by=determined_by,
        )


def price_determination_carry_out(action, user) -> str:
    try:
        conversion = conversion_price_determine(
            conversion=action.subject,
            price=Decimal(action.payload["price"]),
            source=action.payload["source"],
            determined_by=action.requested_by or user,
        )
    except NoteStateConflict as exc:
        raise ApprovalConflict(str(exc)) from exc
    return (
        f"{conversion.note} converted at {conversion.conversion_price}: "
        f"{conversion.shares:,} shares, cash in lieu {conversion.currency} "
        f"{conversion.cash_in_lieu:,.2f}."
    )


def four_eyes_effects_register() -> None:
    effect_register(
        ActionKind.CONVERSION_TRIGGER, approve=trigger_release, withdraw=trigger_withdraw
    )
    effect_register(ActionKind.PRICE_DETERMINATION, approve=price_determination_carry_out)

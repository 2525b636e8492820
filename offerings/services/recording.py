"""Recording offerings and corporate events, each with its conversion trigger (§5.1, §5.2).

An offering is recorded with its sales in the order they were made, which is
what its Conversion Price is computed from (§5.1), and its units terms when it
was sold in units; a corporate event with its kind, and for a transfer of
voting power the percentage and the earlier transfers it is related to (§5.2).
Neither is recorded ahead of its date or before the issuer's first note.

Each is written in the same transaction as its conversion trigger (the
outbox), which is handed to Celery once the transaction commits — or, with
four eyes on, held for a second Finance user when it would convert a series
automatically (`four_eyes`). Because each
offering has its own trigger, a likely repeat (the same issuer, closing date
and gross proceeds) is recorded only once confirmed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from djmoney.money import Money

from core.idempotency import LikelyDuplicate
from notes.models import Issuer
from offerings.domain.pricing import PricingError, Sale, UnitTerms, validate_sales
from offerings.domain.qualification import EventKind, OfferingKind
from offerings.models import ConversionTrigger, CorporateEvent, Offering, OfferingSale
from offerings.services.dates import refuse_before_notes, refuse_future
from offerings.services.four_eyes import trigger_send_or_hold
from offerings.services.prices import offering_price_store


@transaction.atomic
def offering_record(
    *,
    issuer,
    kind: str,
    closing_date: date,
    gross_proceeds: Decimal,
    sales: list[dict],
    units: dict | None = None,
    description: str = "",
    currency: str = "USD",
    confirm_duplicate: bool = False,
    recorded_by=None,
    needs_approval: bool | None = None,
) -> Offering:
    """Record an offering with its sales in order, and its conversion trigger (outbox).

    Args:
        confirm_duplicate: record it even though the issuer already has an
            offering closing that day for the same gross proceeds.
        needs_approval: hold an automatic-conversion trigger for a second
            Finance user (four eyes); None follows `NOTEDESK_FOUR_EYES`. The
            offering then carries the action as `pending_action`.

    Raises:
        ValidationError: an unknown kind, sales that do not add up to the gross
            proceeds, non-positive figures, unit sales without unit terms, a
            closing before the issuer's notes existed.
        LikelyDuplicate: the issuer has an offering with the same closing date
            and gross proceeds, unless `confirm_duplicate` (each offering has
            its own conversion trigger, so a repeat would act twice).
    """
    gross_proceeds, sale_objects, _ = offering_validate(
        issuer=issuer,
        kind=kind,
        closing_date=closing_date,
        gross_proceeds=gross_proceeds,
        sales=sales,
        units=units,
    )
    units = units or {}
    if not confirm_duplicate:
        # The issuer's row lock makes two tabs submitting at once see each other.
        Issuer.objects.select_for_update().filter(pk=issuer.pk).exists()
        earlier = offering_likely_duplicate(
            issuer=issuer,
            closing_date=closing_date,
            gross_proceeds=Money(gross_proceeds, currency),
        )
        if earlier is not None:
            raise LikelyDuplicate(
                f"This looks like offering #{earlier.pk}: {earlier.issuer.name}, closing "
                f"{earlier.closing_date}, gross proceeds {earlier.gross_proceeds.currency} "
                f"{earlier.gross_proceeds.amount:,.2f}, already recorded. Confirm to record "
                "a second one.",
                earlier=earlier,
            )
    offering = Offering(
        issuer=issuer,
        kind=kind,
        closing_date=closing_date,
        gross_proceeds=Money(gross_proceeds, currency),
        description=description,
        shares_per_unit=units.get("shares_per_unit"),
        warrants_per_unit=units.get("warrants_per_unit"),
        share_allocation=units.get("share_allocation"),
        allocation_source=units.get("allocation_source") or "",
        allocation_reference=units.get("allocation_reference") or "",
        recorded_by=recorded_by,
    )
    offering.full_clean()
    offering.save()
    OfferingSale.objects.bulk_create(
        OfferingSale(
            offering=offering,
            sequence=i,
            shares=s.shares,
            price_per_share=s.price_per_share,
            units=s.units,
            unit_price=s.unit_price,
        )
        for i, s in enumerate(sale_objects, start=1)
    )
    offering_price_store(offering)
    trigger = ConversionTrigger.objects.create(offering=offering)
    offering.pending_action = trigger_send_or_hold(
        trigger, needs_approval=needs_approval, recorded_by=recorded_by
    )
    return offering


def offering_validate(
    *,
    issuer,
    kind: str,
    closing_date: date,
    gross_proceeds: Decimal,
    sales: list[dict],
    units: dict | None = None,
) -> tuple[Decimal, list[Sale], UnitTerms | None]:
    """The refusals `offering_record` makes before writing, and the sales it would record.

    The record form's preview asks this too, so it refuses exactly what the
    recording would. Reads only.

    Returns:
        The gross proceeds, the sales in order, and the unit terms (if in units).

    Raises:
        ValidationError: as `offering_record` (not the likely duplicate).
    """
    if kind not in OfferingKind.__members__.values() and kind not in [
        k.value for k in OfferingKind
    ]:
        raise ValidationError({"kind": f"Unknown offering kind {kind!r}."})
    gross_proceeds = Decimal(gross_proceeds)
    if gross_proceeds <= 0:
        raise ValidationError({"gross_proceeds": "Gross proceeds must be greater than zero."})
    refuse_future(closing_date, "closing_date", "an offering")
    refuse_before_notes(issuer, closing_date, "closing_date")
    units = units or {}
    unit_terms = None
    if units:
        unit_terms = UnitTerms(
            shares_per_unit=units.get("shares_per_unit"),
            warrants_per_unit=units.get("warrants_per_unit") or 0,
            share_allocation=units.get("share_allocation"),
        )
    sale_objects = [
        Sale(
            shares=s.get("shares"),
            price_per_share=s.get("price_per_share"),
            units=s.get("units"),
            unit_price=s.get("unit_price"),
        )
        for s in sales
    ]
    try:
        validate_sales(sale_objects, gross_proceeds, unit_terms)
    except (PricingError, TypeError) as exc:
        raise ValidationError({"sales": str(exc)}) from exc
    if units.get("share_allocation") is not None and not units.get("allocation_source"):
        raise ValidationError({"units": "Say where the allocation comes from (§5.1)."})
    return gross_proceeds, sale_objects, unit_terms


def offering_likely_duplicate(*, issuer, closing_date: date, gross_proceeds: Money):
    """The issuer's offering a new one with this closing date and proceeds would repeat."""
    return (
        Offering.objects.filter(
            issuer=issuer, closing_date=closing_date, gross_proceeds=gross_proceeds
        )
        .select_related("issuer", "recorded_by")
        .order_by("id")
        .first()
    )


@transaction.atomic
def event_record(
    *,
    issuer,
    kind: str,
    effective_date: date,
    voting_power_pct: Decimal | None = None,
    related_events=(),
    description: str = "",
    recorded_by=None,
    needs_approval: bool | None = None,
) -> CorporateEvent:
    """Record a corporate event and its conversion trigger (outbox).

    A change of control's trigger waits for a second Finance user when four
    eyes is on (`needs_approval`, as `offering_record`).

    Raises:
        ValidationError: an unknown kind, a voting transfer without a valid
            percentage, related events that are not earlier voting transfers
            of the same issuer, a date before the issuer's notes existed.
    """
    related = event_validate(
        issuer=issuer,
        kind=kind,
        effective_date=effective_date,
        voting_power_pct=voting_power_pct,
        related_events=related_events,
    )
    event = CorporateEvent(
        issuer=issuer,
        kind=kind,
        effective_date=effective_date,
        voting_power_pct=voting_power_pct,
        description=description,
        recorded_by=recorded_by,
    )
    event.full_clean()
    event.save()
    event.related_events.set(related)
    trigger = ConversionTrigger.objects.create(event=event)
    event.pending_action = trigger_send_or_hold(
        trigger, needs_approval=needs_approval, recorded_by=recorded_by
    )
    return event


def event_validate(
    *,
    issuer,
    kind: str,
    effective_date: date,
    voting_power_pct: Decimal | None = None,
    related_events=(),
) -> list[CorporateEvent]:
    """The refusals `event_record` makes before writing; the related events it would link.

    Reads only; the record form's preview asks it too.

    Raises:
        ValidationError: as `event_record`.
    """
    if kind not in [k.value for k in EventKind]:
        raise ValidationError({"kind": f"Unknown event kind {kind!r}."})
    refuse_future(effective_date, "effective_date", "a corporate event")
    refuse_before_notes(issuer, effective_date, "effective_date")
    if kind == EventKind.VOTING_POWER_TRANSFER and (
        voting_power_pct is None or not Decimal(0) < Decimal(voting_power_pct) <= 100
    ):
        raise ValidationError({"voting_power_pct": "A percentage greater than 0, at most 100."})
    related = list(related_events)
    for other in related:
        if (
            other.issuer_id != issuer.pk
            or other.kind != EventKind.VOTING_POWER_TRANSFER
            or other.effective_date > effective_date
        ):
            raise ValidationError(
                {
                    "related_events": (
                        f"Event {other.pk} is not an earlier transfer of voting power"
                        " by this issuer."
                    )
                }
            )
    return related

"""The Conversion Price: an offering's own, the one in effect, and determinations (§5.1, §5.2).

An offering's Conversion Price is the average price at which the first
$1,000,000 (the series' price tranche) of Common Stock was sold in it: the
sales in the order made, the crossing sale counted only for the dollars needed,
rounded once, half-up, to 6 places (§5.1; the arithmetic is in
`offerings.domain.pricing`). In units only the part of the unit price allocated
to the shares counts, so a units offering has no price until its allocation
(from the offering documents, else the Board) is recorded; recording it
completes the conversions that were waiting for that price.

A public offering or a change of control converts at the price in effect
immediately before it (§5.2): the one set by the latest earlier qualifying
offering of the series. When none is, the conversion waits until staff record
a price determination with its source.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from notes.models import NoteSeries
from notes.services.payments import NoteStateConflict
from offerings.domain.pricing import (
    PricingError,
    Sale,
    UnitTerms,
    conversion_price_compute,
)
from offerings.domain.qualification import OfferingKind, qualifies_voluntary
from offerings.models import Conversion, ConversionStatus, Offering
from offerings.services.conversions import Price, conversion_complete
from offerings.services.qualification import series_thresholds

CONTRACT_TRANCHE = Decimal("1000000.00")


def _sales_of(offering: Offering) -> list[Sale]:
    return [
        Sale(
            shares=s.shares,
            price_per_share=s.price_per_share,
            units=s.units,
            unit_price=s.unit_price,
        )
        for s in offering.sales.order_by("sequence")
    ]


def _unit_terms(offering: Offering) -> UnitTerms | None:
    if offering.shares_per_unit is None:
        return None
    return UnitTerms(
        shares_per_unit=offering.shares_per_unit,
        warrants_per_unit=offering.warrants_per_unit or 0,
        share_allocation=offering.share_allocation,
    )


def offering_price_for(offering: Offering, tranche: Decimal) -> tuple[Decimal | None, str]:
    """The offering's Conversion Price for a price tranche, or None and why not."""
    return price_from_sales(_sales_of(offering), tranche, _unit_terms(offering))


def price_from_sales(
    sales: list[Sale], tranche: Decimal, unit_terms: UnitTerms | None = None
) -> tuple[Decimal | None, str]:
    """The Conversion Price sales in order set for a tranche, or None and why not (§5.1).

    What `offering_price_for` gives a recorded offering; a preview or a what-if
    asks it of sales not recorded.
    """
    try:
        computation = conversion_price_compute(sales, tranche=tranche, unit_terms=unit_terms)
    except PricingError as exc:
        return None, str(exc)
    lines = [
        f"sale {i}: {line.dollars_counted:,.2f} of Common Stock counted"
        f" = {shares_text(line.shares_counted)} shares"
        for i, line in enumerate(computation.lines, start=1)
        if line.dollars_counted
    ]
    explanation = (
        "; ".join(lines)
        + f"; price = {tranche:,.2f} ÷ {shares_text(computation.shares_counted)} shares,"
        f" rounded half-up to 6 places = {computation.price} (§5.1)"
    )
    return computation.price, explanation


def shares_text(value) -> str:
    """Show an exact share count (a Fraction) to 6 places for people, without floats."""
    from fractions import Fraction

    value = Fraction(value)
    whole = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{whole:,.6f}".rstrip("0").rstrip(".")


def _issuer_tranche(issuer) -> Decimal:
    tranches = set(NoteSeries.objects.filter(issuer=issuer).values_list("price_tranche", flat=True))
    return tranches.pop() if len(tranches) == 1 else CONTRACT_TRANCHE


def offering_price_store(offering: Offering) -> None:
    """Store the offering's own Conversion Price and how it was computed, or why it has none."""
    price, explanation = offering_price_for(offering, _issuer_tranche(offering.issuer))
    offering.conversion_price = price
    offering.price_computation = explanation if price is not None else ""
    offering.price_unavailable_reason = "" if price is not None else explanation
    offering.save(
        update_fields=["conversion_price", "price_computation", "price_unavailable_reason"]
    )


def price_in_effect(series: NoteSeries, before: date, exclude: Offering | None = None) -> Price:
    """The Conversion Price in effect immediately before a day (§5.2): the one set by the
    latest earlier qualifying offering of the series."""
    thresholds = series_thresholds(series)
    candidates = Offering.objects.filter(
        issuer_id=series.issuer_id, kind=OfferingKind.PIPE, closing_date__lte=before
    ).order_by("-closing_date", "-id")
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    for offering in candidates:
        if not qualifies_voluntary(offering.kind, offering.gross_proceeds.amount, thresholds):
            continue
        value, explanation = offering_price_for(offering, series.price_tranche)
        if value is None:
            return Price(
                None,
                f"Offering {offering.pk} is in effect but has no price: {explanation}",
                offering,
            )
        return Price(
            value,
            f"In effect from offering {offering.pk} closed {offering.closing_date}: {explanation}",
            offering,
        )
    return Price(
        None,
        "No qualifying offering has set a Conversion Price; awaiting a price determination.",
        None,
    )


@transaction.atomic
def offering_allocation_record(
    *,
    offering: Offering,
    share_allocation: Decimal,
    source: str,
    reference: str = "",
    recorded_by=None,
) -> Offering:
    """Record the share/warrant allocation of a units offering (§5.1) and complete the
    conversions that were waiting for its price.

    Raises:
        ValidationError: not a units offering, an allocation outside (0, 1], no source.
        NoteStateConflict: an allocation is already recorded.
    """
    offering = Offering.objects.select_for_update().get(pk=offering.pk)
    if not offering.sold_in_units:
        raise ValidationError({"share_allocation": "This offering was not sold in units."})
    if offering.share_allocation is not None:
        raise NoteStateConflict("An allocation is already recorded for this offering.")
    share_allocation = Decimal(share_allocation)
    if not Decimal(0) < share_allocation <= 1:
        raise ValidationError({"share_allocation": "A fraction greater than 0, at most 1."})
    if source not in ("offering_documents", "board_determination"):
        raise ValidationError({"source": "offering_documents or board_determination (§5.1)."})
    offering.share_allocation = share_allocation
    offering.allocation_source = source
    offering.allocation_reference = reference
    offering.save(update_fields=["share_allocation", "allocation_source", "allocation_reference"])
    offering_price_store(offering)
    for conversion in (
        Conversion.objects.select_for_update()
        .filter(price_offering=offering, status=ConversionStatus.AWAITING_PRICE)
        .select_related("note__series")
    ):
        price, explanation = offering_price_for(offering, conversion.note.series.price_tranche)
        conversion_complete(
            conversion, price, f"Offering {offering.pk}: {explanation}", recorded_by
        )
    return offering


@transaction.atomic
def conversion_price_determine(
    *, conversion: Conversion, price: Decimal, source: str, determined_by=None
) -> Conversion:
    """Complete a conversion waiting for its price with a recorded determination.

    Raises:
        ValidationError: a non-positive price or no source.
        NoteStateConflict: the conversion already has its price.
    """
    conversion = (
        Conversion.objects.select_for_update().select_related("note__series").get(pk=conversion.pk)
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
    conversion_complete(conversion, price, f"Price determination: {source}", determined_by)
    return conversion

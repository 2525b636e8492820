"""What an offering or a corporate event brings about for one series (§5.1, §5.2).

One decision, asked by the outbox when it carries a trigger out and by the
record forms' preview before anything is recorded: for each series of the
issuer, under that series' own thresholds, is it an automatic conversion
(and at which Conversion Price, of which kind), a $3 Million Qualified
Offering opening the voluntary window, or nothing? Reads only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from notes.models import NoteSeries
from offerings.domain.qualification import (
    OfferingKind,
    change_of_control_triggers,
    qualifies_automatic,
    qualifies_voluntary,
)
from offerings.models import ConversionKind, Offering
from offerings.services.conversions import Price
from offerings.services.prices import price_in_effect
from offerings.services.qualification import series_thresholds


@dataclass(frozen=True)
class SeriesEffect:
    """What an offering or event does to one series.

    ``kind`` and ``price`` are set for an automatic conversion (§5.2);
    ``voluntary`` is a $3 Million Qualified Offering that does not convert
    automatically (§5.1: the window and the §6.1 notices).
    """

    series: NoteSeries
    automatic: bool
    voluntary: bool
    kind: str | None = None
    price: Price | None = None

    @property
    def summary(self) -> str:
        if self.automatic:
            return f"Automatic conversion — {ConversionKind(self.kind).label}"
        if self.voluntary:
            return "$3 Million Qualified Offering (§5.1): voluntary window and §6.1 notices"
        return "Not a qualifying offering or event for this series"


def offering_effect(
    series: NoteSeries,
    *,
    kind: str,
    gross_proceeds: Decimal,
    closing_date: date,
    own_price: Callable[[Decimal], tuple[Decimal | None, str]],
    offering: Offering | None = None,
) -> SeriesEffect:
    """What an offering does to a series (§5.1, §5.2(ii), (iii)).

    Args:
        own_price: the offering's own Conversion Price for a price tranche
            (`offering_price_for`, or `price_from_sales` for sales not recorded).
        offering: the recorded offering, if it is; a price in effect never
            comes from the offering itself.
    """
    thresholds = series_thresholds(series)
    if qualifies_automatic(kind, gross_proceeds, thresholds):
        if kind == OfferingKind.PIPE:
            value, explanation = own_price(series.price_tranche)
            label = f"Offering {offering.pk}" if offering is not None else "This offering"
            return SeriesEffect(
                series, automatic=True, voluntary=False,
                kind=ConversionKind.QUALIFIED_OFFERING,
                price=Price(value, f"{label}: {explanation}", offering),
            )
        return SeriesEffect(
            series, automatic=True, voluntary=False, kind=ConversionKind.PUBLIC_OFFERING,
            price=price_in_effect(series, closing_date, exclude=offering),
        )
    return SeriesEffect(
        series, automatic=False, voluntary=qualifies_voluntary(kind, gross_proceeds, thresholds)
    )


def event_effect(
    series: NoteSeries,
    *,
    kind: str,
    voting_power_pct: Decimal | None,
    related_pcts: Sequence[Decimal],
    effective_date: date,
) -> SeriesEffect:
    """What a corporate event does to a series: a change of control converts (§5.2(i))."""
    if change_of_control_triggers(
        kind,
        voting_power_pct=voting_power_pct,
        related_pcts=related_pcts,
        thresholds=series_thresholds(series),
    ):
        return SeriesEffect(
            series, automatic=True, voluntary=False, kind=ConversionKind.CHANGE_OF_CONTROL,
            price=price_in_effect(series, effective_date),
        )
    return SeriesEffect(series, automatic=False, voluntary=False)

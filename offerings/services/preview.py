"""Dry runs: what recording an offering or event would convert, and what-if prices (§5, §7).

Nothing here writes. A preview is computed by the very functions that carry a
trigger out — the per-series decision (`triggers.offering_effect`,
`triggers.event_effect`), the refusals of the recording
(`recording.offering_validate`, `recording.event_validate`), the Note Amount
(`conversions.note_amount_on`) and the shares and cash in lieu
(`notes.domain.conversion.conversion_compute`) — so the figures a user
confirms are the figures then recorded. The recording service itself is never
called for a preview, not even in a rolled-back transaction: a preview must
not take locks, enqueue tasks or spend a one-time key.

The what-if takes a hypothetical Conversion Price and day (or the sales of an
offering, whose price `prices.price_from_sales` derives) and shows what each
active note of a series would convert into then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from notes.domain.conversion import conversion_compute
from notes.models import ACTIVE_STATUSES, Note, NoteSeries
from notes.selectors import money_facts_by_note
from offerings.domain.pricing import Sale, UnitTerms
from offerings.models import Offering
from offerings.services.conversions import note_amount_on, notes_with_payments_after
from offerings.services.prices import price_from_sales
from offerings.services.qualification import voluntary_window
from offerings.services.recording import event_validate, offering_validate
from offerings.services.triggers import SeriesEffect, event_effect, offering_effect

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ConversionRow:
    """One note's conversion as it would be made (figures None while no price is known)."""

    note: Note
    principal: Decimal
    interest: Decimal
    note_amount: Decimal
    price: Decimal | None
    shares: int | None
    cash_in_lieu: Decimal | None
    cash_due_date: date | None
    waits: str = ""


@dataclass(frozen=True)
class SeriesPreview:
    """What one series would see: the decision, and each conversion it makes."""

    effect: SeriesEffect
    rows: list[ConversionRow] = field(default_factory=list)
    window: tuple[date, date] | None = None
    notices_due_by: date | None = None
    notices_count: int = 0

    @property
    def converting(self) -> list[ConversionRow]:
        return [r for r in self.rows if not r.waits]

    @property
    def note_amount_total(self) -> Decimal:
        return sum((r.note_amount for r in self.converting), ZERO)

    @property
    def shares_total(self) -> int:
        return sum(r.shares or 0 for r in self.converting)

    @property
    def cash_total(self) -> Decimal:
        return sum((r.cash_in_lieu or ZERO for r in self.converting), ZERO)


def _active_notes(series: NoteSeries, day: date) -> list[Note]:
    # The notes the outbox would lock and convert (`outbox._active_notes`), unlocked.
    return list(
        Note.objects.filter(series=series, status__in=ACTIVE_STATUSES, issue_date__lte=day)
        .select_related("series", "holder")
        .order_by("pk")
    )


def conversions_compute(
    *, notes: list[Note], day: date, price: Decimal | None
) -> list[ConversionRow]:
    """Each note's conversion on a day at a price, as `notes_convert` would make it.

    A note with a payment standing dated after the day would wait (its row says
    so, with no figures); with no price, the figures are None (awaiting price).
    Three queries, whatever the number of notes.
    """
    if not notes:
        return []
    blocked = notes_with_payments_after(notes, day)
    principal_paid, allocations = money_facts_by_note([n.pk for n in notes])
    rows = []
    for note in notes:
        parts = note_amount_on(
            note=note,
            principal_paid=principal_paid.get(note.pk, ()),
            allocations=allocations.get(note.pk, ()),
            conversion_date=day,
        )
        waits = (
            f"Waits: a payment dated after {day} is recorded on this note." if note.pk in blocked
            else ""
        )
        figures = None
        if price is not None and not waits:
            figures = conversion_compute(
                principal=parts.principal,
                accrued_interest=parts.interest,
                price=price,
                conversion_date=day,
                cash_due_days=note.series.cash_in_lieu_days,
            )
        rows.append(
            ConversionRow(
                note=note,
                principal=parts.principal,
                interest=parts.interest,
                note_amount=parts.note_amount,
                price=figures.conversion_price if figures else None,
                shares=figures.shares if figures else None,
                cash_in_lieu=figures.cash_in_lieu if figures else None,
                cash_due_date=figures.cash_due_date if figures else None,
                waits=waits,
            )
        )
    return rows


def _series_preview(effect: SeriesEffect, day: date) -> SeriesPreview:
    series = effect.series
    if effect.automatic:
        return SeriesPreview(
            effect=effect,
            rows=conversions_compute(
                notes=_active_notes(series, day), day=day, price=effect.price.value
            ),
        )
    if effect.voluntary:
        window = voluntary_window(Offering(closing_date=day), series)
        return SeriesPreview(
            effect=effect,
            window=window,
            notices_due_by=day + timedelta(days=series.notice_days),
            notices_count=len(_active_notes(series, day)),
        )
    return SeriesPreview(effect=effect)


def _issuer_series(issuer) -> list[NoteSeries]:
    return list(NoteSeries.objects.filter(issuer=issuer).select_related("issuer").order_by("pk"))


def offering_preview(
    *,
    issuer,
    kind: str,
    closing_date: date,
    gross_proceeds: Decimal,
    sales: list[dict],
    units: dict | None = None,
) -> list[SeriesPreview]:
    """What recording this offering would bring about, series by series. Writes nothing.

    Raises:
        ValidationError: what `offering_record` would refuse.
    """
    gross, sale_objects, unit_terms = offering_validate(
        issuer=issuer,
        kind=kind,
        closing_date=closing_date,
        gross_proceeds=gross_proceeds,
        sales=sales,
        units=units,
    )
    return [
        _series_preview(
            offering_effect(
                series,
                kind=kind,
                gross_proceeds=gross,
                closing_date=closing_date,
                own_price=lambda tranche: price_from_sales(sale_objects, tranche, unit_terms),
            ),
            closing_date,
        )
        for series in _issuer_series(issuer)
    ]


def event_preview(
    *,
    issuer,
    kind: str,
    effective_date: date,
    voting_power_pct: Decimal | None = None,
    related_events=(),
) -> list[SeriesPreview]:
    """What recording this corporate event would bring about, series by series.

    Raises:
        ValidationError: what `event_record` would refuse.
    """
    related = event_validate(
        issuer=issuer,
        kind=kind,
        effective_date=effective_date,
        voting_power_pct=voting_power_pct,
        related_events=related_events,
    )
    return [
        _series_preview(
            event_effect(
                series,
                kind=kind,
                voting_power_pct=voting_power_pct,
                related_pcts=[e.voting_power_pct for e in related],
                effective_date=effective_date,
            ),
            effective_date,
        )
        for series in _issuer_series(issuer)
    ]


@dataclass(frozen=True)
class WhatIf:
    """A hypothetical conversion of the active notes at a price on a day; nothing recorded."""

    day: date
    price: Decimal
    price_explanation: str
    rows: list[ConversionRow]
    shares_before: int | None

    @property
    def converting(self) -> list[ConversionRow]:
        return [r for r in self.rows if not r.waits]

    @property
    def note_amount_total(self) -> Decimal:
        return sum((r.note_amount for r in self.converting), ZERO)

    @property
    def shares_total(self) -> int:
        return sum(r.shares or 0 for r in self.converting)

    @property
    def cash_total(self) -> Decimal:
        return sum((r.cash_in_lieu or ZERO for r in self.converting), ZERO)

    @property
    def fully_diluted(self) -> int | None:
        """Shares outstanding before + the shares the conversions add (None: not given)."""
        return None if self.shares_before is None else self.shares_before + self.shares_total

    @property
    def added_pct(self) -> Decimal | None:
        """The added shares as a percentage of the fully diluted count, to 2 places."""
        if not self.fully_diluted:
            return None
        return (Decimal(self.shares_total) * 100 / Decimal(self.fully_diluted)).quantize(
            Decimal("0.01")
        )


class WhatIfPriceUnavailable(ValueError):
    """The sales given cannot set a Conversion Price (the reason is the message)."""


def what_if_price(sales: list[Sale], tranche: Decimal, unit_terms: UnitTerms | None = None):
    """The Conversion Price hypothetical sales would set (§5.1), with how it was made.

    Raises:
        WhatIfPriceUnavailable: the sales set no price.
    """
    price, explanation = price_from_sales(sales, tranche, unit_terms)
    if price is None:
        raise WhatIfPriceUnavailable(explanation)
    return price, explanation


def conversion_what_if(
    *,
    day: date,
    price: Decimal,
    series: NoteSeries | None = None,
    shares_before: int | None = None,
    price_explanation: str = "",
) -> WhatIf:
    """Each active note's Note Amount on `day`, its shares and cash in lieu at `price`.

    Every series when `series` is None. Writes nothing.
    """
    notes = Note.objects.filter(status__in=ACTIVE_STATUSES, issue_date__lte=day)
    if series is not None:
        notes = notes.filter(series=series)
    notes = list(
        notes
        .select_related("series", "series__issuer", "holder")
        .order_by("series__issuer__name", "series_id", "number", "pk")
    )
    return WhatIf(
        day=day,
        price=price,
        price_explanation=price_explanation,
        rows=conversions_compute(notes=notes, day=day, price=price),
        shares_before=shares_before,
    )

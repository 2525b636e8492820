"""Recording offerings and corporate events, and converting notes (§5, §6, §7).

Automatic conversion (§5.2): recording a $5M Qualified Offering, an
underwritten public offering over $5,000,000, or a change of control converts
every note of each affected series that is outstanding or accelerated on that
date, on that date. Voluntary conversion (§5.1, §6.1): a $3M Qualified
Offering opens a window from its closing through the same day six months
later, obliges the Company to notify each holder within ten days, and a Notice
of Election received inside the window converts the note on the day received.

The offering or event and its conversion trigger are written in one
transaction (the outbox); Celery carries the trigger out after commit, a
one-minute relay re-sends what is still pending, and the daily cycle runs
anything a broker outage left behind. Processing holds the trigger's row lock
and the notes' row locks, and the database allows one conversion per note, so
retries, duplicate messages and concurrent workers convert each note once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone
from djmoney.money import Money

from notes.domain.conversion import conversion_compute
from notes.domain.interest import balance_on, effective_rate, principal_timeline
from notes.domain.periods import add_months
from notes.domain.position import allocate_interest, open_interest_months
from notes.models import (
    ACTIVE_STATUSES,
    InterestStatement,
    Issuer,
    Note,
    NoteSeries,
    NoteStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
)
from notes.selectors import money_facts_by_note
from notes.services.corrections import note_statements_correct
from notes.services.payments import LikelyDuplicate, NoteStateConflict
from offerings.domain.pricing import (
    PricingError,
    Sale,
    UnitTerms,
    conversion_price_compute,
    validate_sales,
)
from offerings.domain.qualification import (
    EventKind,
    OfferingKind,
    Thresholds,
    change_of_control_triggers,
    qualifies_automatic,
    qualifies_voluntary,
)
from offerings.models import (
    Conversion,
    ConversionKind,
    ConversionStatus,
    ConversionTrigger,
    CorporateEvent,
    Election,
    NoticeObligation,
    Offering,
    OfferingSale,
    TriggerStatus,
)

logger = logging.getLogger(__name__)

ACTIVE = ACTIVE_STATUSES
CONTRACT_TRANCHE = Decimal("1000000.00")


def offering_qualifies(offering: Offering, test) -> bool:
    """Whether an offering passes `test` (qualifies_voluntary / _automatic) for any series
    of its issuer, under each series' own thresholds (uses prefetched series)."""
    gross = offering.gross_proceeds.amount
    return any(
        test(offering.kind, gross, series_thresholds(s)) for s in offering.issuer.series.all()
    )


def series_thresholds(series: NoteSeries) -> Thresholds:
    return Thresholds(
        voluntary=series.voluntary_threshold,
        automatic=series.automatic_threshold,
        voting_power_pct=series.voting_power_threshold_pct,
    )


# --- Offerings ---------------------------------------------------------------------------


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
    try:
        computation = conversion_price_compute(
            _sales_of(offering), tranche=tranche, unit_terms=_unit_terms(offering)
        )
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


def _first_note_date(issuer) -> date | None:
    return Note.objects.filter(series__issuer=issuer).aggregate(d=Min("issue_date"))["d"]


def _refuse_future(day: date, field: str, what: str) -> None:
    today = timezone.localdate()
    if day > today:
        raise ValidationError(
            {
                field: (
                    f"{day} is after today ({today}); {what} is recorded once it has happened —"
                    " recording it converts notes on that date."
                )
            }
        )


def _refuse_before_notes(issuer, day: date, field: str) -> None:
    first = _first_note_date(issuer)
    if first is not None and day < first:
        raise ValidationError(
            {
                field: (
                    f"{day} is before the issuer's first note was issued ({first}); "
                    "the notes could "
                    "not have been affected."
                )
            }
        )


def _issuer_tranche(issuer) -> Decimal:
    tranches = set(NoteSeries.objects.filter(issuer=issuer).values_list("price_tranche", flat=True))
    return tranches.pop() if len(tranches) == 1 else CONTRACT_TRANCHE


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
) -> Offering:
    """Record an offering with its sales in order, and its conversion trigger (outbox).

    Args:
        confirm_duplicate: record it even though the issuer already has an
            offering closing that day for the same gross proceeds.

    Raises:
        ValidationError: an unknown kind, sales that do not add up to the gross
            proceeds, non-positive figures, unit sales without unit terms, a
            closing before the issuer's notes existed.
        LikelyDuplicate: the issuer has an offering with the same closing date
            and gross proceeds, unless `confirm_duplicate` (each offering has
            its own conversion trigger, so a repeat would act twice).
    """
    if kind not in OfferingKind.__members__.values() and kind not in [
        k.value for k in OfferingKind
    ]:
        raise ValidationError({"kind": f"Unknown offering kind {kind!r}."})
    gross_proceeds = Decimal(gross_proceeds)
    if gross_proceeds <= 0:
        raise ValidationError({"gross_proceeds": "Gross proceeds must be greater than zero."})
    _refuse_future(closing_date, "closing_date", "an offering")
    _refuse_before_notes(issuer, closing_date, "closing_date")
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
    _offering_price_store(offering)
    trigger = ConversionTrigger.objects.create(offering=offering)
    transaction.on_commit(lambda: conversion_trigger_enqueue(trigger_id=trigger.pk))
    return offering


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


def _offering_price_store(offering: Offering) -> None:
    price, explanation = offering_price_for(offering, _issuer_tranche(offering.issuer))
    offering.conversion_price = price
    offering.price_computation = explanation if price is not None else ""
    offering.price_unavailable_reason = "" if price is not None else explanation
    offering.save(
        update_fields=["conversion_price", "price_computation", "price_unavailable_reason"]
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
    _offering_price_store(offering)
    for conversion in (
        Conversion.objects.select_for_update()
        .filter(price_offering=offering, status=ConversionStatus.AWAITING_PRICE)
        .select_related("note__series")
    ):
        price, explanation = offering_price_for(offering, conversion.note.series.price_tranche)
        _complete(conversion, price, f"Offering {offering.pk}: {explanation}", recorded_by)
    return offering


# --- Corporate events --------------------------------------------------------------------


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
) -> CorporateEvent:
    """Record a corporate event and its conversion trigger (outbox).

    Raises:
        ValidationError: an unknown kind, a voting transfer without a valid
            percentage, related events that are not earlier voting transfers
            of the same issuer, a date before the issuer's notes existed.
    """
    if kind not in [k.value for k in EventKind]:
        raise ValidationError({"kind": f"Unknown event kind {kind!r}."})
    _refuse_future(effective_date, "effective_date", "a corporate event")
    _refuse_before_notes(issuer, effective_date, "effective_date")
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
    transaction.on_commit(lambda: conversion_trigger_enqueue(trigger_id=trigger.pk))
    return event


# --- The outbox ----------------------------------------------------------------------------


def conversion_trigger_enqueue(*, trigger_id: int) -> bool:
    """Hand a trigger to Celery; if the broker is unreachable the relay sends it later."""
    from offerings.tasks import conversion_trigger_task

    try:
        conversion_trigger_task.delay(trigger_id)
    except Exception as exc:  # broker down, or (in-process mode) processing failed
        logger.warning("conversion trigger %s left pending: %s", trigger_id, exc)
        ConversionTrigger.objects.filter(pk=trigger_id, status=TriggerStatus.PENDING).update(
            last_error=str(exc)[:2000]
        )
        return False
    return True


def conversion_triggers_relay(*, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Re-send every trigger still pending (the beat runs this every minute)."""
    pending = ConversionTrigger.objects.filter(
        status=TriggerStatus.PENDING, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    return sum(conversion_trigger_enqueue(trigger_id=pk) for pk in pending)


def conversion_triggers_process_pending() -> int:
    """Carry out every pending trigger here and now (the daily cycle's safety net)."""
    done = 0
    for pk in ConversionTrigger.objects.filter(status=TriggerStatus.PENDING).values_list(
        "pk", flat=True
    ):
        try:
            conversion_trigger_process(trigger_id=pk)
        except Exception:
            # Recorded on the trigger (last_error); the others, and the rest of the
            # daily cycle, go on.
            logger.exception("conversion trigger %s failed", pk)
            continue
        done += 1
    return done


@dataclass(frozen=True)
class Price:
    value: Decimal | None
    source: str
    offering: Offering | None


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


def conversion_trigger_process(*, trigger_id: int) -> str:
    """Carry out one trigger, once. Returns what it did."""
    try:
        with transaction.atomic():
            trigger = ConversionTrigger.objects.select_for_update().get(pk=trigger_id)
            if trigger.status == TriggerStatus.DONE:
                return trigger.outcome
            # Check foreign keys as rows are written rather than at commit: the audit
            # trigger on each converted note would otherwise rescan every pending
            # deferred check, which makes converting a large series quadratic.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            outcome, waiting = _trigger_carry_out(trigger)
            # A trigger with notes still waiting stays pending: the relay and the
            # daily cycle carry it on, converting only what is still active.
            trigger.status = TriggerStatus.PENDING if waiting else TriggerStatus.DONE
            trigger.outcome, trigger.attempts = outcome, trigger.attempts + 1
            trigger.processed_at = timezone.now()
            trigger.last_error = outcome if waiting else ""
            trigger.save()
            return outcome
    except Exception as exc:
        ConversionTrigger.objects.filter(pk=trigger_id).update(last_error=str(exc)[:2000])
        raise


def _waiting_phrase(count: int, day: date) -> str:
    if not count:
        return ""
    return (
        f"; {_notes_phrase(count)} waiting: a payment dated after {day} is recorded on"
        " it; reverse that payment and the conversion completes on the next relay"
    )


def _trigger_carry_out(trigger: ConversionTrigger) -> tuple[str, int]:
    """Carry out a trigger for every series of its issuer.

    Returns:
        What was done, and how many notes could not be converted yet.
    """
    offering, event = trigger.offering, trigger.event
    issuer = (offering or event).issuer
    results = []
    waiting = 0
    for series in NoteSeries.objects.filter(issuer=issuer).order_by("pk"):
        thresholds = series_thresholds(series)
        if offering is not None:
            day = offering.closing_date
            gross = offering.gross_proceeds.amount
            if qualifies_automatic(offering.kind, gross, thresholds):
                if offering.kind == OfferingKind.PIPE:
                    value, explanation = offering_price_for(offering, series.price_tranche)
                    price = Price(value, f"Offering {offering.pk}: {explanation}", offering)
                    kind = ConversionKind.QUALIFIED_OFFERING
                else:
                    price = price_in_effect(series, day, exclude=offering)
                    kind = ConversionKind.PUBLIC_OFFERING
                active = _active_notes(series, day)
                converted = notes_convert(
                    notes=active, conversion_date=day, kind=kind, price=price, offering=offering
                )
                waiting += len(active) - len(converted)
                results.append(
                    f"{series.name}: {_notes_phrase(len(converted))} converted"
                    f" ({ConversionKind(kind).label})"
                    + _waiting_phrase(len(active) - len(converted), day)
                )
            elif qualifies_voluntary(offering.kind, gross, thresholds):
                count = _voluntary_notices_oblige(series, offering)
                results.append(f"{series.name}: voluntary window opened; {count} §6.1 notices due")
            else:
                results.append(f"{series.name}: not a qualified offering")
        else:
            day = event.effective_date
            related = [e.voting_power_pct for e in event.related_events.all()]
            if change_of_control_triggers(
                event.kind,
                voting_power_pct=event.voting_power_pct,
                related_pcts=related,
                thresholds=thresholds,
            ):
                active = _active_notes(series, day)
                converted = notes_convert(
                    notes=active,
                    conversion_date=day,
                    kind=ConversionKind.CHANGE_OF_CONTROL,
                    price=price_in_effect(series, day),
                    event=event,
                )
                waiting += len(active) - len(converted)
                results.append(
                    f"{series.name}: {_notes_phrase(len(converted))} converted (change of control)"
                    + _waiting_phrase(len(active) - len(converted), day)
                )
            else:
                results.append(f"{series.name}: no change of control")
    return "; ".join(results) or "The issuer has no note series.", waiting


def _notes_phrase(count: int) -> str:
    return f"{count} note" if count == 1 else f"{count} notes"


def _active_notes(series: NoteSeries, day: date) -> list[Note]:
    return list(
        Note.objects.select_for_update()
        .filter(series=series, status__in=ACTIVE, issue_date__lte=day)
        .select_related("series", "holder")
        .order_by("pk")
    )


def _voluntary_notices_oblige(series: NoteSeries, offering: Offering) -> int:
    """§6.1: notice to the holder of every note outstanding on the closing date."""
    closing = offering.closing_date
    notes = (
        Note.objects.filter(series=series, issue_date__lte=closing)
        .filter(Q(status__in=ACTIVE) | Q(ended_on__gt=closing))
        .select_related("holder")
        .order_by("pk")
    )
    due_by = closing + timedelta(days=series.notice_days)
    created = NoticeObligation.objects.bulk_create(
        [
            NoticeObligation(
                kind=NoticeObligation.Kind.VOLUNTARY_OFFERING,
                note=n,
                holder=n.holder,
                offering=offering,
                due_by=due_by,
            )
            for n in notes
        ],
        ignore_conflicts=True,
    )
    return len(created)


def voluntary_window(offering: Offering, series: NoteSeries) -> tuple[date, date]:
    """§5.1: from the closing date through the same day `voluntary_window_months` later."""
    return offering.closing_date, add_months(offering.closing_date, series.voluntary_window_months)


# --- Converting notes ----------------------------------------------------------------------


def notes_convert(
    *,
    notes: list[Note],
    conversion_date: date,
    kind: str,
    price: Price,
    offering: Offering | None = None,
    event: CorporateEvent | None = None,
    election: Election | None = None,
) -> list[Conversion]:
    """Convert locked, active notes on a day, in bulk.

    Each note's Note Amount is its outstanding principal plus the interest
    accrued and unpaid through the conversion date, inclusive (§5.1, §7). The
    amount is settled by two entries of method `conversion` (principal and
    interest, the interest allocated oldest month first), so the note's
    statements, position and ledger all show it converted; the note stops
    accruing after that day.
    """
    if not notes:
        return []
    blocked = notes_with_payments_after(notes, conversion_date)
    notes = [n for n in notes if n.pk not in blocked]
    if not notes:
        return []
    ids = [n.pk for n in notes]
    principal_paid, allocations = money_facts_by_note(ids)

    conversions, payments, interest_parts = [], [], []
    for note in notes:
        series = note.series
        rate, _ = effective_rate(series.stated_rate, series.max_lawful_rate)
        timeline = principal_timeline(
            note.issue_date, note.principal.amount, principal_paid.get(note.pk, ())
        )
        facts = {
            "timeline": timeline,
            "rate": rate,
            "convention": series.day_count,
            "issue_date": note.issue_date,
            "allocations": allocations.get(note.pk, ()),
        }
        # One pass over the note's months gives both the interest to convert and the
        # months it settles (oldest first).
        open_months = open_interest_months(as_of=conversion_date, **facts)
        principal = balance_on(timeline, conversion_date + timedelta(days=1))
        interest = sum((amount for _, amount in open_months), Decimal("0.00"))
        conversion = Conversion(
            note=note,
            trigger=kind,
            offering=offering,
            event=event,
            election=election,
            price_offering=price.offering,
            conversion_date=conversion_date,
            currency=note.currency,
            principal_converted=principal,
            interest_converted=interest,
            note_amount=principal + interest,
            status=ConversionStatus.AWAITING_PRICE,
            price_source=price.source,
        )
        if price.value is not None:
            _figures_apply(conversion, price.value, series.cash_in_lieu_days)
        conversions.append(conversion)
        if principal:
            payments.append(
                Payment(
                    note=note,
                    paid_on=conversion_date,
                    amount=Money(principal, note.currency),
                    applies_to=PaymentKind.PRINCIPAL,
                    method=PaymentMethod.CONVERSION,
                    reference=f"Converted into Common Stock on {conversion_date}",
                )
            )
        if interest:
            payments.append(
                Payment(
                    note=note,
                    paid_on=conversion_date,
                    amount=Money(interest, note.currency),
                    applies_to=PaymentKind.INTEREST,
                    method=PaymentMethod.CONVERSION,
                    reference=f"Converted into Common Stock on {conversion_date}",
                )
            )
            interest_parts.append(allocate_interest(open_months=open_months, amount=interest))
    created = Conversion.objects.bulk_create(conversions)
    Payment.objects.bulk_create(payments)
    interest_payments = [p for p in payments if p.applies_to == PaymentKind.INTEREST]
    _allocations_insert(
        (p.pk, p.note_id, start, p.paid_on, part)
        for p, parts in zip(interest_payments, interest_parts, strict=True)
        for start, part in parts
    )
    Note.objects.filter(pk__in=ids).update(status=NoteStatus.CONVERTED, ended_on=conversion_date)
    # A conversion dated in a month already stated voids that month's statement
    # and any later one: their interest is part of the Note Amount (§2, §7).
    for note in Note.objects.filter(
        pk__in=InterestStatement.objects.filter(
            note_id__in=ids, period_end__gte=conversion_date
        ).values("note_id")
    ):
        note_statements_correct(
            note=note,
            reason=(
                f"The note converted into Common Stock on {conversion_date}"
                f" (recorded {timezone.localdate()}), after the months from then on had been"
                f" stated."
            ),
        )
    if kind != ConversionKind.VOLUNTARY:
        NoticeObligation.objects.bulk_create(
            NoticeObligation(
                kind=NoticeObligation.Kind.AUTOMATIC_CONVERSION,
                note=c.note,
                holder=c.note.holder,
                conversion=c,
                due_by=conversion_date + timedelta(days=c.note.series.notice_days),
            )
            for c in created
        )
    return created


def _allocations_insert(rows) -> None:
    """Insert allocation rows in one statement (a series may settle 100,000+ months)."""
    columns = list(zip(*rows, strict=True))
    if not columns:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO notes_paymentallocation (payment_id, note_id, period_start, paid_on, amount)
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::date[], %s::numeric[])
            """,
            [list(column) for column in columns],
        )


def notes_with_payments_after(notes: list[Note], day: date) -> set[int]:
    """Notes with a payment still standing dated after a conversion date.

    The Note Amount is what is outstanding and unpaid on the conversion date; a
    payment dated later (recorded before the conversion was) would be counted
    twice. Such a note waits until that payment is reversed.
    """
    return set(
        Payment.objects.filter(
            note_id__in=[n.pk for n in notes],
            paid_on__gt=day,
            reverses__isnull=True,
            reversed_by__isnull=True,
        ).values_list("note_id", flat=True)
    )


def _figures_apply(conversion: Conversion, price: Decimal, cash_days: int) -> None:
    figures = conversion_compute(
        principal=conversion.principal_converted,
        accrued_interest=conversion.interest_converted,
        price=price,
        conversion_date=conversion.conversion_date,
        cash_due_days=cash_days,
    )
    conversion.conversion_price = figures.conversion_price
    conversion.shares = figures.shares
    conversion.cash_in_lieu = figures.cash_in_lieu
    conversion.cash_due_date = figures.cash_due_date
    conversion.status = ConversionStatus.DONE


def _complete(conversion: Conversion, price: Decimal | None, source: str, by) -> None:
    if price is None:
        return
    _figures_apply(conversion, price, conversion.note.series.cash_in_lieu_days)
    conversion.price_source = source
    conversion.price_determined_by = by
    conversion.price_determined_at = timezone.now()
    conversion.save()


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
    _complete(conversion, price, f"Price determination: {source}", determined_by)
    return conversion


# --- Voluntary conversion ------------------------------------------------------------------


def election_record(
    *,
    note: Note,
    offering: Offering,
    received_on: date,
    certificate_names: str,
    address: str,
    tax_id: str,
    recorded_by=None,
) -> Conversion:
    """Record a Notice of Election (Exhibit A) and convert the note on the day received.

    Raises:
        ValidationError: the offering is not a $3M Qualified Offering of the
            note's issuer, the election was received outside the window, or
            Exhibit A's fields are missing.
        NoteStateConflict: the note is neither outstanding nor accelerated.
    """
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("series", "holder").get(pk=note.pk)
        series = note.series
        if note.status not in ACTIVE:
            raise NoteStateConflict(
                f"Note {note.number} is {note.get_status_display().lower()}; only an outstanding "
                "or accelerated note can be converted (§5.1)."
            )
        if offering.issuer_id != series.issuer_id:
            raise ValidationError({"offering": "That offering is not by this note's issuer."})
        if not qualifies_voluntary(
            offering.kind, offering.gross_proceeds.amount, series_thresholds(series)
        ):
            raise ValidationError(
                {
                    "offering": (
                        "That offering is not a $3 Million Qualified Offering (a PIPE with gross "
                        f"proceeds of not less than {series.voluntary_threshold:,.2f}, §5.1)."
                    )
                }
            )
        if qualifies_automatic(
            offering.kind, offering.gross_proceeds.amount, series_thresholds(series)
        ):
            raise ValidationError(
                {
                    "offering": (
                        "That offering is a $5 Million Qualified Offering: it converts every"
                        " outstanding note automatically on its closing date (§5.2); no"
                        " election applies."
                    )
                }
            )
        _refuse_future(received_on, "received_on", "a Notice of Election")
        opens, closes = voluntary_window(offering, series)
        if not opens <= received_on <= closes:
            raise ValidationError(
                {
                    "received_on": (
                        f"The election was received on {received_on}, outside the"
                        f" voluntary conversion window of {opens} through {closes} (§5.1:"
                        " the option expires six months after the $3 Million Qualified"
                        " Offering)."
                    )
                }
            )
        if received_on < note.issue_date:
            raise ValidationError({"received_on": f"The note was issued on {note.issue_date}."})
        missing = [
            f
            for f, v in [
                ("certificate_names", certificate_names),
                ("address", address),
                ("tax_id", tax_id),
            ]
            if not str(v).strip()
        ]
        if missing:
            raise ValidationError({f: "Exhibit A requires this." for f in missing})
        if notes_with_payments_after([note], received_on):
            raise NoteStateConflict(
                f"A payment dated after {received_on} is recorded on note {note.number}. The"
                " Note Amount is what was outstanding and unpaid on the day the election was"
                " received; reverse the later payment first."
            )
        election = Election.objects.create(
            note=note,
            offering=offering,
            received_on=received_on,
            certificate_names=certificate_names,
            address=address,
            tax_id=tax_id,
            recorded_by=recorded_by,
        )
        value, explanation = offering_price_for(offering, series.price_tranche)
        (conversion,) = notes_convert(
            notes=[note],
            conversion_date=received_on,
            kind=ConversionKind.VOLUNTARY,
            price=Price(value, f"Offering {offering.pk}: {explanation}", offering),
            offering=offering,
            election=election,
        )
        return conversion

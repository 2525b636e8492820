"""What the offerings app does when the register signals (see notes.signals)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.related_rows import related_rows_may_exist
from notes.selectors import TimelineEntry
from notes.services.payments import NoteStateConflict
from offerings.models import Conversion, ConversionKind, ConversionStatus, Election
from offerings.services.cash import cash_in_lieu_state
from offerings.services.outbox import conversion_triggers_process_pending


def conversions_before_servicing(sender, *, as_of, **kwargs) -> None:
    """Before a servicing run, carry out the conversion triggers still pending (§5.2).

    A trigger that fails is recorded on it and does not stop the run.
    """
    conversion_triggers_process_pending()


def reversal_refused_after_automatic_conversion(sender, *, payment, note, **kwargs) -> None:
    """Refuse to reverse a payment made before an automatic conversion of the note's series.

    Every note of the series still outstanding on an automatic conversion's date
    converted on it (§5.2). A note repaid before then did not; reversing one of
    its payments would leave it outstanding on that date — a conversion that
    never happened. Such a payment is final.
    """
    conversion = (
        Conversion.objects.filter(
            note__series_id=note.series_id, conversion_date__gt=payment.paid_on
        )
        .exclude(trigger=ConversionKind.VOLUNTARY)
        .order_by("conversion_date")
        .first()
    )
    if conversion is not None:
        raise NoteStateConflict(
            f"The notes of this series converted automatically on {conversion.conversion_date}"
            f" (§5.2). Reversing a payment dated {payment.paid_on} would leave note"
            f" {note.number} outstanding on that day, as if it should have converted: payments"
            f" made before an automatic conversion are final. Record a new payment instead."
        )


def note_timeline_entries(sender, *, note, **kwargs) -> list:
    """The note's conversion, its cash in lieu and Notices of Election, for its timeline.

    Three queries (the conversion with its offering or event, its cash payments,
    the elections), whatever the history.
    """
    entries: list[TimelineEntry] = []
    elections = (
        Election.objects.filter(note=note).select_related("offering")
        if related_rows_may_exist(note, Election)
        else ()
    )
    for election in elections:
        entries.append(TimelineEntry(
            day=election.received_on, kind="election",
            title="Notice of Election received: the holder elects to convert (§5.1, Exhibit A)",
            detail=f"Under the offering closed {election.offering.closing_date:%Y-%m-%d}.",
            order=45,
        ))
    if not related_rows_may_exist(note, Conversion):
        return entries
    conversion = (
        Conversion.objects.filter(note=note)
        .select_related("offering", "event")
        .prefetch_related("cash_payments")
        .first()
    )
    if conversion is None:
        return entries
    c = conversion
    if c.status == ConversionStatus.DONE:
        title = (
            f"Converted into {c.shares:,} share{'' if c.shares == 1 else 's'} of Common Stock"
            f" at {c.conversion_price} — {c.get_trigger_display()}"
        )
    else:
        title = f"Converted — {c.get_trigger_display()}; awaiting its Conversion Price"
    entries.append(TimelineEntry(
        day=c.conversion_date, kind="conversion", title=title,
        detail=(
            f"Note Amount {c.currency} {c.note_amount:,.2f}"
            f" = principal {c.principal_converted:,.2f} + interest {c.interest_converted:,.2f}"
            f" through {c.conversion_date:%Y-%m-%d} (§5.1, §7). Nothing accrues after this day."
        ),
        amount=c.note_amount, currency=c.currency, anchor="conversion", order=85,
    ))
    if c.status != ConversionStatus.DONE:
        return entries
    state = cash_in_lieu_state(c)
    if state.due:
        entries.append(TimelineEntry(
            day=c.conversion_date, kind="cash_in_lieu",
            title=f"Cash in lieu of the fractional share owed, due {c.cash_due_date:%Y-%m-%d} (§7)",
            amount=state.due, currency=c.currency, anchor="conversion", order=86,
        ))
    for payment in sorted(c.cash_payments.all(), key=lambda p: (p.paid_on, p.pk)):
        late = " — after its due date" if payment.paid_on > c.cash_due_date else ""
        entries.append(TimelineEntry(
            day=payment.paid_on, kind="cash_in_lieu",
            title=f"Cash in lieu paid ({payment.get_method_display().lower()}){late} (§7)",
            detail=payment.reference, amount=payment.amount, currency=payment.currency,
            anchor="conversion", order=87,
        ))
    today = timezone.localdate()
    if state.unpaid > 0 and c.cash_due_date < today:
        entries.append(TimelineEntry(
            day=c.cash_due_date + timedelta(days=1), kind="past_due",
            title="Cash in lieu not paid within its 10 days: overdue (§7)",
            amount=state.unpaid, currency=c.currency, anchor="conversion", order=10,
        ))
    return entries

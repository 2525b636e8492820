"""What the offerings app does when the register signals (see notes.signals)."""

from __future__ import annotations

from notes.services.payments import NoteStateConflict
from offerings.models import Conversion, ConversionKind
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

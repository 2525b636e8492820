"""Cash in lieu of fractional shares, paid within 10 days of conversion (§7).

§7: "No fractional shares … shall be issued upon conversion … the Company
shall pay … cash" for the fraction, within 10 days after the conversion date
(a series term, `cash_in_lieu_days`). A conversion's cash is payable once its
price is known; the payments recorded against it never add up to more than
the cash in lieu it computed; whether it was paid, and on time, follows from
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from notes.services.payments import NoteStateConflict
from offerings.models import CashInLieuPayment, Conversion, ConversionStatus

ZERO = Decimal("0.00")


class CashInLieuRefused(ValidationError):
    """The cash-in-lieu payment is not allowed as asked; nothing was recorded."""


@dataclass(frozen=True)
class CashInLieuState:
    """What a conversion's cash in lieu stands at on a day."""

    due: Decimal
    paid: Decimal
    due_date: date | None
    paid_in_full_on: date | None

    @property
    def unpaid(self) -> Decimal:
        return self.due - self.paid

    def state_on(self, as_of: date) -> str:
        """`paid`, `late` (paid after its due date), `overdue`, or `open`."""
        if self.paid_in_full_on is not None and self.paid_in_full_on <= as_of:
            return "late" if self.paid_in_full_on > self.due_date else "paid"
        if self.due_date is not None and as_of > self.due_date:
            return "overdue"
        return "open"


def cash_in_lieu_state(conversion: Conversion) -> CashInLieuState:
    """The cash in lieu a conversion owes, what was paid and the day it was paid in full."""
    due = conversion.cash_in_lieu if conversion.cash_in_lieu is not None else ZERO
    running, paid_in_full_on = ZERO, None
    # `.all()`: the payments prefetched with a list of conversions, else one query.
    for payment in sorted(conversion.cash_payments.all(), key=lambda p: (p.paid_on, p.pk)):
        paid_on, amount = payment.paid_on, payment.amount
        running += amount
        if paid_in_full_on is None and running >= due:
            paid_in_full_on = paid_on
    if due == ZERO and conversion.status == ConversionStatus.DONE:
        paid_in_full_on = conversion.conversion_date  # nothing to pay
    return CashInLieuState(
        due=due, paid=running, due_date=conversion.cash_due_date, paid_in_full_on=paid_in_full_on
    )


@transaction.atomic
def cash_in_lieu_payment_record(
    *,
    conversion: Conversion,
    paid_on: date,
    amount: Decimal,
    method: str,
    reference: str = "",
    recorded_by=None,
) -> CashInLieuPayment:
    """Record cash paid for a conversion's fractional share (§7).

    Raises:
        NoteStateConflict: the conversion awaits its price, so no cash is known.
        CashInLieuRefused: a non-positive or sub-cent amount, a date before the
            conversion or after today, an unknown method, or more than is unpaid.
    """
    conversion = Conversion.objects.select_for_update().get(pk=conversion.pk)
    if conversion.status != ConversionStatus.DONE:
        raise NoteStateConflict(
            "This conversion awaits its Conversion Price; its cash in lieu is not known yet."
        )
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise CashInLieuRefused({"amount": "Cash in lieu is a positive amount in whole cents."})
    if paid_on < conversion.conversion_date:
        raise CashInLieuRefused(
            {"paid_on": f"The note converted on {conversion.conversion_date}; pay on or after it."}
        )
    today = timezone.localdate()
    if paid_on > today:
        raise CashInLieuRefused(
            {"paid_on": f"{paid_on} is after today ({today}); record a payment once it is made."}
        )
    if method not in CashInLieuPayment.Method.values:
        raise CashInLieuRefused({"method": "Cash in lieu is paid by check, wire or ACH."})
    paid = conversion.cash_payments.aggregate(total=Sum("amount"))["total"] or ZERO
    unpaid = conversion.cash_in_lieu - paid
    if amount > unpaid:
        raise CashInLieuRefused(
            {
                "amount": (
                    f"§7: the cash in lieu of this conversion is {conversion.cash_in_lieu:,.2f}"
                    f" and {paid:,.2f} is already paid; at most {unpaid:,.2f} can be paid."
                )
            }
        )
    payment = CashInLieuPayment(
        conversion=conversion,
        paid_on=paid_on,
        amount=amount,
        currency=conversion.currency,
        method=method,
        reference=reference,
        recorded_by=recorded_by,
    )
    payment.full_clean()
    payment.save()
    return payment


CASH_STATE_LABELS = {
    "paid": "Paid",
    "late": "Paid late",
    "overdue": "Overdue",
    "open": "Unpaid",
}


def cash_in_lieu_summary(conversion: Conversion, as_of: date | None = None) -> dict | None:
    """For pages: a done conversion's cash in lieu state on a day (today by default).

    ``state`` (a `CashInLieuState`), ``key`` (paid, late, overdue, open), its
    ``label``, and ``payable`` (something is still unpaid). None while the
    conversion awaits its price (no cash is known).
    """
    if conversion.status != ConversionStatus.DONE:
        return None
    state = cash_in_lieu_state(conversion)
    key = state.state_on(as_of or timezone.localdate())
    return {
        "state": state,
        "key": key,
        "label": CASH_STATE_LABELS.get(key, key),
        "payable": state.unpaid > 0,
    }

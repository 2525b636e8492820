"""Writes to the note register. Every write goes through one of these."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from djmoney.money import Money

from holders.models import Holder
from notes.domain.periods import maturity_date
from notes.models import Issuer, Note, NoteSeries


@transaction.atomic
def issuer_create(
    *,
    name: str,
    principal_office_address: str,
    copy_to_address: str = "",
    state_of_incorporation: str = "",
) -> Issuer:
    issuer = Issuer(
        name=name,
        principal_office_address=principal_office_address,
        copy_to_address=copy_to_address,
        state_of_incorporation=state_of_incorporation,
    )
    issuer.full_clean()
    issuer.save()
    return issuer


@transaction.atomic
def series_create(*, issuer: Issuer, name: str, agreement_date: date, **terms) -> NoteSeries:
    """Record a note series; every term not given takes the contract's value."""
    series = NoteSeries(issuer=issuer, name=name, agreement_date=agreement_date, **terms)
    series.full_clean()
    series.save()
    return series


def _next_note_number(series: NoteSeries) -> str:
    count = Note.objects.filter(series=series).count()
    prefix = "".join(word[0] for word in series.name.split() if word[:1].isalnum())[:4].upper()
    while True:
        count += 1
        number = f"{prefix or 'N'}-{count:03d}"
        if not Note.objects.filter(series=series, number=number).exists():
            return number


@transaction.atomic
def note_create(
    *,
    series: NoteSeries,
    holder: Holder,
    principal: Decimal,
    issue_date: date,
    number: str | None = None,
) -> Note:
    """Record a note in the register; its maturity follows from the series term (§1).

    Raises:
        ValidationError: a non-positive principal, a duplicate number, a
            principal in another currency than the series', or an issue date
            whose maturity would fall after 9999-12-31.
    """
    if isinstance(principal, Money):
        if str(principal.currency) != series.currency:
            raise ValidationError(
                {"principal": f"The series is in {series.currency}, not {principal.currency}."}
            )
        principal = principal.amount
    if principal is None or Decimal(principal) <= 0:
        raise ValidationError({"principal": "Principal must be greater than zero."})
    try:
        maturity = maturity_date(issue_date, series.term_months)
    except (ValueError, OverflowError) as exc:
        # The calendar ends on 9999-12-31: a note must mature by then (§1).
        raise ValidationError(
            {
                "issue_date": (
                    f"A note issued on {issue_date:%Y-%m-%d} would mature "
                    f"{series.term_months} months later, after {date.max:%Y-%m-%d}, the "
                    "last date NoteDesk can record; check the issue date."
                )
            }
        ) from exc
    # Serialise numbering per series so two clerks cannot take the same number.
    NoteSeries.objects.select_for_update().filter(pk=series.pk).first()
    note = Note(
        series=series,
        holder=holder,
        principal=Money(principal, series.currency),
        issue_date=issue_date,
        maturity_date=maturity,
        number=number or _next_note_number(series),
    )
    note.full_clean()
    note.save()
    return note

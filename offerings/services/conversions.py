"""Carrying out a conversion: the Note Amount into Common Stock (§5.1, §5.2, §6.2, §7).

A note converts on its conversion date for its Note Amount: the outstanding
principal plus the interest accrued and unpaid through that date, inclusive
(§5.1, §7). Shares are the whole number the Note Amount buys at the Conversion
Price, and the remainder is paid in cash within ten days (§7). The amount is
settled by payments of method `conversion` (the interest allocated oldest
month first), so statements, position and ledger all show the note converted,
and a statement already issued for the conversion month or later is voided by
a correction. A note with a payment still standing dated after the conversion
date waits: that payment would otherwise be counted twice. An automatic
conversion obliges the Company to notify the holder (§6.2).

A conversion whose price is not yet known is recorded `awaiting_price` with
the reason, and completed once the price is (see `prices`): the product never
invents a price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from notes.domain.conversion import conversion_compute
from notes.domain.interest import balance_on, effective_rate, principal_timeline
from notes.domain.position import allocate_interest, open_interest_months
from notes.models import (
    InterestStatement,
    Note,
    NoteStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
)
from notes.selectors import money_facts_by_note, stated_months_by_note
from notes.services.corrections import note_statements_correct
from offerings.models import (
    Conversion,
    ConversionKind,
    ConversionStatus,
    CorporateEvent,
    Election,
    NoticeObligation,
    Offering,
)


@dataclass(frozen=True)
class Price:
    """The Conversion Price a conversion uses (None: awaiting a determination), where it
    comes from, and the offering that set it."""

    value: Decimal | None
    source: str
    offering: Offering | None


@dataclass(frozen=True)
class NoteAmountParts:
    """A note's Note Amount on a conversion date, in its two parts (§5.1, §7).

    ``open_months`` are the months whose interest it converts, oldest first:
    what the conversion's interest entry is allocated over.
    """

    principal: Decimal
    interest: Decimal
    open_months: list[tuple[date, Decimal]]

    @property
    def note_amount(self) -> Decimal:
        return self.principal + self.interest


def note_amount_on(
    *, note: Note, principal_paid, allocations, conversion_date: date, stated=None
) -> NoteAmountParts:
    """The outstanding principal and the interest accrued and unpaid through the
    conversion date, inclusive (§5.1, §7), from the note's money facts.

    `notes_convert` converts exactly this; a preview or a what-if computes it
    the same way without writing anything.

    Args:
        principal_paid: the note's ``(paid_on, amount)`` principal payments.
        allocations: the note's interest allocations.
        stated: the note's stated months (`notes.selectors.stated_months`),
            read instead of recomputed; the figures are the same without them.
    """
    series = note.series
    rate, _ = effective_rate(series.stated_rate, series.max_lawful_rate)
    timeline = principal_timeline(note.issue_date, note.principal.amount, principal_paid)
    # One pass over the note's months gives both the interest to convert and the
    # months it settles (oldest first).
    open_months = open_interest_months(
        timeline=timeline,
        rate=rate,
        convention=series.day_count,
        issue_date=note.issue_date,
        allocations=allocations,
        as_of=conversion_date,
        stated=stated,
    )
    return NoteAmountParts(
        principal=balance_on(timeline, conversion_date + timedelta(days=1)),
        interest=sum((amount for _, amount in open_months), Decimal("0.00")),
        open_months=open_months,
    )


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
    # The months already stated are read, summed by the database, not recomputed: a
    # period's standing statements are exactly what the domain core gives it (§2).
    rates: dict[int, Decimal] = {}
    for note in notes:
        if note.series_id not in rates:
            rates[note.series_id] = effective_rate(
                note.series.stated_rate, note.series.max_lawful_rate
            )[0]
    stated = stated_months_by_note(
        ids,
        principal_paid=principal_paid,
        terms={n.pk: (rates[n.series_id], n.series.day_count) for n in notes},
    )

    conversions: list[Conversion] = []
    # (note, amount, kind, allocations) of each conversion entry
    payments: list[tuple[Note, Decimal, str, list[tuple[date, Decimal]]]] = []
    for note in notes:
        series = note.series
        parts = note_amount_on(
            note=note,
            principal_paid=principal_paid.get(note.pk, ()),
            allocations=allocations.get(note.pk, ()),
            conversion_date=conversion_date,
            stated=stated.get(note.pk),
        )
        principal, interest, open_months = parts.principal, parts.interest, parts.open_months
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
            payments.append((note, principal, PaymentKind.PRINCIPAL, ()))
        if interest:
            payments.append((
                note, interest, PaymentKind.INTEREST,
                allocate_interest(open_months=open_months, amount=interest),
            ))
    # The entries are written as the database's own bulk load (COPY), their ids
    # reserved first: a series may convert 100,000 notes and settle a million months.
    now = timezone.now()
    reference = f"Converted into Common Stock on {conversion_date}"
    for conversion, pk in zip(
        conversions, _ids_reserve("offerings_conversion", len(conversions)), strict=True
    ):
        conversion.pk, conversion.created_at = pk, now
        conversion._state.adding, conversion._state.db = False, "default"
    _rows_copy("offerings_conversion", CONVERSION_COLUMNS, (
        (c.pk, c.note_id, c.trigger, c.offering_id, c.event_id, c.election_id,
         c.price_offering_id, c.conversion_date, c.currency, c.principal_converted,
         c.interest_converted, c.note_amount, c.status, c.conversion_price, c.price_source,
         c.shares, c.cash_in_lieu, c.cash_due_date, now)
        for c in conversions
    ))
    payment_ids = _ids_reserve("notes_payment", len(payments))
    _rows_copy("notes_payment", PAYMENT_COLUMNS, (
        (pk, note.pk, conversion_date, amount, note.currency, applies_to,
         PaymentMethod.CONVERSION.value, reference, "", "", "", "", now)
        for pk, (note, amount, applies_to, _) in zip(payment_ids, payments, strict=True)
    ))
    _rows_copy("notes_paymentallocation", ALLOCATION_COLUMNS, (
        (pk, note.pk, start, conversion_date, part)
        for pk, (note, _, _, parts) in zip(payment_ids, payments, strict=True)
        for start, part in parts
    ))
    # One UPDATE: the audit trigger records each converted note's new status, with
    # the acting user and request of the pghistory context (core.audit).
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
        _rows_copy("offerings_noticeobligation", OBLIGATION_COLUMNS, (
            (NoticeObligation.Kind.AUTOMATIC_CONVERSION.value, c.note_id, c.note.holder_id, c.pk,
             conversion_date + timedelta(days=c.note.series.notice_days), now)
            for c in conversions
        ))
    return conversions


CONVERSION_COLUMNS = (
    "id, note_id, trigger, offering_id, event_id, election_id, price_offering_id,"
    " conversion_date, currency, principal_converted, interest_converted, note_amount, status,"
    " conversion_price, price_source, shares, cash_in_lieu, cash_due_date, created_at"
)
PAYMENT_COLUMNS = (
    "id, note_id, paid_on, amount, amount_currency, applies_to, method, reference, mailed_to,"
    " holder_consent_reference, reason, request_fingerprint, created_at"
)
ALLOCATION_COLUMNS = "payment_id, note_id, period_start, paid_on, amount"
OBLIGATION_COLUMNS = "kind, note_id, holder_id, conversion_id, due_by, created_at"


def _ids_reserve(table: str, count: int) -> list[int]:
    """Take `count` ids from the table's identity sequence, so rows can be COPYed with them."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _rows_copy(table: str, columns: str, rows) -> None:
    """COPY rows into a table (the columns are this module's constants).

    `bulk_create` prepares every field of every row through the ORM, several
    times the database's own work here; the rows are plain values already
    checked by the domain core, and the table's constraints and triggers check
    them again as they are loaded.
    """
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


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


def conversion_complete(conversion: Conversion, price: Decimal | None, source: str, by) -> None:
    """Complete a conversion waiting for its price, recording where the price came from;
    with no price (still none to be had) it keeps waiting."""
    if price is None:
        return
    _figures_apply(conversion, price, conversion.note.series.cash_in_lieu_days)
    conversion.price_source = source
    conversion.price_determined_by = by
    conversion.price_determined_at = timezone.now()
    conversion.save()

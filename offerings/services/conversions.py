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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from notes.domain.conversion import conversion_compute
from notes.domain.daycount import ONE_DAY
from notes.domain.interest import balance_on, effective_rate, period_interest, principal_timeline
from notes.domain.periods import accrual_months
from notes.domain.position import ZERO, allocate_interest, open_interest_months
from notes.models import (
    Note,
    NoteSeries,
    NoteStatus,
    PaymentKind,
    PaymentMethod,
)
from notes.selectors import money_facts_by_note, principal_paid_by_note
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
    return _note_amount_parts(
        issue_date=note.issue_date,
        principal=note.principal.amount,
        rate=effective_rate(series.stated_rate, series.max_lawful_rate)[0],
        day_count=series.day_count,
        principal_paid=principal_paid,
        allocations=allocations,
        conversion_date=conversion_date,
        stated=stated,
    )


def _note_amount_parts(
    *, issue_date, principal, rate, day_count, principal_paid, allocations, conversion_date,
    stated=None,
) -> NoteAmountParts:
    timeline = principal_timeline(issue_date, principal, principal_paid)
    # One pass over the note's months gives both the interest to convert and the
    # months it settles (oldest first).
    open_months = open_interest_months(
        timeline=timeline,
        rate=rate,
        convention=day_count,
        issue_date=issue_date,
        allocations=allocations,
        as_of=conversion_date,
        stated=stated,
    )
    return NoteAmountParts(
        principal=balance_on(timeline, conversion_date + timedelta(days=1)),
        interest=sum((amount for _, amount in open_months), Decimal("0.00")),
        open_months=open_months,
    )


class NoteToConvert(NamedTuple):
    """What converting a note needs of it: a locked, active note of a series.

    The trigger reads these straight from its locking query; a single note (an
    election) passes its model (`of`).
    """

    pk: int
    series: NoteSeries
    issue_date: date
    principal: Decimal
    currency: str
    holder_id: int

    @classmethod
    def of(cls, note: Note) -> NoteToConvert:
        return cls(
            note.pk, note.series, note.issue_date, note.principal.amount, note.currency,
            note.holder_id,
        )


class _Amount(NamedTuple):
    """A note's Note Amount on the conversion date, and how its interest entry is split.

    ``allocations`` are the months this module computed (oldest first); when
    ``stated_open`` is True the months read from the note's statements are
    allocated too, by the database, from the scratch table of open months.
    """

    principal: Decimal
    interest: Decimal
    allocations: list[tuple[date, Decimal]]
    stated_open: bool


def notes_convert(
    *,
    notes: Sequence[Note | NoteToConvert],
    conversion_date: date,
    kind: str,
    price: Price,
    offering: Offering | None = None,
    event: CorporateEvent | None = None,
    election: Election | None = None,
) -> list[int]:
    """Convert locked, active notes on a day, in bulk. Returns the ids of the notes converted.

    Each note's Note Amount is its outstanding principal plus the interest
    accrued and unpaid through the conversion date, inclusive (§5.1, §7). The
    amount is settled by two entries of method `conversion` (principal and
    interest, the interest allocated oldest month first), so the note's
    statements, position and ledger all show it converted; the note stops
    accruing after that day. A note with a payment dated after the conversion
    date is left as it is (`notes_with_payments_after`).
    """
    rows = [n if isinstance(n, NoteToConvert) else NoteToConvert.of(n) for n in notes]
    if not rows:
        return []
    with transaction.atomic():
        blocked = _payments_after(ids=[n.pk for n in rows], day=conversion_date)
        rows = [n for n in rows if n.pk not in blocked]
        if not rows:
            return []
        converted = _notes_convert(rows, conversion_date, kind, price, offering, event, election)
    return converted


def _notes_convert(
    notes: list[NoteToConvert],
    conversion_date: date,
    kind: str,
    price: Price,
    offering: Offering | None,
    event: CorporateEvent | None,
    election: Election | None,
) -> list[int]:
    ids = [n.pk for n in notes]
    amounts = _note_amounts(notes, conversion_date)
    now = timezone.now()
    ids_taken = _ids_reserve("offerings_conversion", len(notes))
    conversion_ids = dict(zip(ids, ids_taken, strict=True))
    conversions = []
    payments = []  # (note, amount, kind) of each entry
    for note in notes:
        principal, interest, _, _ = amounts[note.pk]
        note_amount = principal + interest
        figures = None
        if price.value is not None:
            figures = conversion_compute(
                principal=principal,
                accrued_interest=interest,
                price=price.value,
                conversion_date=conversion_date,
                cash_due_days=note.series.cash_in_lieu_days,
            )
        conversions.append((
            conversion_ids[note.pk], note.pk, kind, _pk(offering), _pk(event), _pk(election),
            _pk(price.offering), conversion_date, note.currency, principal, interest,
            note_amount,
            ConversionStatus.DONE.value if figures else ConversionStatus.AWAITING_PRICE.value,
            figures and figures.conversion_price, price.source, figures and figures.shares,
            figures and figures.cash_in_lieu, figures and figures.cash_due_date, now,
        ))
        if principal:
            payments.append((note, principal, PaymentKind.PRINCIPAL.value))
        if interest:
            payments.append((note, interest, PaymentKind.INTEREST.value))
    # Written as the database's own bulk load (COPY), ids reserved first: a series
    # may convert 100,000 notes and settle a million months.
    _rows_copy("offerings_conversion", CONVERSION_COLUMNS, conversions)
    reference = f"Converted into Common Stock on {conversion_date}"
    payment_ids = _ids_reserve("notes_payment", len(payments))
    _rows_copy("notes_payment", PAYMENT_COLUMNS, (
        (pk, note.pk, conversion_date, amount, note.currency, applies_to,
         PaymentMethod.CONVERSION.value, reference, "", "", "", "", now)
        for pk, (note, amount, applies_to) in zip(payment_ids, payments, strict=True)
    ))
    interest_entries = [
        (pk, note.pk)
        for pk, (note, _, applies_to) in zip(payment_ids, payments, strict=True)
        if applies_to == PaymentKind.INTEREST
    ]
    _rows_copy("notes_paymentallocation", ALLOCATION_COLUMNS, (
        (pk, note_id, start, conversion_date, part)
        for pk, note_id in interest_entries
        for start, part in amounts[note_id].allocations
    ))
    # The months read from the statements are allocated where they were summed.
    stated = [(note_id, pk) for pk, note_id in interest_entries if amounts[note_id].stated_open]
    with connection.cursor() as cursor:
        if stated:
            cursor.execute(
                """
                INSERT INTO notes_paymentallocation
                    (payment_id, note_id, period_start, paid_on, amount)
                SELECT entry.payment_id, month.note_id, month.period_start, %s, month.open
                FROM conversion_open_month month
                JOIN unnest(%s::bigint[], %s::bigint[]) AS entry (note_id, payment_id)
                  ON entry.note_id = month.note_id
                WHERE month.open > 0
                """,
                [conversion_date, [n for n, _ in stated], [p for _, p in stated]],
            )
        cursor.execute("DROP TABLE conversion_open_month")
        # One UPDATE: the audit trigger records each converted note's new status, with
        # the acting user and request of the pghistory context (core.audit).
        cursor.execute(
            "UPDATE notes_note SET status = %s, ended_on = %s WHERE id = ANY(%s)",
            [NoteStatus.CONVERTED.value, conversion_date, ids],
        )
        # A conversion dated in a month already stated voids that month's statement
        # and any later one: their interest is part of the Note Amount (§2, §7).
        cursor.execute(
            "SELECT DISTINCT note_id FROM notes_intereststatement"
            " WHERE note_id = ANY(%s) AND period_end >= %s",
            [ids, conversion_date],
        )
        restated = [note_id for (note_id,) in cursor.fetchall()]
    for note in Note.objects.filter(pk__in=restated).order_by("pk"):
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
            (NoticeObligation.Kind.AUTOMATIC_CONVERSION.value, note.pk, note.holder_id,
             conversion_ids[note.pk], conversion_date + timedelta(days=note.series.notice_days),
             now)
            for note in notes
        ))
    return ids


def _pk(obj) -> int | None:
    return None if obj is None else obj.pk


def _note_amounts(notes: list[NoteToConvert], day: date) -> dict[int, _Amount]:
    """Each note's Note Amount on a conversion date, and its interest entry's split.

    The figures are `note_amount_on`'s. The ended months a note's statements
    state (`notes.selectors.stated_months`: the same amounts the domain core
    gives them) are summed and netted of the interest paid by the database,
    into a scratch table the interest entries' allocations are then written
    from; only the rest — the conversion month, months from a principal
    payment on, months not stated as the core would — is computed here. A
    note whose read months are not the unbroken run from its issue, or with a
    month paid beyond its interest, or interest allocated to a month the core
    does not know, is computed in full by the core instead.
    """
    ids = [n.pk for n in notes]
    rates: dict[int, Decimal] = {}
    for note in notes:
        if note.series.pk not in rates:
            rates[note.series.pk] = effective_rate(
                note.series.stated_rate, note.series.max_lawful_rate
            )[0]
    principal_paid = principal_paid_by_note(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            OPEN_MONTHS_SQL,
            {
                "day": day,
                "ids": ids,
                "rates": [rates[n.series.pk] for n in notes],
                "day_counts": [n.series.day_count for n in notes],
                "issued": [n.issue_date for n in notes],
                "principal_from": [
                    min((d for d, _ in principal_paid[n.pk]), default=None)
                    if n.pk in principal_paid else None
                    for n in notes
                ],
            },
        )
        cursor.execute(
            "SELECT note_id, count(*), max(period_end), sum(open), min(open)"
            " FROM conversion_open_month"
            " WHERE period_end IS NOT NULL GROUP BY note_id"
        )
        read = {row[0]: row[1:] for row in cursor.fetchall()}
        paid: dict[int, dict[date, Decimal]] = defaultdict(dict)
        cursor.execute(
            "SELECT note_id, period_start, paid FROM conversion_open_month"
            " WHERE period_end IS NULL"
        )
        for note_id, start, amount in cursor.fetchall():
            paid[note_id][start] = amount
    amounts: dict[int, _Amount] = {}
    whole: list[NoteToConvert] = []  # notes computed in full by the core
    for note in notes:
        series = note.series
        count, last_read, read_open, least_open = read.get(note.pk, (0, None, ZERO, None))
        if count and count != _months_through(note.issue_date, last_read):
            whole.append(note)
            continue
        timeline = principal_timeline(
            note.issue_date, note.principal, principal_paid.get(note.pk, ())
        )
        note_paid = paid.get(note.pk, {})
        rate = rates[series.pk]
        computed = [
            (start, period_interest(timeline, rate, series.day_count, start, end)
             - note_paid.get(start, ZERO))
            for start, end in accrual_months(
                issue_date=last_read + ONE_DAY if count else note.issue_date, through=day
            )
        ]
        if (
            (least_open is not None and least_open < 0)
            or any(amount < 0 for _, amount in computed)
            or note_paid.keys() - {start for start, _ in computed}
        ):
            whole.append(note)
            continue
        interest = read_open + sum((amount for _, amount in computed), ZERO)
        amounts[note.pk] = _Amount(
            principal=balance_on(timeline, day + ONE_DAY),
            interest=interest,
            # Every open month is settled in full when the entry is their sum and
            # none is negative: what `allocate_interest` gives then.
            allocations=[(start, amount) for start, amount in computed if amount > 0],
            stated_open=bool(count),
        )
    if whole:
        _, allocations = money_facts_by_note([n.pk for n in whole])
        for note in whole:
            parts = _note_amount_parts(
                issue_date=note.issue_date,
                principal=note.principal,
                rate=rates[note.series.pk],
                day_count=note.series.day_count,
                principal_paid=principal_paid.get(note.pk, ()),
                allocations=allocations.get(note.pk, ()),
                conversion_date=day,
            )
            amounts[note.pk] = _Amount(
                principal=parts.principal,
                interest=parts.interest,
                allocations=(
                    allocate_interest(open_months=parts.open_months, amount=parts.interest)
                    if parts.interest else []
                ),
                stated_open=False,
            )
    return amounts


def _months_through(issue_date: date, end: date) -> int:
    """How many accrual months a note has from its issue date through the month of `end`."""
    return (end.year - issue_date.year) * 12 + end.month - issue_date.month + 1


# A note's ended months that its statements state as the domain core would — every
# statement of the period at the note's rate and convention, the period one of the
# note's accrual months, ended before the conversion date and before any principal
# payment or reversal (`notes.selectors.stated_months`) — with what is open of each
# after the interest allocated to it by the conversion date; and the interest
# allocated to its other months (period_end NULL).
OPEN_MONTHS_SQL = """
CREATE TEMPORARY TABLE conversion_open_month ON COMMIT DROP AS
WITH note AS (
    SELECT *
    FROM unnest(%(ids)s::bigint[], %(rates)s::numeric[], %(day_counts)s::text[],
                %(issued)s::date[], %(principal_from)s::date[])
      AS note (id, rate, day_count, issue_date, principal_from)
), stated AS (
    SELECT s.note_id, s.period_start, s.period_end, sum(s.amount) AS amount
    FROM notes_intereststatement s
    JOIN note ON note.id = s.note_id
    WHERE s.note_id = ANY(%(ids)s)
      AND s.period_end < %(day)s
      AND (note.principal_from IS NULL OR s.period_end < note.principal_from)
      AND s.period_end = (date_trunc('month', s.period_start) + interval '1 month - 1 day')::date
      AND (s.period_start = note.issue_date
           OR (s.period_start > note.issue_date AND extract(day FROM s.period_start) = 1))
    GROUP BY s.note_id, s.period_start, s.period_end, note.rate, note.day_count
    HAVING bool_and(s.rate = note.rate AND s.day_count = note.day_count)
), paid AS (
    SELECT note_id, period_start, sum(amount) AS amount
    FROM notes_paymentallocation
    WHERE note_id = ANY(%(ids)s) AND paid_on <= %(day)s
    GROUP BY note_id, period_start
)
SELECT coalesce(stated.note_id, paid.note_id) AS note_id,
       coalesce(stated.period_start, paid.period_start) AS period_start,
       stated.period_end,
       stated.amount - coalesce(paid.amount, 0) AS open,
       paid.amount AS paid
FROM stated
FULL JOIN paid ON paid.note_id = stated.note_id AND paid.period_start = stated.period_start
"""


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
    return _payments_after(ids=[n.pk for n in notes], day=day)


def _payments_after(*, ids: list[int], day: date) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT payment.note_id FROM notes_payment payment
            WHERE payment.note_id = ANY(%s) AND payment.paid_on > %s
              AND payment.reverses_id IS NULL
              AND NOT EXISTS (
                  SELECT 1 FROM notes_payment reversal WHERE reversal.reverses_id = payment.id
              )
            """,
            [ids, day],
        )
        return {note_id for (note_id,) in cursor.fetchall()}


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

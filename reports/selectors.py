"""Reads behind the month-end package and the dashboard: exact figures from the domain.

Every figure is derived from the register's money facts by the same domain
core the note page uses (``NoteFacts.position``, ``period_interest``), so a
report's note row always equals the note page's position for the same day.
Notes are read in chunks by id (``CHUNK`` notes, four queries a chunk: the
notes, their principal payments and interest allocations, their adjustment
statements, and each month's standing statements summed by the database), so
a 100,000-note register is read in a few hundred queries and never held in
memory at once. An ended month's interest is read from its statements rather
than recomputed where that gives the same figure (``stated_months``), so a
position costs the month in progress, not every month since issue.

**Currency.** A ledger is kept in one currency: each report covers the notes
of one currency (``currency``, USD by default), and totals never mix two.

**Readings** (see docs/reports.md):

- A note is *outstanding as of D* once issued (on or before D) and until the
  day it converted or was repaid: a note whose principal is repaid but whose
  interest is still owed stays outstanding (§2).
- *Interest due this month* is the interest of the month before D's, which
  falls due on the series' due day of D's month (§2), still unpaid at the end
  of D; the month a note converted or was repaid in is settled by the
  conversion or the payoff and is never due.
- A month's accrual is the interest of that calendar month through its last
  day (or through today for the month in progress), each note's month rounded
  once as its statement is; for a note that converted, was repaid, or whose
  principal reached zero in it, the final period through that day (§2, §7).
- Form 1099-INT box 1 is the interest paid in cash in the calendar year
  (payments of method check, wire or ACH, less their reversals, by value
  date). Interest converted into Common Stock is not interest paid in cash,
  and cash in lieu of a fractional share (§7) pays for stock, not interest:
  neither is counted.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from holders.models import Holder, mask_tax_id
from notes.domain.interest import period_interest
from notes.domain.periods import due_date_for
from notes.models import (
    Note,
    NoteSeries,
    NoteStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    ServicingRun,
)
from notes.selectors import (
    NoteFacts,
    holder_on_expression,
    note_status_on,
    notes_facts_read,
)
from offerings.models import CashInLieuPayment, Conversion, ConversionStatus
from reports.domain.journal import (
    ACCRUED_INTEREST,
    CASH,
    CASH_IN_LIEU_PAYABLE,
    INTEREST_EXPENSE,
    NOTES_PAYABLE,
    JournalLine,
    conversion_entry,
    price_determination_entry,
    two_leg_entry,
)

ZERO = Decimal("0.00")
CHUNK = 2000
DEFAULT_CURRENCY = "USD"
ACTIVE = (NoteStatus.OUTSTANDING, NoteStatus.ACCELERATED)
CASH_METHODS = (PaymentMethod.CHECK, PaymentMethod.WIRE, PaymentMethod.ACH)

Progress = Callable[[int], None] | None


def par_value() -> Decimal:
    """The Common Stock's par value per share (setting ``REPORTS_COMMON_STOCK_PAR_VALUE``)."""
    return Decimal(str(getattr(settings, "REPORTS_COMMON_STOCK_PAR_VALUE", "0.001")))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


# --- Notes read in chunks ---------------------------------------------------------------


def _notes_facts_chunks(
    notes: QuerySet[Note], progress: Progress = None
) -> Iterator[list[NoteFacts]]:
    """The notes' domain facts, CHUNK notes at a time, in id order (five queries a chunk)."""
    last_id = 0
    base = notes.select_related("series", "holder").defer("holder__tax_id").order_by("pk")
    while True:
        chunk = list(base.filter(pk__gt=last_id)[:CHUNK])
        if not chunk:
            return
        last_id = chunk[-1].pk
        facts = notes_facts_read(chunk)
        yield [facts[n.pk] for n in chunk]
        if progress:
            progress(len(chunk))


# --- Notes outstanding as of a day --------------------------------------------------------


@dataclass(frozen=True)
class OutstandingRow:
    note_id: int
    number: str
    series_id: int
    series_name: str
    holder_name: str
    issue_date: date
    maturity_date: date
    status: str
    currency: str
    outstanding_principal: Decimal
    accrued_unpaid_interest: Decimal
    past_due_interest: Decimal
    interest_due_this_month: Decimal

    @property
    def note_amount(self) -> Decimal:
        return self.outstanding_principal + self.accrued_unpaid_interest


@dataclass
class OutstandingTotals:
    notes: int = 0
    outstanding_principal: Decimal = ZERO
    accrued_unpaid_interest: Decimal = ZERO
    past_due_interest: Decimal = ZERO
    interest_due_this_month: Decimal = ZERO
    past_due_notes: int = 0

    def add(self, row: OutstandingRow) -> None:
        self.notes += 1
        self.outstanding_principal += row.outstanding_principal
        self.accrued_unpaid_interest += row.accrued_unpaid_interest
        self.past_due_interest += row.past_due_interest
        self.interest_due_this_month += row.interest_due_this_month
        self.past_due_notes += 1 if row.past_due_interest else 0

    @property
    def note_amount(self) -> Decimal:
        return self.outstanding_principal + self.accrued_unpaid_interest


def notes_outstanding_queryset(
    *, as_of: date, currency: str = DEFAULT_CURRENCY, series_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Note]:
    """Notes issued by the end of ``as_of`` that had not converted or been repaid by then."""
    notes = Note.objects.filter(issue_date__lte=as_of, principal_currency=currency).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=as_of)
    )
    if series_id is not None:
        notes = notes.filter(series_id=series_id)
    if status == NoteStatus.ACCELERATED:
        notes = notes.filter(status=NoteStatus.ACCELERATED)
    elif status == NoteStatus.OUTSTANDING:
        notes = notes.exclude(status=NoteStatus.ACCELERATED)
    return notes


def _due_this_month(facts: NoteFacts, as_of: date) -> Decimal:
    """The previous month's interest, due this month (§2), unpaid at the end of ``as_of``."""
    note = facts.note
    first_of_month = as_of.replace(day=1)
    period_end = first_of_month - timedelta(days=1)
    period_start = max(period_end.replace(day=1), note.issue_date)
    end = facts.accrual_end
    if period_start > period_end or (end is not None and end < period_start):
        return ZERO
    if end is not None and end <= period_end and note.ended_on == end:
        return ZERO  # the final month: settled by the conversion or the payoff (§2, §7)
    if due_date_for(period_end, note.series.interest_due_day).month != as_of.month:
        return ZERO
    accrued = period_interest(
        facts.timeline, facts.rate, note.series.day_count, period_start,
        min(period_end, end) if end else period_end,
    )
    paid = sum(
        (a.amount for a in facts.allocations
         if a.period_start == period_start and a.paid_on <= as_of),
        ZERO,
    )
    return max(accrued - paid, ZERO)


def notes_outstanding_rows(
    *,
    as_of: date,
    currency: str = DEFAULT_CURRENCY,
    series_id: int | None = None,
    status: str | None = None,
    past_due_only: bool = False,
    due_this_month_only: bool = False,
    progress: Progress = None,
) -> Iterator[OutstandingRow]:
    """Each note outstanding at the end of ``as_of``, with its position, in id order."""
    notes = notes_outstanding_queryset(
        as_of=as_of, currency=currency, series_id=series_id, status=status
    )
    for chunk in _notes_facts_chunks(notes, progress):
        for facts in chunk:
            note = facts.note
            position = facts.position(as_of)
            if past_due_only and not position.past_due_interest:
                continue
            due = _due_this_month(facts, as_of)
            if due_this_month_only and not due:
                continue
            yield OutstandingRow(
                note_id=note.pk,
                number=note.number,
                series_id=note.series_id,
                series_name=note.series.name,
                holder_name=note.holder.name,
                issue_date=note.issue_date,
                maturity_date=note.maturity_date,
                status=note_status_on(note, as_of),
                currency=note.currency,
                outstanding_principal=position.outstanding_principal,
                accrued_unpaid_interest=position.accrued_unpaid_interest,
                past_due_interest=position.past_due_interest,
                interest_due_this_month=due,
            )


@dataclass
class OutstandingReport:
    as_of: date
    currency: str
    rows: list[OutstandingRow]
    totals: OutstandingTotals
    by_series: dict[int, OutstandingTotals] = field(default_factory=dict)
    series_names: dict[int, str] = field(default_factory=dict)


def notes_outstanding_report(
    *, as_of: date, currency: str = DEFAULT_CURRENCY, keep_rows: bool = True, **filters
) -> OutstandingReport:
    """The notes outstanding as of a day with totals, overall and by series."""
    report = OutstandingReport(as_of=as_of, currency=currency, rows=[], totals=OutstandingTotals())
    for row in notes_outstanding_rows(as_of=as_of, currency=currency, **filters):
        report.totals.add(row)
        report.by_series.setdefault(row.series_id, OutstandingTotals()).add(row)
        report.series_names[row.series_id] = row.series_name
        if keep_rows:
            report.rows.append(row)
    return report


# --- The ledger's state, for the stored totals ---------------------------------------------

# What the positions are read from: the highest id of each append-only money table,
# and of the audit events of the rows that can change (a note's status and end, a
# series' terms). Any write to any of them gives a new version.
_LEDGER_TABLES = (
    ("notes_intereststatement", "id"),
    ("notes_payment", "id"),
    ("notes_paymentallocation", "id"),
    ("notes_defaultevent", "id"),
    ("offerings_conversion", "id"),
    ("offerings_cashinlieupayment", "id"),
    ("notes_noteevent", "pgh_id"),
    ("notes_noteseriesevent", "pgh_id"),
)


def ledger_version() -> str:
    """The state of the ledger, as one string: equal strings, equal positions (one query)."""
    from django.db import connection

    parts = ", ".join(
        f"COALESCE((SELECT max({column}) FROM {table}), 0)"  # noqa: S608 - constant names
        for table, column in _LEDGER_TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")  # noqa: S608 - constant table names
        return ":".join(str(v) for v in cursor.fetchone())


def totals_to_json(report: OutstandingReport) -> dict:
    """The report's totals (overall and by series) as JSON, exact decimals as strings."""

    def one(t: OutstandingTotals) -> dict:
        return {
            "notes": t.notes,
            "past_due_notes": t.past_due_notes,
            **{
                k: str(getattr(t, k))
                for k in ("outstanding_principal", "accrued_unpaid_interest",
                          "past_due_interest", "interest_due_this_month")
            },
        }

    return {
        "totals": one(report.totals),
        "by_series": [
            {"id": sid, "name": report.series_names[sid], "totals": one(t)}
            for sid, t in report.by_series.items()
        ],
    }


def totals_from_json(data: dict) -> tuple[OutstandingTotals, list[dict]]:
    def one(d: dict) -> OutstandingTotals:
        return OutstandingTotals(
            notes=d["notes"],
            past_due_notes=d["past_due_notes"],
            outstanding_principal=Decimal(d["outstanding_principal"]),
            accrued_unpaid_interest=Decimal(d["accrued_unpaid_interest"]),
            past_due_interest=Decimal(d["past_due_interest"]),
            interest_due_this_month=Decimal(d["interest_due_this_month"]),
        )

    return one(data["totals"]), [
        {"id": s["id"], "name": s["name"], "totals": one(s["totals"])} for s in data["by_series"]
    ]


# --- The month's interest accrual and its journal (§2, §11) ------------------------------


@dataclass(frozen=True)
class AccrualRow:
    note_id: int
    number: str
    series_name: str
    holder_name: str
    start: date
    end: date
    days: int
    kind: str  # "month" (a stated month or the month so far) or "final"
    amount: Decimal


def month_accrual_rows(
    *, year: int, month: int, currency: str = DEFAULT_CURRENCY, through: date | None = None,
    progress: Progress = None,
) -> Iterator[AccrualRow]:
    """Each note's interest for a calendar month (through ``through`` if earlier), id order."""
    first, last = month_bounds(year, month)
    last = min(last, through) if through else last
    notes = Note.objects.filter(issue_date__lte=last, principal_currency=currency).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=first)
    )
    for chunk in _notes_facts_chunks(notes, progress):
        for facts in chunk:
            note = facts.note
            end_day = facts.accrual_end
            start = max(first, note.issue_date)
            end = min(last, end_day) if end_day else last
            if end < start:
                continue
            amount = period_interest(facts.timeline, facts.rate, note.series.day_count, start, end)
            if not amount:
                continue
            yield AccrualRow(
                note_id=note.pk,
                number=note.number,
                series_name=note.series.name,
                holder_name=note.holder.name,
                start=start,
                end=end,
                days=(end - start).days + 1,
                kind="final" if end_day is not None and end == end_day else "month",
                amount=amount,
            )


def _accrual_lines(row: AccrualRow) -> list[JournalLine]:
    what = "final period" if row.kind == "final" else "interest"
    return two_leg_entry(
        day=row.end,
        debit=INTEREST_EXPENSE,
        credit=ACCRUED_INTEREST,
        amount=row.amount,
        note_id=row.note_id,
        note_number=row.number,
        memo=f"§2 {what} {row.start:%Y-%m-%d}–{row.end:%Y-%m-%d} ({row.days} days)",
        entry="accrual",
    )


def month_journal_other_lines(
    *, year: int, month: int, currency: str = DEFAULT_CURRENCY, through: date | None = None
) -> list[JournalLine]:
    """The month's entries other than the accrual: payments, conversions, cash in lieu."""
    first, last = month_bounds(year, month)
    last = min(last, through) if through else last
    lines: list[JournalLine] = []
    payments = (
        Payment.objects.filter(
            paid_on__gte=first, paid_on__lte=last, amount_currency=currency
        )
        .exclude(method=PaymentMethod.CONVERSION)
        .select_related("note", "reverses")
        .order_by("paid_on", "id")
    )
    for p in payments:
        amount = p.amount.amount
        reversal = f" (reverses payment #{p.reverses_id})" if p.reverses_id else ""
        if p.applies_to == PaymentKind.INTEREST:
            debit, entry, what = ACCRUED_INTEREST, "interest_paid", "Interest paid"
        else:
            debit, entry, what = NOTES_PAYABLE, "principal_repaid", "Principal repaid"
        lines += two_leg_entry(
            day=p.paid_on, debit=debit, credit=CASH, amount=amount, note_id=p.note_id,
            note_number=p.note.number,
            memo=f"{what} #{p.pk} {p.get_method_display()} {p.reference}".strip() + reversal,
            entry=entry,
        )
    par = par_value()
    conversions = Conversion.objects.filter(currency=currency).select_related("note")
    for c in conversions.filter(conversion_date__gte=first, conversion_date__lte=last).order_by(
        "conversion_date", "note_id"
    ):
        # A price determined after the conversion was recorded: the stock was issuable
        # until then (see price_determination_entry).
        priced_at_conversion = c.status == ConversionStatus.DONE and c.price_determined_at is None
        price = f" at {c.conversion_price}" if priced_at_conversion else ", awaiting its price"
        lines += conversion_entry(
            day=c.conversion_date,
            principal=c.principal_converted,
            interest=c.interest_converted,
            note_id=c.note_id,
            note_number=c.note.number,
            memo=(
                f"§5/§7 conversion #{c.pk} ({c.get_trigger_display()}){price}"
                + (f": {c.shares:,} shares" if priced_at_conversion else "")
            ),
            shares=c.shares if priced_at_conversion else None,
            cash_in_lieu=c.cash_in_lieu if priced_at_conversion else None,
            par_value=par,
        )
    start_dt = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end_dt = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    for c in conversions.filter(
        status=ConversionStatus.DONE, price_determined_at__gte=start_dt,
        price_determined_at__lt=end_dt,
    ).order_by("price_determined_at", "id"):
        lines += price_determination_entry(
            day=timezone.localtime(c.price_determined_at).date(),
            note_amount=c.note_amount,
            cash_in_lieu=c.cash_in_lieu,
            shares=c.shares,
            par_value=par,
            note_id=c.note_id,
            note_number=c.note.number,
            memo=(
                f"Conversion #{c.pk} priced at {c.conversion_price}: {c.shares:,} shares"
                f" ({c.price_source})"
            ),
        )
    for cash in (
        CashInLieuPayment.objects.filter(paid_on__gte=first, paid_on__lte=last, currency=currency)
        .select_related("conversion__note")
        .order_by("paid_on", "id")
    ):
        lines += two_leg_entry(
            day=cash.paid_on, debit=CASH_IN_LIEU_PAYABLE, credit=CASH, amount=cash.amount,
            note_id=cash.conversion.note_id, note_number=cash.conversion.note.number,
            memo=f"§7 cash in lieu #{cash.pk} {cash.get_method_display()} {cash.reference}".strip(),
            entry="cash_in_lieu_paid",
        )
    return lines


def month_journal_lines(
    *, year: int, month: int, currency: str = DEFAULT_CURRENCY, through: date | None = None,
    progress: Progress = None,
) -> Iterator[JournalLine]:
    """The month's journal: the accrual note by note, then the other entries by date."""
    for row in month_accrual_rows(
        year=year, month=month, currency=currency, through=through, progress=progress
    ):
        yield from _accrual_lines(row)
    yield from month_journal_other_lines(
        year=year, month=month, currency=currency, through=through
    )


def month_through(year: int, month: int, today: date) -> date:
    """The last day a month's report counts: its last day, or today for the month in progress."""
    return min(month_bounds(year, month)[1], today)


# --- Payments register, interest paid per holder, conversions ---------------------------


@dataclass(frozen=True)
class PaymentRow:
    paid_on: date
    kind: str  # interest, principal, cash_in_lieu
    method: str
    cash: bool
    note_id: int
    note_number: str
    holder_name: str
    amount: Decimal
    currency: str
    reference: str
    record: str  # payment:ID or cash_in_lieu:ID
    reverses: int | None = None


def payments_register(
    *, date_from: date, date_to: date, currency: str = DEFAULT_CURRENCY
) -> list[PaymentRow]:
    """Every payment with a value date in the range (two queries), oldest first.

    Payments of method `conversion` are the Note Amount settled in stock
    (``cash`` False); cash in lieu of fractional shares (§7) is listed too.
    Each names the holder registered on its value date (§10).
    """
    payments = list(
        Payment.objects.filter(
            paid_on__gte=date_from, paid_on__lte=date_to, amount_currency=currency
        )
        .annotate(payee_id=holder_on_expression("note", "paid_on"))
        .select_related("note")
    )
    cash = list(
        CashInLieuPayment.objects.filter(
            paid_on__gte=date_from, paid_on__lte=date_to, currency=currency
        )
        .annotate(payee_id=holder_on_expression("conversion__note", "paid_on"))
        .select_related("conversion__note")
    )
    names = dict(
        Holder.objects.filter(
            pk__in={p.payee_id for p in payments} | {c.payee_id for c in cash}
        ).values_list("pk", "name")
    )
    rows = [
        PaymentRow(
            paid_on=p.paid_on,
            kind=p.applies_to,
            method=p.method,
            cash=p.method != PaymentMethod.CONVERSION,
            note_id=p.note_id,
            note_number=p.note.number,
            holder_name=names[p.payee_id],
            amount=p.amount.amount,
            currency=str(p.amount.currency),
            reference=p.reference,
            record=f"payment:{p.pk}",
            reverses=p.reverses_id,
        )
        for p in payments
    ]
    rows += [
        PaymentRow(
            paid_on=c.paid_on,
            kind="cash_in_lieu",
            method=c.method,
            cash=True,
            note_id=c.conversion.note_id,
            note_number=c.conversion.note.number,
            holder_name=names[c.payee_id],
            amount=c.amount,
            currency=c.currency,
            reference=c.reference,
            record=f"cash_in_lieu:{c.pk}",
        )
        for c in cash
    ]
    rows.sort(key=lambda r: (r.paid_on, r.record))
    return rows


def payments_totals(rows: list[PaymentRow]) -> dict[str, Decimal]:
    totals = {"interest": ZERO, "principal": ZERO, "cash_in_lieu": ZERO, "converted": ZERO}
    for r in rows:
        totals[r.kind if r.cash else "converted"] += r.amount
    totals["cash"] = totals["interest"] + totals["principal"] + totals["cash_in_lieu"]
    return totals


@dataclass(frozen=True)
class InterestPaidRow:
    holder_id: int
    holder_name: str
    holder_kind: str
    tax_id: str  # masked unless Finance asked for the full one
    notes: int
    payments: int
    interest_paid: Decimal


def interest_paid_by_holder(
    *, year: int, currency: str = DEFAULT_CURRENCY, full_tax_ids: bool = False
) -> list[InterestPaidRow]:
    """Interest paid in cash to each holder in a calendar year (Form 1099-INT box 1).

    Two queries. Reversals carry their original's value date, so a reversed
    payment nets to nothing in its year. Holders whose net is zero are left out.
    Each payment counts to the holder registered on its value date (§10): a note
    transferred during the year splits between the holder before the effective
    date and the holder from it.
    """
    sums = (
        Payment.objects.filter(
            applies_to=PaymentKind.INTEREST,
            paid_on__year=year,
            amount_currency=currency,
        )
        .filter(Q(method__in=CASH_METHODS) | Q(reverses__method__in=CASH_METHODS))
        .annotate(payee_id=holder_on_expression("note", "paid_on"))
        .values("payee_id")
        .annotate(
            total=Sum("amount"),
            notes=Count("note_id", distinct=True),
            payments=Count("id", filter=Q(reverses__isnull=True)),
        )
    )
    by_holder = {s["payee_id"]: s for s in sums if s["total"]}
    holders = Holder.objects.filter(pk__in=by_holder).order_by("name", "pk")
    return [
        InterestPaidRow(
            holder_id=h.pk,
            holder_name=h.name,
            holder_kind=h.kind,
            tax_id=(h.tax_id or "") if full_tax_ids else mask_tax_id(h.tax_id),
            notes=by_holder[h.pk]["notes"],
            payments=by_holder[h.pk]["payments"],
            interest_paid=by_holder[h.pk]["total"],
        )
        for h in holders
    ]


@dataclass(frozen=True)
class ConversionSummaryRow:
    source: str  # what brought the conversions about
    source_kind: str  # offering, event, election
    source_id: int | None
    series_name: str
    currency: str
    conversions: int
    awaiting_price: int
    principal_converted: Decimal
    interest_converted: Decimal
    note_amount: Decimal
    shares: int
    cash_in_lieu: Decimal
    cash_in_lieu_paid: Decimal

    @property
    def cash_in_lieu_unpaid(self) -> Decimal:
        return self.cash_in_lieu - self.cash_in_lieu_paid


def conversion_summary(*, currency: str = DEFAULT_CURRENCY) -> list[ConversionSummaryRow]:
    """Conversions grouped by the offering or event that brought them about (two queries)."""
    conversions = (
        Conversion.objects.filter(currency=currency)
        .select_related("offering", "event", "note__series")
        .annotate(cash_paid=Sum("cash_payments__amount"))
        .order_by("conversion_date", "id")
    )
    groups: dict[tuple, dict] = {}
    for c in conversions:
        if c.offering_id:
            key = ("offering", c.offering_id, c.note.series_id)
            label = f"{c.offering} (closed {c.offering.closing_date})"
        elif c.event_id:
            key = ("event", c.event_id, c.note.series_id)
            label = f"{c.event} (effective {c.event.effective_date})"
        else:
            key = ("other", None, c.note.series_id)
            label = c.get_trigger_display()
        g = groups.setdefault(key, {
            "source": label, "series_name": c.note.series.name, "conversions": 0,
            "awaiting": 0, "principal": ZERO, "interest": ZERO, "amount": ZERO, "shares": 0,
            "cash": ZERO, "paid": ZERO,
        })
        g["conversions"] += 1
        g["awaiting"] += c.status == ConversionStatus.AWAITING_PRICE
        g["principal"] += c.principal_converted
        g["interest"] += c.interest_converted
        g["amount"] += c.note_amount
        g["shares"] += c.shares or 0
        g["cash"] += c.cash_in_lieu or ZERO
        g["paid"] += c.cash_paid or ZERO
    return [
        ConversionSummaryRow(
            source=g["source"], source_kind=key[0], source_id=key[1],
            series_name=g["series_name"], currency=currency, conversions=g["conversions"],
            awaiting_price=g["awaiting"], principal_converted=g["principal"],
            interest_converted=g["interest"], note_amount=g["amount"], shares=g["shares"],
            cash_in_lieu=g["cash"], cash_in_lieu_paid=g["paid"],
        )
        for key, g in groups.items()
    ]


# --- The dashboard's other panels -----------------------------------------------------


def currencies_in_use() -> list[str]:
    return sorted(set(NoteSeries.objects.values_list("currency", flat=True))) or [
        DEFAULT_CURRENCY
    ]


def recent_servicing_runs(limit: int = 5) -> list[ServicingRun]:
    return list(ServicingRun.objects.order_by("-created_at", "-id")[:limit])


def conversions_awaiting_price() -> QuerySet[Conversion]:
    return (
        Conversion.objects.filter(status=ConversionStatus.AWAITING_PRICE)
        .select_related("note", "note__holder")
        .order_by("conversion_date", "id")
    )


def cash_in_lieu_unpaid() -> list[Conversion]:
    """Done conversions whose cash in lieu is not paid in full (one query)."""
    conversions = (
        Conversion.objects.filter(status=ConversionStatus.DONE, cash_in_lieu__gt=0)
        .annotate(cash_paid=Sum("cash_payments__amount"))
        .select_related("note", "note__holder")
        .order_by("cash_due_date", "id")
    )
    rows = []
    for c in conversions:
        c.cash_unpaid = c.cash_in_lieu - (c.cash_paid or ZERO)
        if c.cash_unpaid > 0:
            rows.append(c)
    return rows


def series_for_ocf(series_id: int) -> NoteSeries | None:
    return NoteSeries.objects.select_related("issuer").filter(pk=series_id).first()

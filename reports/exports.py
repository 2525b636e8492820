"""The reports as tables, and the tables as CSV or XLSX files.

Each report becomes a ``Table``: a title, its column headers, its rows (an
iterator: a 100,000-note accrual is streamed, never held at once) and the
totals rows printed after them. ``table_write`` writes one to a binary file
as CSV (UTF-8, with a byte-order mark so spreadsheet programs read it as
such) or XLSX (openpyxl's write-only workbook, row by row). Money is written
exactly: a decimal string in CSV, a number cell made from the ``Decimal`` in
XLSX, never through a float in our code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from reports import selectors

MONEY_FORMAT = "#,##0.00"


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: Iterable[list[Any]]
    # Called once the rows are consumed (totals accumulate as the rows stream).
    totals: Callable[[], list[list[Any]]] = field(default=lambda: [])
    money_columns: frozenset[int] = frozenset()
    # The holders whose rows the file holds, where their tax IDs may be in it.
    holder_ids: list[int] = field(default_factory=list)


def _money_columns(headers: list[str], names: Iterable[str]) -> frozenset[int]:
    return frozenset(headers.index(n) for n in names)


def notes_outstanding_table(
    *, as_of: date, currency: str, series_id=None, status=None, past_due_only=False,
    progress=None,
) -> Table:
    headers = [
        "note_id", "note", "series", "holder", "issue_date", "maturity_date", "status",
        "currency", "outstanding_principal", "accrued_unpaid_interest", "past_due_interest",
        "interest_due_this_month", "note_amount",
    ]
    totals = selectors.OutstandingTotals()

    def rows() -> Iterator[list]:
        for r in selectors.notes_outstanding_rows(
            as_of=as_of, currency=currency, series_id=series_id, status=status,
            past_due_only=past_due_only, progress=progress,
        ):
            totals.add(r)
            yield [
                r.note_id, r.number, r.series_name, r.holder_name, r.issue_date,
                r.maturity_date, r.status, r.currency, r.outstanding_principal,
                r.accrued_unpaid_interest, r.past_due_interest, r.interest_due_this_month,
                r.note_amount,
            ]

    return Table(
        title=f"Notes outstanding as of {as_of:%Y-%m-%d} ({currency})",
        headers=headers,
        rows=rows(),
        totals=lambda: [[
            "", f"Total ({totals.notes} notes)", "", "", "", "", "", currency,
            totals.outstanding_principal, totals.accrued_unpaid_interest,
            totals.past_due_interest, totals.interest_due_this_month, totals.note_amount,
        ]],
        money_columns=_money_columns(headers, headers[8:]),
    )


def accrual_journal_table(
    *, year: int, month: int, currency: str, through: date, progress=None
) -> Table:
    headers = [
        "date", "account_code", "account", "debit", "credit", "note_id", "note", "entry", "memo",
    ]
    totals_acc = [Decimal("0.00"), Decimal("0.00")]  # debits, credits, as the lines stream

    def rows() -> Iterator[list]:
        for line in selectors.month_journal_lines(
            year=year, month=month, currency=currency, through=through, progress=progress
        ):
            totals_acc[0] += line.debit
            totals_acc[1] += line.credit
            yield [
                line.date, line.account.code, line.account.name, line.debit, line.credit,
                line.note_id, line.note_number, line.entry, line.memo,
            ]

    return Table(
        title=f"Interest accrual and journal entries {year:04d}-{month:02d} ({currency})",
        headers=headers,
        rows=rows(),
        totals=lambda: [["", "", "Total", totals_acc[0], totals_acc[1], "", "", "", ""]],
        money_columns=_money_columns(headers, ["debit", "credit"]),
    )


def interest_paid_table(*, year: int, currency: str, full_tax_ids: bool = False) -> Table:
    headers = ["holder_id", "holder", "kind", "tax_id", "notes", "payments", "interest_paid"]
    data = selectors.interest_paid_by_holder(
        year=year, currency=currency, full_tax_ids=full_tax_ids
    )
    total = sum((r.interest_paid for r in data), Decimal("0.00"))
    return Table(
        title=f"Interest paid in {year} per holder, Form 1099-INT box 1 ({currency})",
        headers=headers,
        rows=(
            [r.holder_id, r.holder_name, r.holder_kind, r.tax_id, r.notes, r.payments,
             r.interest_paid]
            for r in data
        ),
        totals=lambda: [["", f"Total ({len(data)} holders)", "", "", "", "", total]],
        money_columns=_money_columns(headers, ["interest_paid"]),
        holder_ids=[r.holder_id for r in data],
    )


def payments_register_table(*, date_from: date, date_to: date, currency: str) -> Table:
    headers = [
        "paid_on", "kind", "method", "cash", "note_id", "note", "holder", "currency", "amount",
        "reference", "record", "reverses",
    ]
    data = selectors.payments_register(date_from=date_from, date_to=date_to, currency=currency)
    totals = selectors.payments_totals(data)
    return Table(
        title=f"Payments {date_from:%Y-%m-%d} to {date_to:%Y-%m-%d} ({currency})",
        headers=headers,
        rows=(
            [r.paid_on, r.kind, r.method, "yes" if r.cash else "no", r.note_id, r.note_number,
             r.holder_name, r.currency, r.amount, r.reference, r.record, r.reverses or ""]
            for r in data
        ),
        totals=lambda: [
            ["", f"Total {name.replace('_', ' ')}", "", "", "", "", "", currency, amount, "",
             "", ""]
            for name, amount in totals.items()
        ],
        money_columns=_money_columns(headers, ["amount"]),
    )


def conversion_summary_table(*, currency: str) -> Table:
    headers = [
        "source", "series", "currency", "conversions", "awaiting_price", "principal_converted",
        "interest_converted", "note_amount", "shares", "cash_in_lieu", "cash_in_lieu_paid",
        "cash_in_lieu_unpaid",
    ]
    data = selectors.conversion_summary(currency=currency)
    return Table(
        title=f"Conversions per offering or event ({currency})",
        headers=headers,
        rows=(
            [r.source, r.series_name, r.currency, r.conversions, r.awaiting_price,
             r.principal_converted, r.interest_converted, r.note_amount, r.shares,
             r.cash_in_lieu, r.cash_in_lieu_paid, r.cash_in_lieu_unpaid]
            for r in data
        ),
        money_columns=_money_columns(
            headers,
            ["principal_converted", "interest_converted", "note_amount", "cash_in_lieu",
             "cash_in_lieu_paid", "cash_in_lieu_unpaid"],
        ),
    )


# --- Writers ------------------------------------------------------------------------------


# A spreadsheet reads text beginning with these as a formula: a holder named
# "=HYPERLINK(…)" must arrive as that text, never run (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(text: str) -> str:
    """Text a spreadsheet shows as written: a leading formula character is quoted."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # a number, negative or not: never a formula
    return _inert(str(value))


def _cell(value):
    """A value as an XLSX cell takes it: numbers and dates as they are, text made inert.

    XLSX cannot hold control characters (a name pasted with one, say): each is
    shown as U+FFFD, so the file is still written.
    """
    if isinstance(value, str):
        return _inert(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    return value


def csv_write(table: Table, out: BinaryIO) -> int:
    """Write the table as UTF-8 CSV; returns the number of data rows."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(table.headers)
    count = 0
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
        count += 1
    for row in table.totals():
        writer.writerow([_text(v) for v in row])
    text.flush()
    text.detach()
    return count


def xlsx_write(table: Table, out: BinaryIO) -> int:
    """Write the table as one XLSX sheet (write-only, streamed); returns the data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Report")
    bold = Font(bold=True)
    title = WriteOnlyCell(sheet, value=_cell(table.title))
    title.font = bold
    sheet.append([title])
    sheet.append([WriteOnlyCell(sheet, value=h) for h in table.headers])
    for i, h in enumerate(table.headers):
        sheet.column_dimensions[get_column_letter(i + 1)].width = max(12, min(40, len(h) + 4))
    count = 0
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
        count += 1
    for row in table.totals():
        cells = []
        for i, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=_cell(value))
            cell.font = bold
            if i in table.money_columns:
                cell.number_format = MONEY_FORMAT
            cells.append(cell)
        sheet.append(cells)
    workbook.save(out)
    return count


WRITERS = {"csv": csv_write, "xlsx": xlsx_write}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_bytes(table: Table, file_format: str) -> bytes:
    out = io.BytesIO()
    WRITERS[file_format](table, out)
    return out.getvalue()


def filename_for(table: Table, file_format: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in table.title.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug[:80]}.{file_format}"

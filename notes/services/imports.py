"""A batch of notes from a spreadsheet: checked row by row, recorded all or nothing.

Staff upload a CSV (parsed by `notes.forms.NoteImportUploadForm`) with the
columns ``series``, ``holder``, ``principal``, ``issue_date`` and, optionally,
``number``. `note_import_check` resolves and checks every row against the
register and the rest of the file and says what is wrong with each;
`notes_import` checks them again (the register may have changed since the
preview) and records every note in one transaction through `note_create`, or
none. Numbers left blank are assigned as the register assigns them.

- ``series``: the series' id or its name (a name two issuers share is ambiguous).
- ``holder``: the holder's id, e-mail or exact name — it must name one holder.
- ``principal``: a positive amount in the series' currency, at most two decimals
  (``250000``, ``250000.00`` and ``250,000.00`` are the same).
- ``issue_date``: ``YYYY-MM-DD``.
- ``number``: optional; unique within its series, in the file and the register.

A duplicate is refused: a row whose number is already taken, or — for a row
with no number — a row with the same series, holder, principal and issue date
as an earlier row of the file or a note already in the register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from holders.models import Holder
from notes.domain.periods import maturity_date
from notes.models import Note, NoteSeries
from notes.services.register import note_create

IMPORT_COLUMNS = ("series", "holder", "principal", "issue_date", "number")
REQUIRED_COLUMNS = ("series", "holder", "principal", "issue_date")
NUMBER_MAX_LENGTH = Note._meta.get_field("number").max_length
# max_digits 16, two of them decimals.
PRINCIPAL_MAX = Decimal("99999999999999.99")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class ImportRow:
    """One line of the file, as given and as understood, with what is wrong with it."""

    line: int
    raw: dict
    series: NoteSeries | None = None
    holder: Holder | None = None
    principal: Decimal | None = None
    issue_date: date | None = None
    maturity_date: date | None = None
    number: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class NotesImported:
    """The notes a batch recorded, in the file's order."""

    notes: list[Note]

    @property
    def pk(self) -> int:
        # The batch is shown (and a repeat of it sent) by its first note.
        return self.notes[0].pk


class NoteImportRefused(ValidationError):
    """Some row cannot be recorded; nothing was. `rows` says which and why."""

    def __init__(self, rows: list[ImportRow]):
        bad = [r for r in rows if r.errors]
        super().__init__(
            f"{len(bad)} of {len(rows)} row{'s' if len(rows) != 1 else ''} cannot be "
            "recorded; nothing was recorded."
        )
        self.rows = rows


def _series_resolve(values: set[str]) -> dict[str, NoteSeries | str]:
    """Each series cell → the series, or why it names none (one query: series are few)."""
    series = list(NoteSeries.objects.select_related("issuer"))
    by_id = {str(s.pk): s for s in series}
    found: dict[str, NoteSeries | str] = {}
    for value in values:
        if value.isdigit() and value in by_id:
            found[value] = by_id[value]
            continue
        named = [s for s in series if s.name.casefold() == value.casefold()]
        if len(named) == 1:
            found[value] = named[0]
        elif named:
            found[value] = (
                f"Series “{value}” is ambiguous: {len(named)} issuers have a series of that "
                "name; give the series' id."
            )
        else:
            found[value] = f"Unknown series “{value}”: no series has that id or name."
    return found


def _holders_resolve(values: set[str]) -> dict[str, Holder | str]:
    """Each holder cell → the holder (by id, e-mail or exact name), or why it names none."""
    ids = {int(v) for v in values if v.isdigit()}
    texts = {v.casefold() for v in values if not v.isdigit()}
    holders = list(
        Holder.objects.annotate(email_lower=Lower("email"), name_lower=Lower("name")).filter(
            Q(pk__in=ids) | Q(email_lower__in=texts) | Q(name_lower__in=texts)
        )
    ) if values else []
    found: dict[str, Holder | str] = {}
    for value in values:
        if value.isdigit():
            match = [h for h in holders if h.pk == int(value)]
        elif "@" in value:
            match = [h for h in holders if h.email.casefold() == value.casefold()]
        else:
            match = [h for h in holders if h.name.casefold() == value.casefold()]
        if len(match) == 1:
            found[value] = match[0]
        elif match:
            found[value] = (
                f"Holder “{value}” is ambiguous: {len(match)} holders match; give the "
                "holder's id."
            )
        else:
            found[value] = f"Unknown holder “{value}”: no holder has that id, e-mail or name."
    return found


def _principal_parse(text: str) -> tuple[Decimal | None, str | None]:
    cleaned = text.replace(",", "").strip()
    if not cleaned:
        return None, "Principal is missing."
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None, f"Principal “{text}” is not an amount (write it as 250000.00)."
    if not amount.is_finite():
        return None, f"Principal “{text}” is not an amount (write it as 250000.00)."
    if amount <= 0:
        return None, "Principal must be greater than zero."
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        return None, f"Principal “{text}” has more than two decimals."
    if amount > PRINCIPAL_MAX:
        return None, f"Principal “{text}” is too large."
    return amount.quantize(Decimal("0.01")), None


def _issue_date_parse(text: str) -> tuple[date | None, str | None]:
    text = text.strip()
    if not text:
        return None, "Issue date is missing."
    if not ISO_DATE.match(text):
        return None, f"Issue date “{text}” is not a date written YYYY-MM-DD."
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"Issue date “{text}” is not a date in the calendar."


def note_import_check(rows: list[dict]) -> list[ImportRow]:
    """Resolve and check every row (four queries, however many rows).

    Args:
        rows: ``{"line": n, "series": …, "holder": …, "principal": …,
            "issue_date": …, "number": …}``, the cells as text.
    """
    checked = [
        ImportRow(
            line=int(r.get("line") or i + 2),
            raw={c: str(r.get(c) or "").strip() for c in IMPORT_COLUMNS},
        )
        for i, r in enumerate(rows)
    ]
    series = _series_resolve({r.raw["series"] for r in checked if r.raw["series"]})
    holders = _holders_resolve({r.raw["holder"] for r in checked if r.raw["holder"]})
    for row, given in zip(checked, rows, strict=True):
        raw = row.raw
        if given.get("extra"):
            row.errors.append("The line has more cells than the header row has columns.")
        if not raw["series"]:
            row.errors.append("Series is missing.")
        elif isinstance(series[raw["series"]], str):
            row.errors.append(series[raw["series"]])
        else:
            row.series = series[raw["series"]]
        if not raw["holder"]:
            row.errors.append("Holder is missing.")
        elif isinstance(holders[raw["holder"]], str):
            row.errors.append(holders[raw["holder"]])
        else:
            row.holder = holders[raw["holder"]]
        row.principal, error = _principal_parse(raw["principal"])
        if error:
            row.errors.append(error)
        row.issue_date, error = _issue_date_parse(raw["issue_date"])
        if error:
            row.errors.append(error)
        row.number = raw["number"]
        if len(row.number) > NUMBER_MAX_LENGTH:
            row.errors.append(f"Number is longer than {NUMBER_MAX_LENGTH} characters.")
        if row.series and row.issue_date:
            try:
                row.maturity_date = maturity_date(row.issue_date, row.series.term_months)
            except (ValueError, OverflowError):
                row.errors.append(
                    f"A note issued on {row.issue_date:%Y-%m-%d} would mature after "
                    f"{date.max:%Y-%m-%d}, the last date NoteDesk can record."
                )
    _duplicates_mark(checked)
    return checked


def _duplicates_mark(rows: list[ImportRow]) -> None:
    """Numbers taken (in the file or the register) and repeated figures (rows without one)."""
    resolved = [r for r in rows if r.series and r.holder and r.principal and r.issue_date]
    numbered = [r for r in rows if r.series and r.number]
    taken = set()
    if numbered:
        taken = set(
            Note.objects.filter(
                series_id__in={r.series.pk for r in numbered},
                number__in={r.number for r in numbered},
            ).values_list("series_id", "number")
        )
    existing: dict[tuple, str] = {}
    unnumbered = [r for r in resolved if not r.number]
    unnumbered_ids = {id(r) for r in unnumbered}
    if unnumbered:
        for series_id, holder_id, principal, issue_date, number in Note.objects.filter(
            series_id__in={r.series.pk for r in unnumbered},
            holder_id__in={r.holder.pk for r in unnumbered},
            issue_date__in={r.issue_date for r in unnumbered},
        ).values_list("series_id", "holder_id", "principal", "issue_date", "number"):
            existing.setdefault((series_id, holder_id, principal, issue_date), number)
    seen_numbers: dict[tuple, int] = {}
    seen_figures: dict[tuple, int] = {}
    for row in rows:
        if row.series and row.number:
            key = (row.series.pk, row.number)
            if key in taken:
                row.errors.append(
                    f"Duplicate: note {row.number} is already in the register in this series."
                )
            elif key in seen_numbers:
                row.errors.append(
                    f"Duplicate: line {seen_numbers[key]} already has number {row.number}."
                )
            else:
                seen_numbers[key] = row.line
        if id(row) in unnumbered_ids:
            key = (row.series.pk, row.holder.pk, row.principal, row.issue_date)
            if key in existing:
                row.errors.append(
                    f"Duplicate: note {existing[key]} in the register has the same series, "
                    "holder, principal and issue date."
                )
            elif key in seen_figures:
                row.errors.append(
                    f"Duplicate: line {seen_figures[key]} has the same series, holder, "
                    "principal and issue date."
                )
            else:
                seen_figures[key] = row.line


@transaction.atomic
def notes_import(*, rows: list[dict]) -> NotesImported:
    """Record every row as a note, in the file's order, or none of them.

    Raises:
        NoteImportRefused: a row fails a check (see `note_import_check`); its
            `rows` carry each row's errors. Nothing is recorded.
    """
    # One import at a time: a second confirm of the same rows (another tab, Back and
    # upload again) waits for the first, then finds its notes and refuses the duplicates.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('notedesk.notes_import'))")
    checked = note_import_check(rows)
    if not checked:
        raise ValidationError("The file has no notes to record.")
    if any(r.errors for r in checked):
        raise NoteImportRefused(checked)
    notes = []
    for row in checked:
        try:
            notes.append(
                note_create(
                    series=row.series,
                    holder=row.holder,
                    principal=row.principal,
                    issue_date=row.issue_date,
                    number=row.number or None,
                )
            )
        except ValidationError as exc:
            # Another clerk took a number between the check and now: say which row.
            row.errors.extend(exc.messages)
            raise NoteImportRefused(checked) from exc
    return NotesImported(notes=notes)

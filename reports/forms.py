"""The parameters of the reports pages: a day, a month, a year, a range, a currency."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils import timezone

from notes.models import NoteSeries, NoteStatus
from reports.models import FileFormat, ReportKind

CURRENCY_RE = r"^[A-Z]{3}$"
MIN_YEAR, MAX_YEAR = 1900, 9998
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); ValueError with a message people can act on."""
    match = MONTH_RE.match(value or "")
    if not match:
        raise ValueError(f"Give a month as YYYY-MM, e.g. 2025-06 (got {value!r}).")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(f"{value}: the month must be 01 to 12.")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{value}: give a year between {MIN_YEAR} and {MAX_YEAR}.")
    return year, month


def _today() -> date:
    return timezone.localdate()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}",
                                    "placeholder": "YYYY-MM"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def prepare_value(self, value):
        if isinstance(value, tuple):
            return f"{value[0]:04d}-{value[1]:02d}"
        return value


class _CurrencyMixin(forms.Form):
    currency = forms.RegexField(
        regex=CURRENCY_RE, required=False, initial="USD", max_length=3,
        error_messages={"invalid": "An ISO 4217 code in capitals, e.g. USD."},
        widget=forms.TextInput(attrs={"size": 4, "autocomplete": "off"}),
    )

    def clean_currency(self):
        return self.cleaned_data.get("currency") or "USD"


class AsOfForm(forms.Form):
    """The dashboard's day (a GET form): today unless one is given."""

    as_of = forms.DateField(required=False, label="As of", widget=DateInput())

    def clean_as_of(self):
        value = self.cleaned_data.get("as_of")
        if value and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise forms.ValidationError(f"Give a day between {MIN_YEAR} and {MAX_YEAR}.")
        return value

    def as_of_or_today(self) -> date:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return _today()


class ReportsForm(_CurrencyMixin):
    """The month-end package: one choice of each parameter; each defaults sensibly."""

    month = MonthField(required=False, label="Accrual month")
    as_of = forms.DateField(required=False, label="Outstanding as of", widget=DateInput())
    year = forms.IntegerField(
        required=False, min_value=MIN_YEAR, max_value=MAX_YEAR, label="Interest paid in year"
    )
    date_from = forms.DateField(required=False, label="Payments from", widget=DateInput())
    date_to = forms.DateField(required=False, label="Payments to", widget=DateInput())

    def clean_month(self):
        value = self.cleaned_data.get("month")
        today = _today()
        if value and value > (today.year, today.month):
            raise forms.ValidationError(f"That month has not begun (this is {today:%Y-%m}).")
        return value

    def clean(self):
        data = super().clean()
        for name in ("as_of", "date_from", "date_to"):
            if data.get(name) and not MIN_YEAR <= data[name].year <= MAX_YEAR:
                self.add_error(name, f"Give a day between {MIN_YEAR} and {MAX_YEAR}.")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The range ends before it starts.")
        return data

    def values(self) -> dict:
        """Every parameter, defaults filled in: last month, today, last year, last month."""
        today = _today()
        last_month_end = today.replace(day=1) - timezone.timedelta(days=1)
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "month": data.get("month") or (last_month_end.year, last_month_end.month),
            "as_of": data.get("as_of") or today,
            "year": data.get("year") or today.year - 1,
            "date_from": data.get("date_from") or last_month_end.replace(day=1),
            "date_to": data.get("date_to") or last_month_end,
            "currency": data.get("currency") or "USD",
        }


class NotesListForm(_CurrencyMixin):
    """The notes behind a dashboard figure: as of a day, by series, status, past due."""

    as_of = forms.DateField(required=False, widget=DateInput(), label="As of")
    series = forms.ModelChoiceField(
        queryset=NoteSeries.objects.order_by("name"), required=False, empty_label="All series"
    )

    def clean_as_of(self):
        value = self.cleaned_data.get("as_of")
        if value and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise forms.ValidationError(f"Give a day between {MIN_YEAR} and {MAX_YEAR}.")
        return value
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Outstanding or accelerated"), (NoteStatus.OUTSTANDING, "Outstanding"),
                 (NoteStatus.ACCELERATED, "Accelerated")],
    )
    past_due = forms.BooleanField(required=False, label="Only notes with interest past due")
    due_this_month = forms.BooleanField(
        required=False, label="Only notes with interest due this month"
    )


class ExportRequestForm(forms.Form):
    """Download a report: which one, which format, and (Finance, 1099 only) full tax IDs."""

    kind = forms.ChoiceField(choices=ReportKind.choices)
    file_format = forms.ChoiceField(choices=FileFormat.choices)
    full_tax_ids = forms.BooleanField(required=False)

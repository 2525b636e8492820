"""Staff forms: input parsing only. The rules live in the services they feed.

A form checks that a value is a date, an amount in cents, a known choice;
whether the payment is allowed (§4, overpayment, note state) is for
`payment_record` / `payment_reverse` to say, and the view shows what they say.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import DATE_INPUT, OneTimeKeyMixin
from notes.domain.position import LAST_POSITION_DAY, PositionDayOutOfRange
from notes.models import (
    DefaultEventKind,
    NoteStatus,
    NoticeDelivery,
    PaymentKind,
    PaymentMethod,
)
from notes.services.defaults import DESCRIPTION_MAX_LENGTH
from notes.services.imports import IMPORT_COLUMNS, REQUIRED_COLUMNS


class AsOfForm(forms.Form):
    """The day a position is asked for (GET `?as_of=`); today when absent."""

    as_of = forms.DateField(required=False, widget=DATE_INPUT, label="As of")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("as_of", timezone.localdate())

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of is not None and as_of > LAST_POSITION_DAY:
            raise ValidationError(str(PositionDayOutOfRange(as_of)))
        return as_of

    def as_of_or_today(self):
        if self.is_valid() and self.cleaned_data["as_of"]:
            return self.cleaned_data["as_of"]
        return timezone.localdate()


class PaymentForm(OneTimeKeyMixin, forms.Form):
    """A payment as staff enter it; one idempotency key per rendered form (OneTimeKeyMixin)."""

    paid_on = forms.DateField(widget=DATE_INPUT, label="Paid on")
    amount = forms.DecimalField(max_digits=16, decimal_places=2)
    applies_to = forms.ChoiceField(choices=PaymentKind.choices, label="Applies to")
    # Only how money actually goes out; reversals and conversions are made by their services.
    method = forms.ChoiceField(
        choices=[(m.value, m.label) for m in (PaymentMethod.CHECK, PaymentMethod.WIRE,
                                              PaymentMethod.ACH)]
    )
    reference = forms.CharField(
        max_length=100, required=False, help_text="Check number or wire reference."
    )
    holder_consent_reference = forms.CharField(
        max_length=200,
        required=False,
        label="Holder consent reference",
        help_text="Needed for principal before maturity (§4): the holder's written consent.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("paid_on", timezone.localdate())
            self.initial.setdefault("applies_to", PaymentKind.INTEREST)
            self.initial.setdefault("method", PaymentMethod.CHECK)


class PaymentReverseForm(OneTimeKeyMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the payment is reversed; kept with the reversing entry.",
    )


class ServicingRunStartForm(OneTimeKeyMixin, forms.Form):
    """A run as of a day: one run per rendered form, however often it is submitted."""

    as_of = forms.DateField(widget=DATE_INPUT, label="As of")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("as_of", timezone.localdate())

    def clean_as_of(self):
        # Statements are append-only: a run dated in the future would issue
        # statements for months that have not ended, and nothing could undo it.
        as_of = self.cleaned_data["as_of"]
        today = timezone.localdate()
        if as_of > today:
            raise ValidationError(f"A run cannot be dated after today ({today}).")
        return as_of


class DefaultEventForm(OneTimeKeyMixin, forms.Form):
    """An event of §3 as staff enter it; whether it may be recorded is the service's to say."""

    # The note page also carries the payment form: its own field names and one-time key.
    prefix = "default"

    kind = forms.ChoiceField(choices=DefaultEventKind.choices, label="Event")
    date = forms.DateField(
        widget=DATE_INPUT,
        label="Date",
        help_text=(
            "A notice: the day received in person, or deposited in the mail. A proceeding or "
            "appointment: its commencement. Resolved: the dismissal, stay or vacatur."
        ),
    )
    delivery_method = forms.ChoiceField(
        choices=[("", "— not a written notice —"), *NoticeDelivery.choices],
        required=False,
        label="Delivered by",
        help_text="Notices of payment default and declarations of acceleration (§12).",
    )
    resolves = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Resolves",
        help_text="For “dismissed, stayed or vacated”: the proceeding or appointment it ends.",
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
    )

    def __init__(self, *args, resolvable=(), **kwargs):
        """`resolvable`: the note's proceedings and appointments not yet resolved."""
        super().__init__(*args, **kwargs)
        self.fields["resolves"].choices = [("", "—")] + [
            (e.pk, f"#{e.pk} {e.get_kind_display()} of {e.date:%Y-%m-%d}") for e in resolvable
        ]
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


# --- The register: the notes list, a new note, a batch from a CSV file ---------------

SORTS = {
    "number": "Number",
    "holder": "Holder",
    "principal": "Principal",
    "issue_date": "Issue date",
    "maturity_date": "Maturity",
    "status": "Status",
}


class NoteListForm(forms.Form):
    """The notes list's GET parameters; a bad value is ignored rather than refused."""

    q = forms.CharField(required=False, max_length=200, label="Number, holder or series")
    series = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Series")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *NoteStatus.choices], label="Status"
    )
    holder = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    past_due = forms.BooleanField(required=False, label="Past due")
    in_default = forms.BooleanField(required=False, label="In default")
    sort = forms.ChoiceField(
        required=False,
        choices=[(k, v) for k, v in SORTS.items()] + [(f"-{k}", v) for k, v in SORTS.items()],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, series_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].choices = [("", "All series"), *series_choices]

    def value(self, name: str):
        """The cleaned value; None when absent or when it does not parse (then ignored)."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


class NoteCreateForm(OneTimeKeyMixin, forms.Form):
    """A new note; its number is assigned by the register (`note_create`)."""

    series = forms.ModelChoiceField(queryset=None, label="Series", empty_label="— choose —")
    holder = forms.ModelChoiceField(queryset=None, label="Holder", empty_label="— choose —")
    principal = forms.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0.01"),
        help_text="In the series' currency.",
    )
    issue_date = forms.DateField(widget=DATE_INPUT, label="Issue date")

    def __init__(self, *args, series_queryset, holder_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = series_queryset
        self.fields["holder"].queryset = holder_queryset
        if not self.is_bound:
            self.initial.setdefault("issue_date", timezone.localdate())


IMPORT_MAX_BYTES = 256 * 1024
IMPORT_MAX_ROWS = 500


class NoteImportUploadForm(forms.Form):
    """A CSV file of notes: parsed here into rows of text; the register checks them."""

    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV with a header row: series, holder, principal, issue_date and, "
            f"optionally, number. At most {IMPORT_MAX_ROWS} notes and "
            f"{IMPORT_MAX_BYTES // 1024} KB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(f"“{upload.name}” is not a .csv file: save the sheet as CSV.")
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(
                f"The file is {upload.size // 1024} KB; at most {IMPORT_MAX_BYTES // 1024} KB "
                "can be uploaded at once. Split it into smaller files."
            )
        content = upload.read(IMPORT_MAX_BYTES + 1)
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                "The file is not UTF-8 text (it has a byte that UTF-8 does not allow near "
                f"byte {exc.start}). Save it as “CSV UTF-8” and upload it again."
            ) from exc
        control = next((c for c in text if ord(c) < 32 and c not in "\t\r\n"), None)
        if control is not None:
            line = text[: text.index(control)].count("\n") + 1
            raise ValidationError(
                f"Line {line} holds a control character (code {ord(control)}) that is not text."
                " Save the file again as “CSV UTF-8” and upload it again."
            )
        self.rows = self._rows_parse(text)
        return upload

    @staticmethod
    def _rows_parse(text: str) -> list[dict]:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader, None)
            if header is None:
                raise ValidationError("The file is empty: it needs a header row and notes.")
            columns = [h.strip().lower().replace(" ", "_") for h in header]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            unknown = [h for h, c in zip(header, columns, strict=True) if c not in IMPORT_COLUMNS]
            repeated = {c for c in columns if columns.count(c) > 1 and c in IMPORT_COLUMNS}
            if missing or unknown or repeated:
                problems = []
                if missing:
                    problems.append("missing " + ", ".join(missing))
                if unknown:
                    problems.append("unknown " + ", ".join(f"“{u}”" for u in unknown))
                if repeated:
                    problems.append("repeated " + ", ".join(sorted(repeated)))
                raise ValidationError(
                    "The header row must name the columns "
                    + ", ".join(IMPORT_COLUMNS[:-1])
                    + " and, optionally, number ("
                    + "; ".join(problems)
                    + ")."
                )
            rows = []
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                if len(rows) == IMPORT_MAX_ROWS:
                    raise ValidationError(
                        f"The file has more than {IMPORT_MAX_ROWS} notes; split it into "
                        "smaller files."
                    )
                row = {"line": reader.line_num}
                if len(cells) > len(columns):
                    row["extra"] = True
                for column, cell in zip(columns, cells, strict=False):
                    row[column] = cell.strip()
                rows.append(row)
        except csv.Error as exc:
            raise ValidationError(
                f"The file is not readable as CSV (line {reader.line_num}: {exc})."
            ) from exc
        if not rows:
            raise ValidationError("The file has a header row but no notes.")
        return rows


class NoteImportConfirmForm(OneTimeKeyMixin, forms.Form):
    """The previewed rows, signed so they come back as shown, and the one-time key."""

    rows = forms.CharField(widget=forms.HiddenInput)

    SALT = "notes.import.rows"
    MAX_AGE_SECONDS = 2 * 60 * 60

    @classmethod
    def for_rows(cls, rows: list[dict]) -> NoteImportConfirmForm:
        return cls(initial={"rows": signing.dumps(rows, salt=cls.SALT, compress=True)})

    def clean_rows(self):
        try:
            return signing.loads(
                self.cleaned_data["rows"], salt=self.SALT, max_age=self.MAX_AGE_SECONDS
            )
        except signing.SignatureExpired as exc:
            raise ValidationError(
                "The preview is more than two hours old: upload the file again."
            ) from exc
        except signing.BadSignature as exc:
            raise ValidationError(
                "The rows came back changed from the preview: upload the file again."
            ) from exc


# --- Transfers (§10) ------------------------------------------------------------------


class TransferRequestForm(OneTimeKeyMixin, forms.Form):
    """The holder's written notice and counsel's opinion, with copies, as staff enter them."""

    transferee = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Transferee (a holder on the register)",
        empty_label="— a new holder, named below —",
    )
    new_name = forms.CharField(max_length=200, required=False, label="New holder's name")
    new_kind = forms.ChoiceField(
        choices=[("person", "Person"), ("entity", "Entity")], required=False,
        label="New holder is a",
    )
    new_line1 = forms.CharField(max_length=200, required=False, label="Address")
    new_city = forms.CharField(max_length=100, required=False, label="City")
    new_region = forms.CharField(max_length=100, required=False, label="State")
    new_postal_code = forms.CharField(max_length=20, required=False, label="ZIP code")
    manner = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000,
        label="Manner of the disposition", help_text="As the holder's notice describes it.",
    )
    notice_received_on = forms.DateField(
        widget=DATE_INPUT, label="Holder's written notice received on"
    )
    notice_document = forms.FileField(
        label="Copy of the notice", help_text="PDF, PNG or JPEG."
    )
    opinion_received_on = forms.DateField(
        widget=DATE_INPUT, label="Opinion of the holder's counsel received on"
    )
    opinion_document = forms.FileField(
        label="Copy of the opinion", help_text="PDF, PNG or JPEG."
    )

    def __init__(self, *args, holders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transferee"].queryset = holders

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("transferee") and not (cleaned.get("new_name") or "").strip():
            self.add_error(
                "transferee", "Choose the transferee on the register, or name a new holder."
            )
        if not cleaned.get("transferee") and (cleaned.get("new_name") or "").strip():
            for field in ("new_line1", "new_city"):
                if not (cleaned.get(field) or "").strip():
                    self.add_error(field, "The new holder's address is needed for notices (§12).")
        return cleaned


class TransferDecisionForm(OneTimeKeyMixin, forms.Form):
    """Approve (from an effective date, with or without the legend) or refuse, with why."""

    prefix = "decision"

    decision = forms.ChoiceField(
        choices=[("approved", "Approve"), ("refused", "Refuse")], widget=forms.RadioSelect,
        label="Decision",
    )
    effective_date = forms.DateField(
        widget=DATE_INPUT, required=False, label="Effective date (approval)",
        help_text="The transferee is the registered holder from this day.",
    )
    legend_required = forms.BooleanField(
        required=False, initial=True, label="The note keeps the restrictive legend",
        help_text="Untick only on the opinion of the issuer's counsel (§10).",
    )
    legend_counsel_reference = forms.CharField(
        max_length=200, required=False, label="Issuer's counsel opinion (legend not required)",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000,
        label="Reason (refusal)", help_text="Told to the holder in a letter (§10).",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "approved" and not cleaned.get("effective_date"):
            self.add_error("effective_date", "An approval needs its effective date.")
        if cleaned.get("decision") == "refused" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why the transfer is refused; the holder is told (§10).")
        return cleaned


class StopTransferForm(OneTimeKeyMixin, forms.Form):
    prefix = "stop"

    recorded_on = forms.DateField(widget=DATE_INPUT, label="Instruction dated")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="Reason"
    )


class StopTransferLiftForm(OneTimeKeyMixin, forms.Form):
    prefix = "lift"

    lifted_on = forms.DateField(widget=DATE_INPUT, label="Lifted on")
    lift_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="Why it is lifted"
    )

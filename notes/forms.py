"""Staff forms: input parsing only. The rules live in the services they feed.

A form checks that a value is a date, an amount in cents, a known choice;
whether the payment is allowed (§4, overpayment, note state) is for
`payment_record` / `payment_reverse` to say, and the view shows what they say.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import DATE_INPUT, OneTimeKeyMixin
from notes.domain.position import LAST_POSITION_DAY, PositionDayOutOfRange
from notes.models import DefaultEventKind, NoticeDelivery, PaymentKind, PaymentMethod
from notes.services.defaults import DESCRIPTION_MAX_LENGTH


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


class ServicingRunStartForm(forms.Form):
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

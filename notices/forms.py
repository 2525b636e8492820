"""Staff forms for notices: the list's filters, and a print run deposited in the mail."""

from __future__ import annotations

from django import forms

from core.forms import DATE_INPUT, OneTimeKeyMixin
from notes.models import NoteSeries
from notices.models import NoticeKind
from notices.selectors import NOTICE_STATES


class NoticeFilterForm(forms.Form):
    note = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *NoticeKind.choices], required=False
    )
    series = forms.ModelChoiceField(
        queryset=NoteSeries.objects.select_related("issuer"), required=False,
        empty_label="Any series",
    )
    state = forms.ChoiceField(
        choices=[("", "Any state"), *[(s, s.capitalize()) for s in NOTICE_STATES]],
        required=False,
    )


class NoticeRunStartForm(OneTimeKeyMixin, forms.Form):
    """"Make the notices due now": one run per rendered page, however often it is clicked."""


class DepositForm(OneTimeKeyMixin, forms.Form):
    """The letters of one print run and the day it went into the mail (§12)."""

    notices = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), label="Letters",
        error_messages={"required": "Select the letters of the print run."},
    )
    deposited_on = forms.DateField(
        widget=DATE_INPUT, label="Deposited in the mail on",
        help_text="Each letter is deemed delivered 3 business days later (§12).",
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notices"].choices = choices

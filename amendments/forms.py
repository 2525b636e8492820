"""Forms for proposing an amendment and recording the consents (§9), each with a one-time key."""

from __future__ import annotations

from django import forms

from amendments.models import AmendmentKind
from core.forms import DATE_INPUT, OneTimeKeyMixin
from holders.models import Holder
from notes.models import NoteSeries


class AmendmentProposeForm(OneTimeKeyMixin, forms.Form):
    prefix = "propose"

    series = forms.ModelChoiceField(
        queryset=NoteSeries.objects.select_related("issuer").order_by("issuer__name", "name"),
        empty_label="Choose the series",
    )
    kind = forms.ChoiceField(choices=AmendmentKind.choices, initial=AmendmentKind.AMENDMENT)
    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Text or summary"
    )
    issuer_consented_on = forms.DateField(
        required=False, widget=DATE_INPUT, label="Company's written consent dated",
        help_text="Leave blank if the Company has not consented yet; record it later.",
    )


class IssuerConsentForm(OneTimeKeyMixin, forms.Form):
    prefix = "issuer"

    consented_on = forms.DateField(widget=DATE_INPUT, label="Company's written consent dated")


class HolderConsentForm(OneTimeKeyMixin, forms.Form):
    prefix = "consent"

    holder = forms.ModelChoiceField(queryset=Holder.objects.none(), empty_label="Choose the holder")
    consented_on = forms.DateField(widget=DATE_INPUT, label="Written consent dated")
    reference = forms.CharField(
        max_length=200, required=False, help_text="The letter or consent form, e.g. its date."
    )

    def __init__(self, *args, series_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # A holder consents for all their notes of the series: the series' holders only.
        self.fields["holder"].queryset = (
            Holder.objects.filter(notes__series_id=series_id).distinct().order_by("name")
        )

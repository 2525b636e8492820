"""The filters of the deadline page."""

from django import forms

from deadlines.selectors import KIND_LABELS
from notes.models import NoteSeries


class DeadlineFilterForm(forms.Form):
    series = forms.ModelChoiceField(
        queryset=NoteSeries.objects.select_related("issuer").order_by("issuer__name", "name"),
        required=False,
        empty_label="All series",
    )
    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *KIND_LABELS.items()], required=False
    )

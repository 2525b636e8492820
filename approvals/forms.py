"""The approve and withdraw forms: each carries a one-time key, so a double click decides once."""

from django import forms

from core.forms import OneTimeKeyMixin


class ApproveForm(OneTimeKeyMixin, forms.Form):
    prefix = "approve"


class WithdrawForm(OneTimeKeyMixin, forms.Form):
    prefix = "withdraw"

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Why it should never take effect, e.g. “offering recorded in error”.",
        error_messages={"required": "Say why it is withdrawn; the reason is kept with it."},
    )

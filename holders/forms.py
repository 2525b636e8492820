"""Staff forms for the holder register: input parsing only; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from core.forms import DATE_INPUT, OneTimeKeyMixin
from holders.models import HolderKind

KIND_FILTER_CHOICES = [("", "All kinds"), *HolderKind.choices]


class HolderSearchForm(forms.Form):
    """The holders list's GET parameters: `q` (name or e-mail) and `kind`."""

    q = forms.CharField(required=False, max_length=200, label="Name or e-mail")
    kind = forms.ChoiceField(required=False, choices=KIND_FILTER_CHOICES, label="Kind")

    def value(self, name: str) -> str:
        if not self.is_valid():
            return ""
        return self.cleaned_data.get(name) or ""


class HolderForm(forms.Form):
    """A holder's particulars. The tax ID is write-only: blank keeps the stored one."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=HolderKind.choices)
    email = forms.EmailField(required=False, label="E-mail")
    tax_id = forms.CharField(
        max_length=40,
        required=False,
        label="Tax ID",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    clear_tax_id = forms.BooleanField(
        required=False,
        label="Remove the tax ID on record",
        help_text="For a tax ID recorded in error; the removal is kept in the audit trail.",
    )

    def __init__(self, *args, holder=None, **kwargs):
        super().__init__(*args, **kwargs)
        if holder is not None:
            masked = holder.tax_id_masked
            self.fields["tax_id"].help_text = (
                f"On record: {masked}. Leave blank to keep it; type a new one to replace it."
                if masked
                else "None on record. Leave blank to record none."
            )
        else:
            self.fields["tax_id"].help_text = "Stored encrypted and shown masked afterwards."
        if holder is None or not holder.tax_id:
            del self.fields["clear_tax_id"]

    def clean(self):
        data = super().clean()
        if data.get("clear_tax_id") and data.get("tax_id"):
            self.add_error(
                "tax_id",
                "Either type a new tax ID or remove the one on record, not both.",
            )
        return data

    def tax_id_change(self, keep):
        """The tax ID to store: a new one, "" to remove it, or ``keep`` to leave it."""
        if self.cleaned_data.get("clear_tax_id"):
            return ""
        return self.cleaned_data["tax_id"] or keep


class AddressForm(forms.Form):
    """A new address from the day it takes effect (§12); the earlier ones stay."""

    line1 = forms.CharField(max_length=200, label="Address line 1")
    line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=100, required=False, label="State or province")
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    country = forms.CharField(
        max_length=2, min_length=2, initial="US", help_text="ISO 3166 alpha-2, e.g. US."
    )
    effective_from = forms.DateField(
        widget=DATE_INPUT,
        label="In effect from",
        help_text="Notices from this day on go to this address (§6.2, §12).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("effective_from", timezone.localdate())

    def address(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("line1", "line2", "city", "region", "postal_code", "country")}


class HolderCreateForm(OneTimeKeyMixin, HolderForm):
    """A new holder, once per rendered form, with a first address if one is given."""


class HolderAddressCreateForm(OneTimeKeyMixin, AddressForm):
    prefix = "address"


class FirstAddressForm(AddressForm):
    """The new holder's first address: optional as a whole, complete if given."""

    prefix = "address"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("line1", "city", "country", "effective_from"):
            self.fields[name].required = False

    def has_address(self) -> bool:
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("line1", "line2", "city", "region", "postal_code")
        )

    def clean(self):
        cleaned = super().clean()
        if self.has_address():
            for name in ("line1", "city", "country", "effective_from"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "Needed for an address; or leave the address blank.")
        return cleaned

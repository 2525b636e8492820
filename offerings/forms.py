"""Staff forms for offerings, events, elections and price determinations: input parsing only.

A form checks that a value is a date, a number, a known choice, and that a
row of the sales list is read the same way the service will read it. Whether
the offering is acceptable (sales adding up to the gross proceeds, a closing
after the notes existed, an election inside the window) is for the services
in `offerings.services` to say; the views show what they say on these forms.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone

from core.forms import DATE_INPUT, OneTimeKeyMixin
from notes.domain.position import LAST_POSITION_DAY
from notes.models import Issuer, NoteSeries
from offerings.domain.pricing import Sale
from offerings.domain.qualification import EventKind, OfferingKind
from offerings.models import (
    PER_UNIT_FIELD,
    PRICE_FIELD,
    AllocationSource,
    CashInLieuPayment,
    ConversionStatus,
    CorporateEvent,
)

SALE_ROWS_EXTRA = 6

OFFERING_KIND_CHOICES = [
    (OfferingKind.PIPE.value, "PIPE (private investment in a public entity)"),
    (OfferingKind.UNDERWRITTEN.value, "Firmly underwritten public offering"),
]
OFFERING_KIND_LABELS = dict(OFFERING_KIND_CHOICES)
EVENT_KIND_CHOICES = [
    (EventKind.MERGER.value, "Merger, consolidation or reorganization (Company not surviving)"),
    (EventKind.VOTING_POWER_TRANSFER.value, "Transfer of voting power"),
    (EventKind.ASSET_SALE.value, "Sale of all or substantially all assets"),
]
EVENT_KIND_LABELS = dict(EVENT_KIND_CHOICES)


def _price_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=PRICE_FIELD["max_digits"], decimal_places=PRICE_FIELD["decimal_places"],
        **kwargs,
    )


class OfferingForm(OneTimeKeyMixin, forms.Form):
    """An offering's terms; its sales come in `SaleFormSet`, in the order made."""

    issuer = forms.ModelChoiceField(queryset=Issuer.objects.order_by("name"))
    kind = forms.ChoiceField(choices=OFFERING_KIND_CHOICES)
    closing_date = forms.DateField(widget=DATE_INPUT, label="Closing date")
    gross_proceeds = forms.DecimalField(
        max_digits=16, decimal_places=2, label="Gross proceeds",
        help_text="Must equal the sum of the sales below.",
    )
    currency = forms.CharField(
        max_length=3, initial="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code such as USD.")],
    )
    description = forms.CharField(max_length=200, required=False)
    # Unit terms (§5.1): only for an offering sold as units of shares and warrants.
    # Either may be fractional: "one share and one-half of one warrant" is 1 and 0.5.
    shares_per_unit = forms.DecimalField(
        max_digits=PER_UNIT_FIELD["max_digits"], decimal_places=PER_UNIT_FIELD["decimal_places"],
        required=False, label="Shares per unit", help_text="e.g. 1, or 0.5 for half a share.",
    )
    warrants_per_unit = forms.DecimalField(
        max_digits=PER_UNIT_FIELD["max_digits"], decimal_places=PER_UNIT_FIELD["decimal_places"],
        required=False, label="Warrants per unit",
        help_text="e.g. 0.5 for one-half of one warrant.",
    )
    share_allocation = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, label="Share allocation",
        help_text="Fraction of the unit price allocated to its shares, e.g. 0.8 (§5.1). "
        "Leave blank if not yet known: the price then waits for it.",
    )
    allocation_source = forms.ChoiceField(
        choices=[("", "—"), *AllocationSource.choices], required=False,
        label="Allocation source",
    )
    allocation_reference = forms.CharField(
        max_length=200, required=False, label="Allocation reference",
        help_text="Where in the offering documents, or which Board resolution.",
    )

    TERM_FIELDS = ("issuer", "kind", "closing_date", "gross_proceeds", "currency", "description")
    UNIT_FIELDS = (
        "shares_per_unit", "warrants_per_unit", "share_allocation", "allocation_source",
        "allocation_reference",
    )

    def term_fields(self):
        return [self[name] for name in self.TERM_FIELDS]

    def unit_fields(self):
        return [self[name] for name in self.UNIT_FIELDS]

    def clean_shares_per_unit(self):
        shares = self.cleaned_data["shares_per_unit"]
        if shares is not None and shares <= 0:
            raise ValidationError(
                "Shares per unit must be greater than 0 (a unit may hold part of a share, "
                "e.g. 0.5)."
            )
        return shares

    def clean_warrants_per_unit(self):
        warrants = self.cleaned_data["warrants_per_unit"]
        if warrants is not None and warrants < 0:
            raise ValidationError(
                "Warrants per unit cannot be negative (0 for none, 0.5 for one-half of one "
                "warrant)."
            )
        return warrants

    def clean(self):
        data = super().clean()
        unit_given = any(data.get(f) not in (None, "") for f in self.UNIT_FIELDS)
        if unit_given and data.get("shares_per_unit") is None:
            self.add_error(
                "shares_per_unit", "Unit terms start with the number of shares in a unit."
            )
        return data

    def units(self) -> dict | None:
        """The unit terms as `offering_record` takes them, or None for a share offering."""
        data = self.cleaned_data
        if data.get("shares_per_unit") is None:
            return None
        return {
            "shares_per_unit": data["shares_per_unit"],
            "warrants_per_unit": data.get("warrants_per_unit") or 0,
            "share_allocation": data.get("share_allocation"),
            "allocation_source": data.get("allocation_source") or "",
            "allocation_reference": data.get("allocation_reference") or "",
        }


class SaleForm(forms.Form):
    """One sale: shares at a price per share, or units at a unit price. A blank row is skipped."""

    shares = forms.IntegerField(required=False)
    price_per_share = _price_field(required=False, label="Price per share")
    units = forms.IntegerField(required=False)
    unit_price = _price_field(required=False, label="Unit price")

    def clean(self):
        data = super().clean()
        share_side = data.get("shares") is not None or data.get("price_per_share") is not None
        unit_side = data.get("units") is not None or data.get("unit_price") is not None
        if share_side and unit_side:
            raise ValidationError("A sale is either shares at a price or units at a unit price.")
        if share_side and (data.get("shares") is None or data.get("price_per_share") is None):
            raise ValidationError("Give both the shares and the price per share.")
        if unit_side and (data.get("units") is None or data.get("unit_price") is None):
            raise ValidationError("Give both the units and the unit price.")
        return data

    def sale(self) -> dict | None:
        data = getattr(self, "cleaned_data", None) or {}
        if all(data.get(f) is None for f in ("shares", "price_per_share", "units", "unit_price")):
            return None
        return {f: data.get(f) for f in ("shares", "price_per_share", "units", "unit_price")}


class BaseSaleFormSet(forms.BaseFormSet):
    def sales(self) -> list[dict]:
        """The filled rows, in the order they appear (the order the sales were made)."""
        return [s for s in (form.sale() for form in self.forms) if s is not None]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.sales():
            raise ValidationError("Enter the offering's sales, in the order they were made.")


SaleFormSet = forms.formset_factory(
    SaleForm, formset=BaseSaleFormSet, extra=SALE_ROWS_EXTRA, max_num=500, validate_max=True
)
SALES_PREFIX = "sales"


class EventForm(OneTimeKeyMixin, forms.Form):
    issuer = forms.ModelChoiceField(queryset=Issuer.objects.order_by("name"))
    kind = forms.ChoiceField(choices=EVENT_KIND_CHOICES)
    effective_date = forms.DateField(widget=DATE_INPUT, label="Effective date")
    voting_power_pct = forms.DecimalField(
        max_digits=6, decimal_places=3, required=False, label="Voting power transferred (%)",
        help_text="For a transfer of voting power: the percentage this event transfers.",
    )
    related_events = forms.ModelMultipleChoiceField(
        queryset=CorporateEvent.objects.none(), required=False, label="Related earlier events",
        help_text="Earlier transfers in the same series of related transactions (§5.2(i)).",
    )
    description = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["related_events"].queryset = (
            CorporateEvent.objects.filter(kind=EventKind.VOTING_POWER_TRANSFER)
            .select_related("issuer")
            .order_by("issuer__name", "effective_date", "id")
        )
        self.fields["related_events"].label_from_instance = (
            lambda e: f"{e.issuer.name}: {e.voting_power_pct}% on {e.effective_date}"
            + (f" ({e.description})" if e.description else "")
        )


class AllocationForm(OneTimeKeyMixin, forms.Form):
    """The share/warrant split of a unit's price (§5.1), from the documents or the Board."""

    share_allocation = forms.DecimalField(
        max_digits=9, decimal_places=6, label="Share allocation",
        help_text="Fraction of the unit price allocated to its shares, e.g. 0.8.",
    )
    source = forms.ChoiceField(choices=AllocationSource.choices)
    reference = forms.CharField(
        max_length=200, required=False,
        help_text="Where in the offering documents, or which Board resolution.",
    )


class PriceDeterminationForm(OneTimeKeyMixin, forms.Form):
    """A Conversion Price recorded for a conversion that has none in effect (§5.2)."""

    price = _price_field(label="Conversion Price")
    source = forms.CharField(
        max_length=500, help_text="Who determined it and where, e.g. a Board resolution."
    )

    def __init__(self, *args, conversion_id: int, **kwargs):
        kwargs.setdefault("prefix", f"price-{conversion_id}")
        super().__init__(*args, **kwargs)
        self.conversion_id = conversion_id


class ConversionFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ConversionStatus.choices],
                               required=False)
    series = forms.ModelChoiceField(
        queryset=NoteSeries.objects.select_related("issuer").order_by("issuer__name", "name"),
        required=False, empty_label="Any series",
    )


class ElectionForm(OneTimeKeyMixin, forms.Form):
    """A Notice of Election (Exhibit A) as received at the principal executive office."""

    offering = forms.ModelChoiceField(
        queryset=None, empty_label=None, label="$3 Million Qualified Offering"
    )
    received_on = forms.DateField(
        widget=DATE_INPUT, label="Received on",
        help_text="The day it reached the principal executive office: the conversion date "
        "(§6.1).",
    )
    certificate_names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Names for the certificates"
    )
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    tax_id = forms.CharField(
        max_length=40, label="Tax ID",
        # Never echoed back into the page: re-enter it if the form comes back.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted; shown masked.",
    )

    def __init__(self, *args, offerings, window_of, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["offering"]
        field.queryset = offerings
        field.label_from_instance = window_of


class CashInLieuForm(OneTimeKeyMixin, forms.Form):
    """Cash paid for a conversion's fractional share (§7); the service says what is allowed."""

    prefix = "cash"

    paid_on = forms.DateField(widget=DATE_INPUT, label="Paid on")
    amount = forms.DecimalField(max_digits=16, decimal_places=2, label="Amount")
    method = forms.ChoiceField(choices=CashInLieuPayment.Method.choices, label="Method")
    reference = forms.CharField(
        max_length=100, required=False, help_text="Check number or wire reference."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("paid_on", timezone.localdate())


SALE_LINE = re.compile(r"^\s*([\d,]+)\s*(?:@|at|×|x)\s*\$?\s*([\d,]*\.?\d+)\s*$", re.IGNORECASE)


class WhatIfForm(forms.Form):
    """A hypothetical conversion: a day, and a price or the sales that would set one (GET)."""

    day = forms.DateField(widget=DATE_INPUT, label="Conversion date")
    series = forms.ModelChoiceField(
        queryset=NoteSeries.objects.select_related("issuer").order_by("issuer__name", "name"),
        required=False,
        empty_label="Every series",
        label="Series",
    )
    price = forms.DecimalField(
        max_digits=18, decimal_places=6, min_value=Decimal("0.000001"), required=False,
        label="Conversion Price",
        help_text="Per share, at most 6 decimal places. Or leave blank and enter sales below.",
    )
    sales = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Or: the offering's sales, in order",
        help_text=(
            "One sale a line, shares @ price per share, e.g. “150,000 @ 2.00”. The price is the"
            " average price of the first $1,000,000 of Common Stock sold (§5.1)."
        ),
    )
    shares_before = forms.IntegerField(
        min_value=0, required=False, label="Shares outstanding before",
        help_text="Optional: to show the fully diluted share count.",
    )

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > LAST_POSITION_DAY - timedelta(days=366):
            raise ValidationError(f"Give a day before {LAST_POSITION_DAY.year}.")
        return day

    def clean_sales(self) -> list[Sale]:
        sales = []
        for number, line in enumerate(self.cleaned_data["sales"].splitlines(), start=1):
            if not line.strip():
                continue
            match = SALE_LINE.match(line)
            if not match:
                raise ValidationError(
                    f"Line {number} is not “shares @ price per share”: {line.strip()!r}."
                )
            shares, price = (g.replace(",", "") for g in match.groups())
            try:
                sale = Sale(shares=int(shares), price_per_share=Decimal(price))
            except (InvalidOperation, ValueError) as exc:
                raise ValidationError(f"Line {number}: {exc}") from exc
            if sale.shares <= 0 or sale.price_per_share <= 0:
                raise ValidationError(f"Line {number}: shares and price must be positive.")
            sales.append(sale)
        return sales

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("price") is None and not cleaned.get("sales"):
            raise ValidationError("Enter a Conversion Price, or the sales that set one.")
        if cleaned.get("price") is not None and cleaned.get("sales"):
            raise ValidationError("Enter a Conversion Price or sales, not both.")
        return cleaned

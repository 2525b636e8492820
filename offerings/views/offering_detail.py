"""One offering's page: its sales, how each series qualifies, and its unit allocation.

For each of the issuer's series the page shows whether the offering is a $3
Million Qualified Offering (§5.1, with its voluntary window and §6.1 notices) or
an automatic trigger (§5.2), and the conversions it brought about. An offering
sold in units has no Conversion Price until Finance records the share/warrant
allocation (`offering_allocation_record`, §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.history import record_history
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import StaffPageMixin, finance_required, service_errors_to_form
from notes.models import NoteSeries
from notes.services.payments import NoteStateConflict
from offerings import services
from offerings.domain.qualification import qualifies_automatic, qualifies_voluntary
from offerings.forms import OFFERING_KIND_LABELS, AllocationForm
from offerings.models import NoticeObligation, Offering, OfferingSale
from offerings.views.shared import ACTIVE_STATUSES, conversion_list


@dataclass(frozen=True)
class SeriesQualification:
    series: NoteSeries
    qualifies_voluntary: bool
    qualifies_automatic: bool
    window: tuple[date, date] | None
    obligations: list[NoticeObligation]


@dataclass(frozen=True)
class SaleRow:
    sale: OfferingSale
    price: str
    gross: Decimal

    @classmethod
    def of(cls, sale: OfferingSale) -> SaleRow:
        if sale.units is not None:
            return cls(sale, _price_text(sale.unit_price), sale.units * sale.unit_price)
        return cls(sale, _price_text(sale.price_per_share), sale.shares * sale.price_per_share)


def _fraction_text(value: Decimal) -> str:
    """0.800000 → 0.8: the stored six places, without the trailing zeros."""
    return f"{value:f}".rstrip("0").rstrip(".")


def _price_text(price: Decimal) -> str:
    """A sale price as people write it: 2.50, 3.10, 2.412451 (the column keeps 6 places)."""
    text = f"{price:f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


def offering_detail_response(request, offering: Offering, *, allocation_form=None):
    finance = is_finance(request.user)
    obligations = (
        offering.obligations.filter(kind=NoticeObligation.Kind.VOLUNTARY_OFFERING)
        .select_related("note", "holder")
        .order_by("note__number")
    )
    by_series: dict[int, list[NoticeObligation]] = {}
    for obligation in obligations:
        by_series.setdefault(obligation.note.series_id, []).append(obligation)
    gross = offering.gross_proceeds.amount
    series_rows = []
    for series in offering.issuer.series.order_by("agreement_date", "name"):
        thresholds = services.series_thresholds(series)
        voluntary = qualifies_voluntary(offering.kind, gross, thresholds)
        series_rows.append(
            SeriesQualification(
                series=series,
                qualifies_voluntary=voluntary,
                qualifies_automatic=qualifies_automatic(offering.kind, gross, thresholds),
                window=services.voluntary_window(offering, series) if voluntary else None,
                obligations=by_series.get(series.pk, []),
            )
        )
    needs_allocation = offering.sold_in_units and offering.share_allocation is None
    if finance and needs_allocation and allocation_form is None:
        allocation_form = AllocationForm()
    context = {
        "offering": offering,
        "kind_label": OFFERING_KIND_LABELS.get(offering.kind, offering.kind),
        "share_allocation": (
            None if offering.share_allocation is None else _fraction_text(offering.share_allocation)
        ),
        "sales": [SaleRow.of(sale) for sale in offering.sales.order_by("sequence")],
        "series_rows": series_rows,
        "rows": [
            (c, None) for c in conversion_list().filter(offering=offering).order_by("note__number")
        ],
        "needs_allocation": needs_allocation,
        "allocation_form": allocation_form if finance else None,
        "can_write": finance,
        "active_statuses": ACTIVE_STATUSES,
        "entries": record_history(offering),
    }
    return TemplateResponse(request, "offerings/offering_detail.html", context)


def offering_get(pk: int) -> Offering:
    return get_object_or_404(Offering.objects.select_related("issuer", "trigger"), pk=pk)


class OfferingDetailView(StaffPageMixin, View):
    def get(self, request, pk: int):
        return offering_detail_response(request, offering_get(pk))


class OfferingAllocationView(StaffPageMixin, View):
    """POST the share/warrant allocation of a units offering (Finance)."""

    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        # The form's address opened again (after a refusal): the form is on the offering.
        return redirect("offerings:detail", pk=pk)

    def post(self, request, pk: int):
        finance_required(request)
        offering = offering_get(pk)
        form = AllocationForm(request.POST)
        if not form.is_valid():
            return offering_detail_response(request, offering, allocation_form=form)
        data = form.cleaned_data
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: services.offering_allocation_record(
                    offering=offering,
                    share_allocation=data["share_allocation"],
                    source=data["source"],
                    reference=data["reference"],
                    recorded_by=request.user,
                ),
                location=lambda done: reverse("offerings:detail", args=[done.pk]),
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return offering_detail_response(request, offering, allocation_form=form)
        except NoteStateConflict as exc:
            messages.error(request, str(exc))
            return redirect("offerings:detail", pk=offering.pk)
        except IdempotencyConflict:
            key_spent_on_form(form, what="allocation")
            return offering_detail_response(request, offering, allocation_form=form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="allocation")
        offering = outcome.value
        if offering.conversion_price is not None:
            messages.success(
                request,
                f"Recorded the allocation; the Conversion Price is {offering.conversion_price}.",
            )
        else:
            messages.warning(
                request,
                f"Recorded the allocation; still no price: {offering.price_unavailable_reason}",
            )
        return redirect("offerings:detail", pk=offering.pk)

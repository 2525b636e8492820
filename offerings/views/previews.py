"""Preview before recording: what an offering or a corporate event would bring about (§5, §7).

The record forms' first button posts here. The preview checks the entries
exactly as the recording would (`offering_validate`, `event_validate`), then
shows, series by series, whether it qualifies and — for an automatic trigger —
every conversion it will make: note, Note Amount, Conversion Price, shares,
cash in lieu, with totals (`offerings.services.preview`, the same functions the
conversion uses). Nothing is written. The confirm button re-posts the very
entries, one-time key included, to the record view; "Change" brings the form
back as it was typed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from core.views import StaffPageMixin, finance_required, service_errors_to_form
from offerings.forms import (
    EVENT_KIND_LABELS,
    OFFERING_KIND_LABELS,
    SALES_PREFIX,
    EventForm,
    OfferingForm,
    SaleFormSet,
)
from offerings.services.preview import event_preview, offering_preview
from offerings.views.offerings import _form_errors_from_service, offerings_page

NOT_CARRIED = ("csrfmiddlewaretoken", "edit", "more_rows")


def carried_fields(request) -> list[tuple[str, str]]:
    """The submitted entries, to re-post unchanged with the confirm (one-time key included)."""
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_CARRIED
        for value in values
    ]


def _preview_response(request, *, what, summary, series_previews, record_url, preview_url):
    context = {
        "what": what,
        "summary": summary,
        "series_previews": series_previews,
        "converts": any(p.effect.automatic for p in series_previews),
        "record_url": record_url,
        "preview_url": preview_url,
        "hidden": carried_fields(request),
    }
    return TemplateResponse(request, "offerings/record_preview.html", context)


class OfferingPreviewView(StaffPageMixin, View):
    """POST an offering's entries (Finance): its preview, or the form back with the refusal."""

    http_method_names = ["post"]

    def post(self, request):
        finance_required(request)
        form = OfferingForm(request.POST)
        formset = SaleFormSet(request.POST, prefix=SALES_PREFIX)
        terms_valid, sales_valid = form.is_valid(), formset.is_valid()
        if "edit" in request.POST or not (terms_valid and sales_valid):
            return offerings_page(request, offering_form=form, sale_formset=formset)
        data = form.cleaned_data
        try:
            previews = offering_preview(
                issuer=data["issuer"],
                kind=data["kind"],
                closing_date=data["closing_date"],
                gross_proceeds=data["gross_proceeds"],
                sales=formset.sales(),
                units=form.units(),
            )
        except ValidationError as exc:
            _form_errors_from_service(form, exc, formset)
            return offerings_page(request, offering_form=form, sale_formset=formset)
        summary = [
            ("Issuer", data["issuer"].name),
            ("Kind", OFFERING_KIND_LABELS.get(data["kind"], data["kind"])),
            ("Closing date", f"{data['closing_date']:%Y-%m-%d}"),
            ("Gross proceeds", f"{data['currency']} {data['gross_proceeds']:,.2f}"),
            ("Sales", f"{len(formset.sales())}, in the order made"),
        ]
        return _preview_response(
            request, what="offering", summary=summary, series_previews=previews,
            record_url=reverse("offerings:record"), preview_url=reverse("offerings:preview"),
        )


class EventPreviewView(StaffPageMixin, View):
    """POST a corporate event's entries (Finance): its preview, or the form with the refusal."""

    http_method_names = ["post"]

    def post(self, request):
        finance_required(request)
        form = EventForm(request.POST)
        if "edit" in request.POST or not form.is_valid():
            return offerings_page(request, event_form=form)
        data = form.cleaned_data
        try:
            previews = event_preview(
                issuer=data["issuer"],
                kind=data["kind"],
                effective_date=data["effective_date"],
                voting_power_pct=data["voting_power_pct"],
                related_events=data["related_events"],
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return offerings_page(request, event_form=form)
        summary = [
            ("Issuer", data["issuer"].name),
            ("Event", EVENT_KIND_LABELS.get(data["kind"], data["kind"])),
            ("Effective date", f"{data['effective_date']:%Y-%m-%d}"),
        ]
        if data["voting_power_pct"] is not None:
            summary.append(("Voting power transferred", f"{data['voting_power_pct']}%"))
        return _preview_response(
            request, what="corporate event", summary=summary, series_previews=previews,
            record_url=reverse("offerings:event-record"),
            preview_url=reverse("offerings:event-preview"),
        )

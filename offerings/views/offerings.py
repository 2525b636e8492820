"""The offerings page: offerings and corporate events, newest first, and their record forms.

Finance records an offering with its sales in order (`offering_record`; whether
it is a $3 Million Qualified Offering or an automatic trigger, §5.1 and §5.2,
comes from `offerings.services` and the domain core) and a corporate event
(`event_record`, the §5.2 change-of-control triggers). A refusal comes back on
the form and records nothing; a likely duplicate asks for confirmation first.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from core.form_writes import (
    already_recorded_redirect,
    duplicate_confirm_response,
    duplicate_confirmed,
    form_record_once,
    key_spent_on_form,
)
from core.idempotency import IdempotencyConflict, LikelyDuplicate
from core.permissions import is_finance
from core.views import (
    StaffPageMixin,
    finance_required,
    render_page_or_fragment,
    service_errors_to_form,
)
from offerings import services
from offerings.domain.qualification import qualifies_automatic, qualifies_voluntary
from offerings.forms import (
    EVENT_KIND_LABELS,
    OFFERING_KIND_LABELS,
    SALES_PREFIX,
    EventForm,
    OfferingForm,
    SaleFormSet,
)
from offerings.models import CorporateEvent, Offering
from offerings.services.qualification import offering_qualifies


def _form_errors_from_service(form, exc: ValidationError, formset=None) -> None:
    """A refusal on the field it names; the sales' refusals on the sales table."""
    if formset is not None and hasattr(exc, "error_dict") and "sales" in exc.error_dict:
        formset.non_form_errors().extend(e for err in exc.error_dict["sales"] for e in err)
        exc = ValidationError({k: v for k, v in exc.error_dict.items() if k != "sales"})
        if not exc.error_dict:
            return
    if hasattr(exc, "error_dict") and "units" in exc.error_dict:
        # `units` is the unit terms as a whole; its refusals are about the allocation.
        errors = exc.error_dict
        errors.setdefault("allocation_source", []).extend(errors.pop("units"))
    service_errors_to_form(form, exc)


@dataclass(frozen=True)
class OfferingRow:
    offering: Offering
    qualifies_voluntary: bool
    qualifies_automatic: bool

    @property
    def kind_label(self) -> str:
        return OFFERING_KIND_LABELS.get(self.offering.kind, self.offering.kind)


def offering_rows() -> list[OfferingRow]:
    offerings = (
        Offering.objects.select_related("issuer", "trigger")
        .prefetch_related("issuer__series")
        .order_by("-closing_date", "-id")
    )
    return [
        OfferingRow(
            o,
            offering_qualifies(o, qualifies_voluntary),
            offering_qualifies(o, qualifies_automatic),
        )
        for o in offerings
    ]


def event_list() -> list[CorporateEvent]:
    events = list(
        CorporateEvent.objects.select_related("issuer", "trigger")
        .prefetch_related("related_events")
        .order_by("-effective_date", "-id")
    )
    for event in events:
        event.kind_label = EVENT_KIND_LABELS.get(event.kind, event.kind)
    return events


def offerings_page(request, *, offering_form=None, sale_formset=None, event_form=None):
    finance = is_finance(request.user)
    context = {
        "offerings": offering_rows(),
        "events": event_list(),
        "can_write": finance,
    }
    if finance:
        context["offering_form"] = offering_form or OfferingForm()
        context["sale_formset"] = sale_formset or SaleFormSet(prefix=SALES_PREFIX)
        context["event_form"] = event_form or EventForm()
    return TemplateResponse(request, "offerings/offerings.html", context)


class OfferingsView(StaffPageMixin, View):
    """The offerings and corporate events, newest first; Finance records new ones."""

    def get(self, request):
        return offerings_page(request)


def _more_sale_rows(request):
    """The same offering form with more blank sale rows, without judging it yet.

    Works without JavaScript (a submit button); with htmx only the form is swapped.
    """
    bound = SaleFormSet(request.POST, prefix=SALES_PREFIX)
    # Every row as typed, blanks included so the order is kept, then the new blank rows.
    # Unbound, with the rows as initial data: no errors for a form not yet submitted.
    rows = [{name: form[name].value() for name in form.fields} for form in bound.forms]
    formset = SaleFormSet(prefix=SALES_PREFIX, initial=rows)
    offering_form = OfferingForm(initial={k: v for k, v in request.POST.items()})
    if request.htmx:
        context = {"offering_form": offering_form, "sale_formset": formset, "can_write": True}
        return render_page_or_fragment(
            request, "offerings/offerings.html", "offering-form", context
        )
    return offerings_page(request, offering_form=offering_form, sale_formset=formset)


def _offering_duplicate_details(offering: Offering) -> list[tuple[str, str]]:
    return [
        ("Issuer", offering.issuer.name),
        ("Kind", OFFERING_KIND_LABELS.get(offering.kind, offering.kind)),
        ("Closing date", f"{offering.closing_date:%Y-%m-%d}"),
        (
            "Gross proceeds",
            f"{offering.gross_proceeds.currency} {offering.gross_proceeds.amount:,.2f}",
        ),
        ("Description", offering.description or "—"),
    ]


class OfferingRecordView(StaffPageMixin, View):
    """POST an offering with its sales in order (Finance) → `offering_record`."""

    http_method_names = ["get", "post"]

    def get(self, request):
        # The form's address opened again (after a refusal): the form is on the list.
        return redirect("offerings:list")

    def post(self, request):
        finance_required(request)
        if "more_rows" in request.POST:
            return _more_sale_rows(request)
        form = OfferingForm(request.POST)
        formset = SaleFormSet(request.POST, prefix=SALES_PREFIX)
        terms_valid, sales_valid = form.is_valid(), formset.is_valid()
        if not (terms_valid and sales_valid):
            return offerings_page(request, offering_form=form, sale_formset=formset)
        data = form.cleaned_data
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: services.offering_record(
                    issuer=data["issuer"],
                    kind=data["kind"],
                    closing_date=data["closing_date"],
                    gross_proceeds=data["gross_proceeds"],
                    sales=formset.sales(),
                    units=form.units(),
                    description=data["description"],
                    currency=data["currency"],
                    confirm_duplicate=duplicate_confirmed(request),
                    recorded_by=request.user,
                ),
                location=lambda offering: reverse("offerings:detail", args=[offering.pk]),
            )
        except LikelyDuplicate as exc:
            return duplicate_confirm_response(
                request,
                exc=exc,
                what="offering",
                earlier_url=reverse("offerings:detail", args=[exc.earlier.pk]),
                cancel_url=reverse("offerings:list"),
                details=_offering_duplicate_details(exc.earlier),
            )
        except ValidationError as exc:
            _form_errors_from_service(form, exc, formset)
            return offerings_page(request, offering_form=form, sale_formset=formset)
        except IdempotencyConflict:
            key_spent_on_form(form, what="offering")
            return offerings_page(request, offering_form=form, sale_formset=formset)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="offering")
        offering = outcome.value
        messages.success(
            request,
            f"Recorded the {OFFERING_KIND_LABELS[offering.kind]} closing {offering.closing_date} "
            f"({offering.gross_proceeds.currency} {offering.gross_proceeds.amount:,.2f}); "
            + (
                AWAITING_APPROVAL
                if getattr(offering, "pending_action", None)
                else "what it brings about (conversions, §6.1 notices) is shown with its"
                " trigger below."
            ),
        )
        return redirect("offerings:detail", pk=offering.pk)


AWAITING_APPROVAL = (
    "it converts notes automatically (§5.2), so nothing converts until a second Finance "
    "user approves it (four eyes; see Approvals)."
)


class EventRecordView(StaffPageMixin, View):
    """POST a corporate event (Finance) → `event_record`."""

    http_method_names = ["get", "post"]

    def get(self, request):
        return redirect("offerings:list")

    def post(self, request):
        finance_required(request)
        form = EventForm(request.POST)
        if not form.is_valid():
            return offerings_page(request, event_form=form)
        data = form.cleaned_data
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: services.event_record(
                    issuer=data["issuer"],
                    kind=data["kind"],
                    effective_date=data["effective_date"],
                    voting_power_pct=data["voting_power_pct"],
                    related_events=data["related_events"],
                    description=data["description"],
                    recorded_by=request.user,
                ),
                location=lambda event: f"{reverse('offerings:list')}#event-{event.pk}",
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return offerings_page(request, event_form=form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="corporate event")
            return offerings_page(request, event_form=form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="corporate event")
        event = outcome.value
        messages.success(
            request,
            f"Recorded the {EVENT_KIND_LABELS[event.kind].lower()} effective "
            f"{event.effective_date}; "
            + (
                AWAITING_APPROVAL
                if getattr(event, "pending_action", None)
                else "what it brings about is shown with its trigger below."
            ),
        )
        return redirect(f"{reverse('offerings:list')}#event-{event.pk}")

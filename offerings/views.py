"""Staff pages for offerings, corporate events, conversions and Notices of Election (§5–§7).

As on the note pages, a view parses input, calls one service for a write, and
chooses what to render; whether an offering qualifies, what its price is and
what it converted come from `offerings.services` and the domain core. Finance
sees the forms; Auditors see the same pages without them and get 403 if they
POST anyway. A refusal comes back on the form and records nothing (the
services are atomic); a state conflict (the 409s of the API) comes back as a
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from notes.form_writes import (
    already_recorded_redirect,
    duplicate_confirm_response,
    duplicate_confirmed,
    form_record_once,
    key_spent_on_form,
)
from notes.models import Note, NoteSeries, NoteStatus
from notes.permissions import is_finance
from notes.services.payments import IdempotencyConflict, LikelyDuplicate, NoteStateConflict
from notes.views import (
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
    AllocationForm,
    ConversionFilterForm,
    ElectionForm,
    EventForm,
    OfferingForm,
    PriceDeterminationForm,
    SaleFormSet,
)
from offerings.models import (
    Conversion,
    ConversionStatus,
    CorporateEvent,
    NoticeObligation,
    Offering,
    OfferingSale,
)
from offerings.services import offering_qualifies

CONVERSIONS_PER_PAGE = 100
ACTIVE_STATUSES = (NoteStatus.OUTSTANDING, NoteStatus.ACCELERATED)


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


# --- Offerings and corporate events ---------------------------------------------------


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

    http_method_names = ["post"]

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
            "what it brings about (conversions, §6.1 notices) is shown with its trigger below.",
        )
        return redirect("offerings:detail", pk=offering.pk)


class EventRecordView(StaffPageMixin, View):
    """POST a corporate event (Finance) → `event_record`."""

    http_method_names = ["post"]

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
            "what it brings about is shown with its trigger below.",
        )
        return redirect(f"{reverse('offerings:list')}#event-{event.pk}")


# --- One offering -----------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesQualification:
    series: NoteSeries
    qualifies_voluntary: bool
    qualifies_automatic: bool
    window: tuple[date, date] | None
    obligations: list[NoticeObligation]


def conversion_list():
    return Conversion.objects.select_related(
        "note__holder", "note__series__issuer", "offering", "event"
    ).prefetch_related("obligations")


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
    }
    return TemplateResponse(request, "offerings/offering_detail.html", context)


def offering_get(pk: int) -> Offering:
    return get_object_or_404(Offering.objects.select_related("issuer", "trigger"), pk=pk)


class OfferingDetailView(StaffPageMixin, View):
    def get(self, request, pk: int):
        return offering_detail_response(request, offering_get(pk))


class OfferingAllocationView(StaffPageMixin, View):
    """POST the share/warrant allocation of a units offering (Finance)."""

    http_method_names = ["post"]

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


# --- Conversions ------------------------------------------------------------------------


class ConversionsView(StaffPageMixin, View):
    """Every conversion, filtered by status and series; htmx swaps the table only.

    The query count does not grow with the rows: notes, holders, series,
    offerings and events come in the same query, §6.2 obligations in one more.
    """

    template_name = "offerings/conversions.html"

    def get(self, request, *, price_form: PriceDeterminationForm | None = None):
        filters = ConversionFilterForm(request.GET or None)
        conversions = conversion_list().order_by("-conversion_date", "note__number", "id")
        if filters.is_valid():
            if filters.cleaned_data["status"]:
                conversions = conversions.filter(status=filters.cleaned_data["status"])
            if filters.cleaned_data["series"]:
                conversions = conversions.filter(note__series=filters.cleaned_data["series"])
        page = Paginator(conversions, CONVERSIONS_PER_PAGE).get_page(request.GET.get("page"))
        finance = is_finance(request.user)
        rows = []
        for conversion in page.object_list:
            form = None
            if finance and conversion.status == ConversionStatus.AWAITING_PRICE:
                if price_form is not None and price_form.conversion_id == conversion.pk:
                    form = price_form
                else:
                    form = PriceDeterminationForm(conversion_id=conversion.pk)
            rows.append((conversion, form))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filters": filters,
            "rows": rows,
            "page_obj": page,
            "query": query.urlencode(),
            # The price forms post back to this very view of the list (filters and page).
            "here": request.GET.urlencode(),
            "can_write": finance,
        }
        return render_page_or_fragment(request, self.template_name, "conversion-table", context)


class PriceDeterminationView(StaffPageMixin, View):
    """POST a price determination for an `awaiting_price` conversion (Finance)."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        finance_required(request)
        conversion = get_object_or_404(Conversion.objects.select_related("note"), pk=pk)
        form = PriceDeterminationForm(request.POST, conversion_id=conversion.pk)
        back = f"{reverse('offerings:conversions')}?{request.GET.urlencode()}"
        if form.is_valid():
            try:
                outcome = form_record_once(
                    request,
                    form=form,
                    write=lambda: services.conversion_price_determine(
                        conversion=conversion,
                        price=form.cleaned_data["price"],
                        source=form.cleaned_data["source"],
                        determined_by=request.user,
                    ),
                    location=lambda done: f"{back}#conversion-{done.pk}",
                )
            except ValidationError as exc:
                service_errors_to_form(form, exc)
            except NoteStateConflict as exc:
                messages.error(request, str(exc))
                return redirect(back)
            except IdempotencyConflict:
                key_spent_on_form(form, what="price determination")
            else:
                if outcome.replayed:
                    return already_recorded_redirect(
                        request, outcome, what="price determination"
                    )
                done = outcome.value
                messages.success(
                    request,
                    f"{done.note} converted at {done.conversion_price}: {done.shares:,} shares, "
                    f"cash in lieu {done.currency} {done.cash_in_lieu:,.2f} due "
                    f"{done.cash_due_date}.",
                )
                return redirect(f"{back}#conversion-{done.pk}")
        return ConversionsView().get(request, price_form=form)


# --- Notice of Election -----------------------------------------------------------------


class ElectionRecordView(StaffPageMixin, View):
    """A Notice of Election (Exhibit A) for a note → its voluntary conversion (§5.1, §6.1)."""

    template_name = "offerings/election.html"

    def note_get(self, note_pk: int) -> Note:
        return get_object_or_404(
            Note.objects.select_related("series__issuer", "holder"), pk=note_pk
        )

    def qualified_offerings(self, note: Note) -> list[Offering]:
        """The issuer's $3 Million Qualified Offerings under the note's series terms."""
        thresholds = services.series_thresholds(note.series)
        return [
            o
            for o in Offering.objects.filter(issuer_id=note.series.issuer_id).order_by(
                "-closing_date", "-id"
            )
            if qualifies_voluntary(o.kind, o.gross_proceeds.amount, thresholds)
        ]

    def window_label(self, note: Note):
        def label(offering: Offering) -> str:
            opens, closes = services.voluntary_window(offering, note.series)
            return (
                f"PIPE closing {offering.closing_date}, {offering.gross_proceeds.currency} "
                f"{offering.gross_proceeds.amount:,.2f} — window {opens} through {closes}, "
                f"Conversion Price {offering.conversion_price or 'not yet set'}"
            )

        return label

    def form_for(self, note: Note, offerings: list[Offering], data=None) -> ElectionForm:
        return ElectionForm(
            data,
            offerings=Offering.objects.filter(pk__in=[o.pk for o in offerings]).order_by(
                "-closing_date", "-id"
            ),
            window_of=self.window_label(note),
        )

    def render(self, request, note: Note, offerings: list[Offering], form=None):
        finance = is_finance(request.user)
        active = note.status in ACTIVE_STATUSES
        if finance and form is None and active and offerings:
            form = self.form_for(note, offerings)
        label = self.window_label(note)
        context = {
            "note": note,
            "offerings": [(o, label(o)) for o in offerings],
            "form": form if finance else None,
            "can_write": finance,
            "active": active,
        }
        return TemplateResponse(request, self.template_name, context)

    def get(self, request, note_pk: int):
        note = self.note_get(note_pk)
        return self.render(request, note, self.qualified_offerings(note))

    def post(self, request, note_pk: int):
        finance_required(request)
        note = self.note_get(note_pk)
        offerings = self.qualified_offerings(note)
        form = self.form_for(note, offerings, request.POST)
        if not form.is_valid():
            return self.render(request, note, offerings, form)
        data = form.cleaned_data
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: services.election_record(
                    note=note,
                    offering=data["offering"],
                    received_on=data["received_on"],
                    certificate_names=data["certificate_names"],
                    address=data["address"],
                    tax_id=data["tax_id"],
                    recorded_by=request.user,
                ),
                location=lambda conversion: reverse("note-detail", args=[note.pk]),
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return self.render(request, note, offerings, form)
        except NoteStateConflict as exc:
            form.add_error(None, str(exc))
            return self.render(request, note, offerings, form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="Notice of Election")
            return self.render(request, note, offerings, form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="Notice of Election")
        conversion = outcome.value
        if conversion.status == ConversionStatus.DONE:
            messages.success(
                request,
                f"Recorded the Notice of Election received {conversion.conversion_date}: "
                f"{note} converted at {conversion.conversion_price} into "
                f"{conversion.shares:,} shares of Common Stock; cash in lieu "
                f"{conversion.currency} {conversion.cash_in_lieu:,.2f} due "
                f"{conversion.cash_due_date}.",
            )
        else:
            messages.warning(
                request,
                f"Recorded the Notice of Election received {conversion.conversion_date}: "
                f"{note} converted on that day; its shares wait for the Conversion Price "
                f"({conversion.price_source}).",
            )
        return redirect("note-detail", pk=note.pk)

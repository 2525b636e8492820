"""The conversions page, and the price determination of an `awaiting_price` conversion (§5, §7).

Every conversion, filtered by status and series, one page of rows at a time;
htmx swaps the table only. Finance determines the Conversion Price of a
conversion that waits for one (`conversion_price_determine`), which settles its
shares and cash in lieu (§7); a refusal comes back on the row's form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View

from approvals.models import PendingAction
from approvals.services import ApprovalConflict
from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import (
    StaffPageMixin,
    finance_required,
    render_page_or_fragment,
    service_errors_to_form,
)
from notes.services.payments import NoteStateConflict
from offerings.forms import ConversionFilterForm, PriceDeterminationForm
from offerings.models import Conversion, ConversionStatus
from offerings.services.four_eyes import price_determination_request
from offerings.views.shared import conversion_list

CONVERSIONS_PER_PAGE = 100


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

    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        # The form's address opened again (after a refusal): the form is on the list.
        return redirect(f"{reverse('offerings:conversions')}?status=awaiting_price")

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
                    write=lambda: price_determination_request(
                        conversion=conversion,
                        price=form.cleaned_data["price"],
                        source=form.cleaned_data["source"],
                        determined_by=request.user,
                    ),
                    location=lambda done: f"{back}#conversion-{done.pk}",
                )
            except ValidationError as exc:
                service_errors_to_form(form, exc)
            except (NoteStateConflict, ApprovalConflict) as exc:
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
                if isinstance(done, PendingAction):
                    messages.success(
                        request,
                        f"Price determination for {conversion.note} held for approval: it takes "
                        "effect when a second Finance user approves it (four eyes).",
                    )
                    return redirect("approvals:detail", pk=done.pk)
                messages.success(
                    request,
                    f"{done.note} converted at {done.conversion_price}: {done.shares:,} shares, "
                    f"cash in lieu {done.currency} {done.cash_in_lieu:,.2f} due "
                    f"{done.cash_due_date}.",
                )
                return redirect(f"{back}#conversion-{done.pk}")
        return ConversionsView().get(request, price_form=form)

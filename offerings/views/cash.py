"""Cash in lieu of fractional shares (§7): what a conversion owes, and recording it paid.

GET shows the conversion's cash in lieu — due, paid, unpaid, and whether it
was paid within its ten days (`cash_in_lieu_state`) — with the form; POST
records a payment (`cash_in_lieu_payment_record`, Finance, once per rendered
form). The same form sits on the converted note's page and posts here with
`next`, where the user goes back to after recording. A refusal comes back on
this page, beside its field and at the top.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import StaffPageMixin, finance_required, service_errors_to_form
from notes.services.payments import NoteStateConflict
from offerings.forms import CashInLieuForm
from offerings.models import Conversion
from offerings.services.cash import cash_in_lieu_payment_record, cash_in_lieu_summary


def _next_url(request, conversion: Conversion) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return f"{reverse('offerings:conversions')}#conversion-{conversion.pk}"


def _page(request, conversion: Conversion, form: CashInLieuForm | None = None):
    cash = cash_in_lieu_summary(conversion)
    if form is None and is_finance(request.user) and cash and cash["payable"]:
        form = CashInLieuForm(initial={"amount": cash["state"].unpaid})
    context = {
        "conversion": conversion,
        "cash": cash,
        "payments": sorted(conversion.cash_payments.all(), key=lambda p: (p.paid_on, p.pk)),
        "form": form if is_finance(request.user) else None,
        "next": request.POST.get("next") or request.GET.get("next") or "",
    }
    return TemplateResponse(request, "offerings/cash_in_lieu.html", context)


def _conversion_get(pk: int) -> Conversion:
    return get_object_or_404(
        Conversion.objects.select_related("note__holder", "note__series").prefetch_related(
            "cash_payments"
        ),
        pk=pk,
    )


class CashInLieuView(StaffPageMixin, View):
    """A conversion's cash in lieu; Finance records what was paid (§7)."""

    def get(self, request, pk: int):
        return _page(request, _conversion_get(pk))

    def post(self, request, pk: int):
        finance_required(request)
        conversion = _conversion_get(pk)
        form = CashInLieuForm(request.POST)
        if not form.is_valid():
            return _page(request, conversion, form)
        data = form.cleaned_data
        back = _next_url(request, conversion)
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: cash_in_lieu_payment_record(
                    conversion=conversion,
                    paid_on=data["paid_on"],
                    amount=data["amount"],
                    method=data["method"],
                    reference=data["reference"],
                    recorded_by=request.user,
                ),
                location=lambda payment: back,
            )
        except ValidationError as exc:  # CashInLieuRefused
            service_errors_to_form(form, exc)
            messages.error(request, "Cash in lieu not recorded: " + " ".join(exc.messages))
            return _page(request, conversion, form)
        except NoteStateConflict as exc:
            form.add_error(None, str(exc))
            messages.error(request, f"Cash in lieu not recorded: {exc}")
            return _page(request, conversion, form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="cash-in-lieu payment")
            return _page(request, conversion, form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="cash-in-lieu payment")
        payment = outcome.value
        messages.success(
            request,
            f"Recorded cash in lieu of {payment.currency} {payment.amount:,.2f} paid "
            f"{payment.paid_on} for {conversion.note} (§7).",
        )
        return redirect(back)

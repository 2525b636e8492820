"""Staff pages of the holder register: the list, a holder's page, and Finance's forms.

Finance adds and changes holders; Auditors see the same pages without the
forms and get 403 if they POST anyway; a holder's login goes to the portal.
A holder's notes and notices are shown through the template tags of the apps
that own them (`{% holder_notes %}`, `{% holder_notices %}`): this app sits
below both and never imports them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from core.form_writes import (
    already_recorded_redirect,
    form_record_once,
    key_spent_on_form,
)
from core.history import record_history
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import StaffPageMixin, finance_required, service_errors_to_form
from holders import selectors, services
from holders.forms import (
    FirstAddressForm,
    HolderAddressCreateForm,
    HolderCreateForm,
    HolderForm,
    HolderSearchForm,
)
from holders.models import Holder

HOLDERS_PER_PAGE = 50


class HolderListView(StaffPageMixin, View):
    """`?q=` searches names and e-mails, `?kind=` narrows by kind, `?page=` pages."""

    def get(self, request):
        form = HolderSearchForm(request.GET or None)
        holders = selectors.holder_list(search=form.value("q"), kind=form.value("kind"))
        page = Paginator(holders, HOLDERS_PER_PAGE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "holders/holders.html",
            {"form": form, "holders": page, "can_write": is_finance(request.user)},
        )


class HolderDetailView(StaffPageMixin, View):
    def get(self, request, pk: int):
        holder = get_object_or_404(Holder.objects, pk=pk)
        return holder_detail_response(request, holder)


def holder_detail_response(request, holder: Holder, *, address_form=None, status=200):
    finance = is_finance(request.user)
    if finance and address_form is None:
        address_form = HolderAddressCreateForm()
    context = {
        "holder": holder,
        "addresses": selectors.holder_addresses(holder),
        "address_form": address_form if finance else None,
        "can_write": finance,
        "entries": record_history(holder),
    }
    return TemplateResponse(request, "holders/holder_detail.html", context, status=status)


class HolderCreateView(StaffPageMixin, View):
    """Finance adds a holder (once per rendered form), with a first address if given."""

    template_name = "holders/holder_form.html"

    def render(self, request, form, address_form):
        return TemplateResponse(
            request,
            self.template_name,
            {"form": form, "address_form": address_form, "holder": None},
        )

    def get(self, request):
        finance_required(request)
        return self.render(request, HolderCreateForm(), FirstAddressForm())

    def post(self, request):
        finance_required(request)
        form = HolderCreateForm(request.POST)
        address_form = FirstAddressForm(request.POST)
        forms_valid = form.is_valid() & address_form.is_valid()
        if not forms_valid:
            return self.render(request, form, address_form)
        data = form.cleaned_data
        address = address_form.address() if address_form.has_address() else None

        def write():
            return services.holder_create(
                name=data["name"],
                kind=data["kind"],
                email=data["email"],
                tax_id=data["tax_id"],
                address=address,
                address_effective_from=(
                    address_form.cleaned_data["effective_from"] if address else None
                ),
            )

        try:
            outcome = form_record_once(
                request,
                form=form,
                write=write,
                location=lambda holder: reverse("holders:detail", args=[holder.pk]),
            )
        except ValidationError as exc:
            address_errors = {}
            if hasattr(exc, "error_dict"):
                # The address's own refusals belong on the address fields.
                address_errors = {
                    k: v for k, v in exc.error_dict.items() if k in address_form.fields
                    and k not in form.fields
                }
                for field, errors in address_errors.items():
                    for error in errors:
                        address_form.add_error(field, error)
                rest = {k: v for k, v in exc.error_dict.items() if k not in address_errors}
                exc = ValidationError(rest) if rest else None
            if exc is not None:
                service_errors_to_form(form, exc)
            return self.render(request, form, address_form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="holder")
            return self.render(request, form, address_form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="holder")
        holder = outcome.value
        messages.success(request, f"Added {holder.name} to the holder register.")
        return redirect("holders:detail", holder.pk)


class HolderEditView(StaffPageMixin, View):
    """Finance changes a holder's particulars; the address is changed on the holder's page."""

    template_name = "holders/holder_form.html"

    def render(self, request, holder, form):
        return TemplateResponse(
            request, self.template_name, {"form": form, "address_form": None, "holder": holder}
        )

    def get(self, request, pk: int):
        finance_required(request)
        holder = get_object_or_404(Holder, pk=pk)
        initial = {
            "name": holder.name,
            "kind": holder.kind,
            "email": holder.email,
        }
        return self.render(request, holder, HolderForm(initial=initial, holder=holder))

    def post(self, request, pk: int):
        finance_required(request)
        holder = get_object_or_404(Holder, pk=pk)
        form = HolderForm(request.POST, holder=holder)
        if not form.is_valid():
            return self.render(request, holder, form)
        data = form.cleaned_data
        try:
            holder = services.holder_update(
                holder=holder,
                name=data["name"],
                kind=data["kind"],
                email=data["email"],
                # Write-only: a blank field keeps the tax ID on record.
                tax_id=form.tax_id_change(services.KEEP),
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return self.render(request, holder, form)
        messages.success(request, f"Saved the changes to {holder.name}.")
        return redirect("holders:detail", holder.pk)


class HolderAddressAddView(StaffPageMixin, View):
    """POST a new address (Finance), in effect from its date; the history stays."""

    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        return redirect("holders:detail", pk)

    def post(self, request, pk: int):
        finance_required(request)
        holder = get_object_or_404(Holder.objects, pk=pk)
        form = HolderAddressCreateForm(request.POST)
        if not form.is_valid():
            return holder_detail_response(request, holder, address_form=form)
        holder_url = reverse("holders:detail", args=[holder.pk])
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: services.holder_address_add(
                    holder=holder,
                    effective_from=form.cleaned_data["effective_from"],
                    **form.address(),
                ),
                location=lambda address: f"{holder_url}#addresses",
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return holder_detail_response(request, holder, address_form=form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="address")
            return holder_detail_response(request, holder, address_form=form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="address")
        address = outcome.value
        messages.success(
            request,
            f"Recorded the new address of {holder.name}, in effect from "
            f"{address.effective_from:%Y-%m-%d}; the earlier ones stay in the history.",
        )
        return redirect(f"{holder_url}#addresses")

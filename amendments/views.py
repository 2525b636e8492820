"""Staff pages: the amendments and waivers (§9), one amendment with its consent table.

Finance proposes an amendment, records the Company's and each holder's written
consent; each form carries a one-time key, so a double click records once.
Auditors read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from amendments.domain import share_percent_text
from amendments.forms import AmendmentProposeForm, HolderConsentForm, IssuerConsentForm
from amendments.selectors import amendment_list, amendment_tally_get
from amendments.services import (
    AmendmentConflict,
    amendment_holder_consent_record,
    amendment_issuer_consent_record,
    amendment_propose,
)
from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import StaffPageMixin, finance_required, service_errors_to_form


def _detail_url(amendment) -> str:
    return reverse("amendments:detail", args=[amendment.pk])


class AmendmentListView(StaffPageMixin, View):
    def get(self, request, *, propose_form=None):
        amendments = amendment_list()
        series_id = request.GET.get("series")
        if series_id and series_id.isdigit():
            amendments = amendments.filter(series_id=int(series_id))
        if propose_form is None and is_finance(request.user):
            initial = {"series": int(series_id)} if series_id and series_id.isdigit() else {}
            propose_form = AmendmentProposeForm(initial=initial)
        context = {"amendments": list(amendments), "propose_form": propose_form}
        return TemplateResponse(request, "amendments/list.html", context)

    def post(self, request):
        finance_required(request)
        form = AmendmentProposeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = form_record_once(
                    request, form=form,
                    write=lambda: amendment_propose(
                        series=data["series"], kind=data["kind"], title=data["title"],
                        summary=data["summary"], issuer_consented_on=data["issuer_consented_on"],
                        recorded_by=request.user,
                    ),
                    location=_detail_url,
                )
            except ValidationError as exc:
                service_errors_to_form(form, exc)
            except IdempotencyConflict:
                key_spent_on_form(form, what="amendment")
            else:
                if outcome.replayed:
                    return already_recorded_redirect(request, outcome, what="amendment")
                messages.success(request, f"Proposed: {outcome.value}. Record the consents below.")
                return redirect(_detail_url(outcome.value))
        return self.get(request, propose_form=form)


class AmendmentDetailView(StaffPageMixin, View):
    def get(self, request, pk: int, *, issuer_form=None, consent_form=None):
        amendment = get_object_or_404(amendment_list(), pk=pk)
        tally = amendment_tally_get(amendment=amendment)
        finance = is_finance(request.user)
        if finance and issuer_form is None and amendment.issuer_consented_on is None:
            issuer_form = IssuerConsentForm()
        if finance and consent_form is None:
            consent_form = HolderConsentForm(series_id=amendment.series_id)
        rows = [
            {"line": line, "share": share_percent_text(line.row.share)} for line in tally.lines
        ]
        context = {
            "amendment": amendment,
            "tally": tally,
            "rows": rows,
            "share_today": share_percent_text(tally.share),
            "issuer_form": issuer_form if finance else None,
            "consent_form": consent_form if finance else None,
            "currency": amendment.series.currency,
        }
        return TemplateResponse(request, "amendments/detail.html", context)


def _record(request, pk: int, *, form, write, what: str, done):
    amendment = get_object_or_404(amendment_list(), pk=pk)
    if form.is_valid():
        try:
            outcome = form_record_once(
                request, form=form, write=lambda: write(amendment, form.cleaned_data),
                location=lambda _record: _detail_url(amendment),
            )
        except AmendmentConflict as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            service_errors_to_form(form, exc)
        except IdempotencyConflict:
            key_spent_on_form(form, what=what)
        else:
            if outcome.replayed:
                return already_recorded_redirect(request, outcome, what=what)
            amendment.refresh_from_db()
            messages.success(request, done(amendment))
            return redirect(_detail_url(amendment) + "#consents")
    return None


def _effect_message(amendment) -> str:
    if amendment.effective_on:
        return (
            f" It took effect on {amendment.effective_on} (§9); the holders are sent a notice "
            "of it by the notice job."
        )
    return ""


class IssuerConsentView(StaffPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        finance_required(request)
        form = IssuerConsentForm(request.POST)
        response = _record(
            request, pk, form=form, what="Company consent",
            write=lambda amendment, data: amendment_issuer_consent_record(
                amendment=amendment, consented_on=data["consented_on"], recorded_by=request.user
            ),
            done=lambda a: "Recorded the Company's written consent." + _effect_message(a),
        )
        return response or AmendmentDetailView().get(request, pk, issuer_form=form)


class HolderConsentView(StaffPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        finance_required(request)
        amendment = get_object_or_404(amendment_list(), pk=pk)
        form = HolderConsentForm(request.POST, series_id=amendment.series_id)
        response = _record(
            request, pk, form=form, what="consent",
            write=lambda amendment, data: amendment_holder_consent_record(
                amendment=amendment, holder=data["holder"], consented_on=data["consented_on"],
                reference=data["reference"], recorded_by=request.user,
            ),
            done=lambda a: "Recorded the holder's written consent." + _effect_message(a),
        )
        return response or AmendmentDetailView().get(request, pk, consent_form=form)

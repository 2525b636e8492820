"""Failed background jobs (dead letters): Finance and Auditors read, Finance resolves."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from core.dead_letters import NOTE_MAX, dead_letter_resolve, dead_letters_with_state
from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.forms import OneTimeKeyMixin
from core.idempotency import IdempotencyConflict
from core.models import DeadLetter
from core.permissions import is_finance
from core.views import StaffPageMixin, finance_required, service_errors_to_form

STATES = {"open": False, "resolved": True}


class ResolutionForm(OneTimeKeyMixin, forms.Form):
    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
        help_text="E.g. re-ran the servicing run from the Servicing page; corrected the address.",
        error_messages={"required": "Say what was done about this failed job."},
    )


class DeadLetterListView(StaffPageMixin, View):
    def get(self, request):
        state = request.GET.get("state", "open")
        letters = dead_letters_with_state()
        if state in STATES:
            letters = letters.filter(is_resolved=STATES[state])
        page = Paginator(letters, 50).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "core/dead_letters.html",
            {"page": page, "state": state, "open_count": dead_letters_with_state()
             .filter(is_resolved=False).count()},
        )


def _detail(request, letter, form=None, status=200):
    return TemplateResponse(
        request,
        "core/dead_letter_detail.html",
        {
            "letter": letter,
            "resolutions": letter.resolutions.select_related("resolved_by"),
            "form": form if form is not None else (ResolutionForm() if is_finance(request.user)
                                                  else None),
        },
        status=status,
    )


class DeadLetterDetailView(StaffPageMixin, View):
    def get(self, request, pk: int):
        return _detail(request, get_object_or_404(DeadLetter, pk=pk))

    def post(self, request, pk: int):
        finance_required(request)
        letter = get_object_or_404(DeadLetter, pk=pk)
        form = ResolutionForm(request.POST)
        if not form.is_valid():
            return _detail(request, letter, form, status=400)
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: dead_letter_resolve(
                    dead_letter=letter, user=request.user, note=form.cleaned_data["note"]
                ),
                location=lambda resolution: reverse("dead-letter", args=[letter.pk]),
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return _detail(request, letter, form, status=400)
        except IdempotencyConflict:
            key_spent_on_form(form, what="resolution")
            return _detail(request, letter, form, status=409)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="resolution")
        messages.success(request, f"Resolution recorded for failed job #{letter.pk}.")
        return redirect("dead-letter", pk=letter.pk)

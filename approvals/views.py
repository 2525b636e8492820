"""Staff pages: the actions awaiting approval, and one action with approve / withdraw forms.

Finance approves (never the one who recorded it) or withdraws with a reason;
Auditors read. Both forms carry one-time keys: a double click or two approvers
at once decide once (the service also holds the action's row lock).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from approvals.forms import ApproveForm, WithdrawForm
from approvals.models import ActionStatus
from approvals.selectors import pending_action_list
from approvals.services import (
    ApprovalConflict,
    ApprovalRefused,
    pending_action_approve,
    pending_action_withdraw,
)
from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import StaffPageMixin, finance_required, service_errors_to_form


class PendingActionListView(StaffPageMixin, View):
    def get(self, request):
        actions = pending_action_list()
        context = {
            "open": list(actions.filter(status=ActionStatus.PENDING).order_by("requested_at")),
            "decided": list(actions.exclude(status=ActionStatus.PENDING)[:50]),
        }
        return TemplateResponse(request, "approvals/list.html", context)


class PendingActionDetailView(StaffPageMixin, View):
    def get(self, request, pk: int, *, approve_form=None, withdraw_form=None):
        action = get_object_or_404(pending_action_list(), pk=pk)
        finance = is_finance(request.user) and action.is_pending
        context = {
            "action": action,
            "can_decide": finance,
            "is_maker": action.requested_by_id == request.user.pk,
            "approve_form": approve_form or (ApproveForm() if finance else None),
            "withdraw_form": withdraw_form or (WithdrawForm() if finance else None),
        }
        return TemplateResponse(request, "approvals/detail.html", context)


def _decide(request, pk: int, *, form_class, decide, what: str, done_message):
    finance_required(request)
    action = get_object_or_404(pending_action_list(), pk=pk)
    form = form_class(request.POST)
    here = reverse("approvals:detail", args=[action.pk])
    if form.is_valid():
        try:
            outcome = form_record_once(
                request, form=form, write=lambda: decide(action, form),
                location=lambda _decided: here,
            )
        except (ApprovalRefused, ApprovalConflict) as exc:
            messages.error(request, str(exc))
            return redirect(here)
        except ValidationError as exc:
            service_errors_to_form(form, exc)
        except IdempotencyConflict:
            key_spent_on_form(form, what=what)
        else:
            if outcome.replayed:
                return already_recorded_redirect(request, outcome, what=what)
            messages.success(request, done_message(outcome.value))
            return redirect(here)
    kwargs = {"approve_form": form} if form_class is ApproveForm else {"withdraw_form": form}
    return PendingActionDetailView().get(request, pk, **kwargs)


class PendingActionApproveView(StaffPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        return _decide(
            request, pk, form_class=ApproveForm, what="approval",
            decide=lambda action, form: pending_action_approve(
                action=action, approved_by=request.user
            ),
            done_message=lambda action: f"Approved; it took effect: {action.outcome}",
        )


class PendingActionWithdrawView(StaffPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        return _decide(
            request, pk, form_class=WithdrawForm, what="withdrawal",
            decide=lambda action, form: pending_action_withdraw(
                action=action, withdrawn_by=request.user, reason=form.cleaned_data["reason"]
            ),
            done_message=lambda action: "Withdrawn: it will never take effect.",
        )

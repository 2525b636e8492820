"""Opening, approving and withdrawing pending actions (four-eyes).

The maker's request is kept as a `PendingAction`; a second Finance user's
approval carries it out, in the same transaction and under the action's row
lock, so two approvals at once (a double click, two approvers) have exactly
one effect: the second waits for the first to commit, then finds the action
approved and is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.models import ActionStatus, PendingAction
from approvals.registry import effect_for
from core.permissions import is_finance


class ApprovalRefused(PermissionDenied):
    """The user may not decide this action (API: 403)."""


class ApprovalConflict(Exception):
    """The action is no longer pending, or the record already has one open (API: 409)."""


def four_eyes_required() -> bool:
    """Whether irreversible actions wait for a second Finance user (`NOTEDESK_FOUR_EYES`)."""
    return bool(getattr(settings, "NOTEDESK_FOUR_EYES", False))


def _who(user) -> str:
    if user is None:
        return "an unknown user"
    return user.get_full_name() or user.get_username()


def pending_action_open(
    *, kind: str, subject, summary: str, payload: dict, location: str = "", requested_by=None
) -> PendingAction:
    """Hold an action for a second Finance user's approval.

    Call inside the maker's transaction: the record it refers to and the
    action commit together.

    Raises:
        ApprovalConflict: the record already has an action of this kind awaiting approval.
    """
    subject_type = ContentType.objects.get_for_model(subject, for_concrete_model=True)
    action = PendingAction(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject.pk,
        summary=summary[:400],
        payload=payload,
        location=location,
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError:
        earlier = PendingAction.objects.filter(
            kind=kind, subject_type=subject_type, subject_id=subject.pk,
            status=ActionStatus.PENDING,
        ).first()
        raise ApprovalConflict(
            f"{subject} already has a {action.get_kind_display().lower()} awaiting approval"
            + (f" (#{earlier.pk})" if earlier else "")
            + ": approve or withdraw it first."
        ) from None
    return action


def _locked(action: PendingAction) -> PendingAction:
    return PendingAction.objects.select_for_update(of=("self",)).select_related(
        "requested_by", "decided_by"
    ).get(pk=action.pk)


def _refuse_decided(action: PendingAction) -> None:
    if action.status != ActionStatus.PENDING:
        when = timezone.localtime(action.decided_at)
        raise ApprovalConflict(
            f"This action was already {action.get_status_display().lower()} by "
            f"{_who(action.decided_by)} on {when:%Y-%m-%d at %H:%M}; nothing was changed."
        )


def pending_action_approve(*, action: PendingAction, approved_by) -> PendingAction:
    """Approve an action and carry it out, once.

    Raises:
        ApprovalRefused: the user is not Finance, or is the one who asked for it.
        ApprovalConflict: the action was already approved or withdrawn.
        Whatever the effect raises (e.g. the note converted meanwhile): the
            action then stays pending, and may be withdrawn.
    """
    if not is_finance(approved_by):
        raise ApprovalRefused("Only Finance staff may approve; Auditors read.")
    with transaction.atomic():
        action = _locked(action)
        _refuse_decided(action)
        if action.requested_by_id is not None and action.requested_by_id == approved_by.pk:
            raise ApprovalRefused(
                "Four eyes: the approval must come from another Finance user than the one "
                f"who recorded it ({_who(action.requested_by)})."
            )
        outcome = effect_for(action.kind).approve(action, approved_by)
        action.status = ActionStatus.APPROVED
        action.decided_by = approved_by
        action.decided_at = timezone.now()
        action.outcome = (outcome or "")[:400]
        action.full_clean()
        action.save()
    return action


def pending_action_withdraw(*, action: PendingAction, withdrawn_by, reason: str) -> PendingAction:
    """Withdraw an action so it never takes effect (an offering recorded in error).

    Raises:
        ApprovalRefused: the user is not Finance.
        ValidationError: no reason given.
        ApprovalConflict: the action was already approved or withdrawn.
    """
    if not is_finance(withdrawn_by):
        raise ApprovalRefused("Only Finance staff may withdraw; Auditors read.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why it is withdrawn; the reason is kept with it."})
    with transaction.atomic():
        action = _locked(action)
        _refuse_decided(action)
        effect = effect_for(action.kind)
        if effect.withdraw is not None:
            effect.withdraw(action, withdrawn_by)
        action.status = ActionStatus.WITHDRAWN
        action.decided_by = withdrawn_by
        action.decided_at = timezone.now()
        action.withdrawal_reason = reason
        action.outcome = "Withdrawn: it never took effect."
        action.save()
    return action

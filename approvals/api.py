"""`pending-actions/`: what awaits a second Finance user, and the approve / withdraw calls.

With four-eyes on, the POSTs that would trigger an automatic conversion, determine
a price or accelerate a note answer 202 with the pending action
(`pending_action_accepted`) instead of the effect; the effect happens on
`pending-actions/{id}/approve/`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.response import Response

from approvals.models import PendingAction
from approvals.selectors import pending_action_list
from approvals.services import (
    ApprovalConflict,
    ApprovalRefused,
    pending_action_approve,
    pending_action_withdraw,
)
from core.api_fields import raise_as_api_error
from core.idempotency import IDEMPOTENCY_KEY, idempotent


class PendingActionSerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = PendingAction
        fields = [
            "id",
            "kind",
            "status",
            "summary",
            "subject_type",
            "subject_id",
            "location",
            "payload",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "withdrawal_reason",
            "outcome",
        ]
        read_only_fields = fields

    def get_subject_type(self, action) -> str:
        return f"{action.subject_type.app_label}.{action.subject_type.model}"


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, required=False, default="",
        help_text="Why it should never take effect (required).",
    )


def pending_action_accepted(action: PendingAction) -> Response:
    """The 202 answer of a POST whose effect waits for a second Finance user."""
    return Response(PendingActionSerializer(action).data, status=status.HTTP_202_ACCEPTED)


def _refusal(exc) -> Response:
    refused = isinstance(exc, ApprovalRefused)
    code = status.HTTP_403_FORBIDDEN if refused else status.HTTP_409_CONFLICT
    return Response({"detail": str(exc)}, status=code)


class PendingActionViewSet(viewsets.ReadOnlyModelViewSet):
    """Actions held for four-eyes approval; filter `?status=` (`pending`, `approved`,
    `withdrawn`) and `?kind=`."""

    serializer_class = PendingActionSerializer
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        return pending_action_list().order_by("-requested_at", "-id")

    @extend_schema(request=None, responses=PendingActionSerializer, parameters=[IDEMPOTENCY_KEY])
    @drf_action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        """Approve and carry out the action, once. 403 for its maker or an Auditor; 409 once
        approved or withdrawn; 409 (or 400) when the effect itself is refused, e.g. the note
        converted meanwhile — the action then stays pending."""
        try:
            action = pending_action_approve(action=self.get_object(), approved_by=request.user)
        except (ApprovalRefused, ApprovalConflict) as exc:
            return _refusal(exc)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(PendingActionSerializer(action).data)

    @extend_schema(
        request=WithdrawSerializer, responses=PendingActionSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @drf_action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        """Withdraw the action with a `reason`; it never takes effect. 409 once decided."""
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            action = pending_action_withdraw(
                action=self.get_object(), withdrawn_by=request.user,
                reason=serializer.validated_data["reason"],
            )
        except (ApprovalRefused, ApprovalConflict) as exc:
            return _refusal(exc)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(PendingActionSerializer(action).data)



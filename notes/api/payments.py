"""`payments/`: record a payment of interest or principal, or reverse one (§2, §4).

How a payment applies to the months owed, and when principal may be paid, is
`notes.services.payments`; here a repeat with the same `Idempotency-Key`
replays the first answer (200), a likely duplicate answers 409 with
`duplicate_of` unless `confirm_duplicate` is set, and a payment the note's
state refuses answers 409. A payment is never changed: a reversal is a new,
negative payment.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import CreateListRetrieveViewSet, LikelyDuplicateError
from core.api_fields import raise_as_api_error
from core.idempotency import IDEMPOTENCY_KEY, IdempotencyConflict, LikelyDuplicate, idempotent
from notes import selectors
from notes.api.serializers import PaymentSerializer, ReversalSerializer
from notes.models import Payment
from notes.services import payments
from notes.services.payments import NoteStateConflict


def _payment_errors(exc):
    if isinstance(exc, LikelyDuplicate):
        raise LikelyDuplicateError(exc) from exc
    if isinstance(exc, (NoteStateConflict, IdempotencyConflict)):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    raise_as_api_error(exc)


class PaymentViewSet(CreateListRetrieveViewSet):
    serializer_class = PaymentSerializer
    filterset_fields = ["note", "applies_to"]

    def get_queryset(self):
        return selectors.payment_list().prefetch_related("allocations")

    @extend_schema(parameters=[IDEMPOTENCY_KEY])
    # The key store answers concurrent repeats as it does sequential ones (200, replayed);
    # the payment's own key (below) still catches a key used before the store kept it.
    @idempotent(replay_status=status.HTTP_200_OK)
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key") or None
        data = serializer.validated_data
        before = Payment.objects.filter(idempotency_key=key).first() if key else None
        try:
            payment = payments.payment_record(
                note=data["note"],
                paid_on=data["paid_on"],
                amount=data["amount"],
                applies_to=data["applies_to"],
                method=data["method"],
                reference=data.get("reference", ""),
                holder_consent_reference=data.get("holder_consent_reference", ""),
                idempotency_key=key,
                confirm_duplicate=data.get("confirm_duplicate", False),
                recorded_by=request.user,
            )
        except (
            DjangoValidationError,
            NoteStateConflict,
            IdempotencyConflict,
            LikelyDuplicate,
        ) as exc:
            return _payment_errors(exc)
        body = PaymentSerializer(payment).data
        if before is not None:
            return Response(
                body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"}
            )
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ReversalSerializer, responses=PaymentSerializer, parameters=[IDEMPOTENCY_KEY]
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reverse(self, request, pk=None):
        serializer = ReversalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            reversal = payments.payment_reverse(
                payment=self.get_object(),
                reason=serializer.validated_data["reason"],
                recorded_by=request.user,
            )
        except (DjangoValidationError, NoteStateConflict) as exc:
            return _payment_errors(exc)
        return Response(PaymentSerializer(reversal).data, status=status.HTTP_201_CREATED)

"""`transfers/`: transfers of a note (§10) — the holder's notice, counsel's opinion, the decision.

POST records the request (`note`, `transferee`, `notice_received_on`,
`opinion_received_on`) and, with `decision`, its decision in the same
transaction: `approved` with its `effective_date` (from which the transferee is
the registered holder), or `refused` with a `reason` (the holder is told in a
letter). Without `decision` the transfer awaits one:
`transfers/{id}/decision/` records it later. Copies of the notice and the
opinion may be sent as `multipart/form-data` files (`notice_document`,
`opinion_document`: PDF, PNG or JPEG). 400 names the field; 409 when the
note's state forbids it (repaid, converted, a stop-transfer instruction in
force, a decision already recorded). An `Idempotency-Key` makes a repeat return
the first answer.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api import CreateListRetrieveViewSet
from core.api_fields import raise_as_api_error
from core.idempotency import IDEMPOTENCY_KEY, IdempotencyConflict, idempotent
from holders.models import Holder
from notes import selectors
from notes.models import Note, Transfer, TransferDecision
from notes.services.payments import NoteStateConflict
from notes.services.transfers import (
    document_store,
    transfer_approve,
    transfer_record,
    transfer_refuse,
)

DECISIONS = [
    (TransferDecision.APPROVED.value, "Approved"),
    (TransferDecision.REFUSED.value, "Refused"),
]


class TransferSerializer(serializers.ModelSerializer):
    note = serializers.PrimaryKeyRelatedField(queryset=Note.objects.all())
    transferee = serializers.PrimaryKeyRelatedField(queryset=Holder.objects.all())
    transferor = serializers.PrimaryKeyRelatedField(read_only=True)
    decision = serializers.ChoiceField(
        choices=DECISIONS, required=False, allow_blank=True,
        help_text="`approved` or `refused`; leave out to record the request alone. "
        "Reads also give `pending`.",
    )
    reason = serializers.CharField(
        source="decision_reason", required=False, allow_blank=True, default="",
        help_text="Why the transfer is refused (required with `refused`); told to the holder.",
    )
    notice_document = serializers.FileField(write_only=True, required=False)
    opinion_document = serializers.FileField(write_only=True, required=False)
    notice_document_sha256 = serializers.CharField(
        source="notice_document.sha256", read_only=True, default=None
    )
    opinion_document_sha256 = serializers.CharField(
        source="opinion_document.sha256", read_only=True, default=None
    )
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    clause = serializers.CharField(read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id", "note", "transferor", "transferee", "manner",
            "notice_received_on", "opinion_received_on", "decision", "effective_date",
            "decided_on", "reason", "legend_required", "legend_counsel_reference",
            "notice_document", "opinion_document",
            "notice_document_sha256", "opinion_document_sha256",
            "decided_by", "clause", "created_at",
        ]
        read_only_fields = ["decided_on", "created_at"]
        extra_kwargs = {"effective_date": {"required": False}}
        # The one-pending-per-note rule is the service's to say (409), not a 400 here.
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["decision"] = instance.decision  # reads give `pending` as well
        return data


class TransferDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DECISIONS)
    effective_date = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    legend_required = serializers.BooleanField(required=False, default=True)
    legend_counsel_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )


def _conflict(exc) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


class TransferViewSet(CreateListRetrieveViewSet):
    """Transfers of notes (§10): the request, the decision, the register's chain."""

    serializer_class = TransferSerializer
    filterset_fields = ["note", "decision", "transferor", "transferee"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.transfer_list()

    @extend_schema(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():
                documents = {
                    field: document_store(
                        upload=data[field], field=field, uploaded_by=request.user
                    )
                    for field in ("notice_document", "opinion_document")
                    if data.get(field) is not None
                }
                transfer = transfer_record(
                    note=data["note"],
                    transferee=data["transferee"],
                    notice_received_on=data["notice_received_on"],
                    opinion_received_on=data["opinion_received_on"],
                    decision=data.get("decision") or "",
                    effective_date=data.get("effective_date"),
                    reason=data.get("decision_reason", ""),
                    legend_required=data.get("legend_required", True),
                    legend_counsel_reference=data.get("legend_counsel_reference", ""),
                    manner=data.get("manner", ""),
                    recorded_by=request.user,
                    **documents,
                )
        except (NoteStateConflict, IdempotencyConflict) as exc:
            return _conflict(exc)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=transfer.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=TransferDecisionSerializer,
        responses={200: TransferSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="decision")
    @idempotent
    def decision(self, request, pk=None):
        """Approve (with `effective_date`) or refuse (with `reason`) a transfer awaiting one."""
        transfer = self.get_object()
        serializer = TransferDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            if data["decision"] == TransferDecision.APPROVED:
                if data["effective_date"] is None:
                    raise DjangoValidationError(
                        {"effective_date": "An approved transfer needs its effective date."}
                    )
                transfer_approve(
                    transfer=transfer,
                    effective_date=data["effective_date"],
                    legend_required=data["legend_required"],
                    legend_counsel_reference=data["legend_counsel_reference"],
                    decided_by=request.user,
                )
            else:
                transfer_refuse(transfer=transfer, reason=data["reason"], decided_by=request.user)
        except (NoteStateConflict, IdempotencyConflict) as exc:
            return _conflict(exc)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(self.get_serializer(self.get_queryset().get(pk=transfer.pk)).data)

"""REST API for notices (docs/api.md: `notices/`, `notices/deposit/`).

Staff read every notice and download its PDF; Finance marks print runs
deposited in the mail and records personal deliveries (§12). The §6.1 and
§6.2 obligations are listed with their state (open, met, missed) so a missed
one shows here as it does on the pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api_fields import raise_as_api_error
from core.idempotency import IDEMPOTENCY_KEY, idempotent
from notes.models import NoteSeries
from notices import selectors
from notices.models import Notice
from notices.services.delivery import notice_personal_delivery_record, notices_deposit
from offerings.models import NoticeObligation


class NoticeSerializer(serializers.ModelSerializer):
    purpose = serializers.CharField(source="purpose_key", read_only=True)
    document = serializers.SerializerMethodField(
        help_text="Where staff download the PDF (authenticated)."
    )
    series = serializers.IntegerField(source="note.series_id", read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "direction",
            "purpose",
            "clause",
            "note",
            "series",
            "holder",
            "issuer",
            "recipient",
            "address",
            "address_basis",
            "copy_to",
            "notice_date",
            "figures",
            "delivery_method",
            "deposit",
            "sent_on",
            "received_on",
            "deemed_delivered_on",
            "document",
            "document_sha256",
            "corrects",
            "statement",
            "conversion",
            "obligation",
            "election",
            "default_event",
        ]
        read_only_fields = fields

    def get_document(self, notice) -> str:
        url = reverse("notice-document", args=[notice.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class NoticeFilter(filters.FilterSet):
    """`?note=`, `?holder=`, `?kind=` (docs/api.md), and `?series=`, `?direction=`."""

    series = filters.ModelChoiceFilter(
        field_name="note__series",
        queryset=NoteSeries.objects.all(),
        label="Note series id",
        error_messages={"invalid_choice": "Not the id of a note series: %(value)s."},
    )

    class Meta:
        model = Notice
        fields = ["note", "holder", "kind", "direction"]


class DepositSerializer(serializers.Serializer):
    notices = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, min_length=1,
        max_length=10_000,
    )
    deposited_on = serializers.DateField()


class DepositResultSerializer(serializers.Serializer):
    deposit = serializers.IntegerField()
    deposited_on = serializers.DateField()
    notices = NoticeSerializer(many=True)


class PersonalDeliverySerializer(serializers.Serializer):
    delivered_on = serializers.DateField(help_text="The day the addressee received it (§12).")


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NoticeSerializer
    lookup_value_regex = r"\d+"  # so `notices/obligations/` is not taken for a notice
    filterset_class = NoticeFilter

    def get_queryset(self):
        return Notice.objects.select_related("note").order_by("-notice_date", "-id")

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        description="The notice's PDF, as stored (its SHA-256 is `document_sha256`).",
    )
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        notice = self.get_object()
        return FileResponse(
            notice.document.open("rb"),
            content_type="application/pdf",
            filename=f"notice-{notice.pk}-{notice.kind}.pdf",
        )

    @extend_schema(
        request=DepositSerializer,
        responses={201: DepositResultSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def deposit(self, request):
        """Mark a print run deposited in the mail: each letter's deemed delivery is 3 US
        business days later (§12)."""
        serializer = DepositSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            deposit, notices = notices_deposit(
                recorded_by=request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        body = {
            "deposit": deposit.pk,
            "deposited_on": deposit.deposited_on.isoformat(),
            "notices": NoticeSerializer(notices, many=True, context={"request": request}).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PersonalDeliverySerializer,
        responses=NoticeSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="personal-delivery")
    @idempotent
    def personal_delivery(self, request, pk=None):
        """Record a letter delivered by hand: deemed delivered on the receipt date (§12)."""
        serializer = PersonalDeliverySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            notice = notice_personal_delivery_record(
                notice=self.get_object(), **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(NoticeSerializer(notice, context={"request": request}).data)


class ObligationSerializer(serializers.ModelSerializer):
    clause = serializers.SerializerMethodField()
    state = serializers.CharField(read_only=True, help_text="open, met or missed")
    series = serializers.IntegerField(source="note.series_id", read_only=True)

    class Meta:
        model = NoticeObligation
        fields = [
            "id", "kind", "clause", "note", "series", "holder", "offering", "conversion",
            "due_by", "state",
        ]
        read_only_fields = fields

    def get_clause(self, obligation) -> str:
        return "§6.1" if obligation.kind == NoticeObligation.Kind.VOLUNTARY_OFFERING else "§6.2"


STATE_PARAMETER = OpenApiParameter(
    "state", OpenApiTypes.STR, enum=list(selectors.OBLIGATION_STATES),
    description="Only obligations in this state today.",
)


@extend_schema(parameters=[STATE_PARAMETER])
class ObligationList(generics.ListAPIView):
    """The notices the contract requires (§6.1, §6.2), each open, met or missed as of today."""

    serializer_class = ObligationSerializer
    filterset_fields = ["kind", "note"]

    def get_queryset(self):
        queryset = selectors.obligations_with_state(as_of=timezone.localdate()).order_by(
            "due_by", "id"
        )
        state = self.request.query_params.get("state")
        if state:
            if state not in selectors.OBLIGATION_STATES:
                raise serializers.ValidationError(
                    {"state": f"One of {', '.join(selectors.OBLIGATION_STATES)}."}
                )
            queryset = queryset.filter(state=state)
        return queryset.select_related("note")


"""REST API for offerings, corporate events and conversions (docs/api.md)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals.api import PendingActionSerializer, pending_action_accepted
from approvals.models import PendingAction
from approvals.services import ApprovalConflict
from core.api import CreateListRetrieveViewSet, LikelyDuplicateError
from core.api_fields import MoneyAmountField, RateField, raise_as_api_error
from core.idempotency import IDEMPOTENCY_KEY, LikelyDuplicate, idempotent
from notes.models import Note, NoteSeries
from notes.services.payments import NoteStateConflict
from offerings import services
from offerings.domain.qualification import qualifies_automatic, qualifies_voluntary
from offerings.models import (
    PER_UNIT_FIELD,
    AllocationSource,
    CashInLieuPayment,
    Conversion,
    CorporateEvent,
    Offering,
    OfferingSale,
)
from offerings.services.cash import cash_in_lieu_payment_record
from offerings.services.four_eyes import price_determination_request
from offerings.services.qualification import offering_qualifies


def _conflict_or_400(exc):
    if isinstance(exc, NoteStateConflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    raise_as_api_error(exc)


class SaleSerializer(serializers.ModelSerializer):
    shares = serializers.IntegerField(required=False, allow_null=True)
    price_per_share = RateField(required=False, allow_null=True, max_digits=18)
    units = serializers.IntegerField(required=False, allow_null=True)
    unit_price = RateField(required=False, allow_null=True, max_digits=18)

    class Meta:
        model = OfferingSale
        fields = ["shares", "price_per_share", "units", "unit_price"]


class PerUnitField(serializers.DecimalField):
    """Shares or warrants in one unit, as a decimal string without padding (`"1"`, `"0.5"`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", PER_UNIT_FIELD["max_digits"])
        kwargs.setdefault("decimal_places", PER_UNIT_FIELD["decimal_places"])
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        return format(Decimal(value).normalize(), "f")


class UnitsSerializer(serializers.Serializer):
    """A unit's composition (§5.1): either count may be fractional ("one-half of one warrant")."""

    shares_per_unit = PerUnitField(
        help_text="Shares of Common Stock in one unit, greater than 0, e.g. \"1\" or \"0.5\"."
    )
    warrants_per_unit = PerUnitField(
        default=Decimal(0),
        help_text="Warrants in one unit, 0 or more, e.g. \"0.5\" for one-half of one warrant.",
    )
    share_allocation = RateField(required=False, allow_null=True)
    allocation_source = serializers.ChoiceField(
        choices=AllocationSource.choices, required=False, allow_blank=True
    )
    allocation_reference = serializers.CharField(required=False, allow_blank=True)

    def validate_shares_per_unit(self, value):
        if value <= 0:
            raise serializers.ValidationError(
                "Shares per unit must be greater than 0 (a unit may hold part of a share, "
                "e.g. 0.5)."
            )
        return value

    def validate_warrants_per_unit(self, value):
        if value < 0:
            raise serializers.ValidationError(
                "Warrants per unit cannot be negative (0 for none, 0.5 for one-half of one "
                "warrant)."
            )
        return value


class OfferingSerializer(serializers.ModelSerializer):
    gross_proceeds = MoneyAmountField()
    currency = serializers.CharField(required=False, default="USD")
    sales = SaleSerializer(many=True)
    units = UnitsSerializer(required=False, allow_null=True, write_only=True)
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Record it even though the issuer has an offering closing that day for the "
        "same gross proceeds (otherwise 409 with `duplicate_of`).",
    )
    conversion_price = RateField(read_only=True, max_digits=18)
    qualifies_voluntary = serializers.SerializerMethodField()
    qualifies_automatic = serializers.SerializerMethodField()
    trigger_status = serializers.CharField(source="trigger.status", read_only=True)
    trigger_outcome = serializers.CharField(source="trigger.outcome", read_only=True)

    class Meta:
        model = Offering
        fields = [
            "id",
            "issuer",
            "kind",
            "closing_date",
            "gross_proceeds",
            "currency",
            "description",
            "sales",
            "units",
            "confirm_duplicate",
            "conversion_price",
            "price_computation",
            "price_unavailable_reason",
            "qualifies_voluntary",
            "qualifies_automatic",
            "trigger_status",
            "trigger_outcome",
        ]
        read_only_fields = ["price_computation", "price_unavailable_reason"]

    def get_qualifies_voluntary(self, offering) -> bool:
        return offering_qualifies(offering, qualifies_voluntary)

    def get_qualifies_automatic(self, offering) -> bool:
        return offering_qualifies(offering, qualifies_automatic)

    def to_representation(self, offering):
        data = super().to_representation(offering)
        data["units"] = (
            {
                "shares_per_unit": PerUnitField().to_representation(offering.shares_per_unit),
                "warrants_per_unit": PerUnitField().to_representation(
                    offering.warrants_per_unit
                ),
                "share_allocation": RateField().to_representation(offering.share_allocation),
                "allocation_source": offering.allocation_source,
                "allocation_reference": offering.allocation_reference,
            }
            if offering.sold_in_units
            else None
        )
        return data

    def create(self, validated_data):
        try:
            return services.offering_record(
                recorded_by=self.context["request"].user, **validated_data
            )
        except LikelyDuplicate as exc:
            raise LikelyDuplicateError(exc) from exc
        except DjangoValidationError as exc:
            raise_as_api_error(exc)


# Named apart from a payment's allocation, so generated clients get the right shape.
@extend_schema_serializer(component_name="UnitAllocation")
class AllocationSerializer(serializers.Serializer):
    share_allocation = RateField()
    source = serializers.ChoiceField(choices=AllocationSource.choices)
    reference = serializers.CharField(required=False, allow_blank=True, default="")


class RefetchAfterCreateMixin:
    """Show the record as stored after its trigger ran (in-process mode runs it at commit)."""

    def perform_create(self, serializer):
        instance = serializer.save()
        serializer.pending_action = getattr(instance, "pending_action", None)
        serializer.instance = self.get_queryset().get(pk=instance.pk)


class IdempotentCreateMixin:
    """A repeated POST with the same `Idempotency-Key` returns the first result."""

    @extend_schema(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record it with its conversion trigger. With four eyes on, one whose trigger
        converts notes automatically (§5.2) is answered 202 with the pending action: the
        record exists, its trigger waits for a second Finance user
        (`pending-actions/{id}/approve/`). A repeat with the same `Idempotency-Key` returns
        the first answer."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        held = getattr(serializer, "pending_action", None)
        if held is not None:
            return pending_action_accepted(held)
        return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(responses={201: OfferingSerializer, 202: PendingActionSerializer})
)
class OfferingViewSet(IdempotentCreateMixin, RefetchAfterCreateMixin, CreateListRetrieveViewSet):
    serializer_class = OfferingSerializer
    filterset_fields = ["issuer", "kind"]

    def get_queryset(self):
        return (
            Offering.objects.select_related("issuer", "trigger")
            .prefetch_related("sales", "issuer__series")
            .order_by("closing_date", "id")
        )

    @extend_schema(
        request=AllocationSerializer, responses=OfferingSerializer, parameters=[IDEMPOTENCY_KEY]
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def allocation(self, request, pk=None):
        """Record the share/warrant allocation of a units offering (§5.1)."""
        serializer = AllocationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            offering = services.offering_allocation_record(
                offering=self.get_object(), recorded_by=request.user, **serializer.validated_data
            )
        except (DjangoValidationError, NoteStateConflict) as exc:
            return _conflict_or_400(exc)
        return Response(OfferingSerializer(offering, context={"request": request}).data)


class CorporateEventSerializer(serializers.ModelSerializer):
    voting_power_pct = RateField(required=False, allow_null=True, max_digits=6, decimal_places=3)
    related_events = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=CorporateEvent.objects.all()
    )
    trigger_status = serializers.CharField(source="trigger.status", read_only=True)
    trigger_outcome = serializers.CharField(source="trigger.outcome", read_only=True)

    class Meta:
        model = CorporateEvent
        fields = [
            "id",
            "issuer",
            "kind",
            "effective_date",
            "voting_power_pct",
            "related_events",
            "description",
            "trigger_status",
            "trigger_outcome",
        ]

    def create(self, validated_data):
        try:
            return services.event_record(recorded_by=self.context["request"].user, **validated_data)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)


@extend_schema_view(
    create=extend_schema(responses={201: CorporateEventSerializer, 202: PendingActionSerializer})
)
class CorporateEventViewSet(
    IdempotentCreateMixin, RefetchAfterCreateMixin, CreateListRetrieveViewSet
):
    serializer_class = CorporateEventSerializer
    filterset_fields = ["issuer", "kind"]

    def get_queryset(self):
        return (
            CorporateEvent.objects.select_related("trigger")
            .prefetch_related("related_events")
            .order_by("effective_date", "id")
        )


class ConversionSerializer(serializers.ModelSerializer):
    conversion_price = RateField(read_only=True, max_digits=18)
    principal_converted = MoneyAmountField(read_only=True)
    interest_converted = MoneyAmountField(read_only=True)
    note_amount = MoneyAmountField(read_only=True)
    cash_in_lieu = MoneyAmountField(read_only=True)
    series = serializers.IntegerField(source="note.series_id", read_only=True)

    class Meta:
        model = Conversion
        fields = [
            "id",
            "note",
            "series",
            "trigger",
            "offering",
            "event",
            "election",
            "conversion_date",
            "conversion_price",
            "price_source",
            "currency",
            "principal_converted",
            "interest_converted",
            "note_amount",
            "shares",
            "cash_in_lieu",
            "cash_due_date",
            "status",
        ]


class PriceDeterminationSerializer(serializers.Serializer):
    price = RateField(max_digits=18)
    source = serializers.CharField()


class ConversionFilter(filters.FilterSet):
    """`?note=`, `?series=` (docs/api.md) and `?status=`; an unknown id is a 400 on its field."""

    series = filters.ModelChoiceFilter(
        field_name="note__series",
        queryset=NoteSeries.objects.all(),
        label="Note series id",
        error_messages={"invalid_choice": "Not the id of a note series: %(value)s."},
    )

    class Meta:
        model = Conversion
        fields = {"note": ["exact"], "note__series": ["exact"], "status": ["exact"]}


class ConversionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ConversionSerializer
    filterset_class = ConversionFilter

    def get_queryset(self):
        return Conversion.objects.select_related("note").order_by("conversion_date", "id")

    @extend_schema(
        request=PriceDeterminationSerializer,
        responses={200: ConversionSerializer, 202: PendingActionSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="price-determination")
    @idempotent
    def price_determination(self, request, pk=None):
        """Complete an `awaiting_price` conversion with a recorded price and its source.

        With four eyes on the answer is 202 with the pending action: the price takes
        effect when a second Finance user approves it (`pending-actions/{id}/approve/`).
        """
        serializer = PriceDeterminationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = price_determination_request(
                conversion=self.get_object(),
                determined_by=request.user,
                **serializer.validated_data,
            )
        except (DjangoValidationError, NoteStateConflict) as exc:
            return _conflict_or_400(exc)
        except ApprovalConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if isinstance(done, PendingAction):
            return pending_action_accepted(done)
        return Response(ConversionSerializer(done).data)


class ElectionSerializer(serializers.Serializer):
    offering = serializers.PrimaryKeyRelatedField(queryset=Offering.objects.all())
    received_on = serializers.DateField()
    certificate_names = serializers.CharField()
    address = serializers.CharField()
    tax_id = serializers.CharField(write_only=True, max_length=40)


class NoteElectionCreate(generics.GenericAPIView):
    """A Notice of Election (Exhibit A) for a note → its conversion."""

    serializer_class = ElectionSerializer

    @extend_schema(
        request=ElectionSerializer,
        responses={201: ConversionSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request, note_id):
        note = get_object_or_404(Note, pk=note_id)
        serializer = ElectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            conversion = services.election_record(
                note=note, recorded_by=request.user, **serializer.validated_data
            )
        except (DjangoValidationError, NoteStateConflict) as exc:
            return _conflict_or_400(exc)
        return Response(ConversionSerializer(conversion).data, status=status.HTTP_201_CREATED)


class CashInLieuPaymentSerializer(serializers.ModelSerializer):
    amount = MoneyAmountField()
    currency = serializers.CharField(read_only=True)

    class Meta:
        model = CashInLieuPayment
        fields = [
            "id", "conversion", "paid_on", "amount", "currency", "method", "reference",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class CashInLieuPaymentViewSet(CreateListRetrieveViewSet):
    """`cash-in-lieu-payments/`: cash paid for the fractional share of a conversion (§7)."""

    serializer_class = CashInLieuPaymentSerializer
    filterset_fields = ["conversion"]

    def get_queryset(self):
        return CashInLieuPayment.objects.select_related("conversion").order_by("paid_on", "id")

    @extend_schema(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            payment = cash_in_lieu_payment_record(
                recorded_by=request.user, **serializer.validated_data
            )
        except (DjangoValidationError, NoteStateConflict) as exc:
            return _conflict_or_400(exc)
        return Response(self.get_serializer(payment).data, status=status.HTTP_201_CREATED)

"""REST API for holders and their address history (docs/api.md: `holders/`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from core.api import CreateListRetrieveViewSet
from core.api_fields import raise_as_api_error
from holders import services
from holders.models import Holder, HolderAddress, HolderKind


class AddressSerializer(serializers.Serializer):
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    country = serializers.CharField(max_length=2, required=False, default="US")


class HolderSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=HolderKind.choices)
    address = AddressSerializer(required=False, write_only=True)
    address_effective_from = serializers.DateField(required=False, write_only=True)
    current_address = serializers.SerializerMethodField()
    tax_id = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    tax_id_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Holder
        fields = [
            "id",
            "name",
            "kind",
            "email",
            "address",
            "address_effective_from",
            "current_address",
            "tax_id",
            "tax_id_masked",
        ]

    def get_current_address(self, holder) -> dict | None:
        address = holder.current_address
        if address is None:
            return None
        return AddressSerializer(address).data

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # `address` reads as the address in effect now, like it was written.
        data["address"] = data.pop("current_address")
        return data

    def create(self, validated_data):
        try:
            return services.holder_create(**validated_data)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)


class HolderReadSerializer(serializers.Serializer):
    """A holder as the API answers it (`HolderSerializer.to_representation`)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=HolderKind.choices)
    email = serializers.EmailField(allow_blank=True)
    address = AddressSerializer(allow_null=True, help_text="The address in effect today.")
    tax_id_masked = serializers.CharField(allow_blank=True)


class HolderAddressSerializer(serializers.ModelSerializer):
    address = AddressSerializer(source="*")
    effective_from = serializers.DateField(required=False)

    class Meta:
        model = HolderAddress
        fields = ["id", "address", "effective_from"]


@extend_schema_view(
    list=extend_schema(responses=HolderReadSerializer(many=True)),
    retrieve=extend_schema(responses=HolderReadSerializer),
    create=extend_schema(request=HolderSerializer, responses={201: HolderReadSerializer}),
)
class HolderViewSet(CreateListRetrieveViewSet):
    queryset = Holder.objects.prefetch_related("addresses").order_by("id")
    serializer_class = HolderSerializer
    filterset_fields = ["kind"]


class HolderAddressListCreate(generics.ListCreateAPIView):
    """A holder's address history; a new address takes effect from its date."""

    serializer_class = HolderAddressSerializer
    # The model for the schema generator, which builds the view without a holder_id.
    queryset = HolderAddress.objects.none()

    def get_holder(self) -> Holder:
        return get_object_or_404(Holder, pk=self.kwargs["holder_id"])

    def get_queryset(self):
        return HolderAddress.objects.filter(holder=self.get_holder()).order_by("-effective_from")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        effective_from = data.pop("effective_from", None) or timezone.localdate()
        try:
            serializer.instance = services.holder_address_add(
                holder=self.get_holder(), effective_from=effective_from, **data
            )
        except DjangoValidationError as exc:
            raise_as_api_error(exc)

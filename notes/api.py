"""REST API for the note register (API.md: `issuers/`, `series/`, `notes/`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, viewsets

from holders.models import Holder
from notes import selectors, services
from notes.api_fields import MoneyAmountField, RateField, raise_as_api_error
from notes.models import Issuer, Note, NoteSeries


class IssuerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issuer
        fields = [
            "id",
            "name",
            "state_of_incorporation",
            "principal_office_address",
            "copy_to_address",
        ]

    def create(self, validated_data):
        try:
            return services.issuer_create(**validated_data)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)


class SeriesSerializer(serializers.ModelSerializer):
    stated_rate = RateField(required=False)
    max_lawful_rate = RateField(required=False, allow_null=True)
    effective_rate = RateField(read_only=True)
    rate_basis = serializers.CharField(read_only=True)
    voluntary_threshold = MoneyAmountField(required=False)
    automatic_threshold = MoneyAmountField(required=False)
    price_tranche = MoneyAmountField(required=False)
    voting_power_threshold_pct = RateField(required=False, max_digits=5, decimal_places=2)

    class Meta:
        model = NoteSeries
        fields = [
            "id",
            "issuer",
            "name",
            "currency",
            "agreement_date",
            "stated_rate",
            "max_lawful_rate",
            "effective_rate",
            "rate_basis",
            "day_count",
            "term_months",
            "interest_due_day",
            "voluntary_threshold",
            "automatic_threshold",
            "voting_power_threshold_pct",
            "price_tranche",
            "voluntary_window_months",
            "notice_days",
            "cure_days",
            "dismissal_days",
            "cash_in_lieu_days",
            "mail_delivery_business_days",
        ]

    def create(self, validated_data):
        try:
            return services.series_create(**validated_data)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)


class NoteSerializer(serializers.ModelSerializer):
    number = serializers.CharField(required=False, max_length=40)
    principal = MoneyAmountField()
    currency = serializers.CharField(read_only=True)
    outstanding_principal = MoneyAmountField(read_only=True)
    holder = serializers.PrimaryKeyRelatedField(queryset=Holder.objects.all())
    series = serializers.PrimaryKeyRelatedField(queryset=NoteSeries.objects.all())

    class Meta:
        model = Note
        fields = [
            "id",
            "number",
            "series",
            "holder",
            "principal",
            "currency",
            "issue_date",
            "maturity_date",
            "status",
            "outstanding_principal",
        ]
        read_only_fields = ["maturity_date", "status"]
        validators = []  # the service and the database enforce uniqueness

    def validate_principal(self, value):
        if value <= 0:
            raise serializers.ValidationError("Principal must be greater than zero.")
        return value

    def create(self, validated_data):
        try:
            return services.note_create(**validated_data)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)


class CreateListRetrieveViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Records are created through services and never edited through the API."""


class IssuerViewSet(CreateListRetrieveViewSet):
    queryset = Issuer.objects.order_by("id")
    serializer_class = IssuerSerializer


class SeriesViewSet(CreateListRetrieveViewSet):
    queryset = NoteSeries.objects.select_related("issuer").order_by("id")
    serializer_class = SeriesSerializer
    filterset_fields = ["issuer"]


class NoteViewSet(CreateListRetrieveViewSet):
    serializer_class = NoteSerializer
    filterset_fields = ["series", "holder", "status"]

    def get_queryset(self):
        return selectors.note_list_annotated().order_by("id")

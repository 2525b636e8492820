"""`amendments/`: amendments and waivers of a series and their written consents (§9).

POST `amendments/` proposes one (`series`, `title`, `kind`, `summary`,
`issuer_consented_on`); POST `amendments/{id}/consents/` records a holder's
written consent (`holder`, `consented_on`); POST `amendments/{id}/issuer-consent/`
the Company's, when it was not given with the proposal. Reads give the running
share after each consent, `consenting_share` (as of `?as_of=`, default today),
`passed_majority_on` and `effective_on`. Shares are fractions of one as decimal
strings truncated to 6 places (`"0.561538"`); the comparison with one half is
made on the exact figures.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from amendments.models import Amendment, AmendmentKind
from amendments.selectors import amendment_list, amendment_tally_get
from amendments.services import (
    AmendmentConflict,
    amendment_holder_consent_record,
    amendment_issuer_consent_record,
    amendment_propose,
)
from core.api import CreateListRetrieveViewSet
from core.api_fields import MoneyAmountField, raise_as_api_error
from core.idempotency import IDEMPOTENCY_KEY, idempotent
from holders.models import Holder
from notes.models import NoteSeries


def share_text(share: Fraction) -> str:
    """A share of one to 6 places, truncated so that it never reads as more than it is."""
    return str(
        (Decimal(share.numerator) / Decimal(share.denominator)).quantize(
            Decimal("0.000001"), rounding=ROUND_DOWN
        )
    )


class ConsentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    holder = serializers.IntegerField(source="holder_id", read_only=True)
    holder_name = serializers.CharField(source="holder.name", read_only=True)
    consented_on = serializers.DateField(read_only=True)
    reference = serializers.CharField(read_only=True)


class ConsentRowSerializer(serializers.Serializer):
    """A consent and the running share on its day."""

    consent = ConsentSerializer(source="line.consent")
    principal_counted = MoneyAmountField(source="line.row.holder_principal")
    consenting_principal = MoneyAmountField(source="line.row.consenting_principal")
    outstanding_principal = MoneyAmountField(source="line.row.outstanding_principal")
    running_share = serializers.CharField()
    passed_majority = serializers.BooleanField(source="line.row.first_passed")


class AmendmentSerializer(serializers.ModelSerializer):
    series = serializers.PrimaryKeyRelatedField(queryset=NoteSeries.objects.all())
    kind = serializers.ChoiceField(choices=AmendmentKind.choices, default=AmendmentKind.AMENDMENT)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    issuer_consented_on = serializers.DateField(required=False, allow_null=True, default=None)
    effective_on = serializers.DateField(read_only=True, allow_null=True)
    consenting_share = serializers.SerializerMethodField()
    consenting_principal = serializers.SerializerMethodField()
    outstanding_principal = serializers.SerializerMethodField()
    currency = serializers.CharField(source="series.currency", read_only=True)
    as_of = serializers.SerializerMethodField()
    passed_majority_on = serializers.SerializerMethodField()
    consents = serializers.SerializerMethodField()

    class Meta:
        model = Amendment
        fields = [
            "id",
            "series",
            "kind",
            "title",
            "summary",
            "issuer_consented_on",
            "effective_on",
            "passed_majority_on",
            "as_of",
            "consenting_share",
            "consenting_principal",
            "outstanding_principal",
            "currency",
            "consents",
        ]

    def _tally(self, amendment):
        cache = self.context.setdefault("tallies", {})
        if amendment.pk not in cache:
            cache[amendment.pk] = amendment_tally_get(
                amendment=amendment, as_of=self.context.get("as_of")
            )
        return cache[amendment.pk]

    def get_as_of(self, amendment) -> date:
        return self._tally(amendment).as_of

    def get_consenting_share(self, amendment) -> str:
        return share_text(self._tally(amendment).share)

    def get_consenting_principal(self, amendment) -> str:
        return f"{self._tally(amendment).consenting_principal:.2f}"

    def get_outstanding_principal(self, amendment) -> str:
        return f"{self._tally(amendment).outstanding_principal:.2f}"

    def get_passed_majority_on(self, amendment) -> date | None:
        return self._tally(amendment).passed_on

    @extend_schema_field(ConsentRowSerializer(many=True))
    def get_consents(self, amendment) -> list:
        return [
            ConsentRowSerializer({"line": line, "running_share": share_text(line.row.share)}).data
            for line in self._tally(amendment).lines
        ]

    def create(self, validated_data):
        try:
            return amendment_propose(recorded_by=self.context["request"].user, **validated_data)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)


class ConsentCreateSerializer(serializers.Serializer):
    holder = serializers.PrimaryKeyRelatedField(queryset=Holder.objects.all())
    consented_on = serializers.DateField()
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class IssuerConsentSerializer(serializers.Serializer):
    consented_on = serializers.DateField()


def _as_of(request) -> date:
    raw = request.query_params.get("as_of")
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise serializers.ValidationError({"as_of": ["Use a date as YYYY-MM-DD."]}) from exc


AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="The day of `consenting_share` (default today)."
)


@extend_schema_view(
    list=extend_schema(parameters=[AS_OF]), retrieve=extend_schema(parameters=[AS_OF])
)
class AmendmentViewSet(CreateListRetrieveViewSet):
    """Amendments and waivers (§9) with the running share of their consents; filter
    `?series=`, `?kind=`."""

    serializer_class = AmendmentSerializer
    filterset_fields = ["series", "kind"]

    def get_queryset(self):
        return amendment_list()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.method == "GET":
            context["as_of"] = _as_of(self.request)
        return context

    @extend_schema(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def create(self, request, *args, **kwargs):
        """Propose an amendment or waiver of a series (`series`, `title`, `kind`, `summary`),
        with the Company's written consent (`issuer_consented_on`) if already given."""
        return super().create(request, *args, **kwargs)

    def _answer(self, request, amendment, code=status.HTTP_201_CREATED):
        amendment = self.get_queryset().get(pk=amendment.pk)
        return Response(
            AmendmentSerializer(amendment, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        request=ConsentCreateSerializer,
        responses={201: AmendmentSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def consents(self, request, pk=None):
        """Record a holder's written consent (for all their notes of the series); answers the
        amendment with its running share. 409 when the holder's consent is already recorded."""
        amendment = self.get_object()
        serializer = ConsentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            amendment_holder_consent_record(
                amendment=amendment, recorded_by=request.user, **serializer.validated_data
            )
        except AmendmentConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return self._answer(request, amendment)

    @extend_schema(
        request=IssuerConsentSerializer,
        responses={200: AmendmentSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="issuer-consent")
    @idempotent
    def issuer_consent(self, request, pk=None):
        """Record the Company's written consent, once (409 when already recorded)."""
        amendment = self.get_object()
        serializer = IssuerConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            amendment_issuer_consent_record(
                amendment=amendment, recorded_by=request.user, **serializer.validated_data
            )
        except AmendmentConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return self._answer(request, amendment, code=status.HTTP_200_OK)

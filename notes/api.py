"""REST API for the note register (docs/api.md: `issuers/`, `series/`, `notes/`)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from holders.models import Holder
from notes import selectors, services
from notes.api_fields import MoneyAmountField, RateField, raise_as_api_error
from notes.domain.position import LAST_POSITION_DAY, PositionDayOutOfRange
from notes.idempotency import IDEMPOTENCY_KEY, idempotent
from notes.models import (
    InterestStatement,
    Issuer,
    Note,
    NoteSeries,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    ServicingRun,
)
from notes.services import payments
from notes.services.cycle import servicing_cycle_start
from notes.services.payments import IdempotencyConflict, LikelyDuplicate, NoteStateConflict


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


# --- Interest, payments and servicing -------------------------------------------------


def _as_of(request) -> date:
    raw = request.query_params.get("as_of")
    if not raw:
        return timezone.localdate()
    try:
        as_of = date.fromisoformat(raw)
    except ValueError as exc:
        raise serializers.ValidationError({"as_of": ["Use a date as YYYY-MM-DD."]}) from exc
    if as_of > LAST_POSITION_DAY:
        raise serializers.ValidationError({"as_of": [str(PositionDayOutOfRange(as_of))]})
    return as_of


def _conversion_summary(note: Note, as_of: date) -> dict | None:
    """What the note became, once converted (as of its conversion date)."""
    conversion = getattr(note, "conversion", None) if note.status == "converted" else None
    if conversion is None or as_of < conversion.conversion_date:
        return None
    price = conversion.conversion_price
    return {
        "id": conversion.pk,
        "conversion_date": conversion.conversion_date.isoformat(),
        "trigger": conversion.trigger,
        "status": conversion.status,
        "note_amount": f"{conversion.note_amount:.2f}",
        "conversion_price": None if price is None else RateField().to_representation(price),
        "shares": conversion.shares,
        "cash_in_lieu": None
        if conversion.cash_in_lieu is None
        else f"{conversion.cash_in_lieu:.2f}",
    }


class InterestLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["final", "current", "stated"])
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    amount = MoneyAmountField()
    calculation = serializers.CharField()


class PositionSerializer(serializers.Serializer):
    note = serializers.IntegerField()
    as_of = serializers.DateField()
    currency = serializers.CharField()
    outstanding_principal = MoneyAmountField()
    accrued_unpaid_interest = MoneyAmountField()
    note_amount = MoneyAmountField()
    past_due_interest = MoneyAmountField()
    status = serializers.CharField()
    rate = RateField()
    rate_basis = serializers.CharField()
    day_count = serializers.CharField()
    conversion = serializers.DictField(allow_null=True)
    accrual_ended_on = serializers.DateField(
        allow_null=True,
        help_text="The last accruing day: conversion, repayment or the principal reaching zero.",
    )
    status_detail = serializers.CharField(
        help_text="Set while interest is owed on a note whose principal is repaid."
    )
    interest_lines = InterestLineSerializer(
        many=True,
        help_text="Interest not on a statement: the final period (conversion or repayment "
        "month), the month in progress, and ended months not yet stated.",
    )


class StatementSerializer(serializers.ModelSerializer):
    amount = MoneyAmountField()
    currency = serializers.CharField(source="amount.currency.code")
    paid_amount = MoneyAmountField()
    status = serializers.ChoiceField(
        choices=["open", "paid", "past_due", "superseded", "credit"],
        help_text="`superseded`: wholly cancelled by an adjustment; `credit`: a negative "
        "adjustment.",
    )
    kind = serializers.ChoiceField(
        choices=["statement", "adjustment"],
        help_text="`adjustment`: corrects the period's statement after a back-dated fact.",
    )
    rate = RateField()

    class Meta:
        model = InterestStatement
        fields = [
            "id",
            "note",
            "period_start",
            "period_end",
            "days",
            "amount",
            "currency",
            "due_date",
            "paid_amount",
            "status",
            "rate",
            "day_count",
            "calculation",
            "kind",
            "corrects",
            "reason",
        ]


# Named apart from the offerings' unit allocation, so generated clients get the right shape.
@extend_schema_serializer(component_name="PaymentAllocation")
class AllocationSerializer(serializers.ModelSerializer):
    amount = MoneyAmountField()

    class Meta:
        model = PaymentAllocation
        fields = ["period_start", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    note = serializers.PrimaryKeyRelatedField(queryset=Note.objects.all())
    amount = MoneyAmountField()
    currency = serializers.CharField(source="amount.currency.code", read_only=True)
    method = serializers.ChoiceField(
        choices=[c for c in PaymentMethod.choices if c[0] != PaymentMethod.REVERSAL],
        default=PaymentMethod.CHECK,
    )
    allocations = AllocationSerializer(many=True, read_only=True)
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Record it even though it has the note, day, amount and reference of a "
        "payment already recorded (otherwise 409 with `duplicate_of`).",
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "note",
            "paid_on",
            "amount",
            "currency",
            "applies_to",
            "method",
            "reference",
            "holder_consent_reference",
            "mailed_to",
            "reverses",
            "reason",
            "allocations",
            "created_at",
            "confirm_duplicate",
        ]
        read_only_fields = ["mailed_to", "reverses", "reason", "created_at"]


class ReversalSerializer(serializers.Serializer):
    reason = serializers.CharField()


class NoteMoneyViews:
    """`notes/{id}/position/` and `notes/{id}/statements/`, mixed into NoteViewSet."""

    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE)],
        responses=PositionSerializer,
    )
    @action(detail=True, methods=["get"])
    def position(self, request, pk=None):
        note = self.get_object()
        as_of = _as_of(request)
        money = selectors.note_money_read(note=note, as_of=as_of)
        position = money.position
        data = {
            "note": note.pk,
            "as_of": as_of,
            "currency": note.currency,
            "outstanding_principal": position.outstanding_principal,
            "accrued_unpaid_interest": position.accrued_unpaid_interest,
            "note_amount": position.note_amount,
            "past_due_interest": position.past_due_interest,
            "status": selectors.note_status_on(note, as_of),
            "rate": money.rate,
            "rate_basis": money.rate_basis,
            "day_count": note.series.day_count,
            "conversion": _conversion_summary(note, as_of),
            "accrual_ended_on": money.accrual_ended_on,
            "status_detail": money.status_detail,
            "interest_lines": money.unstated_lines,
        }
        return Response(PositionSerializer(data).data)

    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE)],
        responses=StatementSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def statements(self, request, pk=None):
        note = self.get_object()
        rows = selectors.statement_list_with_status(note=note, as_of=_as_of(request))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(StatementSerializer(page, many=True).data)


class LikelyDuplicateError(APIException):
    """409 naming the record the request looks like; `"confirm_duplicate": true` records it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "likely_duplicate"

    def __init__(self, exc: LikelyDuplicate):
        super().__init__(str(exc))
        # A dict detail is the body as it stands: `duplicate_of` stays a number.
        self.detail = {"detail": self.detail, "duplicate_of": exc.earlier.pk}


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


class ServicingRunSerializer(serializers.ModelSerializer):
    progress = serializers.CharField(read_only=True)
    progress_pct = serializers.IntegerField(read_only=True)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = ServicingRun
        fields = [
            "id",
            "as_of",
            "status",
            "trigger",
            "progress",
            "progress_pct",
            "chunks_done",
            "chunks_total",
            "counts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = [f for f in fields if f != "as_of"]

    def get_counts(self, run) -> dict:
        return {
            "notes": run.notes_count,
            "statements_created": run.statements_created,
            "past_due_statements": run.past_due_statements,
        }


class ServicingRunViewSet(CreateListRetrieveViewSet):
    queryset = ServicingRun.objects.order_by("-created_at")
    serializer_class = ServicingRunSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run = servicing_cycle_start(
                as_of=serializer.validated_data["as_of"], trigger="api", requested_by=request.user
            )
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        run.refresh_from_db()
        return Response(ServicingRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class NoteViewSet(NoteMoneyViews, CreateListRetrieveViewSet):
    serializer_class = NoteSerializer
    filterset_fields = ["series", "holder", "status"]

    def get_queryset(self):
        return selectors.note_list_annotated().order_by("id")

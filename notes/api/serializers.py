"""The serializers of the note register's API: the request and response shapes of docs/api.md.

Issuers, series and notes; a note's position and interest statements (§2);
payments with their allocation to months, and reversals (§2, §4); servicing
runs. The class names are the OpenAPI component names (`NoteSerializer` →
`Note`; `AllocationSerializer` is published as `PaymentAllocation`), so a
rename here renames a type in generated clients. Field order is the order of
the responses. Creates go through one service each; a refusal becomes a 400 on
the field it names.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api_fields import MoneyAmountField, MoneyFigureField, RateField, raise_as_api_error
from holders.models import Holder
from notes import services
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
    outstanding_principal = MoneyFigureField()
    accrued_unpaid_interest = MoneyFigureField()
    note_amount = MoneyFigureField()
    past_due_interest = MoneyFigureField()
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
    settled_by_conversion = serializers.BooleanField(
        help_text="Paid by converting it into Common Stock (§5, §7), not in cash."
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
            "settled_by_conversion",
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

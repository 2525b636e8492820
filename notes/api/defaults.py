"""`notes/{id}/default-events/`: the note's events of default and its default state (§3).

GET gives every recorded event and the state as of a day (`?as_of=`, today by
default): `cure_deadline`, `event_of_default_since`, `cured_on`,
`accelerated_on`, what is due at once once accelerated, and an explanation per
event with its clause. A note has a handful of such events, so the list comes
whole, beside the state it explains, rather than paginated.

POST records one event through `notes.services.defaults`: 400 with the field
it is about, 409 when the note's state forbids it (repaid, converted, already
accelerated). An `Idempotency-Key` makes a repeat return the first answer.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals.api import PendingActionSerializer, pending_action_accepted
from approvals.models import PendingAction
from approvals.services import ApprovalConflict
from core.api_fields import MoneyAmountField, raise_as_api_error
from core.idempotency import IDEMPOTENCY_KEY, idempotent
from notes import selectors
from notes.domain.position import LAST_POSITION_DAY, PositionDayOutOfRange
from notes.models import DefaultEvent, DefaultEventKind, NoticeDelivery
from notes.services.defaults import DESCRIPTION_MAX_LENGTH
from notes.services.four_eyes import default_event_request
from notes.services.payments import NoteStateConflict

# The largest id PostgreSQL's bigint holds: a bigger one is a 400, not a database error.
MAX_ID = 2**63 - 1


class DefaultEventSerializer(serializers.ModelSerializer):
    clause = serializers.CharField(read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DefaultEvent
        fields = [
            "id",
            "note",
            "kind",
            "date",
            "delivery_method",
            "deemed_delivered_on",
            "resolves",
            "description",
            "clause",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class DefaultEventCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DefaultEventKind.choices)
    date = serializers.DateField()
    delivery_method = serializers.ChoiceField(
        choices=NoticeDelivery.choices, required=False, allow_blank=True, default=""
    )
    resolves = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX_LENGTH
    )


class DefaultExplanationSerializer(serializers.Serializer):
    event = serializers.IntegerField(source="event_id")
    kind = serializers.CharField()
    date = serializers.DateField()
    clause = serializers.CharField()
    text = serializers.CharField()
    event_of_default_from = serializers.DateField(allow_null=True)
    event_of_default_until = serializers.DateField(allow_null=True)


class DefaultStateSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    cure_deadline = serializers.DateField(allow_null=True)
    event_of_default_since = serializers.DateField(allow_null=True)
    cured_on = serializers.DateField(allow_null=True)
    accelerated_on = serializers.DateField(allow_null=True)
    amount_due_at_once = MoneyAmountField(allow_null=True)
    currency = serializers.CharField()
    explanation = DefaultExplanationSerializer(many=True)


class NoteDefaultEventsSerializer(serializers.Serializer):
    events = DefaultEventSerializer(many=True)
    state = DefaultStateSerializer()


class DefaultEventRecordedSerializer(DefaultEventSerializer):
    """The event recorded, with the note's default state as of today."""

    state = DefaultStateSerializer(read_only=True)

    class Meta(DefaultEventSerializer.Meta):
        fields = [*DefaultEventSerializer.Meta.fields, "state"]
        read_only_fields = fields


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


def _state_data(note, defaults: selectors.NoteDefaults) -> dict:
    state = defaults.state
    return {
        "as_of": state.as_of,
        "cure_deadline": state.cure_deadline,
        "event_of_default_since": state.event_of_default_since,
        "cured_on": state.cured_on,
        "accelerated_on": state.accelerated_on,
        "amount_due_at_once": state.amount_due_at_once,
        "currency": note.currency,
        "explanation": state.explanation,
    }


class NoteDefaultEventViews:
    """`notes/{id}/default-events/`, mixed into NoteViewSet."""

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE)],
        responses=NoteDefaultEventsSerializer,
    )
    @extend_schema(
        methods=["POST"],
        request=DefaultEventCreateSerializer,
        responses={201: DefaultEventRecordedSerializer, 202: PendingActionSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["get", "post"], url_path="default-events")
    def default_events(self, request, pk=None):
        """The note's events of default (§3) and its default state as of `as_of` (today).

        GET: every event, and the state: `cure_deadline` (§3(i), the latest open
        one), `event_of_default_since`, `cured_on`, `accelerated_on`,
        `amount_due_at_once` (the Note Amount once accelerated) and an explanation
        per event with its clause. POST records one event (`kind`, `date`,
        `delivery_method` for the two written notices, `resolves` for `resolved`,
        `description`); 409 when the note is repaid, converted or already
        accelerated. With four eyes on, an `acceleration` answers 202 with the
        pending action: the note is accelerated when a second Finance user
        approves it (`pending-actions/{id}/approve/`).
        """
        if request.method == "POST":
            return self._default_event_create(request, pk=pk)
        note = self.get_object()
        defaults = selectors.note_default_read(note=note, as_of=_as_of(request))
        return Response(
            NoteDefaultEventsSerializer(
                {"events": defaults.events, "state": _state_data(note, defaults)}
            ).data
        )

    @idempotent
    def _default_event_create(self, request, pk=None):
        note = self.get_object()
        serializer = DefaultEventCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            event = default_event_request(
                note=note,
                kind=data["kind"],
                date=data["date"],
                delivery_method=data["delivery_method"],
                resolves=data["resolves"],
                description=data["description"],
                recorded_by=request.user,
            )
        except (NoteStateConflict, ApprovalConflict) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:  # DefaultEventRefused
            raise_as_api_error(exc)
        if isinstance(event, PendingAction):
            return pending_action_accepted(event)
        note.refresh_from_db(fields=["status"])
        event.state = _state_data(
            note, selectors.note_default_read(note=note, as_of=timezone.localdate())
        )
        return Response(
            DefaultEventRecordedSerializer(event).data, status=status.HTTP_201_CREATED
        )

"""`deadlines/`: the contractual clocks with their state (§1, §2, §3, §5.1, §6, §7)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from deadlines.selectors import KIND_LABELS, STATES, deadline_list
from notes.models import NoteSeries


class DeadlineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KIND_LABELS))
    label = serializers.CharField()
    clause = serializers.CharField()
    due_on = serializers.DateField()
    state = serializers.ChoiceField(choices=list(STATES))
    note = serializers.IntegerField(source="note_id", allow_null=True)
    note_number = serializers.CharField()
    series = serializers.IntegerField(source="series_id", allow_null=True)
    holder = serializers.CharField()
    source = serializers.CharField(help_text="The kind of record the deadline comes from.")
    source_id = serializers.IntegerField(help_text="That record's id.")
    description = serializers.CharField()


class DeadlineFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=list(STATES), required=False)
    kind = serializers.ChoiceField(choices=list(KIND_LABELS), required=False)
    due_before = serializers.DateField(required=False)
    due_after = serializers.DateField(required=False)
    series = serializers.PrimaryKeyRelatedField(queryset=NoteSeries.objects.all(), required=False)


@extend_schema(
    parameters=[
        OpenApiParameter("state", enum=list(STATES)),
        OpenApiParameter("kind", enum=list(KIND_LABELS)),
        OpenApiParameter("due_before", OpenApiTypes.DATE, description="YYYY-MM-DD, inclusive"),
        OpenApiParameter("due_after", OpenApiTypes.DATE, description="YYYY-MM-DD, inclusive"),
        OpenApiParameter("series", int),
    ]
)
class DeadlineList(generics.ListAPIView):
    """Every deadline as of today, soonest first; met and missed follow from the records."""

    serializer_class = DeadlineSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = DeadlineFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return deadline_list(
            as_of=timezone.localdate(),
            kinds=[data["kind"]] if "kind" in data else None,
            states=[data["state"]] if "state" in data else None,
            due_before=data.get("due_before"),
            due_after=data.get("due_after"),
            series_id=data["series"].pk if "series" in data else None,
        )

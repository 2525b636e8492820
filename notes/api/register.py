"""`issuers/`, `series/` and `notes/`, with each note's `position/` and `statements/` (§2, §5).

Each note's `default-events/` (§3) is `notes.api.defaults`, mixed in here.

The register resources are created through the services and listed in id
order. A note's position as of a day (`?as_of=`, today by default) gives its
outstanding principal, accrued unpaid interest, note amount, what is past due,
the interest not yet on a statement, and what it converted into once it has
(§5); its statements come with their status as of that day (§2). Every figure
comes from the selectors and the domain core.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import CreateListRetrieveViewSet
from core.api_fields import RateField
from notes import selectors
from notes.api.defaults import NoteDefaultEventViews
from notes.api.serializers import (
    IssuerSerializer,
    NoteSerializer,
    PositionSerializer,
    SeriesSerializer,
    StatementSerializer,
)
from notes.domain.position import LAST_POSITION_DAY, PositionDayOutOfRange
from notes.models import Issuer, Note, NoteSeries


class IssuerViewSet(CreateListRetrieveViewSet):
    queryset = Issuer.objects.order_by("id")
    serializer_class = IssuerSerializer


class SeriesViewSet(CreateListRetrieveViewSet):
    queryset = NoteSeries.objects.select_related("issuer").order_by("id")
    serializer_class = SeriesSerializer
    filterset_fields = ["issuer"]


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
        money = selectors.note_money_read(
            note=note, as_of=as_of, facts=selectors.note_facts_read(note=note)
        )
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


class NoteViewSet(NoteMoneyViews, NoteDefaultEventViews, CreateListRetrieveViewSet):
    serializer_class = NoteSerializer
    filterset_fields = ["series", "holder", "status"]

    def get_queryset(self):
        return selectors.note_list_annotated().order_by("id")

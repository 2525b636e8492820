"""`servicing/runs/`: start the servicing cycle as of a day, and follow its runs (§2).

Starting a run lets pending conversion triggers be carried out, then generates
the monthly statements and marks what is past due, in chunks on the worker; the
request answers 202 with the run, whose progress the list and detail show.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api import CreateListRetrieveViewSet
from core.api_fields import raise_as_api_error
from notes.api.serializers import ServicingRunSerializer
from notes.models import ServicingRun
from notes.services.cycle import servicing_cycle_start


class ServicingRunViewSet(CreateListRetrieveViewSet):
    queryset = ServicingRun.objects.order_by("-created_at")
    serializer_class = ServicingRunSerializer

    @extend_schema(responses={202: ServicingRunSerializer})
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

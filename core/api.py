"""API base classes: records are created through services and never edited through the API."""

from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException

from core.idempotency import LikelyDuplicate


class CreateListRetrieveViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Records are created through services and never edited through the API."""


class LikelyDuplicateError(APIException):
    """409 naming the record the request looks like; `"confirm_duplicate": true` records it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "likely_duplicate"

    def __init__(self, exc: LikelyDuplicate):
        super().__init__(str(exc))
        # A dict detail is the body as it stands: `duplicate_of` stays a number.
        self.detail = {"detail": self.detail, "duplicate_of": exc.earlier.pk}

"""`Idempotency-Key` for API writes that record money facts (API.md).

`idempotent` wraps a DRF view method: the first request with a key is
carried out in one transaction together with the record of its answer; a
repeat with the same key and body gets that answer again (with the header
`Idempotent-Replayed: true`) and records nothing; the same key with another
body is refused with 409.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from notes.models import IdempotencyRecord

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat the request with the same key to get the first result back.",
)


def _fingerprint(request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return Response(
            {"detail": "This Idempotency-Key was already used for a different request."},
            status=status.HTTP_409_CONFLICT,
        )
    return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def idempotent(view_method):
    """Make a DRF view method idempotent under the `Idempotency-Key` header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view_method(self, request, *args, **kwargs)
        scope = f"{request.method} {request.path}"
        fingerprint = _fingerprint(request)
        existing = IdempotencyRecord.objects.filter(key=key, scope=scope).first()
        if existing is not None:
            return _replay(existing, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key=key,
                    scope=scope,
                    fingerprint=fingerprint,
                    user=request.user if request.user.is_authenticated else None,
                )
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 400:
                    # A refusal records nothing, so a corrected retry may reuse the key.
                    transaction.set_rollback(True)
                    return response
                record.status_code, record.body = response.status_code, response.data
                record.save(update_fields=["status_code", "body"])
                return response
        except IntegrityError:
            # The same key arrived twice at once: the second waits for the first.
            existing = IdempotencyRecord.objects.filter(key=key, scope=scope).first()
            if existing is None:
                raise
            return _replay(existing, fingerprint)

    return wrapper

"""`Idempotency-Key` for writes that record money facts (docs/api.md), API and browser alike.

`idempotency_run` is the one mechanism. The first request with a key is
carried out in one transaction together with the record of its answer
(`IdempotencyRecord`); a repeat with the same key and body gets that answer
back and records nothing; the same key with another body is refused
(`IdempotencyConflict`). Two at once: the second's insert of the key waits on
the unique index until the first commits, then replays the first's answer —
the same answer a later, sequential, repeat gets. A refusal (an exception out
of the write) rolls the key back with it, so a corrected request may reuse it.

`idempotent` puts a DRF view method under it (header `Idempotency-Key`; a
replay carries `Idempotent-Replayed: true`). The staff forms carry a one-time
key rendered with the form and go through the same function
(`core.form_writes`), so a double click, a Back-and-resubmit or two POSTs at
once record one fact.

What is stored to recognise a repeat is a keyed fingerprint (`core.fingerprints`):
it cannot give back the body, tax IDs included.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from core.fingerprints import fingerprint_matches, request_fingerprint
from core.models import IdempotencyRecord

KEY_MAX_LENGTH = IdempotencyRecord._meta.get_field("key").max_length

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH},
    OpenApiParameter.HEADER,
    description="Repeat the request with the same key to get the first result back.",
)


class LikelyDuplicate(Exception):
    """The request looks like a fact already recorded; it needs `confirm_duplicate` (API: 409).

    `earlier` is the record it looks like, for the confirmation page and the
    API's `duplicate_of`.
    """

    def __init__(self, message: str, *, earlier):
        super().__init__(message)
        self.earlier = earlier


class IdempotencyConflict(Exception):
    """An Idempotency-Key was reused for a different request (API: 409)."""



class IdempotencyKeyInvalid(ValueError):
    """The key cannot be stored (too long); nothing was done."""


@dataclass(frozen=True)
class IdempotentOutcome:
    """The answer to a keyed write: carried out now, or the first answer replayed."""

    replayed: bool
    status_code: int | None
    body: Any
    recorded_at: datetime
    recorded_by: Any
    value: Any = None  # what the write returned; None on a replay


def idempotency_key_check(key: str) -> None:
    """Raises IdempotencyKeyInvalid for a key longer than the column that stores it."""
    if len(key) > KEY_MAX_LENGTH:
        raise IdempotencyKeyInvalid(f"Idempotency-Key must be at most {KEY_MAX_LENGTH} characters.")


def _replayed(record: IdempotencyRecord, data) -> IdempotentOutcome:
    if not fingerprint_matches(record.fingerprint, data):
        raise IdempotencyConflict("This Idempotency-Key was already used for a different request.")
    return IdempotentOutcome(
        replayed=True,
        status_code=record.status_code,
        body=record.body,
        recorded_at=record.created_at,
        recorded_by=record.user,
    )


def _find(key: str, scope: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.select_related("user").filter(key=key, scope=scope).first()


def idempotency_run(
    *,
    key: str,
    scope: str,
    data,
    user,
    write: Callable[[], Any],
    answer: Callable[[Any], tuple[int, Any]],
) -> IdempotentOutcome:
    """Carry out `write` once per (key, scope); a repeat gets the first answer.

    Args:
        data: the request body the key stands for (fingerprinted, keyed).
        write: records the fact; raises to refuse (the key is then released).
        answer: the status code and JSON body to keep for a repeat of `write`'s result.

    Raises:
        IdempotencyKeyInvalid: the key is longer than the column.
        IdempotencyConflict: the key was used for a different body.
    """
    idempotency_key_check(key)
    existing = _find(key, scope)
    if existing is not None:
        return _replayed(existing, data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key=key,
                    scope=scope,
                    fingerprint=request_fingerprint(data),
                    user=user if getattr(user, "is_authenticated", False) else None,
                )
        except IntegrityError:
            # The same key at once: the insert waited for the first request to commit.
            record = None
        if record is not None:
            value = write()
            record.status_code, record.body = answer(value)
            record.save(update_fields=["status_code", "body"])
            return IdempotentOutcome(
                replayed=False,
                status_code=record.status_code,
                body=record.body,
                recorded_at=record.created_at,
                recorded_by=record.user,
                value=value,
            )
    existing = _find(key, scope)
    if existing is None:  # the first one was refused after all: nothing to replay
        raise IdempotencyConflict("This Idempotency-Key is being used by another request.")
    return _replayed(existing, data)


class _Refusal(Exception):
    """A DRF answer of 4xx/5xx: roll the key back with the write, then return it."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


def idempotent(view_method=None, *, replay_status: int | None = None):
    """Make a DRF view method idempotent under the `Idempotency-Key` header.

    Args:
        replay_status: the status of a replay, when it is not the first answer's
            (payments answer a replay 200, as they always have).
    """

    def decorate(view_method):
        @functools.wraps(view_method)
        def wrapper(self, request, *args, **kwargs):
            key = request.headers.get("Idempotency-Key")
            if not key:
                return view_method(self, request, *args, **kwargs)

            def write():
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 400:
                    # A refusal records nothing, so a corrected retry may reuse the key.
                    raise _Refusal(response)
                return response

            try:
                outcome = idempotency_run(
                    key=key,
                    scope=f"{request.method} {request.path}",
                    data=request.data,
                    user=request.user,
                    write=write,
                    answer=lambda response: (response.status_code, response.data),
                )
            except IdempotencyKeyInvalid as exc:
                return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
            except IdempotencyConflict as exc:
                return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
            except _Refusal as refusal:
                return refusal.response
            if outcome.replayed:
                return Response(
                    outcome.body,
                    status=replay_status or outcome.status_code,
                    headers={"Idempotent-Replayed": "true"},
                )
            return outcome.value

        # Read by the schema (core.api_schema): a replay's status and header are documented.
        wrapper.idempotent_replay_status = replay_status
        return wrapper

    return decorate(view_method) if view_method is not None else decorate

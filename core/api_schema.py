"""The OpenAPI schema states every answer an operation gives, refusals included.

drf-spectacular documents the success of each operation. A client also needs
the refusals, so every operation lists the ones it can give, each with its
body: a 400 names the fields (each with its messages) or gives a `detail`;
401, 403 and 404 give a `detail`; a 409 gives a `detail` and, for a likely
duplicate, `duplicate_of` (the record the request looks like). A write sent
again with its `Idempotency-Key` answers with the first answer: documented as
the success it repeats (200 or 201, header `Idempotent-Replayed: true`).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What was refused, in words."}},
    "required": ["detail"],
}

FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Each field refused, with its messages (a list of strings, or the same shape for a"
        " nested object or list), or `detail` for a refusal of the request as a whole."
    ),
    "additionalProperties": True,
}

CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "duplicate_of": {
            "type": "integer",
            "description": "The record this request looks like; send `confirm_duplicate: true`"
            " to record it all the same.",
        },
    },
    "additionalProperties": True,
}

REPLAYED = {
    "Idempotent-Replayed": {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present when this is the first answer to the same key, sent again.",
    }
}


def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    response = {"content": {"application/json": {"schema": schema}}, "description": description}
    if headers:
        response["headers"] = headers
    return response


class NoteDeskAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the refusals (and the replayed answer) documented.

    A decimal string's pattern says what the field accepts: at least one digit
    before the point and one after it if there is a point (`""`, `"-"` and
    `"."` are refused), no sign where the field has a minimum of zero or more.
    A text field that trims spaces and may not be blank needs a character
    other than a space.
    """

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and "pattern" in schema:
            whole = field.max_whole_digits
            sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
            digits = "0" if whole == 0 else rf"\d{{1,{whole}}}"
            places = rf"(?:\.\d{{1,{field.decimal_places}}})?" if field.decimal_places else ""
            schema["pattern"] = f"^{sign}{digits}{places}$"
        elif (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and type(field) in (serializers.CharField,)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and "pattern" not in schema
            and "enum" not in schema
            and not field.read_only
        ):
            # Surrounding spaces are trimmed, so a value of spaces alone is blank.
            schema["pattern"] = r"\S"
        return schema

    def _handler(self):
        action = getattr(self.view, "action", None)
        return getattr(self.view, action or self.method.lower(), None)

    def _has_query_parameters(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        writes = self.method in ("POST", "PUT", "PATCH")
        added = {
            "401": _json(DETAIL, "No credentials, or credentials not valid."),
            "403": _json(DETAIL, "The user's role may not do this (an Auditor never writes)."),
            "404": _json(DETAIL, "No such record (or page), or not one this user may see."),
        }
        if writes or self._has_query_parameters():
            added["400"] = _json(FIELD_ERRORS, "The request was refused; nothing was recorded.")
        if writes:
            added["409"] = _json(
                CONFLICT,
                "Refused for the state of the records: a likely duplicate (`duplicate_of`),"
                " an Idempotency-Key reused for another request, or a note whose state"
                " does not allow it.",
            )
        handler = self._handler()
        if writes and hasattr(handler, "idempotent_replay_status"):
            # A repeat with the same Idempotency-Key answers the first answer again.
            success = next((code for code in ("201", "200", "202") if code in responses), None)
            if success is not None:
                replay = str(handler.idempotent_replay_status or success)
                first = responses[success]
                responses[replay] = {
                    **first,
                    "description": (
                        "The first answer to this Idempotency-Key, sent again"
                        if replay != success
                        else "Done; a repeat with the same Idempotency-Key gets this answer"
                        " again"
                    ),
                    "headers": REPLAYED,
                }
                if replay != success:
                    responses[success] = first
        for code, response in added.items():
            responses.setdefault(code, response)
        return dict(sorted(responses.items()))

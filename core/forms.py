"""Form building blocks: the date input, and the one-time key of a form that records money."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def idempotency_key_new() -> str:
    return str(uuid.uuid4())


class OneTimeKeyMixin:
    """A hidden one-time key, rendered with the form, for a form that records a money fact.

    The key is made when the form is rendered unbound and comes back with every
    submit of that rendering: a double click, a re-POST, Back and submit again,
    or two POSTs at once carry the same key and record one fact (the views run
    the write through `core.idempotency.idempotency_run`, as the API does). A
    refused submit is re-rendered with the key it came with, so the corrected
    submit is still the same request; only a key spent on a different request
    is renewed.

    A POST without a key (a page rendered before forms carried one, a script)
    is refused and records nothing; the form comes back with a key, so the
    user's next submit is one request like any other. A browser form is never
    less safe than the API.

    Put it before `forms.Form` in the bases; the field is added in `__init__`
    so it works with any prefix.
    """

    KEY_FIELD = "idempotency_key"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.KEY_FIELD] = forms.CharField(
            max_length=200,
            widget=forms.HiddenInput,
            label="One-time key",
            error_messages={"max_length": "The one-time key must be at most 200 characters."},
        )
        if not self.is_bound:
            self.initial.setdefault(self.KEY_FIELD, idempotency_key_new())
        elif not self.data.get(self.add_prefix(self.KEY_FIELD)):
            # Refuse it, but hand the form back with a key so that submitting it
            # again is one request like any other.
            self._key_missing = True
            self.renew_idempotency_key()

    def clean(self):
        cleaned = super().clean()
        if getattr(self, "_key_missing", False):
            raise ValidationError(
                "This form came without its one-time key, so it could be a repeat: nothing"
                " was recorded. Check the entries below and submit again."
            )
        return cleaned

    @property
    def idempotency_key(self) -> str | None:
        return self.cleaned_data.get(self.KEY_FIELD) or None

    def renew_idempotency_key(self) -> None:
        """Give a re-rendered bound form a fresh key (its old one is spent)."""
        data = self.data.copy()
        data[self.add_prefix(self.KEY_FIELD)] = idempotency_key_new()
        self.data = data

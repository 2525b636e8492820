"""Staff forms that record a money fact: once per rendered form, likely duplicates confirmed.

The browser is exactly as safe as the API: each such form carries a one-time
key (`notes.forms.OneTimeKeyMixin`), and the view runs the same service under
the same key store as the API's `Idempotency-Key` (`idempotency_run`, scope
"POST <path>", a keyed fingerprint of the submitted body). So:

- a double click, a re-POST, Back and submit of the old page, or two POSTs at
  once record once; every repeat is sent where the first went, with a message
  saying what was already recorded, when and by whom;
- a key spent on a different request is refused on the form with a fresh key;
- a likely duplicate under a new key (a Back that re-fetched the page) is
  shown beside the earlier record and recorded only if the user confirms; the
  confirm button re-posts the same body, the same key, and `confirm_duplicate`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from core.idempotency import IdempotentOutcome, idempotency_run

CONFIRM_FIELD = "confirm_duplicate"


def duplicate_confirmed(request) -> bool:
    """Whether the POST came from the "record a second one" button."""
    return request.POST.get(CONFIRM_FIELD, "").lower() in ("1", "true", "on")


def form_record_once(request, *, form, write: Callable, location: Callable[[object], str]):
    """Run `write` under the form's one-time key; a repeat gets the first answer back.

    Args:
        form: a valid form with a one-time key (`OneTimeKeyMixin`).
        write: calls the recording service and returns the record it made.
        location: where the record is shown; a repeat is sent there too.

    Raises:
        IdempotencyConflict: the form's key was spent on a different request.
        Whatever `write` raises (nothing is then kept; the key stays usable).
    """
    if form.idempotency_key is None:
        # No key came with the form (see OneTimeKeyMixin): carried out as it stands.
        value = write()
        return IdempotentOutcome(
            replayed=False,
            status_code=201,
            body={"id": value.pk, "location": location(value)},
            recorded_at=timezone.now(),
            recorded_by=request.user,
            value=value,
        )
    return idempotency_run(
        key=form.idempotency_key,
        scope=f"{request.method} {request.path}",
        data=request.POST,
        user=request.user,
        write=write,
        answer=lambda record: (201, {"id": record.pk, "location": location(record)}),
    )


def when_recorded(moment: datetime) -> str:
    """'today at 15:02', or 'on 2026-11-25 at 15:02', in the local time zone."""
    local = timezone.localtime(moment)
    day = "today" if local.date() == timezone.localdate() else f"on {local:%Y-%m-%d}"
    return f"{day} at {local:%H:%M}"


def _who(user) -> str:
    return user.get_username() if user is not None else "an unknown user"


def already_recorded_redirect(request, outcome: IdempotentOutcome, *, what: str):
    """Say that the repeat recorded nothing, and show the first result."""
    body = outcome.body if isinstance(outcome.body, dict) else {}
    messages.info(
        request,
        f"This {what} was already recorded (#{body.get('id')} "
        f"{when_recorded(outcome.recorded_at)} by {_who(outcome.recorded_by)}): "
        "it was not recorded twice; nothing new was recorded.",
    )
    return redirect(body.get("location") or request.path)


def key_spent_on_form(form, *, what: str) -> None:
    """The form's key was used for a different request: refuse it and renew the key."""
    form.add_error(
        None,
        f"This form was already used for a different {what}; nothing was recorded. "
        f"Check the {what}s recorded, then submit again.",
    )
    form.renew_idempotency_key()


def duplicate_confirm_response(
    request,
    *,
    exc,
    what: str,
    earlier_url: str,
    cancel_url: str,
    details: list[tuple[str, str]],
):
    """The page that shows the earlier record and asks before recording a second one.

    The confirm button re-posts the very body that was submitted (one-time key
    included, so a double click on it records once) plus `confirm_duplicate`.
    """
    earlier = exc.earlier
    hidden = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD)
        for value in values
    ]
    context = {
        "what": what,
        "earlier": earlier,
        "earlier_url": earlier_url,
        "earlier_when": when_recorded(earlier.created_at),
        "earlier_by": _who(earlier.recorded_by),
        "details": details,
        "action": request.get_full_path(),
        "hidden": hidden,
        "confirm_field": CONFIRM_FIELD,
        "cancel_url": cancel_url,
    }
    return TemplateResponse(request, "confirm_duplicate.html", context)

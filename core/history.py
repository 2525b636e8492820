"""A record's history as a person reads it: who changed what, and when.

The audit trail is django-pghistory's: PostgreSQL triggers write a row to the
model's event table (``<Model>Event``) on every insert, update and delete, with
a snapshot of the whole row and the request's context (the user, the URL)
attached by ``pghistory.middleware.HistoryMiddleware``. Here each event is
compared with the one before it, and what changed is told with the fields'
labels, the values as the pages show them (a holder's name, not its id; a
choice's label, not its code) and the user. Every record page shows it with
the one include ``templates/_history.html``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models

# Bookkeeping columns a person does not need to read about.
SKIPPED = {"id", "created_at", "updated_at", "idempotency_key", "request_fingerprint"}
ACTIONS = {"insert": "Recorded", "update": "Changed", "delete": "Deleted"}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    action: str
    url: str
    changes: list[Change] = field(default_factory=list)


def _shown(value, model_field, related: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        target = related.get((model_field.related_model, value))
        return str(target) if target is not None else f"#{value} (no longer on record)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ", timespec="minutes") if isinstance(
            value, datetime
        ) else value.isoformat()
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or "—"
    return str(value)


def record_history(obj, *, limit: int = 50) -> list[HistoryEntry]:
    """The record's audited changes, newest first.

    One query for the events, one per related model they name that the record
    does not hold already, one for the users; none for a model not audited.
    """
    event_model = getattr(type(obj), "pgh_event_model", None)
    if event_model is None:
        return []
    tracked = [
        f for f in type(obj)._meta.concrete_fields
        if f.name not in SKIPPED and any(ef.attname == f.attname for ef in
                                         event_model._meta.concrete_fields)
    ]
    events = list(
        event_model.objects.filter(pgh_obj_id=obj.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    if not events:
        return []
    # The related records named in any event, one query per related model; those the
    # record already holds (loaded with it) are not fetched again.
    wanted: dict = {}
    related = {}
    for f in tracked:
        if f.is_relation:
            ids = {getattr(e, f.attname) for e in events} - {None}
            if f.is_cached(obj) and getattr(obj, f.attname) in ids:
                current = getattr(obj, f.name)
                related[(f.related_model, current.pk)] = current
                ids.discard(current.pk)
            if ids:
                wanted.setdefault(f.related_model, set()).update(ids)
    for model, ids in wanted.items():
        for pk, record in model._default_manager.in_bulk(ids).items():
            related[(model, pk)] = record
    user_ids = {
        (e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context
    } - {None}
    users = {u.pk: u.get_username() for u in get_user_model().objects.filter(pk__in=user_ids)}

    entries = []
    previous = None
    for event in events:
        context = (event.pgh_context.metadata or {}) if event.pgh_context else {}
        who = users.get(context.get("user"), "NoteDesk (a scheduled job or the demo load)")
        label = event.pgh_label
        changes = []
        for f in tracked:
            new = getattr(event, f.attname)
            old = getattr(previous, f.attname) if previous is not None else None
            if label == "delete" or (previous is not None and old == new):
                continue
            if previous is None and new in (None, "", False):
                continue
            changes.append(
                Change(
                    label=str(f.verbose_name).capitalize(),
                    old=_shown(old, f, related) if previous is not None else "",
                    new=_shown(new, f, related),
                )
            )
        if label != "update" or changes:
            entries.append(
                HistoryEntry(
                    when=event.pgh_created_at,
                    who=who,
                    action=ACTIONS.get(label, label.title()),
                    url=context.get("url", ""),
                    changes=changes,
                )
            )
        previous = event
    return list(reversed(entries))[:limit]

"""The admin's audit-trail page: every event of one record (`?obj=app.model:pk`).

`AuditLinkMixin` links each record to this page. pghistory's own events
admin loads the record to title the page and fails with a server error when
it is not there — a mistyped or stale link, or a record that was deleted.
Here a record that exists, or that no longer exists but has events (a delete
is audited too, and its trail is what an auditor looks for), gets its page;
anything else is a 404. The page lists that record's events only: pghistory
matches the key alone, which would mix in other models' rows with the same id.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404
from pghistory.admin import EventsAdmin
from pghistory.models import Events


def _model_of(reference: str):
    try:
        return apps.get_model(reference.partition(":")[0])
    except (LookupError, ValueError):
        return None


def audit_subject(reference: str) -> str:
    """The page subtitle for `app_label.model_name:pk`, naming a deleted record as such.

    Raises:
        Http404: the reference names no model, no valid key, or a record that
            neither exists nor ever had an audited change.
    """
    label, _, raw_pk = reference.partition(":")
    try:
        model = apps.get_model(label)
        pk = model._meta.pk.to_python(raw_pk)
    except (LookupError, ValueError, ValidationError):
        raise Http404(f"No record {reference!r} to show the audit trail of.") from None
    if pk is None or raw_pk == "":
        raise Http404(f"No record {reference!r} to show the audit trail of.")
    record = model._default_manager.filter(pk=pk).first()
    if record is not None:
        return str(record)
    if Events.objects.filter(pgh_obj_model=model._meta.label, pgh_obj_id=str(pk)).exists():
        return f"{model._meta.verbose_name} {pk} (deleted)"
    raise Http404(f"No {model._meta.verbose_name} {pk} has ever been recorded.")


class AuditTrailAdmin(EventsAdmin):
    """pghistory's events admin, with a 404 instead of a 500 for a record that is not there."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        reference = request.GET.get("obj")
        model = _model_of(reference) if reference and "method" not in request.GET else None
        if model is not None:
            # pghistory matches the key alone, across every tracked model: the trail
            # of note 3 would list issuer 3's and holder 3's events as well.
            queryset = queryset.filter(pgh_obj_model=model._meta.label)
        return queryset

    def changelist_view(self, request, extra_context=None):
        reference = request.GET.get("obj")
        if reference is None:
            return super().changelist_view(request, extra_context=extra_context)
        subject = audit_subject(reference)
        method = request.GET.get("method")
        extra_context = {
            **(extra_context or {}),
            "title": self.model._meta.verbose_name_plural.capitalize(),
            "subtitle": f"{method.title()} {subject}" if method else subject,
        }
        if "back" in request.GET:
            extra_context["pgh_back"] = request.GET["back"]
        # Skip the parent's view, which would load the record again and fail if it
        # was deleted; the context it would add is the one built above.
        return admin.ModelAdmin.changelist_view(self, request, extra_context=extra_context)

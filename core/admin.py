"""Admin building blocks every app's admin uses: the audit-trail link, read-only money facts."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html


class AuditLinkMixin:
    """A read-only link from a record to its audit trail (pghistory events)."""

    @admin.display(description="Audit trail")
    def audit_trail(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:pghistory_middlewareevents_changelist")
        label = f"{obj._meta.app_label}.{obj._meta.model_name}:{obj.pk}"
        return format_html('<a href="{}?obj={}">Who changed what, and when</a>', url, label)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

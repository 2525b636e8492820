"""Admin building blocks every app's admin uses: the audit-trail link, read-only money facts."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.models import DeadLetter, DeadLetterResolution


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


class DeadLetterResolutionInline(admin.TabularInline):
    model = DeadLetterResolution
    extra = 0
    can_delete = False
    fields = ("resolved_at", "resolved_by", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # resolutions are recorded on the Failed jobs page, by Finance


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "failed_at", "task_name", "task_id", "exception", "resolved")
    list_filter = ("task_name",)
    search_fields = ("task_id", "task_name", "exception", "request_id")
    date_hierarchy = "failed_at"
    readonly_fields = (
        "task_id", "task_name", "args", "kwargs", "exception", "traceback", "retries",
        "request_id", "failed_at",
    )
    inlines = [DeadLetterResolutionInline]

    @admin.display(boolean=True, description="Resolved")
    def resolved(self, obj):
        return obj.resolutions.exists()

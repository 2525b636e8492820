"""Admin for pending actions: read-only; they are decided on the Approvals page or the API."""

from django.contrib import admin

from approvals.models import PendingAction
from core.admin import AuditLinkMixin, ReadOnlyAdminMixin


@admin.register(PendingAction)
class PendingActionAdmin(ReadOnlyAdminMixin, AuditLinkMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "status", "summary", "requested_by", "decided_by", "decided_at"]
    list_filter = ["kind", "status"]
    search_fields = ["summary", "withdrawal_reason"]
    list_select_related = ["requested_by", "decided_by"]
    readonly_fields = ["audit_trail"]

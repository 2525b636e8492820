"""Invitations in admin: read-only (they are made and withdrawn on the holder's page)."""

from django.contrib import admin

from accounts.models import Invitation
from core.admin import AuditLinkMixin


@admin.register(Invitation)
class InvitationAdmin(AuditLinkMixin, admin.ModelAdmin):
    list_display = ["email", "holder", "created_at", "expires_at", "accepted_at", "withdrawn_at"]
    list_filter = ["withdrawn_reason"]
    search_fields = ["email", "holder__name"]
    list_select_related = ["holder"]
    exclude = ["token_digest"]
    readonly_fields = ["audit_trail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

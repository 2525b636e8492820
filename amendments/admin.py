"""Admin for amendments and consents: read-only; they are recorded on the staff pages or API."""

from django.contrib import admin

from amendments.models import Amendment, HolderConsent
from core.admin import AuditLinkMixin, ReadOnlyAdminMixin


class HolderConsentInline(admin.TabularInline):
    model = HolderConsent
    fields = ["holder", "consented_on", "reference", "recorded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdminMixin, AuditLinkMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "title", "series", "issuer_consented_on", "effective_on"]
    list_filter = ["kind"]
    search_fields = ["title"]
    list_select_related = ["series"]
    readonly_fields = ["audit_trail"]
    inlines = [HolderConsentInline]

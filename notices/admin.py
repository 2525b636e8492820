"""Admin for notices: read-only (the database refuses changes to a letter anyway)."""

from django.contrib import admin

from core.admin import AuditLinkMixin, ReadOnlyAdminMixin
from notices.models import Notice, NoticeDeposit, NoticeRun


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, AuditLinkMixin, admin.ModelAdmin):
    list_display = [
        "id", "kind", "note", "recipient", "notice_date", "delivery_method", "sent_on",
        "deemed_delivered_on",
    ]
    list_filter = ["kind", "direction", "delivery_method"]
    search_fields = ["purpose_key", "recipient", "note__number"]
    list_select_related = ["note"]
    readonly_fields = ["audit_trail"]


@admin.register(NoticeDeposit)
class NoticeDepositAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "deposited_on", "recorded_by", "created_at"]


@admin.register(NoticeRun)
class NoticeRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id", "as_of", "status", "trigger", "chunks_done", "chunks_total", "notices_created",
        "created_at",
    ]

from __future__ import annotations

from django.contrib import admin

from accounts.admin_site import AdminRoleMixin
from records.models import LegalHold, RecordsExport, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["channel", "keep_days"]


@admin.register(LegalHold)
class LegalHoldAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["__str__", "created_by", "created_at", "released_at"]
    raw_id_fields = ["contact", "conversation"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RecordsExport)
class RecordsExportAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["pk", "requested_by", "contact", "status", "progress", "created_at"]
    readonly_fields = [f.name for f in RecordsExport._meta.fields]

    def has_add_permission(self, request, *args):
        return False

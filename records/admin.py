from __future__ import annotations

from django.contrib import admin

from accounts.admin_site import AdminRoleMixin, ReadOnlyAdminRoleMixin
from records.models import LegalHold, RecordsExport, RetentionPolicy


class _ThroughTheServicesOnly(ReadOnlyAdminRoleMixin):
    """Shown, never written here: a retention change or a legal hold goes
    through records.services (the settings pages and API), which check who
    may and write the event. A write here would skip both."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(_ThroughTheServicesOnly, admin.ModelAdmin):
    list_display = ["channel", "keep_days"]


@admin.register(LegalHold)
class LegalHoldAdmin(_ThroughTheServicesOnly, admin.ModelAdmin):
    list_display = ["__str__", "created_by", "created_at", "released_at"]
    raw_id_fields = ["contact", "conversation"]


@admin.register(RecordsExport)
class RecordsExportAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["pk", "requested_by", "contact", "status", "progress", "created_at"]
    readonly_fields = [f.name for f in RecordsExport._meta.fields]

    def has_add_permission(self, request, *args):
        return False

"""The event log in the admin, read-only. Registered here, in the audit app,
because the admin pages need the admin-role mixin from above ``events``."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin_site import AdminRoleMixin
from events.models import Event


@admin.register(Event)
class EventAdmin(AdminRoleMixin, admin.ModelAdmin):
    """Read-only: the event log is append-only."""

    list_display = ["at", "type", "actor", "channel", "conversation"]
    list_filter = ["type"]
    date_hierarchy = "at"
    list_select_related = ["actor", "channel", "conversation"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

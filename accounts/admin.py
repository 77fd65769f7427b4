from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Membership, Team, User
from socialdesk.admin_site import AdminRoleMixin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["team"]

    def has_view_permission(self, request, obj=None):
        return True

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(User)
class UserAdmin(AdminRoleMixin, DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "display_name", "email", "is_active", "last_login"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("SocialDesk", {"fields": ("display_name",)}),
    )


@admin.register(Team)
class TeamAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]

"""The Django admin is for SocialDesk admins only (role "admin"), not for
officers or managers, whatever Django's is_staff flag says."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


def _is_admin(user) -> bool:
    from accounts import access  # imported late: this module loads before the apps are ready

    return user.is_active and access.is_admin(user)


class SocialDeskAdminSite(admin.AdminSite):
    site_header = "SocialDesk administration"
    site_title = "SocialDesk admin"
    index_title = "Configuration"

    def has_permission(self, request) -> bool:
        return _is_admin(request.user)


class SocialDeskAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.SocialDeskAdminSite"


class AdminRoleMixin:
    """Grants model permissions by SocialDesk role instead of per-model perms."""

    def has_module_permission(self, request) -> bool:
        return _is_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_admin(request.user)

    def has_add_permission(self, request, *args) -> bool:
        return _is_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _is_admin(request.user)


class ReadOnlyAdminRoleMixin(AdminRoleMixin):
    """For records people may look at and clear, never write (lockouts)."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def reregister_for_admin_role(site, model, base, mixin=AdminRoleMixin) -> None:
    """Give a third-party app's admin page to the SocialDesk admin role."""
    if site.is_registered(model):
        site.unregister(model)
    site.register(model, type(f"Role{base.__name__}", (mixin, base), {}))

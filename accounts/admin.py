from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_site import AdminRoleMixin, ReadOnlyAdminRoleMixin, reregister_for_admin_role
from accounts.models import ApiToken, Membership, Team, User
from accounts.services import sessions, tokens

# Lockouts (visible to admins, who can clear them) and MFA devices (admins can
# remove a lost phone so its owner can set up a new one).
for _model, _base in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    reregister_for_admin_role(admin.site, _model, _base, ReadOnlyAdminRoleMixin)
for _model, _base in ((TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin)):
    reregister_for_admin_role(admin.site, _model, _base)


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
    actions = ["end_all_sessions", "deactivate"]

    @admin.action(description="Sign out of every session")
    def end_all_sessions(self, request, queryset):
        ended = sum(
            sessions.sessions_end_all(user=u, actor=request.user, reason="ended by an admin")
            for u in queryset
        )
        self.message_user(request, f"Ended {ended} session(s).")

    @admin.action(description="Deactivate (leavers): signs them out at once")
    def deactivate(self, request, queryset):
        for user in queryset:
            sessions.user_deactivate(user=user, actor=request.user)
        self.message_user(request, f"Deactivated {queryset.count()} account(s).")

    def save_model(self, request, obj, form, change):
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            sessions.user_deactivate(user=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        memberships_log(request.user, formset)

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("SocialDesk", {"fields": ("display_name",)}),
    )


@admin.register(Team)
class TeamAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        memberships_log(request.user, formset)


def memberships_log(actor, formset) -> None:
    """Role and team changes are security events (who can see which channels)."""
    from events.services import event_record

    if formset.model is not Membership:
        return
    for membership in formset.new_objects:
        event_record(
            type="account.team_joined",
            actor=actor,
            data={
                "target": f"user:{membership.user_id}",
                "team": membership.team_id,
                "role": membership.role,
            },
        )
    for membership, fields in formset.changed_objects:
        event_record(
            type="account.role_changed",
            actor=actor,
            data={
                "target": f"user:{membership.user_id}",
                "team": membership.team_id,
                "role": membership.role,
                "fields": fields,
            },
        )
    for membership in formset.deleted_objects:
        event_record(
            type="account.team_left",
            actor=actor,
            data={"target": f"user:{membership.user_id}", "team": membership.team_id},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminRoleMixin, admin.ModelAdmin):
    """Admins see everyone's tokens and can revoke them; only their owner can
    make one (from their own verified session), so none is made here."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at"]
    list_filter = ["created_with_verified_mfa"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "key_hash"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, not deleted: the record of a key stays

    @admin.action(description="Revoke: the token stops working at once")
    def revoke(self, request, queryset):
        for token in queryset:
            tokens.api_token_revoke(token=token, actor=request.user)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")

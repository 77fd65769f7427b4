from __future__ import annotations

from django.contrib import admin

from accounts.admin_site import AdminRoleMixin
from escalation import clock as business_clock
from escalation.models import (
    ConversationTarget,
    CrisisMode,
    Escalation,
    EscalationLevel,
    EscalationRule,
    HoursException,
    OpeningInterval,
    OutOfHoursReply,
    ResponseTarget,
    StaffedHours,
)
from escalation.services.config import rule_logged
from escalation.services.targets import targets_invalidate


class OpeningIntervalInline(admin.TabularInline):
    model = OpeningInterval
    extra = 0


class HoursExceptionInline(admin.TabularInline):
    model = HoursException
    extra = 0


@admin.register(StaffedHours)
class StaffedHoursAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["channel", "time_zone", "holiday_region", "out_of_hours_reply", "statement"]
    inlines = [OpeningIntervalInline, HoursExceptionInline]
    readonly_fields = ["statement"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("channel")
            .prefetch_related("intervals", "exceptions")
        )

    @admin.display(description="Statement for the profile bio")
    def statement(self, obj: StaffedHours) -> str:
        if obj.pk is None:
            return "Save to see the statement."
        return business_clock.hours_statement(hours=obj, emergency_text=obj.emergency_text)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Intervals and exceptions are saved only now: due times follow.
        targets_invalidate(channel_ids=[form.instance.channel_id])

    def delete_model(self, request, obj):
        channel_id = obj.channel_id
        super().delete_model(request, obj)
        targets_invalidate(channel_ids=[channel_id])


@admin.register(ResponseTarget)
class ResponseTargetAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "channel",
        "priority",
        "target_minutes",
        "limit_minutes",
        "warning_percent",
        "clock",
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        targets_invalidate(channel_ids=[obj.channel_id] if obj.channel_id else None)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        targets_invalidate(channel_ids=[obj.channel_id] if obj.channel_id else None)


class EscalationLevelInline(admin.StackedInline):
    model = EscalationLevel
    extra = 0
    filter_horizontal = ["users", "teams"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["name", "is_active", "target_stage", "min_priority", "updated_at"]
    list_filter = ["is_active"]
    filter_horizontal = ["channels"]
    inlines = [EscalationLevelInline]
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rule_logged(
            rule=form.instance, actor=request.user, created=not change, changed=form.changed_data
        )


@admin.register(Escalation)
class EscalationAdmin(AdminRoleMixin, admin.ModelAdmin):
    """The record of what fired: read-only (acknowledge from the escalation page)."""

    list_display = [
        "rule",
        "channel",
        "conversation",
        "level",
        "raised_at",
        "acknowledged_at",
        "acknowledged_by",
    ]
    list_filter = ["rule", "level"]
    list_select_related = ["rule", "channel", "conversation", "acknowledged_by"]

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CrisisMode)
class CrisisModeAdmin(EscalationAdmin):
    """Started and ended from the escalation page, where it is logged."""

    list_display = ["title", "started_at", "started_by", "ended_at", "ended_by"]
    list_filter = []
    list_select_related = ["started_by", "ended_by"]


@admin.register(OutOfHoursReply)
class OutOfHoursReplyAdmin(EscalationAdmin):
    list_display = [
        "key",
        "channel",
        "contact",
        "period_start",
        "reopens_at",
        "crisis",
        "skipped_reason",
        "created_at",
    ]
    list_filter = ["crisis"]
    list_select_related = ["channel", "contact"]


@admin.register(ConversationTarget)
class ConversationTargetAdmin(EscalationAdmin):
    list_display = [
        "conversation_id",
        "channel",
        "status",
        "clock",
        "warn_at",
        "due_at",
        "limit_at",
        "paused_seconds",
    ]
    list_filter = ["clock", "status"]
    list_select_related = ["channel"]

"""Input and output shapes of the staffed-hours, targets, out-of-hours and
bio settings API. Shape only: the rules are the services'."""

from __future__ import annotations

from rest_framework import serializers

from escalation import clock as business_clock
from escalation.models import Clock, ExceptionKind
from inbox.api.serializers import ChannelOut
from inbox.models import Priority
from socialdesk.text import MultiLineCharField, SingleLineCharField

MAX_INTERVALS = 70

# --- output -----------------------------------------------------------------------


class IntervalOut(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 is Monday.")
    day = serializers.SerializerMethodField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    overnight = serializers.SerializerMethodField(help_text="Ends on the next day.")

    def get_day(self, obj) -> str:
        return business_clock.WEEKDAYS[obj.weekday]

    def get_overnight(self, obj) -> bool:
        return obj.end <= obj.start


class ExceptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ExceptionKind.choices)
    starts_on = serializers.DateField()
    start_time = serializers.TimeField(format="%H:%M", allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    end_time = serializers.TimeField(format="%H:%M", allow_null=True)
    reason = serializers.CharField()


class HoursOut(serializers.Serializer):
    time_zone = serializers.CharField()
    holiday_region = serializers.CharField()
    intervals = IntervalOut(many=True, source="intervals.all")
    exceptions = ExceptionOut(many=True, source="exceptions.all")


class OpeningOut(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    ends_next_day = serializers.BooleanField()


class DayOut(serializers.Serializer):
    day = serializers.DateField()
    openings = OpeningOut(many=True)
    holiday = serializers.CharField(allow_null=True)
    closures = serializers.ListField(child=serializers.CharField())
    special_openings = serializers.ListField(child=serializers.CharField(), source="openings_extra")


class StaffedNowOut(serializers.Serializer):
    staffed = serializers.BooleanField()
    next_change = serializers.DateTimeField(allow_null=True)
    text = serializers.CharField(source="next_change_text")


class BioOut(serializers.Serializer):
    channel = ChannelOut()
    text = serializers.CharField()
    used = serializers.IntegerField(help_text="Characters, as the network counts a bio.")
    limit = serializers.IntegerField(allow_null=True, help_text="The network's bio limit.")
    too_long = serializers.BooleanField()


class HoursDetailOut(serializers.Serializer):
    channel = ChannelOut()
    hours = HoursOut(allow_null=True, help_text="Null: staffed 24/7.")
    staffed_now = StaffedNowOut()
    week = DayOut(many=True)
    bio = BioOut()


class TargetOut(serializers.Serializer):
    id = serializers.IntegerField()
    channel = ChannelOut(allow_null=True, help_text="Null: every channel (the default).")
    priority = serializers.ChoiceField(choices=Priority.choices, allow_null=True)
    target_minutes = serializers.IntegerField()
    limit_minutes = serializers.IntegerField()
    warning_percent = serializers.IntegerField()
    clock = serializers.ChoiceField(choices=Clock.choices)


class OutOfHoursOut(serializers.Serializer):
    channel = ChannelOut()
    reply = serializers.BooleanField(source="hours.out_of_hours_reply")
    public = serializers.BooleanField(source="hours.out_of_hours_public")
    text = serializers.CharField(source="hours.out_of_hours_text")
    emergency_text = serializers.CharField(source="hours.emergency_text")
    preview = serializers.CharField(source="preview.text")
    preview_arrives = serializers.DateTimeField(source="preview.arrives", allow_null=True)


class RegionOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


# --- input ------------------------------------------------------------------------


class IntervalIn(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 is Monday.")
    start = serializers.TimeField()
    end = serializers.TimeField()
    overnight = serializers.BooleanField(default=False, help_text="Ends on the next day.")


class HoursIn(serializers.Serializer):
    time_zone = SingleLineCharField(max_length=64, default="Europe/London")
    holiday_region = SingleLineCharField(max_length=16, allow_blank=True, default="")
    intervals = IntervalIn(many=True)
    also_channels = serializers.ListField(
        child=serializers.IntegerField(),
        default=list,
        max_length=200,
        help_text="Other channels (ids) to give the same hours, all or nothing.",
    )

    def validate_intervals(self, value: list) -> list:
        if len(value) > MAX_INTERVALS:
            raise serializers.ValidationError(f"At most {MAX_INTERVALS} intervals a week.")
        return value


class ExceptionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExceptionKind.choices)
    reason = SingleLineCharField(max_length=200)
    starts_on = serializers.DateField()
    start_time = serializers.TimeField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    end_time = serializers.TimeField(required=False, allow_null=True, default=None)


class OutOfHoursIn(serializers.Serializer):
    reply = serializers.BooleanField()
    public = serializers.BooleanField()
    text = MultiLineCharField(max_length=2000)
    emergency_text = SingleLineCharField(max_length=300)


class TargetIn(serializers.Serializer):
    channel = serializers.IntegerField(allow_null=True, help_text="Null: every channel (admins).")
    priority = serializers.ChoiceField(choices=Priority.choices, allow_null=True, default=None)
    target_minutes = serializers.IntegerField(min_value=1)
    limit_minutes = serializers.IntegerField(min_value=1)
    warning_percent = serializers.IntegerField(min_value=1, max_value=100, default=80)
    clock = serializers.ChoiceField(choices=Clock.choices, default=Clock.STAFFED)

"""Input and output of the content settings API (issue 18). Inputs check
shape only; the services decide what is allowed and say why not."""

from __future__ import annotations

from rest_framework import serializers

from socialdesk.text import MultiLineCharField, SingleLineCharField


class TeamRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SettingsCannedOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    teams = TeamRefOut(many=True, help_text="Empty: offered to everyone")
    preview = serializers.CharField(help_text="The text with sample values in the placeholders")


class CannedIn(serializers.Serializer):
    # Lengths are the services' to check, so the API and the page say the same.
    title = SingleLineCharField(allow_blank=True)
    text = MultiLineCharField(allow_blank=True)
    team_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class CannedPreviewIn(serializers.Serializer):
    text = MultiLineCharField(allow_blank=True)


class CannedPreviewOut(serializers.Serializer):
    preview = serializers.CharField()


class SettingsLabelOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    colour = serializers.CharField()
    uses = serializers.IntegerField(help_text="Conversations it tags")
    uses_elsewhere = serializers.IntegerField(
        help_text="Of those, on channels you do not manage (a manager may change it when 0)"
    )


class SettingsLabelCreateIn(serializers.Serializer):
    name = SingleLineCharField(allow_blank=True)


class LabelUpdateIn(serializers.Serializer):
    name = SingleLineCharField(allow_blank=True)
    colour = serializers.CharField(help_text="#rrggbb")


class LabelDeleteOut(serializers.Serializer):
    conversations = serializers.IntegerField(help_text="How many conversations it was taken off")


class SettingsHouseRuleOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()


class HouseRuleIn(serializers.Serializer):
    title = SingleLineCharField(allow_blank=True)
    text = MultiLineCharField(allow_blank=True)


class AbuseTermOut(serializers.Serializer):
    id = serializers.IntegerField()
    term = serializers.CharField()


class TermIn(serializers.Serializer):
    term = SingleLineCharField(allow_blank=True)


class KeywordListOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField())
    updated_at = serializers.DateTimeField()


class EscalationRuleOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()
    channel_ids = serializers.ListField(child=serializers.IntegerField())
    keyword_lists = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField(help_text="The page that changes it")

"""Serializers of the contact card, moderation (hide with a reason, mute) and
the shield's exposure. They shape data only."""

from __future__ import annotations

from rest_framework import serializers

from inbox.api.serializers import ChannelOut, ContactOut, NetworkActionOut, PersonOut
from inbox.models import ConversationKind, Network, Status
from inbox.services.contacts import MAX_NOTE
from inbox.services.moderation import MAX_NOTE as MAX_HIDE_NOTE
from socialdesk.text import MultiLineCharField, SingleLineCharField

# --- output ------------------------------------------------------------------------------


class HouseRuleOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()


class HideActionOut(NetworkActionOut):
    reason = serializers.CharField()


class EarlierOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ConversationKind.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    channel = ChannelOut()
    contact_id = serializers.IntegerField(
        help_text="The identity it was with (may be a linked one)"
    )
    last_message_at = serializers.DateTimeField()
    last_message_preview = serializers.CharField()


class InteractionsOut(serializers.Serializer):
    conversations = serializers.IntegerField()
    messages = serializers.IntegerField(help_text="Messages from them")
    channels = serializers.IntegerField()


class ContactNoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    author = PersonOut()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class MuteOut(serializers.Serializer):
    muted = serializers.BooleanField()
    state = serializers.CharField(allow_null=True, help_text="State of the latest mute or unmute")


class ContactCardOut(serializers.Serializer):
    contact = ContactOut()
    linked = ContactOut(many=True, help_text="Identities linked as the same person")
    earlier = EarlierOut(many=True)
    interactions = InteractionsOut()
    tags = serializers.ListField(child=serializers.CharField())
    notes = ContactNoteOut(many=True)
    mute = MuteOut(allow_null=True, help_text="Null where the network has no mute")


class ExposureRowOut(serializers.Serializer):
    officer = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class ExposureOut(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.DateField(), help_text="Mondays, oldest first")
    rows = ExposureRowOut(many=True)


# --- input -------------------------------------------------------------------------------


class HideIn(serializers.Serializer):
    rule = serializers.IntegerField(
        required=False, allow_null=True, help_text="A house rule's id; null or absent: other"
    )
    note = MultiLineCharField(
        required=False, allow_blank=True, default="", max_length=MAX_HIDE_NOTE
    )


class ContactNoteIn(serializers.Serializer):
    text = MultiLineCharField(max_length=MAX_NOTE)


class ContactLinkIn(serializers.Serializer):
    contact_id = serializers.IntegerField(required=False)
    network = serializers.ChoiceField(choices=Network.choices, required=False)
    handle = SingleLineCharField(required=False, max_length=120)

    def validate(self, attrs):
        if "contact_id" not in attrs and not (attrs.get("network") and attrs.get("handle")):
            raise serializers.ValidationError("Give contact_id, or network and handle.")
        return attrs


class ContactUnlinkIn(serializers.Serializer):
    contact_id = serializers.IntegerField()

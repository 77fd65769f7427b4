"""Explicit input and output serializers. They shape data only: no queries
beyond what the view already loaded, no business rules."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inbox.models import ConversationKind, Network, Priority, Status
from inbox.selectors import SAVED_VIEWS
from inbox.services.bulk_actions import BULK_ACTIONS, MAX_SELECTION
from inbox.templatetags.inbox_ui import due_clock
from socialdesk.text import MultiLineCharField, SingleLineCharField

# --- output ------------------------------------------------------------------------------


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="label")


class TeamOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ChannelOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    handle = serializers.CharField()
    network = serializers.ChoiceField(choices=Network.choices)


class ContactOut(serializers.Serializer):
    id = serializers.IntegerField()
    network = serializers.CharField()
    handle = serializers.CharField()
    display_name = serializers.CharField()
    followers_count = serializers.IntegerField()
    verified = serializers.BooleanField()
    blocked = serializers.BooleanField()
    blocked_reason = serializers.CharField()
    is_detractor = serializers.BooleanField()


class LabelOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DueOut(serializers.Serializer):
    level = serializers.ChoiceField(choices=["ok", "soon", "overdue"])
    label = serializers.CharField(help_text='e.g. "Due in 12 min", "Overdue by 5 min"')  # type: ignore[assignment]  # a field named like Field.label


class ConversationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ConversationKind.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    channel = ChannelOut()
    contact = ContactOut()
    assignee = PersonOut(allow_null=True)
    team = TeamOut(allow_null=True)
    labels = LabelOut(many=True, source="label_list")
    last_message_at = serializers.DateTimeField()
    last_message_preview = serializers.SerializerMethodField(
        help_text="null when the preview is shielded as abusive"
    )
    preview_shielded = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()
    awaiting_since = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    due = serializers.SerializerMethodField()
    snoozed_until = serializers.DateTimeField(
        allow_null=True, help_text="Out of the open views until then (null: not snoozed)"
    )

    def _shielded(self, obj) -> bool:
        shield = self.context.get("shield")
        return bool(shield and shield.matches(obj.last_message_preview))

    def get_last_message_preview(self, obj) -> str | None:
        return None if self._shielded(obj) else obj.last_message_preview

    def get_preview_shielded(self, obj) -> bool:
        return self._shielded(obj)

    def get_unread(self, obj) -> bool:
        if not hasattr(obj, "seen_latest"):
            return False
        return bool(obj.last_inbound_at) and not obj.seen_latest

    @extend_schema_field(DueOut(allow_null=True))
    def get_due(self, obj) -> dict | None:
        return due_clock(obj)


class MediaOut(serializers.Serializer):
    """One picture or attachment. The URLs are our media proxy's (never the
    network's); while the message is shielded only ``blurred_url`` is given."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="image, video, gif or other")
    alt_text = serializers.SerializerMethodField(help_text="null while shielded")
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    size_bytes = serializers.IntegerField(allow_null=True)
    url = serializers.SerializerMethodField(
        help_text="full size (2,048 px at most); null while shielded"
    )
    thumbnail_url = serializers.SerializerMethodField(help_text="480 px; null while shielded")
    blurred_url = serializers.SerializerMethodField()

    def _shown(self, obj) -> bool:
        return obj.is_image_like and not self.context.get("shielded", False)

    def get_alt_text(self, obj) -> str | None:
        return None if self.context.get("shielded", False) else obj.alt_text

    def get_url(self, obj) -> str | None:
        return reverse("inbox:media", args=[obj.pk]) if self._shown(obj) else None

    def get_thumbnail_url(self, obj) -> str | None:
        return reverse("inbox:media_variant", args=[obj.pk, "thumb"]) if self._shown(obj) else None

    def get_blurred_url(self, obj) -> str | None:
        if not obj.is_image_like:
            return None
        return reverse("inbox:media_variant", args=[obj.pk, "blurred"])


class MessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    conversation = serializers.IntegerField(source="conversation_id")
    direction = serializers.CharField()
    kind = serializers.CharField()
    external_id = serializers.CharField(allow_null=True)
    author = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField(help_text="null while shielded; see /reveal/")
    shielded = serializers.SerializerMethodField()
    sent_at = serializers.DateTimeField()
    state = serializers.CharField()
    is_automated = serializers.BooleanField()
    media = serializers.SerializerMethodField()

    @extend_schema_field(MediaOut(many=True))
    def get_media(self, obj) -> list[dict]:
        shielded = bool(getattr(obj, "shielded", False))
        return list(MediaOut(obj.media.all(), many=True, context={"shielded": shielded}).data)

    def get_author(self, obj) -> str:
        if obj.direction == "in":
            # A conversation is with one citizen: its contact wrote every inbound message.
            return str(obj.conversation.contact)
        return str(obj.author_user) if obj.author_user_id else ""

    def get_shielded(self, obj) -> bool:
        return bool(getattr(obj, "shielded", False))

    def get_text(self, obj) -> str | None:
        return None if getattr(obj, "shielded", False) else obj.text


class NoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonOut()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class NoteCreatedOut(serializers.Serializer):
    note = NoteOut()
    notified = PersonOut(many=True)
    not_notified = PersonOut(many=True, help_text="Mentioned but not covering this channel")


class ReplyCollisionOut(serializers.Serializer):
    detail = serializers.CharField()
    collisions = MessageOut(many=True)


class NetworkActionOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    target_external_id = serializers.CharField()
    state = serializers.CharField()


class PresenceOut(serializers.Serializer):
    name = serializers.CharField()
    typing = serializers.BooleanField()


class BulkOut(serializers.Serializer):
    changed = serializers.IntegerField()


class CannedOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField(help_text="With placeholders filled for the conversation")


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class SearchOut(serializers.Serializer):
    query = serializers.CharField()
    engine = serializers.CharField()
    page = serializers.IntegerField()
    has_more = serializers.BooleanField(help_text="Ask for page + 1 for more")
    messages = MessageOut(many=True)
    conversations = ConversationOut(many=True)


class SavedViewOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    query = serializers.DictField(
        child=serializers.CharField(),
        help_text="The filters, as GET /conversations/ takes them (defaults left out)",
    )
    owner = PersonOut()
    team = TeamOut(allow_null=True)
    mine = serializers.SerializerMethodField(help_text="False for a view a colleague shared")

    def get_mine(self, obj) -> bool:
        return obj.owner_id == self.context["user"].pk


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()


# --- input -------------------------------------------------------------------------------


class ConversationFilterIn(serializers.Serializer):
    view = serializers.ChoiceField(choices=SAVED_VIEWS, required=False, default="all")
    channel = serializers.IntegerField(required=False, min_value=1)
    network = serializers.ChoiceField(choices=Network.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    label = serializers.IntegerField(required=False, min_value=1)  # type: ignore[assignment]  # a field named like Field.label
    assignee = serializers.IntegerField(required=False, min_value=1)
    kind = serializers.ChoiceField(choices=ConversationKind.choices, required=False)
    needs_reply = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=["recent", "due"], required=False, default="recent")


class AssignIn(serializers.Serializer):
    assignee = serializers.IntegerField(
        required=False, allow_null=True, help_text="A colleague's id; null for nobody"
    )
    me = serializers.BooleanField(required=False, default=False, help_text="Assign to yourself")
    team = serializers.IntegerField(required=False, allow_null=True)


class StatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


class PriorityIn(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)


class SnoozeIn(serializers.Serializer):
    until = serializers.DateTimeField(
        help_text="When it comes back to the open views (ISO 8601 with an offset); "
        "the citizen's next message wakes it earlier"
    )


class LabelsSetIn(serializers.Serializer):
    labels = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=100,
        help_text="Label ids: the conversation ends up with exactly these",
    )


class LabelCreateIn(serializers.Serializer):
    name = SingleLineCharField(max_length=60)


class LabelIn(serializers.Serializer):
    label = serializers.IntegerField()  # type: ignore[assignment]  # a field named like Field.label
    remove = serializers.BooleanField(required=False, default=False)


class NoteIn(serializers.Serializer):
    text = MultiLineCharField(max_length=5000)


class ReplyIn(serializers.Serializer):
    text = MultiLineCharField()
    idempotency_key = SingleLineCharField(
        min_length=16, max_length=64, help_text="One per reply: a retried request is one reply"
    )
    seen_outbound_id = serializers.IntegerField(
        min_value=0,
        default=0,
        help_text="The newest outbound message id you had seen; later replies by colleagues "
        "make this request answer 409 unless confirm is true",
    )
    confirm = serializers.BooleanField(required=False, default=False)
    private = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Reply privately: a direct message on X; on a Facebook comment, "
        "Messenger's one private reply per comment (within 7 days of it)",
    )
    image = serializers.FileField(
        required=False,
        help_text="One picture (JPEG, PNG, GIF or WebP, up to 5 MB), sent as multipart/form-data; "
        "re-encoded without its metadata. On X only, for now",
    )
    image_alt = MultiLineCharField(
        required=False,
        max_length=1000,
        default="",
        help_text="The picture's description for people who cannot see it (required with image)",
    )


class BlockIn(serializers.Serializer):
    reason = MultiLineCharField(max_length=1000)
    confirm = serializers.BooleanField()

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError("Confirm the block with confirm=true.")
        return value


class BulkIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_SELECTION
    )
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    me = serializers.BooleanField(required=False, default=False)
    team = serializers.IntegerField(required=False, allow_null=True)
    label = serializers.IntegerField(required=False, allow_null=True)  # type: ignore[assignment]  # a field named like Field.label


class PresenceIn(serializers.Serializer):
    typing = serializers.BooleanField(required=False, default=False)


class SearchIn(ConversationFilterIn):
    q = SingleLineCharField(
        max_length=200,
        help_text='Words, "phrases", -word, and from:handle, channel:name, label:name, '
        "is:unread, is:mine. Within the filters given (any status unless one is chosen).",
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=10_000, default=1)


class ApproveIn(serializers.Serializer):
    text = MultiLineCharField(
        required=False, help_text="Edited text; leave out to send as written."
    )
    comment = MultiLineCharField(required=False, allow_blank=True, default="")


class RejectIn(serializers.Serializer):
    comment = MultiLineCharField(help_text="Why: the author is told.")


class SavedViewCreateIn(ConversationFilterIn):
    name = SingleLineCharField(max_length=60)
    team = serializers.IntegerField(
        required=False, allow_null=True, help_text="Share with one of your teams"
    )


class SavedViewRenameIn(serializers.Serializer):
    name = SingleLineCharField(max_length=60)

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from socialdesk import crypto


class Network(models.TextChoices):
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    BLUESKY = "bluesky", "Bluesky"
    MASTODON = "mastodon", "Mastodon"
    INSTAGRAM = "instagram", "Instagram"


# The short mark drawn beside a conversation (the network's name is in words beside it).
NETWORK_MARKS = {"x": "X", "facebook": "f", "instagram": "Ig", "bluesky": "b", "mastodon": "M"}
_NETWORK_LABELS = dict(Network.choices)

# Facebook and Instagram refuse a direct reply 24 h after the person's last message.
DIRECT_MESSAGES_APPS = {"facebook": "Messenger", "instagram": "Instagram Direct"}


class Channel(models.Model):
    """A connected account of ours on a network (an X account, a Facebook Page)."""

    network = models.CharField(max_length=16, choices=Network.choices)
    name = models.CharField(max_length=120)
    handle = models.CharField(max_length=120, help_text="The public handle, e.g. @council_help")
    external_account_id = models.CharField(max_length=64)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    is_sandbox = models.BooleanField(
        default=False,
        help_text="Training channel on the sandbox network; never reaches the public.",
    )
    teams = models.ManyToManyField("accounts.Team", related_name="channels", blank=True)
    poll_interval_seconds = models.PositiveIntegerField(default=60)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_claimed_until = models.DateTimeField(null=True, blank=True)
    poll_cursor = models.JSONField(default=dict, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    needs_attention = models.BooleanField(default=False)
    poll_failures = models.PositiveIntegerField(default=0)
    # Messages written before this were history when the channel was
    # connected (its import, or what its first poll found): the inbox shows
    # them, but response targets and escalation rules never run on a cycle
    # that started before it unless the person writes again after it. Null:
    # no cut-off (every message is live).
    live_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When SocialDesk started watching the account; older messages are history.",
    )
    # The longest post the account's server accepts, where the server sets its
    # own (a Mastodon instance: 500 unless raised); null where the network has
    # one fixed rule (inbox.text_rules). Read from the server when connecting.
    post_max_characters = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "external_account_id"], name="channel_unique_network_account"
            )
        ]
        indexes = [models.Index(fields=["is_active", "next_poll_at"], name="channel_due_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_network_display()} {self.handle})"

    # The list draws these on every row: a dict read, where get_network_display
    # rebuilds its choices each call.
    @property
    def network_label(self) -> str:
        return _NETWORK_LABELS.get(self.network, self.network)

    @property
    def network_mark(self) -> str:
        return NETWORK_MARKS.get(self.network, "?")

    @property
    def direct_messages_app(self) -> str:
        """What people call the network's direct messages (its reply window's name)."""
        return DIRECT_MESSAGES_APPS.get(self.network, "Direct message")

    def set_credentials(self, data: dict) -> None:
        self.credentials_encrypted = crypto.encrypt_json(data)

    def get_credentials(self) -> dict:
        return crypto.decrypt_json(self.credentials_encrypted)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


class BackfillStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    WAITING = "waiting", "Waiting for the network's rate limit"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class ChannelBackfill(models.Model):
    """A channel's history import (the last N days the network still serves),
    one row per channel, with the progress its admins see.

    Its own row rather than fields on Channel: a worker claims it with a
    conditional update on ``claim``/``claimed_until`` (channels.services.backfill),
    while polling keeps updating the channel row and owns ``poll_cursor``.
    """

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="backfill")
    status = models.CharField(
        max_length=16, choices=BackfillStatus.choices, default=BackfillStatus.QUEUED
    )
    days = models.PositiveSmallIntegerField(help_text="Days of history asked for")
    since = models.DateTimeField(help_text="The oldest moment asked for")
    # Per stream (mentions, dms, comments, messenger): its own "since" once the
    # network's reach is applied, a note when that clamped it, where to resume
    # after the last stored page, and whether it is done.
    streams = models.JSONField(default=dict, blank=True)
    pages = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    oldest_reached = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Transient failures in a row")
    run_after = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    # A queued or rate-limited import whose task has not run this long after
    # it was due was lost (broker restart): an admin may start it again.
    STALL_GRACE = timedelta(minutes=5)

    def __str__(self) -> str:
        return f"History import of channel {self.channel_id}: {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in (
            BackfillStatus.QUEUED,
            BackfillStatus.RUNNING,
            BackfillStatus.WAITING,
        )

    def is_stalled(self, now) -> bool:
        """Active, but no worker holds it and none is due to: its worker died
        (lease run out) or its task was lost with the broker."""
        if self.status == BackfillStatus.RUNNING:
            return self.claimed_until is None or self.claimed_until < now
        if self.status in (BackfillStatus.QUEUED, BackfillStatus.WAITING):
            due = self.run_after or self.updated_at
            return due + self.STALL_GRACE < now
        return False


class ProfileCheck(models.Model):
    """The last check of a channel's public profile against seed 000's
    hygiene: verified, DMs open to everyone, a bio with the staffed-hours
    statement, a picture and a banner. Written by
    escalation.services.profile_checks, one row per channel."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="profile_check")
    checked_at = models.DateTimeField()
    # In display order: {"key", "ok": true | false | null (not known), "label",
    # "detail", "fix"}. Kept from the last successful read when one fails.
    results = models.JSONField(default=list)
    # Why the last attempt could not read the profile ("" when it could).
    error = models.TextField(blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"profile check of {self.channel_id} at {self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def failing(self) -> list[dict]:
        return [r for r in self.results if r.get("ok") is False]


class ChannelWebhook(models.Model):
    """A channel's registration with its network's webhooks where SocialDesk
    does it (X's Account Activity API, on connect): what was registered and
    whether the account is subscribed, for the channel's health."""

    class State(models.TextChoices):
        SUBSCRIBED = "subscribed", "Webhook registered and subscribed"
        FAILED = "failed", "Webhook registration failed"
        NOT_CONFIGURED = "not_configured", "Webhook not registered: no public address"

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="webhook")
    state = models.CharField(max_length=16, choices=State.choices)
    url = models.URLField(max_length=500, blank=True)
    external_id = models.CharField(max_length=64, blank=True)  # the network's webhook id
    detail = models.TextField(blank=True)  # why it failed, in words
    checked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.state}"


class Contact(models.Model):
    """A member of the public, as one identity on one network."""

    network = models.CharField(max_length=16, choices=Network.choices)
    external_id = models.CharField(max_length=64)
    handle = models.CharField(max_length=120, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    followers_count = models.PositiveIntegerField(default=0)
    verified = models.BooleanField(default=False)
    blocked = models.BooleanField(default=False)
    blocked_reason = models.TextField(blank=True)
    is_detractor = models.BooleanField(default=False)
    # The network's name or handle was longer than its column and was cut:
    # what officers see is not all the person wrote there.
    profile_truncated = models.BooleanField(default=False, db_default=False)
    # Officers linked this identity with others as one person (an X account
    # and a Facebook profile of the same resident): the contact card then
    # shows the history of every identity in the group.
    person = models.ForeignKey(
        "inbox.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="identities"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "external_id"], name="contact_unique_network_identity"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.handle or self.external_id

    @property
    def first_name(self) -> str:
        return (self.display_name or self.handle).split(" ")[0]


class Label(models.Model):
    # Annotated by inbox.selectors.labels_all(conversation=...): on that conversation.
    applied: bool

    name = models.CharField(max_length=60, unique=True)
    colour = models.CharField(max_length=7, default="#505a5f")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConversationKind(models.TextChoices):
    PUBLIC = "public", "Public thread"
    COMMENT = "comment", "Comment thread"
    PRIVATE = "private", "Private message"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"


class Priority(models.IntegerChoices):
    LOW = 0, "Low"
    NORMAL = 1, "Normal"
    HIGH = 2, "High"
    URGENT = 3, "Urgent"


_STATUS_LABELS = dict(Status.choices)
_PRIORITY_LABELS = dict(Priority.choices)
# The GOV.UK tag colour of each status (new keeps the tag's own blue).
_STATUS_TAGS: dict[str, str] = {
    Status.OPEN: "govuk-tag--turquoise",
    Status.PENDING: "govuk-tag--yellow",
    Status.RESOLVED: "govuk-tag--green",
}


class Conversation(models.Model):
    """A thread with one citizen on one channel.

    It carries what the inbox sorts and shows (last message time and preview,
    first response, due time) so the list never joins messages.
    """

    # Set per request for display (not columns): by the search view, and by the
    # inbox list (its unread annotation, escalation flags for the page's rows).
    snippet_shielded: bool
    is_unread: bool
    href: str  # the row's link, with the list's filters (inbox.views.context.list_context)
    flags: Any  # escalation.selectors.ConversationFlags (a layer above)

    # FK indexes that a composite index below already leads with are off:
    # every extra index is paid on each ingested row.
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="conversations", db_index=False
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversations")
    kind = models.CharField(max_length=16, choices=ConversationKind.choices)
    # The network's thread identity: X conversation id + author, DM conversation
    # id, Facebook post + commenter. Unique per channel so threading is a lookup.
    thread_key = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="conversations")
    last_message_at = models.DateTimeField()
    last_message_preview = models.CharField(max_length=280, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    awaiting_since = models.DateTimeField(
        null=True, blank=True, help_text="First unanswered inbound of the current cycle."
    )
    first_response_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # Messenger lets a Page answer only within 24 hours of the person's last
    # message; set by ingest for Facebook private conversations (else null).
    reply_window_closes_at = models.DateTimeField(null=True, blank=True)
    # Out of the open views until then: woken at that time by the beat task,
    # or earlier by the citizen's next message (inbox.services.cycle).
    snoozed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "thread_key"], name="conversation_unique_channel_thread"
            )
        ]
        indexes = [
            models.Index(
                fields=["channel", "status", "-last_message_at"], name="conv_channel_status_idx"
            ),
            # Only conversations with a team or an assignee: ingest creates
            # conversations with neither, and each entry for them cost every
            # batch for nothing ("My teams" and "Mine" always name one; the
            # unassigned view reads the channel index).
            models.Index(
                fields=["team", "status", "-last_message_at"],
                condition=Q(team__isnull=False),
                name="conv_team_status_idx",
            ),
            models.Index(
                fields=["assignee", "status", "-last_message_at"],
                condition=Q(assignee__isnull=False),
                name="conv_assignee_status_idx",
            ),
            models.Index(fields=["-last_message_at"], name="conv_last_message_idx"),
            # "Response due soonest": the list's due order over open
            # conversations, read in order until a page is found (without
            # it, every visible open conversation was sorted). Postgres puts
            # nulls last in ascending order by default, as the list's order
            # asks; SQLite accepts no NULLS LAST in an index.
            models.Index(
                fields=["due_at", "awaiting_since", "-last_message_at", "-id"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="conv_due_order_idx",
            ),
            # The wake sweep reads only the few snoozed conversations.
            models.Index(
                fields=["snoozed_until"],
                condition=Q(snoozed_until__isnull=False),
                name="conv_snoozed_until_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.contact} on {self.channel.name}"

    @property
    def label_list(self) -> list[dict]:
        """The labels read with the row (``inbox.selectors.label_rows``), by name."""
        return sorted(self.label_rows, key=lambda label: label["name"])  # type: ignore[attr-defined]

    # Drawn on every list row: dict reads (get_FOO_display rebuilds its choices each call).
    @property
    def status_label(self) -> str:
        return _STATUS_LABELS.get(self.status, self.status)

    @property
    def status_tag_class(self) -> str:
        return _STATUS_TAGS.get(self.status, "")

    @property
    def priority_label(self) -> str:
        return _PRIORITY_LABELS.get(self.priority, str(self.priority))

    @property
    def reply_window_open(self) -> bool | None:
        """Whether Messenger still accepts a reply; None where no window applies."""
        from django.utils import timezone

        if self.reply_window_closes_at is None:
            return None
        return timezone.now() < self.reply_window_closes_at


class Direction(models.TextChoices):
    IN = "in", "Inbound"
    OUT = "out", "Outbound"


class DeliveryState(models.TextChoices):
    RECEIVED = "received", "Received"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    REJECTED = "rejected", "Rejected"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # An earlier attempt may have reached the network, and it could not be
    # checked (see outbound): neither sent again nor called failed.
    UNCONFIRMED = "unconfirmed", "Not confirmed: check the network"


class Message(models.Model):
    # Set on each instance by the conversation views and the API for display
    # (not columns): whether the abuse shield covers it, and what this officer
    # may still do to it on the network.
    shielded: bool
    shield_matched: bool
    like_state: str | None
    hide_state: str | None
    hide_reason: str
    delete_state: str | None
    delete_reason: str
    can_like: bool
    can_hide: bool
    can_delete: bool
    revealed: bool
    media_list: list[MessageMedia]

    conversation = models.ForeignKey(  # indexed by message_thread_idx
        Conversation, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    # Indexed by message_unique_channel_external_id, whose first column it is.
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=16, blank=True, help_text="mention, reply, dm, comment")
    # Null (not "") until an outbound message reaches the network: nulls never
    # clash in the (channel, external_id) unique constraint.
    external_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    in_reply_to_external_id = models.CharField(max_length=100, blank=True)
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sent_messages",
    )
    text = models.TextField(blank=True)
    # The text held characters the database cannot store (NUL, lone UTF-16
    # surrogates), replaced with U+FFFD: the officer is told it is not verbatim.
    altered = models.BooleanField(default=False, db_default=False)
    sent_at = models.DateTimeField(help_text="The network's timestamp")
    received_at = models.DateTimeField(auto_now_add=True)
    metrics = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.RECEIVED
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    is_automated = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    # While a worker holds the send, no other worker may start it (see outbound).
    send_lease_until = models.DateTimeField(null=True, blank=True)
    # No attempt before this time: a rate limit's reset, or a retry's backoff.
    # Claims and the sweeper both wait for it.
    not_before = models.DateTimeField(null=True, blank=True)
    sent_by_network_at = models.DateTimeField(null=True, blank=True)
    # The two-person rule (inbox.services.approvals).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval_comment = models.TextField(blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            # Not partial: it also serves every by-channel query, so there is
            # no separate channel index to maintain (and for the planner to
            # prefer, wrongly, before a new table has statistics).
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="message_unique_channel_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "sent_at"], name="message_thread_idx"),
            # Newest first: search walks it for a common word (migration 0018).
            models.Index(F("sent_at").desc(), F("id").desc(), name="message_recent_idx"),
            models.Index(
                fields=["state"],
                condition=Q(state__in=["queued", "sending"]),
                name="message_outbound_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.external_id or self.idempotency_key}"


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"
    GIF = "gif", "Animated GIF"
    OTHER = "other", "Other attachment"


class MessageMedia(models.Model):
    """A picture, video or file attached to a message, on any network.

    Inbound media keep the network's address (``url``), never the bytes: the
    media proxy (inbox.services.media) fetches, checks and re-encodes them
    when an officer looks. Outbound images (a reply's attachment) keep the
    re-encoded bytes in ``upload`` until the reply is sent."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    alt_text = models.TextField(blank=True)
    # The network's id for it (X media_key, Graph attachment id), "" if none.
    key = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=2000, blank=True, help_text="The network's image URL")
    source_url = models.URLField(max_length=2000, blank=True, help_text="The video or file")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    # Outbound only: the re-encoded image to upload, and its content type.
    upload = models.BinaryField(null=True, blank=True, editable=False)
    content_type = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="media_unique_position")
        ]
        indexes = [
            # A reply's picture sent apart from its text (Messenger, Instagram):
            # ingest looks its network id up to skip it. Outbound rows only.
            models.Index(fields=["key"], condition=~Q(content_type=""), name="media_sent_apart_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.position} of message {self.message_id}"

    @property
    def is_image_like(self) -> bool:
        """Whether there is a still picture to show (a video's preview counts;
        an outbound upload has a content type instead of a URL)."""
        return bool(self.url or self.content_type) and self.kind in (
            MediaKind.IMAGE,
            MediaKind.GIF,
            MediaKind.VIDEO,
        )


class Note(models.Model):
    """An internal note on a conversation: never sent to the network."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Note by {self.author_id} on {self.conversation_id}"


class CannedResponse(models.Model):
    title = models.CharField(max_length=120)
    text = models.TextField(help_text="Placeholders: {first_name}, {officer}, {channel}")
    teams = models.ManyToManyField(
        "accounts.Team", blank=True, help_text="Leave empty to offer it to everyone."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class QuarantinedPayload(models.Model):
    """A payload that could not be parsed, kept with its error for a person to
    look at; the rest of its batch was stored."""

    channel = models.ForeignKey(Channel, null=True, on_delete=models.SET_NULL, related_name="+")
    network = models.CharField(max_length=16, blank=True, default="")
    source = models.CharField(max_length=16)  # poll | webhook | backfill
    error = models.TextField()
    external_id = models.CharField(max_length=100, blank=True, default="")
    # The value as received; a JSON null element is stored as JSON null.
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["channel", "-created_at"], name="quarantine_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} payload on {self.channel_id}: {self.error[:60]}"


class ActionKind(models.TextChoices):
    LIKE = "like", "Like"
    HIDE = "hide", "Hide"
    DELETE = "delete", "Delete"  # a comment on our Facebook Page or Instagram media
    MUTE = "mute", "Mute"
    UNMUTE = "unmute", "Unmute"
    # On networks that let an account block people (Bluesky, Mastodon), blocking a
    # contact in SocialDesk also blocks them from the channel's account (and
    # unblocking undoes it where the network allows: Mastodon).
    BLOCK = "block", "Block"
    UNBLOCK = "unblock", "Unblock"


class NetworkAction(models.Model):
    """A like, hide or mute to perform on the network, exactly once, through
    the same queued -> sending -> sent claim as replies."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(
        Conversation, null=True, on_delete=models.PROTECT, related_name="network_actions"
    )
    kind = models.CharField(max_length=8, choices=ActionKind.choices)
    target_external_id = models.CharField(max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    send_lease_until = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)  # as on Message
    last_error = models.TextField(blank=True)
    # Why a hide was asked for (the house rule, or the officer's note), shown
    # on the hidden message; the hide's events carry it too.
    reason = models.TextField(blank=True, default="", db_default="")
    # Mute and unmute alternate on one person: the nth mute of a target is
    # round n, so each is still done exactly once (likes and hides stay 0).
    round = models.PositiveSmallIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "kind", "target_external_id", "round"],
                name="network_action_once_per_target_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_external_id}"


class Notification(models.Model):
    """An in-app notification for one person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    # Makes "notify once per trigger" a unique-constraint question, not a race.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_trigger",
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text


# --- Officer's inbox (issue 5): read markers, presence, abuse shield -----------------


class ConversationRead(models.Model):
    """When one person last opened a conversation: the list's unread marker is
    "an inbound message arrived after this"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "conversation"], name="conversation_read_once_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} at {self.read_at:%H:%M:%S}"


class Presence(models.Model):
    """Who has a conversation open right now, and who is typing a reply.

    A heartbeat refreshes ``seen_at`` every few seconds while the page is open;
    a row older than the presence window means the person has gone. Kept in the
    database (not process memory) so every web process sees the same thing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="presences"
    )
    seen_at = models.DateTimeField()
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="presence_once_per_user")
        ]
        indexes = [models.Index(fields=["conversation", "seen_at"], name="presence_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.conversation_id} at {self.seen_at:%H:%M:%S}"


class AbuseTerm(models.Model):
    """A word or phrase that shields a message until an officer reveals it.
    Matched case-insensitively on word boundaries."""

    term = models.CharField(max_length=100, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


# --- Webhooks (issue 4): deliveries stored before they are processed ---------------


class WebhookDelivery(models.Model):
    """One signed webhook POST from a network, kept exactly as received.

    The view stores it (after checking the signature against the raw body)
    and answers at once; a task then processes pending rows in batches
    through the same ingest as polling. ``dedupe_hash`` (SHA-256 of network
    and body) makes a re-delivered payload a no-op at the door."""

    network = models.CharField(max_length=16, choices=Network.choices)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField()
    signature_ok = models.BooleanField(default=False)
    dedupe_hash = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0, help_text="New messages it brought in.")
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(processed_at__isnull=True),
                name="webhook_pending_idx",
            )
        ]

    def __str__(self) -> str:
        state = "processed" if self.processed_at else "pending"
        return f"{self.network} webhook {self.pk} ({state})"


class ChannelStamp(models.Model):
    """A counter per channel that moves whenever anything a list row can show
    changes on that channel, so a list poll can answer "nothing changed" from
    one indexed read (``inbox.selectors.list_stamp``).

    Every change a row shows writes an ``Event`` in the same transaction, but
    events are written from many places (``event_record``, ingest's bulk
    insert, escalation's ``bulk_create``), so the bump is a database trigger on
    the event table (migration 0016): the one place no writer can miss, and
    inside the writer's transaction by construction. The few row changes
    without an event call ``inbox.services.stamps.channel_stamps_bump``."""

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, primary_key=True, related_name="stamp"
    )
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"channel {self.channel_id} v{self.version}"


class SavedView(models.Model):
    """An officer's own view of the inbox: filters and sort saved under a name,
    seen by the owner and, when shared, by the members of one of their teams.

    ``query`` holds the list's filter parameters as ``inbox.forms.inbox_filters``
    reads them, normalised (defaults left out, values as strings), so equal
    filters are equal dicts and the saved view's link is ``?`` + urlencode(query).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=60)
    query = models.JSONField(default=dict, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shared with this team's members (one of the owner's teams)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # "Bins" and "bins" side by side in one navigation would confuse.
            models.UniqueConstraint(
                models.functions.Lower("name"), "owner", name="saved_view_owner_name_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Moderation and the contact card (issue 17) ------------------------------------


class HouseRule(models.Model):
    """One of the organisation's published house rules for comments: hiding a
    comment names the rule it broke."""

    title = models.CharField(max_length=120, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Person(models.Model):
    """A group of contacts (identities on networks) officers know to be one
    person. It carries nothing of its own: the identities are the facts."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Person {self.pk}"


class ContactNote(models.Model):
    """A note about a citizen (not about one conversation) that colleagues see
    on the contact card. Kept with the conversation it was written from, so
    only people who may see that conversation read it."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="contact_notes")
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["contact", "-created_at"], name="contact_note_recent_idx")]

    def __str__(self) -> str:
        return f"Note by {self.author_id} on contact {self.contact_id}"

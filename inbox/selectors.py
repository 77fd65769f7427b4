"""Reads of the inbox, always through the access rule.

Every function here starts from ``accounts.access`` so a person only ever
reads the channels their teams cover. The inbox list and the conversation
view read a fixed number of queries whatever the page size (tests assert it):
related rows come through ``select_related`` / ``prefetch_related`` and
per-row facts (unread, labels) through an annotation and a prefetch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import Membership, Role, Team, User
from events.selectors import message_ids_with_event
from inbox.models import (
    CannedResponse,
    ChannelStamp,
    Contact,
    ContactNote,
    Conversation,
    ConversationRead,
    DeliveryState,
    Direction,
    Label,
    Message,
    NetworkAction,
    Note,
    Notification,
    Presence,
    Priority,
    Status,
)

PAGE_SIZE = 50
# A heartbeat comes every few seconds while a conversation is open; a person
# not heard from for this long has closed it (or lost their connection).
PRESENCE_WINDOW = timedelta(seconds=15)
TYPING_WINDOW = timedelta(seconds=8)

# "Not resolved", spelled as a list so Postgres can use the (channel, status, ...)
# index instead of scanning every resolved conversation ever.
OPEN_STATUSES = [s for s in Status.values if s != Status.RESOLVED]

SAVED_VIEWS = (
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("teams", "My teams"),
    ("all", "All I may see"),
    ("escalated", "Escalated"),
    ("approval", "Awaiting approval"),
    ("resolved", "Resolved"),
)
SAVED_VIEW_NAMES = dict(SAVED_VIEWS)


def conversation_list(
    *, user: User, status: str | None = None, channel_id: int | None = None
) -> QuerySet[Conversation]:
    """The conversations the user may see, newest activity first."""
    qs = access.conversations_visible_to(user)
    if status == "unresolved":
        qs = qs.exclude(status=Status.RESOLVED)
    elif status:
        qs = qs.filter(status=status)
    if channel_id:
        qs = qs.filter(channel_id=channel_id)
    return qs.select_related("channel", "contact", "assignee").order_by("-last_message_at", "-pk")


def conversation_get_for_user(*, user: User, pk: int) -> Conversation:
    """The conversation if the user may see it; 404 otherwise (not 403, so
    ids of other teams' conversations leak nothing)."""
    try:
        return (
            access.conversations_visible_to(user)
            .select_related("channel", "contact", "assignee", "team")
            .get(pk=pk)
        )
    except Conversation.DoesNotExist as exc:
        raise Http404("No such conversation") from exc


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("author_user", "author_contact").order_by(
        "sent_at", "pk"
    )


# --- the inbox list -------------------------------------------------------------------


def escalated_q() -> Q:
    """Conversations with an escalation nobody has acknowledged yet, or
    marked urgent."""
    from escalation.selectors import escalated_q as unacknowledged

    return unacknowledged() | Q(priority__gte=Priority.URGENT)


def awaiting_approval_q() -> Q:
    """Conversations holding a reply that waits for a second person's approval
    (the two-person rule, ``inbox.services.approvals``)."""
    return Q(
        Exists(
            Message.objects.filter(
                conversation=OuterRef("pk"), state=DeliveryState.AWAITING_APPROVAL
            )
        )
    )


def _view_q(view: str, user: User) -> Q:
    if view == "mine":
        return Q(assignee=user)
    if view == "unassigned":
        return Q(assignee__isnull=True)
    if view == "teams":
        return Q(team_id__in=Membership.objects.filter(user=user).values("team_id"))
    if view == "escalated":
        return escalated_q()
    if view == "approval":
        return awaiting_approval_q()
    return Q()


@dataclass(frozen=True)
class InboxFilters:
    """What the officer chose in the left pane. Empty values mean "any"."""

    view: str = "all"
    channel_id: int | None = None
    network: str = ""
    status: str = ""
    priority: int | None = None
    label_id: int | None = None
    assignee_id: int | None = None
    kind: str = ""
    needs_reply: bool = False
    sort: str = "recent"

    def is_filtered(self) -> bool:
        return any(
            [
                self.channel_id,
                self.network,
                self.status,
                self.priority is not None,
                self.label_id,
                self.assignee_id,
                self.kind,
                self.needs_reply,
            ]
        )


@dataclass
class InboxPage:
    rows: list[Conversation]
    page: int
    has_more: bool
    filters: InboxFilters = field(default_factory=InboxFilters)


def conversation_inbox_queryset(*, user: User, filters: InboxFilters) -> QuerySet[Conversation]:
    """The filtered, ordered conversations for the list (not yet sliced)."""
    qs = access.conversations_visible_to(user).filter(_view_q(filters.view, user))
    if filters.status:
        qs = qs.filter(status=filters.status)
    elif filters.view == "resolved":
        qs = qs.filter(status=Status.RESOLVED)
    else:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.channel_id:
        qs = qs.filter(channel_id=filters.channel_id)
    if filters.network:
        qs = qs.filter(channel__network=filters.network)
    if filters.priority is not None:
        qs = qs.filter(priority=filters.priority)
    if filters.label_id:
        qs = qs.filter(labels__id=filters.label_id)
    if filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.needs_reply:
        qs = qs.filter(awaiting_since__isnull=False)
    if filters.sort == "due":
        # Oldest unanswered first; conversations with no clock last.
        return qs.order_by(
            F("due_at").asc(nulls_last=True),
            F("awaiting_since").asc(nulls_last=True),
            "-last_message_at",
            "-pk",
        )
    return qs.order_by("-last_message_at", "-pk")


def _decorate(qs: QuerySet[Conversation], user: User) -> QuerySet[Conversation]:
    """Per-row facts for the list in a fixed number of queries: one for the
    rows (with an unread flag and their channel, contact and assignee) and one
    for their labels. Who is viewing is its own poll (``viewers_by_conversation``)."""
    seen = ConversationRead.objects.filter(
        user=user, conversation=OuterRef("pk"), read_at__gte=OuterRef("last_inbound_at")
    )
    return (
        qs.select_related("channel", "contact", "assignee")
        .annotate(seen_latest=Exists(seen))
        .prefetch_related(
            Prefetch("labels", queryset=Label.objects.order_by("name"), to_attr="label_list")
        )
    )


def conversation_inbox_rows(*, user: User, filters: InboxFilters) -> QuerySet[Conversation]:
    """The list's rows with everything a row shows, ready to slice."""
    return _decorate(conversation_inbox_queryset(user=user, filters=filters), user)


def conversation_row_for_user(*, user: User, pk: int) -> Conversation:
    """One conversation as a list row (unread flag, labels); 404 if not visible."""
    try:
        return _decorate(access.conversations_visible_to(user).filter(pk=pk), user).get()
    except Conversation.DoesNotExist as exc:
        raise Http404("No such conversation") from exc


def conversation_inbox(
    *, user: User, filters: InboxFilters, page: int = 1, page_size: int = PAGE_SIZE
) -> InboxPage:
    """One page of the inbox list, each row with its escalation flags
    (``escalation.selectors.conversation_flags``: computed for this page's
    rows only, keyed on their ids, so the rows statement stays a plain
    index walk)."""
    from escalation.selectors import conversation_flags

    page = max(1, page)
    offset = (page - 1) * page_size
    rows = list(
        conversation_inbox_rows(user=user, filters=filters)[offset : offset + page_size + 1]
    )
    rows, has_more = rows[:page_size], len(rows) > page_size
    flags = conversation_flags(rows)
    for row in rows:
        seen = row.seen_latest  # type: ignore[attr-defined]  # annotated by _decorate
        row.is_unread = bool(row.last_inbound_at) and not seen
        row.flags = flags[row.pk]
    return InboxPage(rows=rows, page=page, has_more=has_more, filters=filters)


def list_stamp(*, user: User) -> str:
    """A digest of the change stamps of the channels the user sees: equal
    digests mean no list the user can open has changed. One indexed read."""
    visible = access.channels_visible_to(user)
    stamps = ChannelStamp.objects.order_by("channel_id")
    if not access.is_admin(user):
        stamps = stamps.filter(channel_id__in=visible.values("pk"))
    pairs = ",".join(f"{c}:{v}" for c, v in stamps.values_list("channel_id", "version"))
    return hashlib.blake2b(
        f"{user.pk}|{pairs}".encode(), digest_size=8, usedforsecurity=False
    ).hexdigest()


def viewers_by_conversation(*, user: User, pks: list[int]) -> dict[int, list[Presence]]:
    """Colleagues who have each of these conversations open now (not the
    user), for the list's presence poll. Only conversations the user sees."""
    recent = timezone.now() - PRESENCE_WINDOW
    visible = access.conversations_visible_to(user).filter(pk__in=pks).values("pk")
    found: dict[int, list[Presence]] = {pk: [] for pk in pks}
    for p in (
        Presence.objects.filter(conversation__in=visible, seen_at__gte=recent)
        .exclude(user=user)
        .select_related("user")
        .order_by("seen_at", "pk")
    ):
        found[p.conversation_id].append(p)
    return found


def inbox_counts(*, user: User) -> dict[str, int]:
    """Live counts for the saved views, in one query over open conversations.
    (Resolved is not counted: it only grows, and counting it costs a scan.)"""
    open_ = access.conversations_visible_to(user).filter(status__in=OPEN_STATUSES)
    team_ids = Membership.objects.filter(user=user).values("team_id")
    counts = open_.aggregate(
        mine=Count("pk", filter=Q(assignee=user)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        teams=Count("pk", filter=Q(team_id__in=team_ids)),
        all=Count("pk"),
        escalated=Count("pk", filter=escalated_q()),
        approval=Count("pk", filter=awaiting_approval_q()),
    )
    return {key: value or 0 for key, value in counts.items()}


# --- the conversation view ------------------------------------------------------------


def _identities_q(contact: Contact, prefix: str = "contact") -> Q:
    """The contact and every identity linked with it as one person. Read from
    the contact already loaded with the conversation: no query of its own."""
    if contact.person_id is None:
        return Q(**{f"{prefix}_id": contact.pk})
    return Q(**{f"{prefix}__person_id": contact.person_id})


def conversation_earlier(*, user: User, conversation: Conversation, limit: int = 10):
    """The citizen's other conversations, under any identity linked with
    theirs, on every channel the user may see (never another team's), newest
    first, in one query."""
    return list(
        access.conversations_visible_to(user)
        .filter(_identities_q(conversation.contact))
        .exclude(pk=conversation.pk)
        .select_related("channel", "contact")
        .order_by("-last_message_at", "-pk")[:limit]
    )


def contact_interactions(*, user: User, contact: Contact) -> dict[str, int]:
    """How often this citizen (under any linked identity) has been in touch on
    channels the user may see: conversations, their messages, channels."""
    return (
        access.conversations_visible_to(user)
        .filter(_identities_q(contact))
        .aggregate(
            conversations=Count("pk", distinct=True),
            messages=Count("messages", filter=Q(messages__direction=Direction.IN)),
            channels=Count("channel", distinct=True),
        )
    )


def contact_tags(*, user: User, contact: Contact) -> list[str]:
    """The labels put on this citizen's conversations: their tags, in effect."""
    visible = access.conversations_visible_to(user).filter(_identities_q(contact)).values("pk")
    return list(
        Label.objects.filter(conversations__in=visible)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )


def contact_notes(*, user: User, contact: Contact, limit: int = 20) -> list[ContactNote]:
    """Notes about this citizen (any linked identity) written from
    conversations the user may see, newest first."""
    visible = access.conversations_visible_to(user).values("pk")
    return list(
        ContactNote.objects.filter(_identities_q(contact), conversation__in=visible)
        .select_related("author", "contact")
        .order_by("-created_at", "-pk")[:limit]
    )


def contact_linked(*, user: User, contact: Contact) -> list[Contact]:
    """The other identities linked with this contact that the user meets on
    their channels (an identity seen only by another team stays unnamed)."""
    if contact.person_id is None:
        return []
    visible = access.conversations_visible_to(user).filter(contact_id=OuterRef("pk"))
    return list(
        Contact.objects.filter(Exists(visible), person_id=contact.person_id)
        .exclude(pk=contact.pk)
        .order_by("network", "handle", "pk")
    )


def typing_cutoff():
    return timezone.now() - TYPING_WINDOW


def conversation_notes(*, conversation: Conversation) -> list[Note]:
    return list(conversation.notes.select_related("author").order_by("created_at", "pk"))


class ActionDone(NamedTuple):
    state: str
    reason: str


def conversation_actions_done(*, conversation: Conversation) -> dict[tuple[str, str], ActionDone]:
    """(kind, target) -> state and reason of the likes and hides queued on this
    thread."""
    return {
        (kind, target): ActionDone(state, reason)
        for kind, target, state, reason in NetworkAction.objects.filter(
            conversation=conversation
        ).values_list("kind", "target_external_id", "state", "reason")
    }


def labels_all() -> list[Label]:
    return list(Label.objects.order_by("name"))


def colleagues_for(*, conversation: Conversation) -> list[User]:
    """People who may be assigned this conversation: members of the teams
    covering its channel, and admins (who see every channel)."""
    covering = Team.objects.filter(channels=conversation.channel_id).values("pk")
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__team__in=covering)
            | Q(memberships__role=Role.ADMIN)
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("display_name", "username")
    )


def teams_for(*, conversation: Conversation) -> list[Team]:
    return list(Team.objects.filter(channels=conversation.channel_id).order_by("name"))


def canned_for(*, user: User) -> list[CannedResponse]:
    """Canned responses offered to everyone or to one of the user's teams."""
    team_ids = Membership.objects.filter(user=user).values("team_id")
    return list(
        CannedResponse.objects.filter(Q(teams__isnull=True) | Q(teams__in=team_ids))
        .distinct()
        .order_by("title")
    )


def canned_get_for_user(*, user: User, pk: int) -> CannedResponse:
    for canned in canned_for(user=user):
        if canned.pk == pk:
            return canned
    raise Http404("No such canned response")


def viewers_of(*, user: User, conversation: Conversation) -> list[Presence]:
    """Colleagues who have this conversation open now (not the user)."""
    recent = timezone.now() - PRESENCE_WINDOW
    return list(
        Presence.objects.filter(conversation=conversation, seen_at__gte=recent)
        .exclude(user=user)
        .select_related("user")
        .order_by("seen_at")
    )


def revealed_message_ids(*, user: User, conversation: Conversation) -> set[int]:
    """Shielded messages this user has already chosen to reveal (the reveal
    itself is the audit event, so it doubles as the remembered choice)."""
    return message_ids_with_event(
        type="message.revealed", actor_id=user.pk, conversation_id=conversation.pk
    )


def message_get_for_user(*, user: User, pk: int) -> Message:
    try:
        return (
            Message.objects.filter(
                conversation__in=access.conversations_visible_to(user).values("pk")
            )
            .select_related("conversation__channel", "conversation__contact", "channel")
            .get(pk=pk)
        )
    except Message.DoesNotExist as exc:
        raise Http404("No such message") from exc


def contact_get_for_user(*, user: User, pk: int) -> Contact:
    """A contact the user has at least one visible conversation with."""
    visible = access.conversations_visible_to(user).filter(contact_id=OuterRef("pk"))
    try:
        return Contact.objects.filter(Exists(visible)).get(pk=pk)
    except Contact.DoesNotExist as exc:
        raise Http404("No such contact") from exc


def contact_find_for_user(*, user: User, network: str, handle: str) -> Contact:
    """The contact with this handle on this network, if the user meets them on
    one of their channels; 404 otherwise."""
    visible = access.conversations_visible_to(user).filter(contact_id=OuterRef("pk"))
    found = (
        Contact.objects.filter(Exists(visible), network=network, handle__iexact=handle)
        .order_by("pk")
        .first()
    )
    if found is None:
        raise Http404("No such contact")
    return found


def conversations_get_for_user(*, user: User, pks: list[int]) -> list[Conversation]:
    """Several conversations at once; 404 if any is missing or not visible, so
    a bulk action never acts on part of a selection the user cannot see."""
    wanted = set(pks)
    found = list(
        access.conversations_visible_to(user)
        .filter(pk__in=wanted)
        .select_related("channel")
        .order_by("pk")
    )
    if len(found) != len(wanted):
        raise Http404("No such conversation")
    return found


def notifications_for(*, user: User, limit: int = 30) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-pk")[:limit])


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def channels_for_filter(*, user: User):
    return list(access.channels_visible_to(user).order_by("name"))


def assignees_for_filter(*, user: User) -> list[User]:
    """People the user may filter by: colleagues in the user's teams."""
    if access.is_admin(user):
        return list(User.objects.filter(is_active=True).order_by("display_name", "username"))
    team_ids = Membership.objects.filter(user=user).values("team_id")
    return list(
        User.objects.filter(is_active=True, memberships__team__in=team_ids)
        .distinct()
        .order_by("display_name", "username")
    )

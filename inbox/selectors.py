"""Reads of the inbox, always through the access rule.

Every function here starts from ``accounts.access`` so a person only ever
reads the channels their teams cover. The inbox list and the conversation
view read a fixed number of queries whatever the page size (tests assert it):
related rows come through ``select_related`` / ``prefetch_related`` and
per-row facts (unread, labels) through an annotation and a prefetch.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts import access
from accounts.models import Membership, Role, Team, User
from events.selectors import message_ids_with_event
from inbox.models import (
    AbuseTerm,
    ActionKind,
    CannedResponse,
    Channel,
    ChannelStamp,
    Contact,
    ContactNote,
    Conversation,
    ConversationRead,
    DeliveryState,
    Direction,
    Label,
    Message,
    MessageMedia,
    NetworkAction,
    Note,
    Notification,
    Presence,
    Priority,
    SavedView,
    Status,
)
from socialdesk.db import JSONRows

PAGE_SIZE = 25
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
    ("snoozed", "Snoozed"),
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


def conversation_get_for_action(*, user: User, pk: int) -> Conversation:
    """The conversation if the user may change it: 404 if they cannot see it,
    403 if they only read it (a viewer). Write views call it before reading
    the request's body, so a refusal never depends on the input."""
    conversation = conversation_get_for_user(user=user, pk=pk)
    access.ensure_can_act(user, conversation)
    return conversation


def conversation_get_for_view(*, user: User, pk: int, card: bool = True) -> Conversation:
    """The conversation for its view (404 as ``conversation_get_for_user``),
    with what the pane shows beside it read in the same statement: the
    escalation flags and the crisis's pinned holding statement, the teams
    covering its channel, who has it open and, with ``card``, the contact
    card (the citizen's history, tags, notes and mute state). The selectors
    below use these annotations when they are there, so the view costs a
    fixed, small number of queries. (The colleagues are a plain query of
    their own, ``colleagues_for``: cheaper than as a column here.)

    The htmx pane asks without the card and fetches it in a second request
    (``conversation_get_for_card``): building this statement in Python cost
    more than running it, and the thread is what the officer waits for."""
    visible = access.conversations_visible_to(user)
    conversations = _view_base() & visible
    if card:
        conversations = conversations.annotate(**_card_annotations(visible))
    try:
        return conversations.get(pk=pk)
    except Conversation.DoesNotExist as exc:
        raise Http404("No such conversation") from exc


@functools.cache
def _view_base() -> QuerySet[Conversation]:
    """``conversation_get_for_view``'s statement without the access rule and
    the card: the same for every person and every moment (the viewers' time
    window is applied in Python, ``viewers_of``), so it is built once per
    process and refined per request. Annotating it afresh cost 2.2 ms of CPU
    per open, a ninth of the request (the statement still compiles each
    time). Never evaluated itself: each use is a new queryset."""
    from escalation.selectors import flag_annotations

    teams = Team.objects.filter(channels=OuterRef("channel_id")).order_by()
    return Conversation.objects.select_related(
        "channel", "contact", "assignee", "team", "escalation_target"
    ).annotate(
        **flag_annotations(),
        channel_team_rows=JSONRows(teams.values(row=JSONObject(id="pk", name="name", slug="slug"))),
        viewer_rows=JSONRows(_presence_rows(OuterRef("pk"))),
        # The likes, hides and deletes queued on its messages (their states in the thread).
        message_action_rows=JSONRows(
            _message_actions(OuterRef("pk"))
            .order_by()
            .values(
                row=JSONObject(
                    id="pk",
                    target="target_external_id",
                    kind="kind",
                    state="state",
                    reason="reason",
                )
            )
        ),
        # The abuse shield's terms (inbox.services.shield.shield_of).
        abuse_term_rows=JSONRows(AbuseTerm.objects.order_by().values(row=JSONObject(term="term"))),
    )


def conversation_get_for_card(*, user: User, pk: int) -> Conversation:
    """The conversation with the contact card's annotations only (404 as
    ``conversation_get_for_user``)."""
    visible = access.conversations_visible_to(user)
    try:
        return (
            visible.select_related("channel", "contact")
            .annotate(**_card_annotations(visible))
            .get(pk=pk)
        )
    except Conversation.DoesNotExist as exc:
        raise Http404("No such conversation") from exc


def _card_annotations(visible: QuerySet[Conversation]) -> dict[str, Any]:
    # The citizen under this identity or any identity linked with it as one
    # person (a NULL person matches nothing, so unlinked contacts stay alone).
    theirs = visible.filter(
        Q(contact_id=OuterRef("contact_id")) | Q(contact__person_id=OuterRef("contact__person_id"))
    ).order_by()
    inbound = Message.objects.filter(
        Q(conversation__contact_id=OuterRef("contact_id"))
        | Q(conversation__contact__person_id=OuterRef("contact__person_id")),
        conversation__in=visible.values("pk"),
        direction=Direction.IN,
    ).order_by()
    tags = Label.objects.filter(
        Q(conversations__contact_id=OuterRef("contact_id"))
        | Q(conversations__contact__person_id=OuterRef("contact__person_id")),
        conversations__in=visible.values("pk"),
    ).order_by()
    notes = ContactNote.objects.filter(
        Q(contact_id=OuterRef("contact_id")) | Q(contact__person_id=OuterRef("contact__person_id")),
        conversation__in=visible.values("pk"),
    )
    # The mute or unmute in force (inbox.services.moderation.mute_current).
    mutes = (
        NetworkAction.objects.filter(
            channel_id=OuterRef("channel_id"),
            target_external_id=OuterRef("contact__external_id"),
            kind__in=[ActionKind.MUTE, ActionKind.UNMUTE],
        )
        .exclude(state=DeliveryState.FAILED)
        .order_by("-created_at", "-pk")
    )
    return {
        "contact_conversations": _count(theirs),
        "contact_messages": _count(inbound),
        "contact_channels": _count(theirs, distinct="channel_id"),
        "contact_tag_rows": JSONRows(tags.values(row=JSONObject(name="name")).distinct()),
        "earlier_rows": JSONRows(_earlier(theirs.exclude(pk=OuterRef("pk")))),
        "contact_note_rows": JSONRows(_contact_notes(notes)),
        "mute_kind": Subquery(mutes.values("kind")[:1]),
        "mute_state": Subquery(mutes.values("state")[:1]),
    }


EARLIER = 10
# The contact's fields in a JSON row (read back by ``_contact_from_row``).
CONTACT_ROW = {
    "contact_id": "contact_id",
    "contact_handle": "contact__handle",
    "contact_display_name": "contact__display_name",
    "contact_network": "contact__network",
}


def _contact_from_row(row: dict) -> Contact:
    return Contact(
        id=row["contact_id"],
        handle=row["contact_handle"],
        display_name=row["contact_display_name"],
        network=row["contact_network"],
    )


def _earlier(conversations: QuerySet[Conversation]) -> QuerySet[Conversation, Any]:
    """``conversation_earlier`` as JSON rows: what the contact pane shows of each."""
    return conversations.order_by("-last_message_at", "-pk").values(
        row=JSONObject(
            id="pk",
            kind="kind",
            status="status",
            last_message_at="last_message_at",
            last_message_preview="last_message_preview",
            channel_id="channel_id",
            channel_name="channel__name",
            channel_network="channel__network",
            **CONTACT_ROW,
        )
    )[:EARLIER]


CONTACT_NOTES = 20


def _contact_notes(notes: QuerySet[ContactNote]) -> QuerySet[ContactNote, Any]:
    """``contact_notes`` as JSON rows: each note with its author and contact."""
    return notes.order_by("-created_at", "-pk").values(
        row=JSONObject(
            id="pk",
            text="text",
            created_at="created_at",
            **CONTACT_ROW,
            author_id="author_id",
            **{f"author_{n}": f"author__{n}" for n in USER_NAMES},
        )
    )[:CONTACT_NOTES]


def _note_from_row(row: dict) -> ContactNote:
    author = User(id=row["author_id"], **{n: row[f"author_{n}"] or "" for n in USER_NAMES})
    contact = _contact_from_row(row)
    return ContactNote(
        id=row["id"],
        text=row["text"],
        created_at=_aware(row["created_at"]),
        contact=contact,
        author=author,
    )


def _aware(value: str):
    at = parse_datetime(value)
    assert at is not None  # stored times are never null here
    if timezone.is_naive(at):  # SQLite stores UTC without an offset
        at = timezone.make_aware(at, UTC)
    return at


def _count(qs: QuerySet, *, distinct: str | None = None) -> Coalesce:
    """COUNT(*) (or of the ``distinct`` values of a field) of a correlated
    subquery, 0 when it finds nothing."""
    counting = Count(distinct, distinct=True) if distinct else Count("*")
    counted = qs.annotate(_one=Value(1)).values("_one").annotate(n=counting).values("n")
    return Coalesce(Subquery(counted), 0)


def _presence_rows(conversation) -> QuerySet[Presence, Any]:
    """Everyone's presence on a conversation, one JSON row each (a row per
    person who has opened it; ``viewers_of`` keeps those seen just now)."""
    return (
        Presence.objects.filter(conversation=conversation)
        .order_by()
        .values(
            row=JSONObject(
                id="pk",
                user_id="user_id",
                seen_at="seen_at",
                typing_at="typing_at",
                display_name="user__display_name",
                first_name="user__first_name",
                last_name="user__last_name",
                username="user__username",
            )
        )
    )


MEDIA = Prefetch("media", queryset=MessageMedia.objects.defer("upload").order_by("position"))


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    # Media without the upload bytes (the proxy reads those), in position order.
    return (
        conversation.messages.select_related("author_user", "author_contact")
        .prefetch_related(MEDIA)
        .order_by("sent_at", "pk")
    )


MESSAGE_ACTIONS = (ActionKind.LIKE, ActionKind.HIDE, ActionKind.DELETE)


def _message_actions(conversation_id: Any) -> QuerySet[NetworkAction]:
    return NetworkAction.objects.filter(conversation_id=conversation_id, kind__in=MESSAGE_ACTIONS)


@functools.cache
def _thread_base() -> QuerySet[Message]:
    """The thread's statement but for its conversation, built once per process
    (as ``_view_base``); never evaluated itself."""
    return (
        Message.objects.select_related("author_user", "author_contact")
        .annotate(has_media=Exists(MessageMedia.objects.filter(message=OuterRef("pk"))))
        .order_by("sent_at", "pk")
    )


def conversation_messages_for_view(*, conversation: Conversation) -> list[Message]:
    """The thread as the view shows it: each message with the state (and
    reason) of the latest like, hide or delete queued on it, as
    ``like_state``, ``hide_state``, ``hide_reason``, ``delete_state`` and
    ``delete_reason``, and its pictures as ``media_list`` (read only for the
    messages that have some).
    (Five correlated subqueries per message cost more to build than the
    thread itself.) The actions come with ``conversation_get_for_view``, or
    are read here."""
    messages: list[Message] = list(_thread_base().filter(conversation_id=conversation.pk))
    for m in messages:
        m.conversation = conversation  # as the related manager would: no query to reach it
    with_media = [m for m in messages if m.has_media]  # type: ignore[attr-defined]
    if with_media:
        prefetch_related_objects(with_media, MEDIA)
    for m in messages:
        m.media_list = list(m.media.all()) if m.has_media else []  # type: ignore[attr-defined]
    if hasattr(conversation, "message_action_rows"):
        rows = sorted(conversation.message_action_rows, key=lambda r: r["id"])
    else:
        rows = list(
            _message_actions(conversation.pk).values(
                "id", "kind", "state", "reason", target=F("target_external_id")
            )
        )
    latest = {(r["target"], r["kind"]): (r["state"], r["reason"]) for r in rows}  # later wins
    for m in messages:
        for kind in MESSAGE_ACTIONS:
            state, reason = latest.get((m.external_id, kind), (None, ""))
            setattr(m, f"{kind}_state", state)
            if kind != ActionKind.LIKE:
                setattr(m, f"{kind}_reason", reason or "")
    return messages


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


def conversations_filtered(
    *, user: User, filters: InboxFilters, open_by_default: bool = True
) -> QuerySet[Conversation]:
    """The conversations the user may see that match the filters, unordered.
    With no status chosen the list shows open ones only; search
    (``open_by_default=False``) also finds resolved history."""
    qs = access.conversations_visible_to(user).filter(_view_q(filters.view, user))
    # A snoozed conversation is in the "Snoozed" view only, until it wakes;
    # search (not open-by-default) finds it wherever it sleeps.
    if open_by_default or filters.view == "snoozed":
        qs = qs.filter(snoozed_until__isnull=filters.view != "snoozed")
    if filters.status:
        qs = qs.filter(status=filters.status)
    elif filters.view == "resolved":
        qs = qs.filter(status=Status.RESOLVED)
    elif open_by_default:
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
    return qs


def conversation_inbox_queryset(*, user: User, filters: InboxFilters) -> QuerySet[Conversation]:
    """The filtered, ordered conversations for the list (not yet sliced)."""
    qs = conversations_filtered(user=user, filters=filters)
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
    """Per-row facts for the list in one query: the rows with an unread flag,
    their labels and their channel, contact and assignee. Who is viewing is
    its own poll (``viewers_by_conversation``)."""
    seen = ConversationRead.objects.filter(
        user=user, conversation=OuterRef("pk"), read_at__gte=OuterRef("last_inbound_at")
    )
    return qs.select_related("channel", "contact", "assignee").annotate(
        seen_latest=Exists(seen), label_rows=label_rows()
    )


def label_rows() -> JSONRows:
    """A conversation's labels as a column of its own query (``{id, name}``
    each; ``Conversation.label_list`` reads them by name): a page of rows and
    their labels in one round trip."""
    return JSONRows(
        Label.objects.filter(conversations=OuterRef("pk"))
        .order_by()
        .values(row=JSONObject(id="pk", name="name"))
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
    (``escalation.selectors.flag_annotations``: subqueries in the select list,
    which Postgres runs for the page's rows only, after the sort and limit, so
    the rows statement stays an index walk and the flags cost no query)."""
    from escalation.selectors import conversation_flags_annotated, flag_annotations

    page = max(1, page)
    offset = (page - 1) * page_size
    rows = list(
        conversation_inbox_rows(user=user, filters=filters)
        .select_related("escalation_target")
        .annotate(**flag_annotations(holding_statement=False))[offset : offset + page_size + 1]
    )
    rows, has_more = rows[:page_size], len(rows) > page_size
    now = timezone.now()
    for row in rows:
        seen = row.seen_latest  # type: ignore[attr-defined]  # annotated by _decorate
        row.is_unread = bool(row.last_inbound_at) and not seen
        row.flags = conversation_flags_annotated(row, now=now)
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
    (Resolved is not counted: it only grows, and counting it costs a scan.)
    Snoozed conversations count in "Snoozed" only, as the views show them."""
    open_ = access.conversations_visible_to(user).filter(status__in=OPEN_STATUSES)
    team_ids = Membership.objects.filter(user=user).values("team_id")
    awake = Q(snoozed_until__isnull=True)
    counts = open_.aggregate(
        mine=Count("pk", filter=awake & Q(assignee=user)),
        unassigned=Count("pk", filter=awake & Q(assignee__isnull=True)),
        teams=Count("pk", filter=awake & Q(team_id__in=team_ids)),
        all=Count("pk", filter=awake),
        escalated=Count("pk", filter=awake & escalated_q()),
        approval=Count("pk", filter=awake & awaiting_approval_q()),
        snoozed=Count("pk", filter=Q(snoozed_until__isnull=False)),
    )
    return {key: value or 0 for key, value in counts.items()}


# --- the conversation view ------------------------------------------------------------


def _identities_q(contact: Contact, prefix: str = "contact") -> Q:
    """The contact and every identity linked with it as one person. Read from
    the contact already loaded with the conversation: no query of its own."""
    if contact.person_id is None:
        return Q(**{f"{prefix}_id": contact.pk})
    return Q(**{f"{prefix}__person_id": contact.person_id})


def conversation_earlier(*, user: User, conversation: Conversation, limit: int = EARLIER):
    """The citizen's other conversations, under any identity linked with
    theirs, on every channel the user may see (never another team's), newest
    first."""
    if hasattr(conversation, "earlier_rows"):  # conversation_get_for_view
        earlier = [_conversation_from_row(row) for row in conversation.earlier_rows]
        earlier.sort(key=lambda c: (c.last_message_at, c.pk), reverse=True)
        return earlier[:limit]
    return list(
        access.conversations_visible_to(user)
        .filter(_identities_q(conversation.contact))
        .exclude(pk=conversation.pk)
        .select_related("channel", "contact")
        .order_by("-last_message_at", "-pk")[:limit]
    )


def _conversation_from_row(row: dict) -> Conversation:
    """A conversation (and its channel's name) from one of ``_earlier``'s rows."""
    at = _aware(row["last_message_at"])
    channel = Channel(
        id=row["channel_id"], name=row["channel_name"], network=row["channel_network"]
    )
    contact = _contact_from_row(row)
    return Conversation(
        id=row["id"],
        contact=contact,
        kind=row["kind"],
        status=row["status"],
        last_message_at=at,
        last_message_preview=row["last_message_preview"],
        channel=channel,
    )


def contact_interactions(*, user: User, conversation: Conversation) -> dict[str, int]:
    """How often this citizen (under any linked identity) has been in touch on
    channels the user may see: conversations, their messages, channels."""
    if hasattr(conversation, "contact_conversations"):  # conversation_get_for_view
        return {
            "conversations": conversation.contact_conversations,
            "messages": conversation.contact_messages,  # type: ignore[attr-defined]
            "channels": conversation.contact_channels,  # type: ignore[attr-defined]
        }
    contact = conversation.contact
    return (
        access.conversations_visible_to(user)
        .filter(_identities_q(contact))
        .aggregate(
            conversations=Count("pk", distinct=True),
            messages=Count("messages", filter=Q(messages__direction=Direction.IN)),
            channels=Count("channel", distinct=True),
        )
    )


def contact_tags(*, user: User, conversation: Conversation) -> list[str]:
    """The labels put on this citizen's conversations: their tags, in effect."""
    if hasattr(conversation, "contact_tag_rows"):  # conversation_get_for_view
        return sorted(row["name"] for row in conversation.contact_tag_rows)
    contact = conversation.contact
    visible = access.conversations_visible_to(user).filter(_identities_q(contact)).values("pk")
    return list(
        Label.objects.filter(conversations__in=visible)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )


def contact_notes(
    *, user: User, contact: Contact, conversation: Conversation | None = None
) -> list[ContactNote]:
    """Notes about this citizen (any linked identity) written from
    conversations the user may see, newest first."""
    if conversation is not None and hasattr(conversation, "contact_note_rows"):
        notes = [_note_from_row(row) for row in conversation.contact_note_rows]
        notes.sort(key=lambda n: (n.created_at, n.pk), reverse=True)
        return notes
    limit = CONTACT_NOTES
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


def conversation_notes(*, conversation: Conversation) -> list[Note]:
    return list(conversation.notes.select_related("author").order_by("created_at", "pk"))


def labels_all(*, conversation: Conversation | None = None) -> list[Label]:
    """Every label by name; with ``conversation``, each marked ``applied``
    when it is on that conversation (its labels and the choice, in one read)."""
    labels = Label.objects.order_by("name")
    if conversation is not None:
        on = Conversation.labels.through.objects.filter(
            conversation_id=conversation.pk, label_id=OuterRef("pk")
        )
        labels = labels.annotate(applied=Exists(on))  # type: ignore[no-redef]  # declared on Label
    return list(labels)


USER_NAMES = ("display_name", "first_name", "last_name", "username")


def colleagues_for(*, conversation: Conversation) -> list[User]:
    """People who may be assigned this conversation: members of the teams
    covering its channel who may act (not viewers), and admins (who see every
    channel). One plain query: as a correlated JSON column of the
    conversation's statement it cost the view twice as much to build."""
    if hasattr(conversation, "channel_team_rows"):  # conversation_get_for_view
        covering: Any = [row["id"] for row in conversation.channel_team_rows]
    else:
        covering = Team.objects.filter(channels=conversation.channel_id).values("pk")
    members = Membership.objects.filter(
        Q(team__in=covering, role__in=access.ACTING_ROLES) | Q(role=Role.ADMIN)
    ).values("user_id")
    return list(
        User.objects.filter(Q(pk__in=members) | Q(is_superuser=True), is_active=True)
        .only("pk", *USER_NAMES)
        .order_by("display_name", "username")
    )


def teams_for(*, conversation: Conversation) -> list[Team]:
    if hasattr(conversation, "channel_team_rows"):  # conversation_get_for_view
        teams = [Team(**row) for row in conversation.channel_team_rows]
        return sorted(teams, key=lambda t: t.name)
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


def viewers_of(*, user: User, conversation: Conversation) -> list[dict]:
    """Colleagues who have this conversation open now (not the user), longest
    there first: ``{"name", "typing"}`` each."""
    now = timezone.now()
    if hasattr(conversation, "viewer_rows"):  # conversation_get_for_view
        found = conversation.viewer_rows
    else:
        recent = _presence_rows(conversation).filter(seen_at__gte=now - PRESENCE_WINDOW)
        found = [v["row"] for v in recent]
    rows = [
        {
            **r,
            "seen_at": _aware(r["seen_at"]),
            "typing_at": r["typing_at"] and _aware(r["typing_at"]),
        }
        for r in found
    ]
    here = [r for r in rows if r["user_id"] != user.pk and r["seen_at"] >= now - PRESENCE_WINDOW]
    here.sort(key=lambda r: (r["seen_at"], r["id"]))
    return [
        {
            "name": str(User(**{n: r[n] or "" for n in USER_NAMES})),
            "typing": bool(r["typing_at"] and r["typing_at"] >= now - TYPING_WINDOW),
        }
        for r in here
    ]


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


def message_get_for_action(*, user: User, pk: int) -> Message:
    """A message on a conversation the user may change (see
    ``conversation_get_for_action``)."""
    message = message_get_for_user(user=user, pk=pk)
    access.ensure_can_act(user, message.conversation)
    return message


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


# --- saved views ------------------------------------------------------------------------


def saved_views_for(*, user: User) -> list[SavedView]:
    """The user's own saved views, then those shared with one of their teams."""
    team_ids = Membership.objects.filter(user=user).values("team_id")
    views = (
        SavedView.objects.filter(Q(owner=user) | Q(team_id__in=team_ids))
        .select_related("owner", "team")
        .order_by("name", "pk")
    )
    return sorted(views, key=lambda v: v.owner_id != user.pk)


def saved_view_get_for_user(*, user: User, pk: int) -> SavedView:
    """A saved view the user owns or that is shared with one of their teams;
    404 otherwise (another person's private view leaks nothing)."""
    team_ids = Membership.objects.filter(user=user).values("team_id")
    try:
        return (
            SavedView.objects.filter(Q(owner=user) | Q(team_id__in=team_ids))
            .select_related("owner", "team")
            .get(pk=pk)
        )
    except SavedView.DoesNotExist as exc:
        raise Http404("No such saved view") from exc


def saved_view_get_own(*, user: User, pk: int) -> SavedView:
    """A saved view to rename or delete: 404 if the user cannot see it, 403
    if it is a teammate's shared view (only its owner changes it)."""
    view = saved_view_get_for_user(user=user, pk=pk)
    if view.owner_id != user.pk:
        raise PermissionDenied("Only the person who saved this view can change it.")
    return view


def teams_of(*, user: User) -> list[Team]:
    """The teams a saved view can be shared with: the user's own."""
    return list(Team.objects.filter(memberships__user=user).distinct().order_by("name"))

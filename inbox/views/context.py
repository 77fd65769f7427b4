"""Building what the inbox templates show. Reads only: every fetch goes
through ``inbox.selectors`` (the access rule); nothing here writes except the
read marker and presence heartbeat the conversation view records."""

from __future__ import annotations

import hashlib
import pickle
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from accounts.http import AuthedRequest
from escalation.selectors import canned_responses_for, conversation_flags
from inbox import moderation_selectors, selectors
from inbox.contact_forms import ContactLinkForm, ContactNoteForm
from inbox.forms import (
    AssignForm,
    BlockForm,
    LabelForm,
    NoteForm,
    ReplyForm,
    SearchForm,
    inbox_filters,
)
from inbox.models import (
    ActionKind,
    Conversation,
    ConversationKind,
    Direction,
    Network,
    Priority,
    Status,
)
from inbox.services import presence
from inbox.services.replies import can_reply_privately
from inbox.services.shield import Shield, shield_load
from inbox.templatetags.inbox_ui import due_clock
from inbox.text_rules import LIMITS, x_weighted_length

POLL_SECONDS = 3
COUNTS_POLL_SECONDS = 10
PRESENCE_POLL_SECONDS = 5
FILTER_KEYS = (
    "view",
    "channel",
    "network",
    "status",
    "priority",
    "label",
    "assignee",
    "kind",
    "needs_reply",
    "sort",
    "page",
)


def signature(parts) -> str:
    """A short fingerprint of what a fragment shows: a poll that would render
    the same thing answers 204 and the browser keeps the page as it is (no
    flicker, no lost focus, nothing re-read by a screen reader).

    Pickled, not ``repr``-ed: ten times faster on rows of dates. The bytes are
    only hashed, never unpickled. Equal bytes always mean equal values; the
    pickle memo could at worst make equal values look different (one needless
    re-render), never the reverse."""
    return hashlib.sha1(pickle.dumps(parts, protocol=5), usedforsecurity=False).hexdigest()[:16]


def filter_query(params: QueryDict, *, drop: tuple[str, ...] = ()) -> str:
    """The filter part of a query string, to carry from the list into links."""
    kept = [(k, v) for k in FILTER_KEYS if k not in drop for v in params.getlist(k) if v]
    return urlencode(kept)


# --- list -------------------------------------------------------------------------------


def list_context(
    request: AuthedRequest,
    *,
    shield: Shield | None = None,
    current_pk: int | None = None,
    stamp: str | None = None,
) -> dict:
    """The list as ``inbox/_list.html`` draws it. ``stamp`` is read before the
    rows (a change landing in between only costs one more render later)."""
    stamp = stamp or selectors.list_stamp(user=request.user)
    filters, page_number = inbox_filters(request.GET)
    page = selectors.conversation_inbox(user=request.user, filters=filters, page=page_number)
    shield = shield or shield_load()
    return {
        "page": page,
        "shielded": {r.pk for r in page.rows if shield.matches(r.last_message_preview)},
        "filters": filters,
        "view_name": selectors.SAVED_VIEW_NAMES.get(filters.view, "All I may see"),
        "filter_query": filter_query(request.GET),
        "list_query": filter_query(request.GET, drop=("page",)),
        "list_stamp": stamp,
        "list_url": reverse("inbox:list"),
        # Row links differ only in the id: one reverse per page, not per row.
        "conversation_base": reverse("inbox:conversation", args=[0]).removesuffix("0/"),
        "viewers_url": reverse("inbox:viewers"),
        "current_pk": current_pk,
        "poll_seconds": POLL_SECONDS,
        "presence_poll_seconds": PRESENCE_POLL_SECONDS,
    }


def counts_context(request: AuthedRequest) -> dict:
    counts = selectors.inbox_counts(user=request.user)
    current = inbox_filters(request.GET)[0].view
    views = [
        {"key": key, "name": name, "count": counts.get(key), "current": key == current}
        for key, name in selectors.SAVED_VIEWS
    ]
    return {
        "saved_views": views,
        "counts_sig": signature([*sorted(counts.items()), current]),
        "counts_poll_seconds": COUNTS_POLL_SECONDS,
        "filter_query_noview": filter_query(request.GET, drop=("view", "page")),
    }


def filters_context(request: AuthedRequest) -> dict:
    user = request.user
    return {
        "filter_channels": selectors.channels_for_filter(user=user),
        "filter_labels": selectors.labels_all(),
        "filter_assignees": selectors.assignees_for_filter(user=user),
        "networks": Network.choices,
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "kinds": [
            (ConversationKind.PUBLIC, "Public post"),
            (ConversationKind.COMMENT, "Comment"),
            (ConversationKind.PRIVATE, "Direct message"),
        ],
        "search_form": SearchForm(),
    }


# --- conversation -----------------------------------------------------------------------


def _length_rule(network: str, kind: str) -> dict:
    measure, limit = LIMITS.get(network, {}).get(kind, (len, 10000))
    return {"rule": "x-weighted" if measure is x_weighted_length else "chars", "limit": limit}


def thread_context(request: AuthedRequest, conversation: Conversation, *, shield=None) -> dict:
    """The live part of a conversation: messages, notes, facts. Polled."""
    user = request.user
    shield = shield or shield_load()
    revealed = selectors.revealed_message_ids(user=user, conversation=conversation)
    done = selectors.conversation_actions_done(conversation=conversation)
    messages = list(selectors.conversation_messages(conversation=conversation))
    network = conversation.channel.network
    for m in messages:
        inbound = m.direction == Direction.IN
        m.shield_matched = inbound and shield.matches(m.text)
        m.shielded = m.shield_matched and m.pk not in revealed
        liked = done.get((ActionKind.LIKE, m.external_id or ""))
        hidden = done.get((ActionKind.HIDE, m.external_id or ""))
        m.like_state = liked.state if liked else None
        m.hide_state = hidden.state if hidden else None
        m.hide_reason = hidden.reason if hidden else ""
        m.can_like = inbound and bool(m.external_id) and network == Network.X
        m.can_hide = (
            inbound
            and bool(m.external_id)
            and (m.kind == "comment" or (network == Network.X and m.kind == "reply"))
        )
    notes = selectors.conversation_notes(conversation=conversation)
    # The hide form offers the house rules; read only when something can be hidden.
    needs_rules = any(m.can_hide and not m.hide_state for m in messages)
    rules = moderation_selectors.house_rules() if needs_rules else []
    labels = list(conversation.labels.order_by("name"))
    clock = due_clock(conversation)
    flags = conversation_flags([conversation])[conversation.pk]
    sig = signature(
        [
            [(m.pk, m.state, m.shielded, m.like_state, m.hide_state) for m in messages],
            [n.pk for n in notes],
            [lb.pk for lb in labels],
            conversation.status,
            conversation.assignee_id,
            conversation.team_id,
            conversation.priority,
            clock and clock["label"],
            conversation.contact.blocked,
            conversation.contact.is_detractor,
            flags,
        ]
    )
    return {
        "conversation": conversation,
        "messages_": messages,
        "house_rules": rules,
        "notes": notes,
        "conversation_labels": labels,
        "clock": clock,
        "flags": flags,
        "thread_sig": sig,
        "poll_seconds": POLL_SECONDS,
        "latest_outbound_id": max(
            (m.pk for m in messages if m.direction == Direction.OUT), default=0
        ),
    }


def composer_context(
    request: AuthedRequest,
    conversation: Conversation,
    *,
    form: ReplyForm | None = None,
    seen_outbound_id: int = 0,
    collisions=None,
    canned=None,
) -> dict:
    network = conversation.channel.network
    if form is None:
        form = ReplyForm(
            initial={
                "idempotency_key": ReplyForm.new_key(),
                "seen_outbound_id": seen_outbound_id,
            }
        )
    return {
        "conversation": conversation,
        "reply_form": form,
        "collisions": collisions or [],
        "collisions_last_id": max((m.pk for m in collisions or []), default=0),
        # In a crisis on this channel its holding statement comes first.
        "canned_responses": canned_responses_for(
            channel=conversation.channel,
            responses=canned if canned is not None else selectors.canned_for(user=request.user),
        ),
        "public_rule": _length_rule(network, conversation.kind),
        "private_rule": _length_rule(network, ConversationKind.PRIVATE),
        "can_reply_privately": can_reply_privately(conversation)
        and conversation.kind != ConversationKind.PRIVATE,
    }


def controls_context(request: AuthedRequest, conversation: Conversation) -> dict:
    colleagues = selectors.colleagues_for(conversation=conversation)
    teams = selectors.teams_for(conversation=conversation)
    labels = selectors.labels_all()
    return {
        "conversation": conversation,
        "assign_form": AssignForm(
            colleagues=colleagues,
            teams=teams,
            initial={
                "assignee": str(conversation.assignee_id or ""),
                "team": str(conversation.team_id or ""),
            },
        ),
        "label_form": LabelForm(labels=labels),
        "all_labels": labels,
        "statuses": Status.choices,
        "colleagues": colleagues,
    }


def contact_context(request: AuthedRequest, conversation: Conversation) -> dict:
    """The contact card: who they are, their history under every identity
    linked with them on the channels the user covers, colleagues' notes about
    them, block and mute. A fixed number of queries, whatever the history."""
    user = request.user
    contact = conversation.contact
    return {
        "conversation": conversation,
        "contact": contact,
        "earlier": selectors.conversation_earlier(user=user, conversation=conversation),
        "interactions": selectors.contact_interactions(user=user, contact=contact),
        "contact_tags": selectors.contact_tags(user=user, contact=contact),
        "contact_notes": selectors.contact_notes(user=user, contact=contact),
        "linked": selectors.contact_linked(user=user, contact=contact),
        "mute": moderation_selectors.contact_mute_state(conversation=conversation),
        "can_mute": conversation.channel.network == Network.X,
        "link_networks": Network.choices,
        "block_form": BlockForm(),
        "contact_note_form": ContactNoteForm(),
        "link_form": ContactLinkForm(),
    }


def conversation_context(
    request: AuthedRequest,
    conversation: Conversation,
    *,
    record_presence: bool = True,
    shield: Shield | None = None,
) -> dict:
    """Everything the conversation pane shows, in a fixed number of queries."""
    user = request.user
    if record_presence:
        presence.conversation_mark_read(user=user, conversation=conversation)
        presence.presence_touch(user=user, conversation=conversation)
    ctx = thread_context(request, conversation, shield=shield or shield_load())
    ctx.update(controls_context(request, conversation))
    ctx.update(contact_context(request, conversation))
    ctx.update(composer_context(request, conversation, seen_outbound_id=ctx["latest_outbound_id"]))
    ctx.update(presence_context(request, conversation))
    ctx["note_form"] = NoteForm()
    ctx["back_query"] = filter_query(request.GET)
    return ctx


def presence_context(request: AuthedRequest, conversation: Conversation) -> dict:
    viewers = selectors.viewers_of(user=request.user, conversation=conversation)
    typing_after = selectors.typing_cutoff()
    people = [
        {
            "name": str(p.user),
            "typing": bool(p.typing_at and p.typing_at >= typing_after),
        }
        for p in viewers
    ]
    return {
        "conversation": conversation,
        "viewers": people,
        "presence_sig": signature(people),
    }

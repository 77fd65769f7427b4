"""Building what the inbox templates show. Reads only: every fetch goes
through ``inbox.selectors`` (the access rule); nothing here writes except the
read marker and presence heartbeat the conversation view records."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from accounts import access
from accounts.http import AuthedRequest
from escalation.selectors import (
    canned_responses_for,
    canned_responses_pinned,
    conversation_flags,
    conversation_flags_annotated,
)
from inbox import moderation_selectors, selectors
from inbox.contact_forms import ContactLinkForm, ContactNoteForm
from inbox.forms import (
    SNOOZE_PRESETS,
    BlockForm,
    NoteForm,
    ReplyForm,
    SearchForm,
    inbox_filters,
)
from inbox.models import (
    Conversation,
    ConversationKind,
    Direction,
    Network,
    Priority,
    Status,
)
from inbox.search_query import SearchQuery, SearchQueryError, search_query_parse
from inbox.services import contacts, moderation, presence
from inbox.services.replies import can_reply_privately
from inbox.services.reply_media import reply_image_allowed
from inbox.services.saved_views import saved_view_params
from inbox.services.search import SearchResults, inbox_search
from inbox.services.shield import Shield, message_shield_matches, shield_load, shield_of
from inbox.templatetags.inbox_ui import due_clock
from inbox.text_rules import LIMITS, bluesky_graphemes, x_weighted_length

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


def filter_pairs(params: QueryDict, *, drop: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(k, v) for k in FILTER_KEYS if k not in drop for v in params.getlist(k) if v]


def filter_query(params: QueryDict, *, drop: tuple[str, ...] = ()) -> str:
    """The filter part of a query string, to carry from the list into links."""
    return urlencode(filter_pairs(params, drop=drop))


# --- list -------------------------------------------------------------------------------


def list_context(
    request: AuthedRequest,
    *,
    shield: Shield | None = None,
    current_pk: int | None = None,
    stamp: str | None = None,
    deferred: bool = False,
) -> dict:
    """The list as ``inbox/_list.html`` draws it. ``stamp`` is read before the
    rows (a change landing in between only costs one more render later).
    ``deferred``: no rows now; the list asks for them once the page is shown
    (the conversation page, where the conversation is what was asked for)."""
    filters, page_number = inbox_filters(request.GET)
    query = filter_query(request.GET)
    if deferred:
        page, shielded, stamp = None, set(), ""
    else:
        stamp = stamp or selectors.list_stamp(user=request.user)
        page = selectors.conversation_inbox(user=request.user, filters=filters, page=page_number)
        shield = shield or shield_load()
        shielded = {r.pk for r in page.rows if shield.matches(r.last_message_preview)}
        # Row links differ only in the id: one reverse per page, not per row.
        base = reverse("inbox:conversation", args=[0]).removesuffix("0/")
        carry = f"?{query}" if query else ""
        for row in page.rows:
            row.href = f"{base}{row.pk}/{carry}"
    return {
        "page": page,
        "shielded": shielded,
        "list_deferred": deferred,
        # A viewer (read-only) is offered no bulk actions and no row checkboxes.
        "can_act": access.acts_anywhere(request.user),
        "filters": filters,
        "view_name": selectors.SAVED_VIEW_NAMES.get(filters.view, "All I may see"),
        "filter_query": query,
        "list_query": filter_query(request.GET, drop=("page",)),
        "list_stamp": stamp,
        "list_url": reverse("inbox:list"),
        "viewers_url": reverse("inbox:viewers"),
        "current_pk": current_pk,
        "poll_seconds": POLL_SECONDS,
        "presence_poll_seconds": PRESENCE_POLL_SECONDS,
        # The header's search box keeps the list's filters (hidden fields).
        "search_carry": filter_pairs(request.GET, drop=("page",)),
    }


def saved_views_nav(request: AuthedRequest, *, current_builtin: str) -> tuple[list, list]:
    """The built-in views and the officer's saved ones (own, then shared), each
    marked current when the list shows exactly its filters. A saved view that
    matches wins, so only one link says "you are here"."""
    here = urlencode(saved_view_params(request.GET))
    mine = [
        {
            "pk": v.pk,
            "name": v.name,
            "query": urlencode(v.query),
            "current": urlencode(v.query) == here,
            "shared_by": "" if v.owner_id == request.user.pk else str(v.owner),
            "team": v.team.name if v.team else "",
        }
        for v in selectors.saved_views_for(user=request.user)
    ]
    claimed = any(v["current"] for v in mine)
    builtin = [
        {"key": key, "name": name, "current": key == current_builtin and not claimed}
        for key, name in selectors.SAVED_VIEWS
    ]
    return builtin, mine


def counts_context(request: AuthedRequest) -> dict:
    """The views and their counts."""
    counts = selectors.inbox_counts(user=request.user)
    # The navigation's badge rides along (out of band), so it stays live too.
    unread = selectors.notifications_unread_count(user=request.user)
    current = inbox_filters(request.GET)[0].view
    builtin, mine = saved_views_nav(request, current_builtin=current)
    for v in builtin:
        v["count"] = counts.get(v["key"])
    return {
        "saved_views": builtin,
        "my_views": mine,
        "notifications_unread": unread,
        "counts_sig": signature(
            [*sorted(counts.items()), unread, current, [sorted(v.items()) for v in mine]]
        ),
        "counts_poll_seconds": COUNTS_POLL_SECONDS,
        "filter_query_noview": filter_query(request.GET, drop=("view", "page")),
        "nav_query": filter_query(request.GET, drop=("page",)),
    }


def filters_context(request: AuthedRequest, *, labels: list | None = None) -> dict:
    """``labels``: every label, when the page already read them."""
    user = request.user
    return {
        "filter_channels": selectors.channels_for_filter(user=user),
        "filter_labels": selectors.labels_all() if labels is None else labels,
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
        "save_view_params": sorted(saved_view_params(request.GET).items()),
        "save_view_teams": selectors.teams_of(user=user),
    }


# --- conversation -----------------------------------------------------------------------


def _length_rule(network: str, kind: str, server_limit: int | None = None) -> dict:
    measure, limit = LIMITS.get(network, {}).get(kind, (len, 10000))
    names: dict[Callable[[str], int], str] = {
        x_weighted_length: "x-weighted",
        bluesky_graphemes: "graphemes",
    }
    rule = names.get(measure, "chars")
    return {"rule": rule, "limit": server_limit or limit}


def thread_context(request: AuthedRequest, conversation: Conversation, *, shield=None) -> dict:
    """The live part of a conversation: messages, notes, facts. Polled."""
    user = request.user
    shield = shield or shield_of(conversation)
    # Each message comes with its like, hide and delete states.
    messages = selectors.conversation_messages_for_view(conversation=conversation)
    network = conversation.channel.network
    manages = access.can_manage_conversation(user, conversation)
    for m in messages:
        m.shield_matched = message_shield_matches(shield, m, m.media_list)
    # What this officer chose to reveal is read only when the shield covers something.
    revealed = (
        selectors.revealed_message_ids(user=user, conversation=conversation)
        if any(m.shield_matched for m in messages)
        else set()
    )
    for m in messages:
        inbound = m.direction == Direction.IN
        m.revealed = m.pk in revealed
        m.shielded = m.shield_matched and not m.revealed
        m.can_like = (
            inbound
            and bool(m.external_id)
            and (
                network in (Network.X, Network.MASTODON)
                or (network == Network.BLUESKY and m.kind != "dm")
            )
        )
        m.can_hide = (
            inbound
            and bool(m.external_id)
            and (
                m.kind == "comment"
                or (network == Network.X and m.kind == "reply")
                # A visitor post is on our Page's timeline; a tag is elsewhere.
                or (network == Network.FACEBOOK and m.kind == "post")
            )
        )
        m.can_delete = manages and moderation.can_delete(m, network)
    notes = selectors.conversation_notes(conversation=conversation)
    all_labels = selectors.labels_all(conversation=conversation)
    labels = [lb for lb in all_labels if lb.applied]
    # The hide form offers the house rules; read only when something can be hidden.
    needs_rules = any(
        (m.can_hide and not m.hide_state) or (m.can_delete and not m.delete_state) for m in messages
    )
    rules = moderation_selectors.house_rules() if needs_rules else []
    clock = due_clock(conversation)
    flags = _flags(conversation)
    sig = signature(
        [
            [
                (m.pk, m.state, m.shielded, m.like_state, m.hide_state, m.delete_state)
                for m in messages
            ],
            [n.pk for n in notes],
            [lb.pk for lb in labels],
            conversation.status,
            conversation.assignee_id,
            conversation.team_id,
            conversation.priority,
            conversation.snoozed_until,
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
        "all_labels": all_labels,
        "clock": clock,
        "flags": flags,
        "thread_sig": sig,
        "poll_seconds": POLL_SECONDS,
        "latest_outbound_id": max(
            (m.pk for m in messages if m.direction == Direction.OUT), default=0
        ),
    }


def _flags(conversation: Conversation):
    if hasattr(conversation, "escalation_levels"):  # selectors.conversation_get_for_view
        return conversation_flags_annotated(conversation)
    return conversation_flags([conversation])[conversation.pk]


def _canned(conversation: Conversation, responses: list) -> list:
    """The canned responses, the crisis's holding statement first: read with
    the conversation (selectors.conversation_get_for_view) or read now."""
    if hasattr(conversation, "crisis_canned_id"):
        return canned_responses_pinned(responses=responses, pinned_id=conversation.crisis_canned_id)
    return canned_responses_for(channel=conversation.channel, responses=responses)


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
        "canned_responses": _canned(
            conversation,
            canned if canned is not None else selectors.canned_for(user=request.user),
        ),
        "public_rule": _length_rule(
            network, conversation.kind, conversation.channel.post_max_characters
        ),
        "private_rule": _length_rule(
            network, ConversationKind.PRIVATE, conversation.channel.post_max_characters
        ),
        "can_reply_privately": can_reply_privately(conversation)
        and conversation.kind != ConversationKind.PRIVATE,
        "can_attach_image": reply_image_allowed(conversation=conversation),
    }


def controls_context(
    request: AuthedRequest, conversation: Conversation, *, labels: list | None = None
) -> dict:
    """The header controls. ``labels``: every label marked ``applied`` for this
    conversation (``selectors.labels_all(conversation=...)``), when the caller
    read them already (the conversation view does)."""
    colleagues = selectors.colleagues_for(conversation=conversation)
    teams = selectors.teams_for(conversation=conversation)
    if labels is None:
        labels = selectors.labels_all(conversation=conversation)
    conversation_labels = [lb for lb in labels if lb.applied]
    return {
        "conversation": conversation,
        "all_labels": labels,
        "conversation_label_ids": {lb.pk for lb in conversation_labels},
        "conversation_labels": conversation_labels,
        "statuses": Status.choices,
        "priorities": sorted(Priority.choices, reverse=True),
        "snooze_presets": SNOOZE_PRESETS,
        "colleagues": colleagues,
        "teams": teams,
        # The role is read once per request (accounts.access), so this is free.
        "can_create_labels": access.is_manager_or_admin(request.user),
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
        "interactions": selectors.contact_interactions(user=user, conversation=conversation),
        "contact_tags": selectors.contact_tags(user=user, conversation=conversation),
        "contact_notes": selectors.contact_notes(
            user=user, contact=contact, conversation=conversation
        ),
        "linked": selectors.contact_linked(user=user, contact=contact),
        "mute": moderation_selectors.contact_mute_state(conversation=conversation),
        "can_mute": conversation.channel.network in moderation.MUTE_NETWORKS,
        "blocks_on_network": conversation.channel.network in contacts.BLOCK_NETWORKS,
        "unblocks_on_network": conversation.channel.network in contacts.UNBLOCK_NETWORKS,
        # A wrong flag is cleared by a manager of the channel or an admin (in
        # the settings area, with a reason); asked only when there is a flag.
        "can_clear_detractor": contact.is_detractor
        and access.can_manage_channel(user, conversation.channel),
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
    card: bool = True,
) -> dict:
    """Everything the conversation pane shows, in a fixed number of queries.
    Without ``card`` the contact card is left for its own request
    (``inbox/_contact_deferred.html``)."""
    user = request.user
    if record_presence:
        presence.conversation_opened(user=user, conversation=conversation)
    ctx = thread_context(request, conversation, shield=shield or shield_of(conversation))
    # A viewer (auditor) reads the pane without the controls that would only
    # be refused (accounts.access.can_act_on; read from the request's memo).
    ctx["read_only"] = not access.can_act_on(user, conversation)
    ctx.update(controls_context(request, conversation, labels=ctx["all_labels"]))
    if card:
        ctx.update(contact_context(request, conversation))
    else:
        ctx["contact_deferred"] = True
    ctx.update(composer_context(request, conversation, seen_outbound_id=ctx["latest_outbound_id"]))
    ctx.update(presence_context(request, conversation))
    ctx["note_form"] = NoteForm()
    ctx["back_query"] = filter_query(request.GET)
    return ctx


def presence_context(request: AuthedRequest, conversation: Conversation) -> dict:
    people = selectors.viewers_of(user=request.user, conversation=conversation)
    return {
        "conversation": conversation,
        "viewers": people,
        "presence_sig": signature(people),
    }


# --- search -----------------------------------------------------------------------------


def _shield_results(results: SearchResults) -> None:
    shield = shield_load()
    for m in results.messages:
        m.shielded = m.direction == Direction.IN and shield.matches(m.text)
    for c in results.conversations:
        c.snippet_shielded = shield.matches(c.last_message_preview)


def search_filters_summary(user, filters) -> list[str]:
    """The list's filters a search keeps, in words ("Channel: Riverside
    Council"). Names are read only for the filters that are set."""
    said = []
    if filters.view != "all":
        said.append(f"View: {selectors.SAVED_VIEW_NAMES[filters.view]}")
    if filters.channel_id:
        names = {c.pk: c.name for c in selectors.channels_for_filter(user=user)}
        said.append(f"Channel: {names.get(filters.channel_id, 'one you do not cover')}")
    if filters.network:
        said.append(f"Network: {Network(filters.network).label}")
    if filters.kind:
        said.append(f"Kind: {ConversationKind(filters.kind).label}")
    if filters.status:
        said.append(f"Status: {Status(filters.status).label}")
    if filters.priority is not None:
        said.append(f"Priority: {Priority(filters.priority).label}")
    if filters.label_id:
        names = {lb.pk: lb.name for lb in selectors.labels_all()}
        said.append(f"Label: {names.get(filters.label_id, 'unknown')}")
    if filters.assignee_id:
        people = {u.pk: str(u) for u in selectors.assignees_for_filter(user=user)}
        said.append(f"Assignee: {people.get(filters.assignee_id, 'someone outside your teams')}")
    if filters.needs_reply:
        said.append("Needs a reply")
    return said


def _parsed(raw: str) -> tuple[SearchQuery | None, str]:
    """The parsed query, or the sentence that says why there is none."""
    try:
        parsed = search_query_parse(raw)
    except SearchQueryError as exc:
        return None, str(exc)
    if parsed.is_empty():  # only quotes or stray marks
        return None, "Enter some words or an operator to search for."
    return parsed, ""


def search_context(request: AuthedRequest) -> dict:
    """The search page: the parsed query run within the list's filters, one
    page of results, and links to the pages either side."""
    form = SearchForm(request.GET or None)
    filters, page = inbox_filters(request.GET)
    results, query_error = None, ""
    if form.is_valid():
        parsed, query_error = _parsed(form.cleaned_data["q"])
        if parsed is not None:
            results = inbox_search(user=request.user, query=parsed, filters=filters, page=page)
            _shield_results(results)
    carry = filter_pairs(request.GET, drop=("page",))
    return {
        "search_form": form,
        "search_query": form.data.get("q", ""),
        "query_error": query_error,
        "results": results,
        "search_carry": carry,
        "filters_summary": search_filters_summary(request.user, filters) if carry else [],
        "pages_query": urlencode([("q", form.data.get("q", "")), *carry]),
        # A result opens in the list it was searched from.
        "carry_query": f"?{urlencode(carry)}" if carry else "",
        "unfiltered_query": urlencode([("q", form.data.get("q", ""))]),
    }

"""Reads for the escalation app. Anything fetched for a person goes through
the access rule (``accounts.access``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, ForeignKey, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import User
from escalation import clock as business_clock
from escalation.hours_selectors import bio_statements
from escalation.models import (
    ConversationTarget,
    CrisisMode,
    Escalation,
    EscalationRule,
    KeywordList,
    StaffedHours,
)
from inbox.models import (
    DIRECT_MESSAGES_APPS,
    CannedResponse,
    Channel,
    Contact,
    Conversation,
    ConversationKind,
    Network,
    Status,
)
from socialdesk.db import JSONRows

MESSENGER_WINDOW = timedelta(hours=24)
# "Window closing" is raised when less than this is left and nobody has answered.
MESSENGER_WARNING = timedelta(hours=4)
# An author this many followers hear is "influential" on the inbox's rows
# (escalation rules set their own thresholds: ``EscalationRule.min_followers``).
INFLUENTIAL_FOLLOWERS = 10_000


def schedules_by_channel(
    *, channel_ids: Sequence[int] | None = None
) -> dict[int, business_clock.Schedule]:
    """Each channel's staffed-hours schedule; channels missing are 24/7."""
    qs = StaffedHours.objects.prefetch_related("intervals", "exceptions")
    if channel_ids is not None:
        qs = qs.filter(channel_id__in=list(channel_ids))
    return {h.channel_id: h.schedule() for h in qs}


def channel_hours_statement(*, channel: Channel) -> str:
    """The text for the channel's profile bio, generated from its hours."""
    return hours_statements(channels=[channel])[channel.pk]


def hours_statements(*, channels: Iterable[Channel]) -> dict[int, str]:
    """The profile-bio statement of each channel (hours, expected wait and
    emergency signposting), as the settings' bio page words it."""
    return {b.channel.pk: b.text for b in bio_statements(channels=channels)}


def active_crises() -> QuerySet[CrisisMode]:
    return (
        CrisisMode.objects.filter(ended_at__isnull=True)
        .select_related("started_by")
        .prefetch_related("channels")
    )


def crisis_for_channels(*, channel_ids: Iterable[int] | None = None) -> dict[int, CrisisMode]:
    """The active crisis of each channel (of all channels when None), in one
    query whether or not a crisis is on (the inbox list counts its queries)."""
    links = CrisisMode.channels.through.objects.filter(
        crisismode__ended_at__isnull=True
    ).select_related("crisismode__started_by")
    if channel_ids is not None:
        links = links.filter(channel_id__in=list(channel_ids))
    return {link.channel_id: link.crisismode for link in links.order_by("crisismode_id")}


# --- what the inbox shows -------------------------------------------------------------


@dataclass(frozen=True)
class ConversationFlags:
    """Everything escalation knows about one conversation, for the inbox.
    ``state`` is never shown by colour alone: ``label`` is its words."""

    state: str  # "" | "paused" | "ok" | "warning" | "breached" | "limit"
    label: str
    due_at: datetime | None
    limit_at: datetime | None
    detractor: bool
    window_closes_at: datetime | None
    window_closing: bool
    open_escalations: int
    escalation_level: int
    in_crisis: bool
    influential: bool = False
    window_app: str = ""  # "Messenger" or "Instagram Direct" where a reply window applies


_STATE_LABELS = {
    "": "",
    "paused": "Clock paused (waiting on the citizen)",
    "ok": "Within target",
    "warning": "Near target",
    "breached": "Target breached",
    "limit": "Outer limit breached",
}


def _target_state(target: ConversationTarget | None, conv: Conversation, now: datetime) -> str:
    if target is None or conv.awaiting_since is None or conv.status == Status.RESOLVED:
        return ""
    if conv.status == Status.PENDING:
        return "paused"
    for state, at in (
        ("limit", target.limit_at),
        ("breached", target.due_at),
        ("warning", target.warn_at),
    ):
        if at is not None and at <= now:
            return state
    return "ok"


# Direct messages answerable only within 24 hours of the person's last one:
# Messenger, and Instagram's messaging API (the same rule).
WINDOWED_NETWORKS = (Network.FACEBOOK, Network.INSTAGRAM)


def messenger_window(
    conversation: Conversation, now: datetime, *, network: str | None = None
) -> tuple[datetime | None, bool]:
    """(when the Messenger reply window closes, whether it is closing soon
    with the citizen unanswered) for Facebook private conversations."""
    network = network or conversation.channel.network
    if conversation.kind != ConversationKind.PRIVATE or network not in WINDOWED_NETWORKS:
        return None, False
    # Ingest keeps reply_window_closes_at; older rows only have the last inbound.
    closes = conversation.reply_window_closes_at or (
        conversation.last_inbound_at + MESSENGER_WINDOW if conversation.last_inbound_at else None
    )
    if closes is None:
        return None, False
    closing = conversation.awaiting_since is not None and now < closes <= now + MESSENGER_WARNING
    return closes, closing


def conversation_flags(
    conversations: Sequence[Conversation], *, now: datetime | None = None
) -> dict[int, ConversationFlags]:
    """Flags for a page of conversations in a fixed number of queries (five),
    whatever the page size. Pass conversations already checked by the
    access rule (``inbox.selectors.conversation_list``)."""
    now = now or timezone.now()
    ids = [c.pk for c in conversations]
    if not ids:
        return {}
    targets = ConversationTarget.objects.in_bulk(ids)
    contacts = _loaded(conversations, "contact", Contact, ("is_detractor", "followers_count"))
    escalations: dict[int, list[int]] = {}
    for conv_id, level in Escalation.objects.filter(
        conversation_id__in=ids, acknowledged_at__isnull=True
    ).values_list("conversation_id", "level"):
        escalations.setdefault(conv_id, []).append(level)
    networks = {
        pk: channel.network
        for pk, channel in _loaded(conversations, "channel", Channel, ("network",)).items()
    }
    crisis = crisis_for_channels(channel_ids=set(networks))
    return {
        conv.pk: _flags_for(
            conv,
            target=targets.get(conv.pk),
            levels=escalations.get(conv.pk, []),
            in_crisis=conv.channel_id in crisis,
            contact=contacts.get(conv.contact_id),
            network=networks.get(conv.channel_id),
            now=now,
        )
        for conv in conversations
    }


def _flags_for(
    conv: Conversation,
    *,
    target: ConversationTarget | None,
    levels: Sequence[int],
    in_crisis: bool,
    contact: Contact | None,
    network: str | None,
    now: datetime,
) -> ConversationFlags:
    state = _target_state(target, conv, now)
    closes, closing = messenger_window(conv, now, network=network)
    return ConversationFlags(
        state=state,
        label=_STATE_LABELS[state],
        due_at=target.due_at if target and state else None,
        limit_at=target.limit_at if target and state else None,
        detractor=bool(contact and contact.is_detractor),
        window_closes_at=closes,
        window_closing=closing,
        open_escalations=len(levels),
        escalation_level=max(levels, default=0),
        in_crisis=in_crisis,
        influential=bool(contact and contact.followers_count >= INFLUENTIAL_FOLLOWERS),
        window_app=DIRECT_MESSAGES_APPS.get(network or conv.channel.network, "") if closes else "",
    )


def flag_annotations(*, holding_statement: bool = True) -> dict[str, Any]:
    """What ``conversation_flags`` reads, as annotations for a query of
    conversations (the conversation view, the list's page), so the flags and,
    with ``holding_statement``, the crisis's pinned holding statement
    (``crisis_canned_id``: the composer's, not a row's) cost no query of their
    own. Select ``escalation_target`` with it; read the result with
    ``conversation_flags_annotated``."""
    unacknowledged = Escalation.objects.filter(
        conversation=OuterRef("pk"), acknowledged_at__isnull=True
    ).order_by()
    crisis = CrisisMode.channels.through.objects.filter(
        channel_id=OuterRef("channel_id"), crisismode__ended_at__isnull=True
    ).order_by("crisismode_id")
    annotations = {
        "escalation_levels": JSONRows(unacknowledged.values(row=JSONObject(level="level"))),
        "crisis_id": Subquery(crisis.values("crisismode_id")[:1]),
    }
    if holding_statement:
        annotations["crisis_canned_id"] = Subquery(
            crisis.values("crisismode__canned_response_id")[:1]
        )
    return annotations


def conversation_flags_annotated(
    conversation: Conversation, *, now: datetime | None = None
) -> ConversationFlags:
    """The flags of a conversation read with ``flag_annotations()`` and its
    channel, contact and ``escalation_target`` selected."""
    return _flags_for(
        conversation,
        # None when the join found no target (a reverse one-to-one raises).
        target=getattr(conversation, "escalation_target", None),
        levels=[e["level"] for e in conversation.escalation_levels],  # type: ignore[attr-defined]
        in_crisis=conversation.crisis_id is not None,  # type: ignore[attr-defined]
        contact=conversation.contact,
        network=conversation.channel.network,
        now=now or timezone.now(),
    )


def _loaded(conversations: Sequence[Conversation], name: str, model, fields: tuple) -> dict:
    """The conversations' related ``name`` rows by id: the ones already loaded
    with them (the inbox list selects them), and one query for the rest."""
    field = Conversation._meta.get_field(name)
    assert isinstance(field, ForeignKey)  # a conversation's own foreign key
    found = {
        getattr(c, f"{name}_id"): getattr(c, name) for c in conversations if field.is_cached(c)
    }
    missing = {getattr(c, f"{name}_id") for c in conversations} - set(found)
    if missing:
        found.update(model.objects.only("pk", *fields).in_bulk(missing))
    return found


def escalated_q() -> Q:
    """Conversations with an unacknowledged escalation: for the inbox's
    "Escalated" view (``inbox.selectors.escalated_q`` can return this)."""
    return Q(
        Exists(Escalation.objects.filter(conversation=OuterRef("pk"), acknowledged_at__isnull=True))
    )


def messenger_window_closing_q(*, now: datetime, within: timedelta = MESSENGER_WARNING) -> Q:
    """Facebook private conversations whose Messenger window closes after
    ``now`` and within ``within`` (``reply_window_closes_at``, or the last
    inbound + 24 h on rows from before ingest kept it)."""
    kept = Q(reply_window_closes_at__gt=now, reply_window_closes_at__lte=now + within)
    older = Q(
        reply_window_closes_at__isnull=True,
        last_inbound_at__gt=now - MESSENGER_WINDOW,
        last_inbound_at__lte=now - MESSENGER_WINDOW + within,
    )
    return Q(channel__network__in=WINDOWED_NETWORKS, kind=ConversationKind.PRIVATE) & (kept | older)


def messenger_windows_closing(*, now: datetime) -> QuerySet[Conversation]:
    """Unanswered Messenger conversations whose window closes within the warning time."""
    return Conversation.objects.filter(
        messenger_window_closing_q(now=now), awaiting_since__isnull=False
    ).exclude(status=Status.RESOLVED)


# --- escalations and rules for a person -----------------------------------------------


def escalations_open_for_user(*, user: User) -> QuerySet[Escalation]:
    """Unacknowledged escalations on channels the user may see."""
    return (
        Escalation.objects.filter(
            acknowledged_at__isnull=True, channel__in=access.channels_visible_to(user).values("pk")
        )
        .select_related("rule", "conversation", "conversation__contact", "channel")
        .order_by("-level", "raised_at")
    )


def escalation_get_for_user(*, user: User, pk: int) -> Escalation:
    try:
        return (
            Escalation.objects.filter(channel__in=access.channels_visible_to(user).values("pk"))
            .select_related("rule", "conversation", "channel")
            .get(pk=pk)
        )
    except Escalation.DoesNotExist as exc:
        raise Http404("No such escalation") from exc


def rules_for_user(*, user: User) -> QuerySet[EscalationRule]:
    """Rules a manager may see: admins see all; managers see rules confined
    to channels of the teams they manage (a rule for every channel is an
    admin's)."""
    qs = EscalationRule.objects.prefetch_related("channels", "levels", "keyword_lists").order_by(
        "name"
    )
    if access.is_admin(user):
        return qs
    if not access.managed_team_ids(user):
        return qs.none()
    # The channels of the teams they manage: a manager of team A who is an
    # officer of team B does not keep team B's rules.
    managed = access.channels_managed_by(user).values("pk")
    through = EscalationRule.channels.through
    elsewhere = through.objects.exclude(channel_id__in=managed).values("escalationrule_id")
    return qs.filter(channels__isnull=False).exclude(pk__in=elsewhere).distinct()


def rule_get_for_user(*, user: User, pk: int) -> EscalationRule:
    try:
        return rules_for_user(user=user).get(pk=pk)
    except EscalationRule.DoesNotExist as exc:
        raise Http404("No such rule") from exc


def crisis_get_for_user(*, user: User, pk: int) -> CrisisMode:
    if not access.managed_team_ids(user):
        raise Http404("No such crisis")
    managed = set(access.channels_managed_by(user).values_list("pk", flat=True))
    crisis = CrisisMode.objects.prefetch_related("channels").filter(pk=pk).first()
    if crisis is None or not {c.pk for c in crisis.channels.all()} <= managed:
        raise Http404("No such crisis")
    return crisis


def contact_get_for_user(*, user: User, pk: int) -> Contact:
    """A contact the user has at least one visible conversation with."""
    visible = access.conversations_visible_to(user)
    contact = Contact.objects.filter(pk=pk, conversations__in=visible.values("pk")).first()
    if contact is None:
        raise Http404("No such contact")
    return contact


def canned_responses_for(
    *, channel: Channel, responses: Iterable[CannedResponse]
) -> list[CannedResponse]:
    """``responses`` with the holding statement of the channel's active
    crisis (if any) pinned first."""
    crisis = crisis_for_channels(channel_ids=[channel.pk]).get(channel.pk)
    return canned_responses_pinned(
        responses=responses, pinned_id=crisis.canned_response_id if crisis else None
    )


def canned_responses_pinned(
    *, responses: Iterable[CannedResponse], pinned_id: int | None
) -> list[CannedResponse]:
    """``responses`` with ``pinned_id`` first: the crisis's holding statement,
    when the caller already read it (``flag_annotations``' ``crisis_canned_id``)."""
    ordered = list(responses)
    if pinned_id is None:
        return ordered
    pinned = [r for r in ordered if r.pk == pinned_id]
    if not pinned:
        extra = CannedResponse.objects.filter(pk=pinned_id).first()
        pinned = [extra] if extra else []
    return pinned + [r for r in ordered if r.pk != pinned_id]


def keyword_lists_all() -> list[KeywordList]:
    """The keyword lists, each with ``rule_count``: how many rules use it."""
    return list(KeywordList.objects.annotate(rule_count=Count("rules")).order_by("name"))


def keyword_list_get(*, key: str) -> KeywordList:
    """The lists are shared by all teams: any manager or admin may read one."""
    kl = KeywordList.objects.filter(key=key).first()
    if kl is None:
        raise Http404("No such keyword list")
    return kl
